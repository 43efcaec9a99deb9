//! Arguments of Nango's logs tools, as its zod schemas define them
//! (packages/server/lib/controllers/mcp/logs/schema.ts). Unset fields are left out: Nango
//! refuses unknown keys and `null` where it expects a list.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::types::{OperationState, OperationType};

/// Nango's page-size bounds for both tools (`defaultLimit`, `maxLimit`).
pub const DEFAULT_LIMIT: u32 = 25;
pub const MAX_LIMIT: u32 = 500;

/// `logs_list_operations` arguments. Without a period Nango looks at the last 24 hours.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ListOperations {
    /// Message text to look for; Nango then inspects only `limit` operations per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// 1 to 500 (Nango's default 25).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `pagination.cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<OperationState>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationFilter>,
    /// Integration unique keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub integrations: Vec<String>,
    /// Connection ids (the names people use).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<String>,
    /// Sync names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syncs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// `{type, actions?}`: one kind of operation; no actions means every action of the type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperationFilter {
    #[serde(rename = "type")]
    pub kind: OperationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
}

impl OperationFilter {
    /// Sync executions only (`sync:run`).
    pub fn sync_runs() -> Self {
        Self {
            kind: OperationType::Sync,
            actions: Some(vec!["run".to_owned()]),
        }
    }
}

/// A time window; Nango takes UTC times with a `Z` only, and `to` defaults to now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    #[serde(serialize_with = "utc")]
    pub from: DateTime<Utc>,
    #[serde(serialize_with = "utc_opt", skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
}

/// `logs_get_operation` arguments.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOperation {
    pub operation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<MessagesQuery>,
}

impl GetOperation {
    /// The operation and its newest `limit` messages.
    pub fn with_messages(operation_id: impl Into<String>, limit: u32) -> Self {
        Self {
            operation_id: operation_id.into(),
            messages: Some(MessagesQuery {
                limit: Some(limit),
                ..MessagesQuery::default()
            }),
        }
    }
}

/// Which of the operation's messages to return (newest first).
#[derive(Clone, Debug, Default, Serialize)]
pub struct MessagesQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

fn utc<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn utc_opt<S: Serializer>(time: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => utc(time, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn only_set_fields_go_out_with_nangos_names_and_z_times() {
        let from = Utc.with_ymd_and_hms(2026, 1, 4, 9, 30, 0).unwrap();
        let args = ListOperations {
            limit: Some(5),
            states: vec![OperationState::Failed],
            operations: vec![OperationFilter::sync_runs()],
            connections: vec!["conn-123".to_owned()],
            period: Some(Period { from, to: None }),
            ..ListOperations::default()
        };
        assert_eq!(
            serde_json::to_value(&args).unwrap(),
            json!({"limit": 5, "states": ["failed"],
                   "operations": [{"type": "sync", "actions": ["run"]}],
                   "connections": ["conn-123"],
                   "period": {"from": "2026-01-04T09:30:00.000Z"}})
        );
        assert_eq!(
            serde_json::to_value(GetOperation::with_messages("a".repeat(20), 20)).unwrap(),
            json!({"operationId": "a".repeat(20), "messages": {"limit": 20}})
        );
    }
}
