//! `get_integration`: one integration's setup and what its provider requires, plus its deployed
//! syncs and actions. App secrets are reduced to "set / not set".

use nango_api::{
    IntegrationInclude, NangoError,
    models::{
        AppCredentials, AppCredentialsField, Function, IntegrationDetail, Provider, ProviderField,
    },
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve};
use crate::{errors::ToolError, output::text};

pub struct GetIntegration;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration key (or provider).
    pub integration: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub key: String,
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_webhooks: Option<bool>,
    /// The OAuth/app configuration as facts; null when the key may not read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<AppFacts>,
    pub requirements: Requirements,
    pub syncs: Vec<SyncDefinition>,
    pub actions: Vec<ActionDefinition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AppFacts {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub scopes: Vec<String>,
    pub client_id_set: bool,
    pub client_secret_set: bool,
    pub webhook_secret_set: bool,
    pub private_key_set: bool,
}

/// What a connection to this provider must supply.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Requirements {
    pub connection_config: Vec<FieldRequirement>,
    pub credentials: Vec<FieldRequirement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_guide: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldRequirement {
    pub name: String,
    /// A person must supply it: false for optional, Nango-filled, hidden and defaulted fields.
    pub required: bool,
    /// Nango fills it itself (e.g. Salesforce `instance_url`); nobody supplies it.
    pub automated: bool,
    /// Nango's Connect UI never asks for it (e.g. a BASIC password that is always empty).
    pub hidden: bool,
    /// The catalog's default, used when nobody supplies the field (never shown for secret fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncDefinition {
    pub name: String,
    pub models: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_start: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_deletes: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ActionDefinition {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    pub returns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<String>,
}

impl NangoTool for GetIntegration {
    const NAME: &'static str = "get_integration";
    const TITLE: &'static str = "Get integration";
    const DESCRIPTION: &'static str = "One integration's setup: provider, auth mode, scopes, webhooks, what connections must supply, deployed syncs and actions.";
    const TOOLSET: Toolset = Toolset::Integrations;
    const EXAMPLE: &'static str = r#"{"integration": "salesforce-prod"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let key = resolve::single_integration(&ctx, &params.integration).await?;
        let include = IntegrationInclude {
            webhook: true,
            credentials: true,
        };
        let detail = ctx
            .client
            .get_integration(&key, include)
            .await
            .or_tool(&ctx)?;
        let (provider, functions) = futures::join!(
            ctx.client.get_provider(&detail.integration.provider),
            ctx.client.all_functions(&key)
        );
        let mut notes = Vec::new();
        let provider = optional("provider template", provider, &mut notes);
        let functions = optional("deployed functions", functions, &mut notes).unwrap_or_default();
        let auth_mode = provider
            .as_ref()
            .and_then(|provider| provider.auth_mode.as_deref());
        if let Some(note) = app_note(&detail.credentials, auth_mode) {
            notes.push(note);
        }
        Ok(output(detail, provider, functions, notes))
    }

    fn render(output: &Output) -> String {
        let mut lines = vec![format!(
            "Integration {} — provider {}{}{}",
            output.key,
            output.provider,
            output
                .auth_mode
                .as_deref()
                .map(|mode| format!(", auth {mode}"))
                .unwrap_or_default(),
            output
                .display_name
                .as_deref()
                .map(|name| format!(" (\"{}\")", text::clip(name, 60)))
                .unwrap_or_default(),
        )];
        if let Some(app) = &output.app {
            lines.push(app_line(app));
        }
        if let Some(url) = &output.webhook_url {
            lines.push(format!("Webhook URL: {url}"));
        }
        let requirements = &output.requirements;
        for (label, fields) in [
            ("Connection config", &requirements.connection_config),
            ("Credentials", &requirements.credentials),
        ] {
            lines.extend(requirement_lines(label, fields));
        }
        if let Some(docs) = &requirements.docs {
            lines.push(format!("Docs: {docs}"));
        }
        lines.push(format!("Syncs ({}):", output.syncs.len()));
        lines.extend(output.syncs.iter().map(|sync| {
            format!(
                "- {} → {} [{}{}]{}",
                sync.name,
                sync.models.join(", "),
                sync.frequency.as_deref().unwrap_or("no schedule"),
                if sync.enabled == Some(false) {
                    ", disabled"
                } else {
                    ""
                },
                sync.last_deployed
                    .as_deref()
                    .map(|at| format!(" deployed {at}"))
                    .unwrap_or_default()
            )
        }));
        lines.push(format!("Actions ({}):", output.actions.len()));
        lines.extend(output.actions.iter().map(|action| {
            format!(
                "- {}({}) → {}",
                action.name,
                action.input.as_deref().unwrap_or(""),
                action.returns.join(", ")
            )
        }));
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        lines.join("\n")
    }
}

