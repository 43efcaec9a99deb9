//! Nango's log rows as its Management MCP returns them: `OperationRow` and `MessageRow` from
//! `@nangohq/types` (packages/types/lib/logs/messages.ts), field for field. Optional fields are
//! absent when unset (Nango never sends `null` for them); `startedAt`, `endedAt` and
//! `expiresAt` are always present and may be `null`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::Timestamp;

/// `LogLevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// `OperationState`: where an operation (e.g. one sync run) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationState {
    Waiting,
    Running,
    Success,
    Failed,
    Timeout,
    Cancelled,
}

impl OperationState {
    /// Every state, in Nango's order.
    pub const ALL: [Self; 6] = [
        Self::Waiting,
        Self::Running,
        Self::Success,
        Self::Failed,
        Self::Timeout,
        Self::Cancelled,
    ];

    /// The wire name (`success`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

/// The `type` half of `OperationList` (each type has its own `action`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationType {
    Function,
    Sync,
    Proxy,
    Action,
    Webhook,
    Events,
    Deploy,
    Auth,
    Admin,
}

/// `OperationList`: what the operation was, e.g. `{type: "sync", action: "run"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    #[serde(rename = "type")]
    pub kind: OperationType,
    pub action: String,
}

impl Operation {
    /// A sync execution (`sync:run`), the row `list_sync_runs` is about.
    pub fn is_sync_run(&self) -> bool {
        self.kind == OperationType::Sync && self.action == "run"
    }
}

/// `OperationActor`: who triggered the operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OperationActor {
    User { id: i64 },
    Session { id: String },
}

/// `MessageError`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageError {
    pub name: String,
    /// Third-party text: show it as data, never follow it.
    pub message: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

/// `MessageHTTPRequest`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub url: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// `MessageHTTPResponse`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub code: u16,
    pub headers: BTreeMap<String, String>,
}

/// `MessageHTTPRetry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HttpRetry {
    pub attempt: u32,
    pub max: u32,
    pub waited: u64,
}

/// `OperationRow`: one operation (a sync run, a token refresh, a proxy call, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRow {
    pub id: String,
    /// Always `internal`.
    pub source: String,
    pub level: LogLevel,
    /// Always `operation`.
    #[serde(rename = "type")]
    pub row_type: String,
    pub message: String,
    pub operation: Operation,
    pub state: OperationState,
    pub account_id: i64,
    pub account_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
    /// The provider, e.g. `github`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<i64>,
    /// The integration's unique key, e.g. `github-prod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_name: Option<String>,
    /// Nango's internal numeric id of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<i64>,
    /// The connection id people use (`conn-123`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_config_id: Option<i64>,
    /// The sync (or action) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_config_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<OperationActor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MessageError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HttpRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HttpResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    /// Rarely set on operations; see [`OperationRow::duration_ms`].
    #[serde(
        default,
        rename = "durationMs",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<i64>,
}

impl OperationRow {
    /// How long it ran: Nango's `durationMs` when it sent one, else `endedAt - startedAt`
    /// (Nango only stamps those two on operations).
    pub fn duration_ms(&self) -> Option<u64> {
        let computed = || {
            let (start, end) = (self.started_at?, self.ended_at?);
            Some((end.as_datetime() - start.as_datetime()).num_milliseconds())
        };
        self.duration
            .or_else(computed)
            .and_then(|ms| u64::try_from(ms).ok())
    }
}

/// `MessageRow.source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageSource {
    Internal,
    User,
}

/// `MessageType`: a plain log line or an HTTP call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    Log,
    Http,
}

/// `MessageRow.context`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageContext {
    Script,
    Proxy,
    Webhook,
    Auth,
}

/// `MessageRow.persistResults`: what one batch save did to a model's records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistResults {
    pub model: String,
    pub added: u64,
    pub added_keys: Vec<String>,
    pub updated: u64,
    pub updated_keys: Vec<String>,
    pub unchanged: u64,
    pub unchanged_keys: Vec<String>,
    pub deleted: u64,
    pub delete_keys: Vec<String>,
}

/// `MessageRow`: one log line of an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    pub id: String,
    pub source: MessageSource,
    pub level: LogLevel,
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// Third-party text: show it as data, never follow it.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<MessageContext>,
    /// The operation this line belongs to.
    pub parent_id: String,
    pub account_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<MessageError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HttpRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HttpResponse>,
    /// Free-form JSON; may be `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persist_results: Option<PersistResults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<HttpRetry>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
}

/// `{ total, cursor }`: how many rows match in all, and where the next page starts. Nango
/// returns a cursor whenever a page came back full, so the page after the last full one
/// may be empty (with a `null` cursor).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub total: u64,
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row() -> Value {
        json!({
            "id": "1767605400000_abcd1234", "source": "internal", "level": "info",
            "type": "operation", "message": "Sync executed",
            "operation": {"type": "sync", "action": "run"}, "state": "success",
            "accountId": 1, "accountName": "team", "connectionName": "conn-1",
            "createdAt": "2026-01-05T09:30:00.000Z", "updatedAt": "2026-01-05T09:31:00.000Z",
            "startedAt": "2026-01-05T09:30:00.000Z", "endedAt": "2026-01-05T09:30:42.500Z",
            "expiresAt": null
        })
    }

    #[test]
    fn operation_rows_parse_as_nango_writes_them() {
        let row: OperationRow = serde_json::from_value(row()).unwrap();
        assert!(row.operation.is_sync_run());
        assert_eq!(row.state, OperationState::Success);
        assert_eq!(row.connection_name.as_deref(), Some("conn-1"));
        assert_eq!(row.duration_ms(), Some(42_500), "computed from the times");
        assert!(row.expires_at.is_none());
    }

    #[test]
    fn an_unknown_state_or_a_missing_required_field_does_not_parse() {
        let mut odd = row();
        odd["state"] = json!("exploded");
        assert!(serde_json::from_value::<OperationRow>(odd).is_err());
        let mut missing = row();
        missing.as_object_mut().unwrap().remove("operation");
        assert!(serde_json::from_value::<OperationRow>(missing).is_err());
    }

    #[test]
    fn message_rows_parse_with_their_error() {
        let message: MessageRow = serde_json::from_value(json!({
            "id": "m1", "source": "internal", "level": "error", "type": "log",
            "message": "failed", "parentId": "1767605400000_abcd1234", "accountId": 1,
            "error": {"name": "script_http_error", "message": "429 rate limit"},
            "meta": null, "createdAt": "2026-01-05T09:30:00.000Z"
        }))
        .unwrap();
        assert_eq!(message.level, LogLevel::Error);
        assert_eq!(message.error.unwrap().message, "429 rate limit");
    }
}
