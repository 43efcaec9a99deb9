//! `get_connection`: one connection: health, errors, end user, tags and metadata from Nango's
//! listing (one request, no side effects); on request also its config and facts about its
//! credentials (type, expiry, refresh token, granted scopes), never the credentials themselves.
//!
//! Why the listing: with a key holding `connections:read_credentials`, Nango refreshes or
//! re-tests the credentials on every `GET /connections/{id}`. A failed refresh marks the
//! connection `auth_error` for everyone and writes logs, so an audit read would change what it
//! audits. The detail route is used only when the caller asks for credential facts.

use std::collections::BTreeMap;

use chrono::Utc;
use nango_api::{
    NangoError,
    models::{
        Connection, ConnectionCredentials, ConnectionDetail, ConnectionError, ConnectionErrorKind,
    },
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::health_history::HealthBook;
use super::{
    NangoTool, ToolContext, Toolset, context::NangoResultExt, list_connections::end_user_label,
    resolve,
};
use crate::{
    errors::ToolError,
    health::{Health, health_of},
    output::text,
};

pub struct GetConnection;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Connection id.
    pub connection_id: String,
    /// Integration key; optional if connection_id is unique.
    pub integration: Option<String>,
    /// Add config and credential facts (type, expiry, scopes). Side effect: with
    /// connections:read_credentials, Nango refreshes the token; a failed refresh marks it
    /// auth_error. Default false.
    pub credentials: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub connection_id: String,
    pub integration: String,
    pub provider: String,
    pub health: Vec<Health>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorFact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Customer-set metadata (third-party data).
    pub metadata: Value,
    /// Provider settings (e.g. subdomain); secret-looking keys are masked. Read only with
    /// `credentials: true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_fetched_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url_override: Option<String>,
    /// Facts about the credentials; null when the key may not read them (the recommended setup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialFacts>,
    /// Why credential facts are missing although they were asked for and the key may read
    /// them: Nango's refresh on this read failed (400) or it is backing off after one (424).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_withheld: Option<String>,
    /// Broken since its first failed refresh (webhook history; only while Nango reports it broken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_since: Option<String>,
    /// When it last recovered from a break (webhook history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorFact {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CredentialFacts {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Seconds until expiry; negative when already expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    pub has_refresh_token: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub granted_scopes: Vec<String>,
    /// Names of the credential fields present (values are never returned).
    pub fields_present: Vec<String>,
}

impl NangoTool for GetConnection {
    const NAME: &'static str = "get_connection";
    const TITLE: &'static str = "Get connection";
    const DESCRIPTION: &'static str = "One connection: health, errors (log ids), end user, tags, metadata; credentials=true adds credential facts, never secrets.";
    const TOOLSET: Toolset = Toolset::Connections;
    const EXAMPLE: &'static str =
        r#"{"connection_id": "conn-abc", "integration": "salesforce-prod"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let (output, book) = futures::join!(read(&ctx, params), HealthBook::load(&ctx));
        let mut output = output?;
        let times = book.times(
            &output.integration,
            &output.connection_id,
            output.health.contains(&Health::AuthError),
        );
        output.broken_since = times.broken_since;
        output.recovered_at = times.recovered_at;
        output.notes.extend(book.note);
        Ok(output)
    }

    fn render(output: &Output) -> String {
        render_output(output)
    }
}

async fn read(ctx: &ToolContext, params: Params) -> Result<Output, ToolError> {
    let ctx = ctx.clone();
    {
        let connection_id = resolve::validate_id("connection_id", &params.connection_id)?;
        let connection = find(&ctx, &connection_id, params.integration.as_deref()).await?;
        if !params.credentials.unwrap_or(false) {
            let mut output = listed(connection);
            output.notes.push(
                "Connection config and credential facts were not read: pass credentials=true \
                 (with a key holding connections:read_credentials, Nango then refreshes or re-tests \
                 the token)."
                    .to_owned(),
            );
            return Ok(output);
        }
        let integration = connection.provider_config_key.clone();
        match ctx
            .client
            .get_connection(&connection_id, &integration)
            .await
        {
            Ok(detail) => Ok(detailed(detail)),
            Err(NangoError::InvalidCredentials {
                status,
                message,
                connection: reported,
            }) => Ok(refresh_failed(connection, reported, status, &message)),
            Err(error) if error.is_not_found() => {
                Err(not_found(&connection_id, Some(&integration)))
            }
            Err(error) => Err(ctx.nango_error(error)),
        }
    }
}

