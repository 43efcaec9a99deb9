//! The two results, parsed row by row: one row Nango shapes differently never costs the whole
//! answer; it is skipped and counted, so the caller can say so.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::types::{MessageRow, OperationRow, Pagination};

/// One page of `logs_list_operations`, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationsPage {
    pub operations: Vec<OperationRow>,
    pub pagination: Pagination,
    /// Rows that did not parse as an `OperationRow` and were left out.
    pub skipped: usize,
}

/// `logs_get_operation`: the operation and one page of its messages, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationDetail {
    pub operation: OperationRow,
    pub messages: Vec<MessageRow>,
    pub pagination: Pagination,
    /// Messages that did not parse as a `MessageRow` and were left out.
    pub skipped: usize,
}

impl OperationDetail {
    /// Why the operation failed, in Nango's words: the operation's own error, else the first
    /// message carrying an error object, else the first error-level line.
    pub fn failure_reason(&self) -> Option<&str> {
        use super::types::LogLevel;
        self.operation
            .error
            .as_ref()
            .map(|error| error.message.as_str())
            .or_else(|| {
                self.messages
                    .iter()
                    .find_map(|message| message.error.as_ref().map(|e| e.message.as_str()))
            })
            .or_else(|| {
                self.messages
                    .iter()
                    .find(|message| message.level == LogLevel::Error)
                    .map(|message| message.message.as_str())
            })
    }
}

/// The outer shapes, rows left raw (Nango's output schemas: `.strict()` objects).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    operations: Vec<Value>,
    pagination: Pagination,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetail {
    operation: OperationRow,
    messages: Vec<Value>,
    pagination: Pagination,
}

fn rows<T: DeserializeOwned>(raw: Vec<Value>, what: &str) -> (Vec<T>, usize) {
    let mut skipped = 0;
    let rows = raw
        .into_iter()
        .filter_map(|row| match serde_json::from_value(row) {
            Ok(row) => Some(row),
            Err(error) => {
                skipped += 1;
                // The reason names a field and a type, never row content.
                tracing::debug!(%error, "skipped a {what} row that does not parse");
                None
            }
        })
        .collect();
    (rows, skipped)
}

pub(super) fn operations_page(value: Value) -> Result<OperationsPage, serde_json::Error> {
    let RawList {
        operations,
        pagination,
    } = serde_json::from_value(value)?;
    let (operations, skipped) = rows(operations, "OperationRow");
    Ok(OperationsPage {
        operations,
        pagination,
        skipped,
    })
}

pub(super) fn operation_detail(value: Value) -> Result<OperationDetail, serde_json::Error> {
    let RawDetail {
        operation,
        messages,
        pagination,
    } = serde_json::from_value(value)?;
    let (messages, skipped) = rows(messages, "MessageRow");
    Ok(OperationDetail {
        operation,
        messages,
        pagination,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str, state: &str) -> Value {
        json!({
            "id": id, "source": "internal", "level": "info", "type": "operation",
            "message": "Sync executed", "operation": {"type": "sync", "action": "run"},
            "state": state, "accountId": 1, "accountName": "team",
            "createdAt": "2026-01-05T09:30:00.000Z", "updatedAt": "2026-01-05T09:30:00.000Z",
            "startedAt": null, "endedAt": null, "expiresAt": null
        })
    }

    #[test]
    fn one_odd_row_is_skipped_and_counted_not_fatal() {
        let page = operations_page(json!({
            "operations": [row("a", "success"), row("b", "exploded"), json!(42), row("c", "failed")],
            "pagination": {"total": 4, "cursor": "WzEsImMiXQ=="}
        }))
        .unwrap();
        let ids: Vec<&str> = page.operations.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(page.skipped, 2);
        assert_eq!(page.pagination.cursor.as_deref(), Some("WzEsImMiXQ=="));
    }

    #[test]
    fn the_outer_shape_must_be_nangos() {
        assert!(
            operations_page(json!({"data": [], "pagination": {"total": 0, "cursor": null}}))
                .is_err()
        );
        assert!(operations_page(json!({"operations": []})).is_err());
    }

    #[test]
    fn failure_reason_prefers_the_error_object() {
        let detail = operation_detail(json!({
            "operation": row("a", "failed"),
            "messages": [
                {"id": "1", "source": "internal", "level": "error", "type": "log",
                 "message": "Sync failed", "parentId": "a", "accountId": 1,
                 "createdAt": "2026-01-05T09:30:02.000Z"},
                {"id": "2", "source": "user", "level": "error", "type": "http",
                 "message": "GET /deals", "parentId": "a", "accountId": 1,
                 "error": {"name": "script_http_error", "message": "429 rate limit"},
                 "createdAt": "2026-01-05T09:30:01.000Z"},
                {"not": "a message"}
            ],
            "pagination": {"total": 3, "cursor": null}
        }))
        .unwrap();
        assert_eq!(detail.failure_reason(), Some("429 rate limit"));
        assert_eq!(detail.skipped, 1);
    }
}
