//! Nango's webhook bodies, read as Nango sends them (`packages/types/lib/webhooks/api.ts` and the
//! senders in `packages/webhooks/lib/{sync,auth}.ts`, NangoHQ/nango at
//! 2f4c0af671e2ca1c43dd4e78f3c369218bf3fc87), turned into [`Delivery`]s with a stable identity.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{AuthEvent, Delivery, SyncRun};

/// How long two identical auth webhooks count as one delivery (Nango's retries and the copy sent
/// to the secondary URL arrive within seconds; auth webhooks carry no time of their own).
const AUTH_DEDUP_WINDOW_MS: i64 = 60_000;

/// What a signed body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Keep(Box<Delivery>),
    /// A type this server does not use (`forward`, `async_action`, …).
    Ignored(String),
}

/// Why a signed body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not a JSON object")]
    NotJson,
    #[error("a `{kind}` webhook without the fields Nango sends: {reason}")]
    Malformed { kind: &'static str, reason: String },
}

/// Reads a verified body. `environment` is the one whose signing key verified it.
pub fn parse(
    body: &[u8],
    environment: &str,
    received_at: DateTime<Utc>,
) -> Result<Parsed, ParseError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ParseError::NotJson)?;
    let Some(kind) = value.as_object().map(|object| object.get("type")) else {
        return Err(ParseError::NotJson);
    };
    match kind.and_then(Value::as_str) {
        Some("sync") => {
            let body: SyncBody =
                serde_json::from_value(value).map_err(|error| ParseError::Malformed {
                    kind: "sync",
                    reason: error.to_string(),
                })?;
            Ok(Parsed::Keep(Box::new(
                body.into_delivery(environment, received_at),
            )))
        }
        Some("auth") => {
            let body: AuthBody =
                serde_json::from_value(value).map_err(|error| ParseError::Malformed {
                    kind: "auth",
                    reason: error.to_string(),
                })?;
            Ok(Parsed::Keep(Box::new(
                body.into_delivery(environment, received_at),
            )))
        }
        Some(other) => Ok(Parsed::Ignored(other.to_owned())),
        None => Ok(Parsed::Ignored("(no type)".to_owned())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncBody {
    connection_id: String,
    provider_config_key: String,
    sync_name: String,
    #[serde(default)]
    sync_variant: Option<String>,
    model: String,
    #[serde(default)]
    sync_type: Option<String>,
    success: bool,
    #[serde(default)]
    response_results: Option<Results>,
    #[serde(default)]
    modified_after: Option<String>,
    /// Deprecated by Nango, still sent; a string (or null).
    #[serde(default)]
    query_time_stamp: Option<Value>,
    #[serde(default)]
    error: Option<ErrorPayload>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    failed_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Results {
    #[serde(default)]
    added: Option<i64>,
    #[serde(default)]
    updated: Option<i64>,
    #[serde(default)]
    deleted: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct ErrorPayload {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthBody {
    connection_id: String,
    provider_config_key: String,
    #[serde(default)]
    provider: Option<String>,
    operation: String,
    success: bool,
    #[serde(default)]
    error: Option<ErrorPayload>,
}

fn timestamp(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// SHA-256 of the fields, JSON-encoded as one array so no two field lists collide.
fn identity(fields: &[Value]) -> String {
    let digest = Sha256::digest(Value::Array(fields.to_vec()).to_string().as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl SyncBody {
    fn into_delivery(self, environment: &str, received_at: DateTime<Utc>) -> Delivery {
        let error_kind = self.error.as_ref().and_then(|error| error.kind.clone());
        let error_description = self
            .error
            .as_ref()
            .and_then(|error| error.description.clone());
        let variant = self.sync_variant.unwrap_or_else(|| "base".to_owned());
        let id = identity(&[
            "sync".into(),
            environment.into(),
            self.connection_id.as_str().into(),
            self.provider_config_key.as_str().into(),
            self.sync_name.as_str().into(),
            variant.as_str().into(),
            self.model.as_str().into(),
            self.modified_after.clone().into(),
            self.query_time_stamp.clone().unwrap_or(Value::Null),
            self.success.into(),
            error_kind.clone().into(),
            error_description.clone().into(),
            self.started_at.clone().into(),
            self.failed_at.clone().into(),
        ]);
        let (started_at, ended_at) = if self.success {
            (timestamp(self.modified_after.as_deref()), received_at)
        } else {
            (
                timestamp(self.started_at.as_deref()),
                timestamp(self.failed_at.as_deref()).unwrap_or(received_at),
            )
        };
        let results = self.response_results;
        Delivery::Sync {
            id,
            run: SyncRun {
                environment: environment.to_owned(),
                connection_id: self.connection_id,
                integration: self.provider_config_key,
                sync_name: self.sync_name,
                variant,
                model: self.model,
                sync_type: self.sync_type,
                state: if self.success { "success" } else { "failed" }.to_owned(),
                added: results.as_ref().and_then(|r| r.added),
                updated: results.as_ref().and_then(|r| r.updated),
                deleted: results.as_ref().and_then(|r| r.deleted),
                error_type: error_kind,
                error_description,
                started_at,
                ended_at,
                received_at,
            },
        }
    }
}

impl AuthBody {
    fn into_delivery(self, environment: &str, received_at: DateTime<Utc>) -> Delivery {
        let error_kind = self.error.as_ref().and_then(|error| error.kind.clone());
        let error_description = self
            .error
            .as_ref()
            .and_then(|error| error.description.clone());
        let window = received_at
            .timestamp_millis()
            .div_euclid(AUTH_DEDUP_WINDOW_MS);
        let id = identity(&[
            "auth".into(),
            environment.into(),
            self.connection_id.as_str().into(),
            self.provider_config_key.as_str().into(),
            self.operation.as_str().into(),
            self.success.into(),
            error_kind.clone().into(),
            error_description.clone().into(),
            window.into(),
        ]);
        Delivery::Auth {
            id,
            event: AuthEvent {
                environment: environment.to_owned(),
                connection_id: self.connection_id,
                integration: self.provider_config_key,
                provider: self.provider.unwrap_or_else(|| "unknown".to_owned()),
                operation: self.operation,
                success: self.success,
                error_type: error_kind,
                error_description,
                received_at,
            },
        }
    }
}
