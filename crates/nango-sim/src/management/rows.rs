//! Nango's log rows on the wire: `OperationRow` and `MessageRow` of `@nangohq/types`
//! (camelCase, ISO times with milliseconds, numeric internal ids next to the names people use).
//! Optional fields are left out when unset, as Nango's JSON never carries `undefined`; only
//! `startedAt`, `endedAt` and `expiresAt` are `null`-able. Nango stamps no `durationMs` on
//! operations (only on HTTP messages), so clients compute it from the two times.

use chrono::Duration;
use serde_json::{Map, Value, json};

use super::history::ids::derived_id;
use super::history::{Failure, LogMessage, LogOperation, RunState};
use crate::dataset::Dataset;
use crate::dataset::records::iso_millis;

/// The simulated account and environment every operation belongs to.
const ACCOUNT_ID: u64 = 1;
const ACCOUNT_NAME: &str = "Demo team";
const ENVIRONMENT_ID: u64 = 2;
const ENVIRONMENT_NAME: &str = "prod";
/// How long Nango keeps an operation (`expiresAt`).
const RETENTION_DAYS: i64 = 15;

fn error_json(failure: &Failure) -> Value {
    json!({ "name": failure.name, "message": failure.message, "type": failure.error_type })
}

/// An `OperationRow`.
pub(crate) fn operation_row(dataset: &Dataset, operation: &LogOperation) -> Value {
    let connection = dataset.connections.get(operation.connection_index);
    let integration_id = dataset
        .integrations
        .iter()
        .position(|i| i.unique_key == operation.integration)
        .map(|index| index + 1);
    let sync_config_id = dataset
        .integration(&operation.integration)
        .and_then(|integration| {
            integration
                .functions
                .iter()
                .find(|f| f.is_sync() && Some(&f.name) == operation.sync.as_ref())
        })
        .map(|function| function.id);
    let end_user = connection.and_then(|c| c.tags.get("end_user_id"));
    let end_user_name = connection.and_then(|c| {
        c.end_user
            .as_ref()
            .and_then(|user| user.display_name.clone())
            .or_else(|| c.tags.get("end_user_display_name").cloned())
    });
    let failed = matches!(operation.state, RunState::Failed | RunState::Timeout);
    let mut row = Map::new();
    // `undefined` fields are absent from Nango's JSON: a null here is simply not written.
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            row.insert(key.to_owned(), value);
        }
    };
    put("id", json!(operation.id));
    put("source", json!("internal"));
    put("level", json!(if failed { "error" } else { "info" }));
    put("type", json!("operation"));
    put(
        "message",
        json!(match operation.kind {
            // Nango's `operationTypeToMessage`.
            super::history::OperationKind::SyncRun => "Sync executed",
            super::history::OperationKind::TokenRefresh => "Token refreshed",
        }),
    );
    put(
        "operation",
        json!({ "type": operation.kind.type_name(), "action": operation.kind.action() }),
    );
    put("state", json!(operation.state.as_str()));
    put("accountId", json!(ACCOUNT_ID));
    put("accountName", json!(ACCOUNT_NAME));
    put("environmentId", json!(ENVIRONMENT_ID));
    put("environmentName", json!(ENVIRONMENT_NAME));
    put("providerName", json!(operation.provider));
    put("integrationId", json!(integration_id));
    put("integrationName", json!(operation.integration));
    put("connectionId", json!(connection.map(|c| c.id)));
    put("connectionName", json!(operation.connection_id));
    put("endUserId", json!(end_user));
    put("endUserName", json!(end_user_name));
    put("syncConfigId", json!(sync_config_id));
    put("syncConfigName", json!(operation.sync));
    put(
        "jobId",
        json!(
            operation
                .sync
                .as_ref()
                .map(|_| derived_id(dataset.seed, &["job", &operation.id]))
        ),
    );
    // No actor (scheduled runs), error (Nango puts the reason on a message line), request,
    // response or meta: left out, as Nango leaves them.
    put("createdAt", json!(iso_millis(operation.created_at)));
    put(
        "updatedAt",
        json!(iso_millis(
            operation.ended_at.unwrap_or(operation.started_at)
        )),
    );
    // Always present, `null` when unset.
    row.insert(
        "startedAt".to_owned(),
        json!(iso_millis(operation.started_at)),
    );
    row.insert(
        "endedAt".to_owned(),
        json!(operation.ended_at.map(iso_millis)),
    );
    row.insert(
        "expiresAt".to_owned(),
        json!(iso_millis(
            operation.created_at + Duration::days(RETENTION_DAYS)
        )),
    );
    Value::Object(row)
}

/// A `MessageRow` of `operation`.
pub(crate) fn message_row(operation: &LogOperation, message: &LogMessage) -> Value {
    let mut row = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            row.insert(key.to_owned(), value);
        }
    };
    put("id", json!(message.id));
    put("parentId", json!(operation.id));
    put("accountId", json!(ACCOUNT_ID));
    put("source", json!("internal"));
    put("level", json!(message.level));
    put("type", json!(message.kind));
    put("message", json!(message.message));
    put(
        "error",
        message.error.as_ref().map_or(Value::Null, error_json),
    );
    put(
        "request",
        message.http.as_ref().map_or(
            Value::Null,
            |call| json!({ "method": call.method, "url": call.url, "headers": {} }),
        ),
    );
    put(
        "response",
        message.http.as_ref().map_or(Value::Null, |call| {
            json!({ "code": call.status, "headers": { "content-type": "application/json" } })
        }),
    );
    put(
        "persistResults",
        message
            .persisted
            .as_ref()
            .map_or(Value::Null, |(model, result)| {
                // Nango lists the keys too; the simulator keeps only counts.
                json!({
                    "model": model,
                    "added": result.added,
                    "addedKeys": [],
                    "updated": result.updated,
                    "updatedKeys": [],
                    "unchanged": 0,
                    "unchangedKeys": [],
                    "deleted": result.deleted,
                    "deleteKeys": [],
                })
            }),
    );
    put(
        "retry",
        message.retry_attempt.map_or(
            Value::Null,
            |attempt| json!({ "attempt": attempt, "max": 3, "waited": 1000 }),
        ),
    );
    put("createdAt", json!(iso_millis(message.created_at)));
    put("endedAt", json!(message.ended_at.map(iso_millis)));
    put(
        "durationMs",
        json!(
            message
                .ended_at
                .map(|end| (end - message.created_at).num_milliseconds())
        ),
    );
    Value::Object(row)
}