/// Who supplies each field: a person (required, optional or defaulted), Nango, or nobody
/// (hidden from the Connect UI, its default used).
fn requirement_lines(label: &str, fields: &[FieldRequirement]) -> Vec<String> {
    let mut lines = Vec::new();
    let names = |filter: &dyn Fn(&FieldRequirement) -> bool,
                 describe: &dyn Fn(&FieldRequirement) -> String| {
        fields
            .iter()
            .filter(|field| filter(field))
            .map(describe)
            .collect::<Vec<_>>()
    };
    let supplied = names(&|field| !field.automated && !field.hidden, &|field| {
        let note = match (&field.default, field.required) {
            (Some(default), _) => format!(" (default {default:?})"),
            (None, false) => " (optional)".to_owned(),
            (None, true) => String::new(),
        };
        format!("{}{note}", field.name)
    });
    if !supplied.is_empty() {
        lines.push(format!(
            "{label} each connection must supply: {}",
            supplied.join(", ")
        ));
    }
    let automated = names(&|field| field.automated, &|field| field.name.clone());
    if !automated.is_empty() {
        lines.push(format!(
            "{label} filled by Nango (nobody supplies it): {}",
            automated.join(", ")
        ));
    }
    let hidden = names(
        &|field| field.hidden && !field.automated,
        &|field| match &field.default {
            Some(default) => format!("{} (default {default:?})", field.name),
            None => field.name.clone(),
        },
    );
    if !hidden.is_empty() {
        lines.push(format!(
            "{label} hidden from Nango's Connect UI (nobody is asked; its default is used): {}",
            hidden.join(", ")
        ));
    }
    lines
}

fn app_line(app: &AppFacts) -> String {
    let mut line = format!(
        "App{}: scopes [{}]; client id {}, client secret {}, webhook secret {}",
        app.kind
            .as_deref()
            .map(|kind| format!(" ({kind})"))
            .unwrap_or_default(),
        app.scopes.join(" "),
        set(app.client_id_set),
        set(app.client_secret_set),
        set(app.webhook_secret_set)
    );
    // GitHub-style apps (APP, CUSTOM) authenticate with a private key.
    if app.private_key_set || matches!(app.kind.as_deref(), Some("APP" | "CUSTOM")) {
        line.push_str(&format!(", private key {}", set(app.private_key_set)));
    }
    line
}

fn set(flag: bool) -> &'static str {
    if flag { "set" } else { "not set" }
}

/// Auth modes whose integration holds an app configuration (client id and secret, scopes, a
/// private key). BASIC, API_KEY and the other modes have none: each connection brings its own.
const APP_AUTH_MODES: &[&str] = &[
    "OAUTH1",
    "OAUTH2",
    "APP",
    "CUSTOM",
    "MCP_OAUTH2",
    "MCP_OAUTH2_GENERIC",
    "TBA",
];