fn render_output(output: &Output) -> String {
    {
        let mut lines = vec![format!(
            "Connection {} (integration {}, provider {}): {}",
            output.connection_id,
            output.integration,
            output.provider,
            output
                .health
                .iter()
                .map(|label| label.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        )];
        for error in &output.errors {
            lines.push(format!(
                "- {} error, log id {}",
                error.kind,
                error.log_id.as_deref().unwrap_or("-")
            ));
        }
        if let Some(since) = &output.broken_since {
            lines.push(format!("Broken since {since} (first failed refresh)."));
        }
        if let Some(recovered) = &output.recovered_at {
            lines.push(format!("Last recovered {recovered}."));
        }
        lines.push(match (&output.credentials, &output.connection_config) {
            (Some(facts), _) => credentials_line(facts),
            (None, _) if output.credentials_withheld.is_some() => format!(
                "Credentials: withheld by Nango: {}",
                output.credentials_withheld.as_deref().unwrap_or_default()
            ),
            (None, Some(_)) => "Credentials: not visible to this key (no connections:read_credentials scope; recommended).".to_owned(),
            (None, None) => "Credentials: not read (credentials=true reads their facts).".to_owned(),
        });
        for (label, value) in [
            ("created", &output.created_at),
            ("updated", &output.updated_at),
            ("last fetched", &output.last_fetched_at),
        ] {
            if let Some(value) = value {
                lines.push(format!("{label}: {value}"));
            }
        }
        let third_party = serde_json::json!({
            "end_user": output.end_user,
            "tags": output.tags,
            "metadata": output.metadata,
            "connection_config": output.connection_config,
        });
        lines.push(text::untrusted("connection", &third_party.to_string()));
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        lines.join("\n")
    }
}

fn credentials_line(facts: &CredentialFacts) -> String {
    let mut parts = vec![format!(
        "Credentials: {}",
        facts.kind.as_deref().unwrap_or("unknown type")
    )];
    match (&facts.expires_at, facts.expires_in_seconds) {
        (Some(at), Some(seconds)) if seconds < 0 => {
            let (amount, unit) = text::human_span(seconds.unsigned_abs());
            parts.push(format!("EXPIRED {amount} {unit} ago ({at})"));
        }
        (Some(at), Some(seconds)) => {
            let (amount, unit) = text::human_span(seconds.unsigned_abs());
            parts.push(format!("expires in {amount} {unit} ({at})"));
        }
        _ => parts.push("no expiry".to_owned()),
    }
    parts.push(if facts.has_refresh_token {
        "refresh token on record".to_owned()
    } else {
        "no refresh token seen".to_owned()
    });
    if !facts.granted_scopes.is_empty() {
        parts.push(format!("scopes: {}", facts.granted_scopes.join(" ")));
    }
    parts.push(format!("fields: {}", facts.fields_present.join(", ")));
    parts.join("; ")
}

/// The connection from the listing: one request when `integration` is the exact key or absent.
async fn find(
    ctx: &ToolContext,
    connection_id: &str,
    integration: Option<&str>,
) -> Result<Connection, ToolError> {
    let mut rows = ctx
        .client
        .find_connection(connection_id, integration)
        .await
        .or_tool(ctx)?;
    // Agents often name the provider ("salesforce") rather than the key: resolve it and retry.
    if rows.is_empty()
        && let Some(name) = integration
    {
        let keys = resolve::integration_keys(ctx, &[name.to_owned()]).await?;
        if !keys.iter().any(|key| key == name) {
            for key in keys {
                rows.extend(
                    ctx.client
                        .find_connection(connection_id, Some(&key))
                        .await
                        .or_tool(ctx)?,
                );
            }
        }
    }
    rows.retain(|row| row.connection_id == connection_id);
    match rows.len() {
        0 => Err(not_found(connection_id, integration)),
        1 => rows
            .pop()
            .ok_or_else(|| not_found(connection_id, integration)),
        _ => Err(ToolError::Ambiguous {
            what: "connection",
            id: connection_id.to_owned(),
            candidates: rows
                .into_iter()
                .map(|row| row.provider_config_key)
                .collect(),
        }),
    }
}

fn not_found(connection_id: &str, integration: Option<&str>) -> ToolError {
    ToolError::NotFound {
        what: "connection",
        id: connection_id.to_owned(),
        scope: integration
            .map(|name| format!(" in integration {name:?}"))
            .unwrap_or_default(),
        hint: "list_connections (with `search`) finds valid connection ids.".to_owned(),
    }
}

/// What the listing tells: everything but config, credentials and update times.
fn listed(connection: Connection) -> Output {
    output(ConnectionDetail {
        connection,
        connection_config: None,
        webhook_url_override: None,
        created_at: None,
        updated_at: None,
        last_fetched_at: None,
        credentials: None,
    })
}

fn detailed(detail: ConnectionDetail) -> Output {
    let config = detail.connection_config.clone();
    let mut output = output(detail);
    output.connection_config = Some(mask_secret_looking(
        config.unwrap_or(Value::Object(Map::new())),
    ));
    output
}

/// Nango tried a refresh on this read and it failed: the connection is now `auth_error`. Show it
/// as Nango reports it (or as listed, with the auth error added), not as a tool failure.
fn refresh_failed(
    listed_row: Connection,
    reported: Option<Box<ConnectionDetail>>,
    status: u16,
    message: &str,
) -> Output {
    let mut output = match reported {
        Some(detail) => detailed(*detail),
        None => {
            let mut row = listed_row;
            if !row.has_error(ConnectionErrorKind::Auth) {
                row.errors.push(ConnectionError {
                    kind: ConnectionErrorKind::Auth,
                    log_id: None,
                });
            }
            listed(row)
        }
    };
    let message = message.trim_end_matches('.');
    let what = if status == 424 {
        format!(
            "a recent refresh failed and Nango is backing off before the next attempt (424 \
             invalid_credentials: {message})"
        )
    } else {
        format!(
            "Nango tried to refresh the credentials on this read and the provider refused \
             ({status} invalid_credentials: {message})"
        )
    };
    output.credentials_withheld = Some(format!("{what}."));
    output.notes.push(format!(
        "auth_error: {what}. The end user must re-authorise the connection."
    ));
    output
}

fn output(detail: ConnectionDetail) -> Output {
    let ConnectionDetail {
        connection,
        connection_config,
        webhook_url_override,
        created_at,
        updated_at,
        last_fetched_at,
        credentials,
    } = detail;
    let mut notes = Vec::new();
    let credentials = credentials.filter(|facts| facts.kind.is_some()).map(|facts| {
        notes.push(
            "This key can read credentials (connections:read_credentials), so Nango may refresh the token \
             when a connection is read. A read-only key without that scope is recommended."
                .to_owned(),
        );
        credential_facts(&facts)
    });
    Output {
        health: health_of(&connection),
        errors: connection
            .errors
            .iter()
            .map(|error| ErrorFact {
                kind: error.kind.as_str().to_owned(),
                log_id: error.log_id.clone(),
            })
            .collect(),
        end_user: end_user_label(&connection),
        metadata: connection
            .metadata
            .clone()
            .unwrap_or(Value::Object(Map::new())),
        connection_config: connection_config.map(mask_secret_looking),
        created_at: created_at
            .or(connection.created)
            .map(|time| time.to_rfc3339()),
        updated_at: updated_at.map(|time| time.to_rfc3339()),
        last_fetched_at: last_fetched_at.map(|time| time.to_rfc3339()),
        webhook_url_override,
        credentials,
        credentials_withheld: None,
        broken_since: None,
        recovered_at: None,
        notes,
        tags: connection.tags,
        connection_id: connection.connection_id,
        integration: connection.provider_config_key,
        provider: connection.provider,
    }
}

fn credential_facts(facts: &ConnectionCredentials) -> CredentialFacts {
    let expires_in_seconds = facts
        .expires_at
        .map(|at| (at.as_datetime() - Utc::now()).num_seconds());
    CredentialFacts {
        kind: facts.kind.clone(),
        expires_at: facts.expires_at.map(|at| at.to_rfc3339()),
        expires_in_seconds,
        expired: expires_in_seconds.map(|seconds| seconds < 0),
        has_refresh_token: facts.has_refresh_token,
        granted_scopes: facts.granted_scopes.clone(),
        fields_present: facts.field_names.clone(),
    }
}

/// Connection config is meant to be non-secret, but a provider or customer may put a token there;
/// mask values whose key looks secret, as defence in depth.
fn mask_secret_looking(value: Value) -> Value {
    const HINTS: [&str; 7] = [
        "secret",
        "token",
        "password",
        "private",
        "api_key",
        "apikey",
        "credential",
    ];
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let lowered = key.to_lowercase();
                    if HINTS.iter().any(|hint| lowered.contains(hint)) {
                        (key, Value::String("[masked]".to_owned()))
                    } else {
                        (key, mask_secret_looking(value))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(mask_secret_looking).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_looking_config_keys() {
        let masked = mask_secret_looking(
            json!({"subdomain": "acme", "nested": {"client_secret": "x"}, "apiKey": "y"}),
        );
        assert_eq!(
            masked,
            json!({"subdomain": "acme", "nested": {"client_secret": "[masked]"}, "apiKey": "[masked]"})
        );
    }
}
