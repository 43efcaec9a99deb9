//! `get_environment`: what this server is connected to and how data flows there: host, environment,
//! key fingerprint, the key's read scopes (probed), rate-limit headroom, variable names, counts, and
//! the deployed "mapping logic" (syncs and actions per integration) with versions and deploy times.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use nango_api::{
    ConnectionsQuery, CredentialAccess, IntegrationInclude, NangoError, ScopeProbe,
    management::{GetOperation, ManagementError},
    models::{IntegrationScripts, Script, SyncSelector},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NangoTool, ToolContext, Toolset};
use crate::{
    errors::ToolError,
    health::{HealthCounts, health_of},
    output::{budget, text},
};

pub struct GetEnvironment;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Include deployed syncs/actions (default true).
    pub mapping_logic: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub environment: String,
    pub environments: Vec<String>,
    pub host: String,
    /// True when this is the built-in sandbox (`--demo`), not a real Nango.
    pub sandbox: bool,
    /// sha256 prefix of the secret key: tells keys apart without revealing them.
    pub key_fingerprint: String,
    /// Scope → "granted", "missing" or "unknown", from cheap read probes.
    pub scopes: BTreeMap<String, String>,
    /// Whether writes are enabled, and the scope each write tool needs (probed without writing).
    pub writes: crate::writes::scopes::WriteAccess,
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    pub counts: Counts,
    /// Variable names only (values are secrets and never read out); `unknown` says why they
    /// could not be read.
    pub variables: Variables,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_deployment: Option<String>,
    pub mapping_logic: Vec<IntegrationLogic>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Variables {
    /// Null when they could not be read (see `unknown`).
    pub names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RateLimit {
    pub limit_per_minute: u32,
    pub remaining: u32,
    pub resets_at: String,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Counts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrations: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections_by_health: Option<HealthCounts>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IntegrationLogic {
    pub integration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    pub syncs: Vec<ScriptFacts>,
    pub actions: Vec<ScriptFacts>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ScriptFacts {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<String>,
}

impl NangoTool for GetEnvironment {
    const NAME: &'static str = "get_environment";
    const TITLE: &'static str = "Get environment";
    const DESCRIPTION: &'static str = "Setup: host, environment, key fingerprint and scopes, rate-limit headroom, variable names (no values), counts (broken connections too), deployed syncs and actions.";
    const TOOLSET: Toolset = Toolset::Environment;
    const EXAMPLE: &'static str = r#"{}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let client = &ctx.client;
        let (integrations, connections, variables, scripts, credential_access, reads) = futures::join!(
            client.list_integrations(),
            client
                .connections(ConnectionsQuery::default())
                .try_collect::<Vec<_>>(),
            client.environment_variables(),
            client.scripts_config(),
            client.probe_credential_access(),
            read_scope_probes(&ctx),
        );
        // Without a working key or host nothing else is worth reporting: say what to fix.
        let integrations = match integrations {
            Err(error) if is_fatal(&error) => return Err(ctx.nango_error(error)),
            other => other,
        };
        let mut warnings = probe_failures(&[
            ("connections", connections.as_ref().err()),
            ("environment variables", variables.as_ref().err()),
            ("deployed scripts", scripts.as_ref().err()),
        ]);
        let mut scopes = BTreeMap::new();
        scopes.insert("integrations:list".to_owned(), probe(&integrations));
        scopes.insert("connections:list".to_owned(), probe(&connections));
        scopes.insert("variables:read".to_owned(), probe(&variables));
        scopes.insert("integrations:list_functions".to_owned(), probe(&scripts));
        record_credential_access(&credential_access, &mut scopes, &mut warnings);
        scopes.extend(reads);
        let first_integration = integrations
            .as_ref()
            .ok()
            .and_then(|list| list.first())
            .map(|item| item.unique_key.clone());
        if let Some(key) = &first_integration {
            probe_integration(&ctx, key, &mut scopes).await;
        }
        if let Some(warning) = credentials_warning(&scopes) {
            warnings.push(warning);
        }
        if ctx.demo {
            warnings.insert(
                0,
                "This is the built-in sandbox (--demo): sample data, not a real Nango.".to_owned(),
            );
        }
        let counts = Counts {
            integrations: integrations.as_ref().ok().map(Vec::len),
            connections: connections.as_ref().ok().map(Vec::len),
            connections_by_health: connections.as_ref().ok().map(|list| {
                let mut counts = HealthCounts::default();
                list.iter()
                    .for_each(|connection| counts.add(&health_of(connection)));
                counts
            }),
        };
        let scripts = scripts.unwrap_or_default();
        let last_deployment = scripts
            .iter()
            .flat_map(|config| config.syncs.iter().chain(&config.actions))
            .filter_map(|script| script.last_deployed)
            .max()
            .map(|time| time.to_rfc3339());
        let mut mapping_logic: Vec<IntegrationLogic> = if params.mapping_logic.unwrap_or(true) {
            scripts.into_iter().map(logic).collect()
        } else {
            Vec::new()
        };
        // Everything else is small; the deployed logic grows with the environment, so it is what
        // gets cut (at an integration boundary) when the answer would outgrow the budget.
        let fitting =
            budget::rows_that_fit(&mapping_logic, budget::room_for_rows(ctx.budget, 4_096));
        if fitting < mapping_logic.len() {
            warnings.push(format!(
                "Deployed logic shown for {fitting} of {} integrations (token budget); get_integration shows any one in full.",
                mapping_logic.len()
            ));
            mapping_logic.truncate(fitting);
        }
        Ok(Output {
            environment: ctx.environment.clone(),
            environments: ctx.environments.clone(),
            host: client.host().to_owned(),
            sandbox: ctx.demo,
            key_fingerprint: client.key_fingerprint(),
            scopes,
            writes: crate::writes::scopes::write_access(client, ctx.writes.enabled).await,
            warnings,
            rate_limit: client.rate_limit().map(|status| RateLimit {
                limit_per_minute: status.limit,
                remaining: status.remaining,
                resets_at: status.reset_at.to_rfc3339(),
            }),
            counts,
            variables: variables_fact(variables),
            last_deployment,
            mapping_logic,
        })
    }

    fn render(output: &Output) -> String {
        let mut lines = vec![format!(
            "Environment {} at {}{} (key {}); configured: {}",
            output.environment,
            output.host,
            if output.sandbox { " [SANDBOX]" } else { "" },
            output.key_fingerprint,
            output.environments.join(", ")
        )];
        lines.extend(
            output
                .warnings
                .iter()
                .map(|warning| format!("Warning: {warning}")),
        );
        let scopes: Vec<String> = output
            .scopes
            .iter()
            .map(|(scope, state)| format!("{scope}={state}"))
            .collect();
        lines.push(format!("Scopes: {}", scopes.join(", ")));
        lines.push(crate::writes::scopes::render(&output.writes));
        if let Some(limit) = &output.rate_limit {
            lines.push(format!(
                "Rate limit: {}/{} requests left this minute (resets {})",
                limit.remaining, limit.limit_per_minute, limit.resets_at
            ));
        }
        let counts = &output.counts;
        lines.push(format!(
            "Counts: {} integrations, {} connections{}",
            counts
                .integrations
                .map_or("?".to_owned(), |n| n.to_string()),
            counts.connections.map_or("?".to_owned(), |n| n.to_string()),
            counts
                .connections_by_health
                .map(|health| format!(" ({})", health.broken_line()))
                .unwrap_or_default()
        ));
        lines.push(match (&output.variables.names, &output.variables.unknown) {
            (Some(names), _) => format!("Variables ({}): {}", names.len(), names.join(", ")),
            (None, reason) => format!(
                "Variables: unknown ({})",
                reason.as_deref().unwrap_or("not read")
            ),
        });
        if let Some(at) = &output.last_deployment {
            lines.push(format!("Last deployment: {at}"));
        }
        for logic in &output.mapping_logic {
            let describe = |scripts: &[ScriptFacts]| -> String {
                scripts
                    .iter()
                    .map(|script| {
                        format!(
                            "{}{}{}{}",
                            script.name,
                            if script.models.is_empty() {
                                String::new()
                            } else {
                                format!("→{}", script.models.join("/"))
                            },
                            script
                                .version
                                .as_deref()
                                .map(|v| format!(" v{v}"))
                                .unwrap_or_default(),
                            script
                                .frequency
                                .as_deref()
                                .map(|f| format!(" ({f})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            lines.push(format!(
                "- {}: syncs [{}]; actions [{}]",
                logic.integration,
                describe(&logic.syncs),
                describe(&logic.actions)
            ));
        }
        text::clip(&lines.join("\n"), 28_000)
    }
}

/// Only a missing scope is an answer about the environment; any other failure of the first,
/// cheapest probe means Nango itself is not answering properly, and pretending otherwise would
/// hide it behind a list of "unknown" scopes.
fn is_fatal(error: &NangoError) -> bool {
    !error.is_missing_scope()
}

/// Probes that failed for reasons other than a missing scope, as warnings that name the cause.
fn probe_failures(probes: &[(&str, Option<&NangoError>)]) -> Vec<String> {
    probes
        .iter()
        .filter_map(|(what, error)| {
            error
                .filter(|error| !error.is_missing_scope())
                .map(|error| format!("reading {what} failed: {error}"))
        })
        .collect()
}

fn probe<T>(result: &Result<T, NangoError>) -> String {
    match result {
        Ok(_) => "granted",
        Err(error) if error.is_missing_scope() => "missing",
        Err(_) => "unknown",
    }
    .to_owned()
}

/// Probes the per-integration scopes with calls that have no side effects.
async fn probe_integration(ctx: &ToolContext, key: &str, scopes: &mut BTreeMap<String, String>) {
    let include = IntegrationInclude {
        webhook: false,
        credentials: true,
    };
    let (detail, functions, syncs) = futures::join!(
        ctx.client.get_integration(key, include),
        ctx.client.all_functions(key),
        ctx.client.sync_status(key, &SyncSelector::All, None),
    );
    scopes.insert("integrations:read".to_owned(), probe(&detail));
    scopes.insert("functions:list".to_owned(), probe(&functions));
    scopes.insert("syncs:read".to_owned(), probe(&syncs));
    if let Ok(detail) = detail {
        // `credentials: null` (an API-key integration) is as telling as an object: only a key
        // with the scope gets the field at all.
        scopes.insert(
            "integrations:read_credentials".to_owned(),
            granted(detail.credentials.key_can_read()),
        );
    }
}

/// `records:read`, `functions:read` and `logs:read`: probes that name things that cannot exist,
/// so they read no record, function or log and touch no connection (see `read_probes.rs`).
/// Without them a key missing one was reported fine until list_records or list_sync_runs failed.
async fn read_scope_probes(ctx: &ToolContext) -> Vec<(String, String)> {
    let (records, functions, logs) = futures::join!(
        ctx.client.probe_records_read_scope(),
        ctx.client.probe_functions_read_scope(),
        logs_probe(ctx),
    );
    vec![
        ("records:read".to_owned(), scope_probe(&records)),
        ("functions:read".to_owned(), scope_probe(&functions)),
        ("logs:read".to_owned(), logs.to_owned()),
    ]
}

fn scope_probe(result: &Result<ScopeProbe, NangoError>) -> String {
    match result {
        Ok(ScopeProbe::Granted) => "granted",
        Ok(ScopeProbe::Missing) => "missing",
        Ok(ScopeProbe::Unknown) | Err(_) => "unknown",
    }
    .to_owned()
}

/// Nango's logs live behind its Management MCP, which hides (disables) the logs tools from a
/// key without `environment:logs:read`. Asking for an operation id that cannot exist tells the
/// two apart without reading any log.
async fn logs_probe(ctx: &ToolContext) -> &'static str {
    use std::hash::{BuildHasher, Hasher};
    let nonce = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let made_up = format!("nango-mcp-scope-probe-{nonce:x}");
    let probe = GetOperation {
        operation_id: made_up,
        messages: None,
    };
    // No Management MCP configured (a self-hosted Nango without NANGO_MANAGEMENT_MCP_URL):
    // nothing to ask, and never Nango Cloud's with this key.
    let Some(management) = &ctx.management else {
        return "unknown";
    };
    match management.get_operation(&probe).await {
        Err(ManagementError::MissingScope { .. }) => "missing",
        // "Operation not found": the tool ran, so the key holds the scope.
        Ok(_) | Err(ManagementError::Refused { .. }) => "granted",
        Err(_) => "unknown",
    }
}

/// `connections:read` and `connections:read_credentials`, from the side-effect-free probe.
fn record_credential_access(
    access: &Result<CredentialAccess, NangoError>,
    scopes: &mut BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) {
    let (read, read_credentials) = match access {
        Ok(CredentialAccess::ReadsCredentials) => (granted(true), granted(true)),
        Ok(CredentialAccess::ReadOnly) => (granted(true), granted(false)),
        Ok(CredentialAccess::NoConnectionRead) => (granted(false), granted(false)),
        Err(error) => {
            warnings.push(format!("probing connection scopes failed: {error}"));
            ("unknown".to_owned(), "unknown".to_owned())
        }
    };
    scopes.insert("connections:read".to_owned(), read);
    scopes.insert("connections:read_credentials".to_owned(), read_credentials);
}

fn granted(yes: bool) -> String {
    if yes { "granted" } else { "missing" }.to_owned()
}

/// A key that can read credentials is more than an audit needs, and with
/// `connections:read_credentials` a read of one connection can refresh its token.
fn credentials_warning(scopes: &BTreeMap<String, String>) -> Option<String> {
    let can_read = |scope: &str| scopes.get(scope).is_some_and(|state| state == "granted");
    let connections = can_read("connections:read_credentials");
    let integrations = can_read("integrations:read_credentials");
    let what = match (connections, integrations) {
        (false, false) => return None,
        (true, true) => "connection and integration credentials",
        (true, false) => "connection credentials",
        (false, true) => "integration (app) credentials",
    };
    let refresh = if connections {
        " With connections:read_credentials, Nango refreshes or re-tests a connection's token whenever \
         that one connection is read, so get_connection reads credential facts only when asked \
         (credentials=true)."
    } else {
        ""
    };
    Some(format!(
        "This key can read {what} (it looks like a full-access key).{refresh} Use a read-only key: \
         the list/read scopes without *:read_credentials."
    ))
}

fn variables_fact(
    variables: Result<Vec<nango_api::models::EnvironmentVariable>, NangoError>,
) -> Variables {
    match variables {
        Ok(list) => Variables {
            names: Some(list.into_iter().map(|variable| variable.name).collect()),
            unknown: None,
        },
        Err(error) if error.is_missing_scope() => Variables {
            names: None,
            unknown: Some("the key lacks environment:variables:read".to_owned()),
        },
        Err(error) => Variables {
            names: None,
            unknown: Some(format!("reading them failed: {error}")),
        },
    }
}

fn logic(config: IntegrationScripts) -> IntegrationLogic {
    IntegrationLogic {
        integration: config.provider_config_key,
        provider: config.provider,
        syncs: config.syncs.into_iter().map(facts).collect(),
        actions: config.actions.into_iter().map(facts).collect(),
    }
}

fn facts(script: Script) -> ScriptFacts {
    ScriptFacts {
        name: script.name,
        models: script.returns,
        frequency: script.runs,
        version: script.version,
        enabled: script.enabled,
        last_deployed: script.last_deployed.map(|time| time.to_rfc3339()),
    }
}