/// What to say about the app configuration: "not visible to this key" only when the auth mode
/// has one (a read-only key on a BASIC integration hides nothing).
fn app_note(credentials: &AppCredentialsField, auth_mode: Option<&str>) -> Option<String> {
    let has_app = auth_mode.is_none_or(|mode| APP_AUTH_MODES.contains(&mode));
    match credentials {
        AppCredentialsField::Configured(_) => None,
        AppCredentialsField::NotReturned if has_app => Some(
            "App configuration (OAuth client, scopes) is not visible to this key; that is expected for a read-only key."
                .to_owned(),
        ),
        AppCredentialsField::NotReturned | AppCredentialsField::NoneConfigured => Some(format!(
            "This integration has no app credentials (nothing to configure for {}); each connection brings its own.",
            auth_mode.map_or_else(|| "its auth mode".to_owned(), |mode| format!("auth mode {mode}"))
        )),
    }
}

/// A secondary lookup that should not sink the whole answer: failures become a note.
fn optional<T>(what: &str, result: Result<T, NangoError>, notes: &mut Vec<String>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) if error.is_missing_scope() => {
            notes.push(format!(
                "{what} not visible: the key lacks the scope ({error})."
            ));
            None
        }
        Err(error) => {
            notes.push(format!("{what} unavailable: {error}."));
            None
        }
    }
}

fn output(
    detail: IntegrationDetail,
    provider: Option<Provider>,
    functions: Vec<Function>,
    notes: Vec<String>,
) -> Output {
    let IntegrationDetail {
        integration,
        webhook_url,
        credentials,
    } = detail;
    let (syncs, actions): (Vec<Function>, Vec<Function>) = functions
        .into_iter()
        .filter(|function| function.kind != "on-event")
        .partition(|function| function.kind == "sync");
    Output {
        key: integration.unique_key,
        provider: integration.provider,
        display_name: integration.display_name,
        auth_mode: provider
            .as_ref()
            .and_then(|provider| provider.auth_mode.clone()),
        created_at: integration.created_at.map(|time| time.to_rfc3339()),
        updated_at: integration.updated_at.map(|time| time.to_rfc3339()),
        webhook_url,
        forward_webhooks: integration.forward_webhooks,
        app: credentials.facts().map(app_facts),
        requirements: provider.map(requirements).unwrap_or_default(),
        syncs: syncs.into_iter().map(sync_definition).collect(),
        actions: actions.into_iter().map(action_definition).collect(),
        notes,
    }
}

fn app_facts(credentials: &AppCredentials) -> AppFacts {
    AppFacts {
        kind: credentials.kind.clone(),
        scopes: credentials.scopes.clone(),
        client_id_set: credentials.has_client_id,
        client_secret_set: credentials.has_client_secret,
        webhook_secret_set: credentials.has_webhook_secret,
        private_key_set: credentials.has_private_key,
    }
}

fn requirements(provider: Provider) -> Requirements {
    let fields =
        |fields: std::collections::BTreeMap<String, ProviderField>| -> Vec<FieldRequirement> {
            fields
                .into_iter()
                .map(|(name, field)| FieldRequirement {
                    name,
                    required: field.is_required(),
                    automated: field.is_automated(),
                    hidden: field.is_hidden(),
                    default: field
                        .default_text()
                        .filter(|_| !field.secret.unwrap_or(false)),
                    title: field.title,
                    description: field.description,
                    pattern: field.pattern,
                })
                .collect()
        };
    Requirements {
        connection_config: fields(provider.connection_config),
        credentials: fields(provider.credentials),
        default_scopes: provider.default_scopes,
        docs: provider.docs,
        setup_guide: provider.setup_guide_url,
    }
}

fn sync_definition(function: Function) -> SyncDefinition {
    SyncDefinition {
        name: function.name,
        models: function.returns,
        frequency: function.runs,
        enabled: function.enabled,
        auto_start: function.auto_start,
        track_deletes: function.track_deletes,
        last_deployed: function.last_deployed.map(|time| time.to_rfc3339()),
        scopes: function.scopes,
    }
}

fn action_definition(function: Function) -> ActionDefinition {
    ActionDefinition {
        name: function.name,
        input: function.input,
        returns: function.returns,
        enabled: function.enabled,
        last_deployed: function.last_deployed.map(|time| time.to_rfc3339()),
    }
}
