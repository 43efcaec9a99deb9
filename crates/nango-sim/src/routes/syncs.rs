//! `GET /sync/status`: one row per (sync × connection), undefined fields omitted.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::dataset::records::iso_millis;
use crate::dataset::{Connection, ConnectionSync, Dataset, RecordSet, RunResult};
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query, required, single};
use crate::state::SimState;

fn result_json(result: &RunResult, model: &str) -> Value {
    if result.empty {
        return json!({});
    }
    json!({ model: { "added": result.added, "updated": result.updated, "deleted": result.deleted } })
}

fn row(dataset: &Dataset, connection: &Connection, sync: &ConnectionSync) -> Value {
    let live = RecordSet::new(dataset.seed, connection, sync).live_count();
    let mut map = Map::new();
    map.insert("id".to_owned(), json!(sync.id));
    map.insert("connection_id".to_owned(), json!(connection.connection_id));
    map.insert("type".to_owned(), json!(sync.sync_type));
    if let Some(finished) = sync.finished_at {
        map.insert("finishedAt".to_owned(), json!(iso_millis(finished)));
    }
    map.insert(
        "nextScheduledSyncAt".to_owned(),
        json!(sync.next_scheduled_sync_at.map(iso_millis)),
    );
    map.insert("name".to_owned(), json!(sync.name));
    map.insert("variant".to_owned(), json!(sync.variant));
    map.insert("status".to_owned(), json!(sync.status));
    map.insert("frequency".to_owned(), json!(sync.frequency));
    if let Some(result) = &sync.latest_result {
        map.insert("latestResult".to_owned(), result_json(result, &sync.model));
    }
    if let Some(status) = &sync.latest_execution_status {
        map.insert("latestExecutionStatus".to_owned(), json!(status));
    }
    map.insert(
        "recordCount".to_owned(),
        json!({ sync.model.as_str(): live }),
    );
    map.insert(
        "checkpoint".to_owned(),
        sync.checkpoint.clone().unwrap_or(Value::Null),
    );
    Value::Object(map)
}

/// `*`, or a comma list of `name` / `name::variant`.
fn selects(selector: &str, sync: &ConnectionSync) -> bool {
    selector == "*"
        || selector
            .split(',')
            .map(str::trim)
            .any(|wanted| match wanted.split_once("::") {
                Some((name, variant)) => name == sync.name && variant == sync.variant,
                None => wanted == sync.name,
            })
}

pub(super) async fn status(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:syncs:read"])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let provider_config_key = required(&query, "provider_config_key", &mut issues);
    let syncs = required(&query, "syncs", &mut issues);
    let connection_id = single(&query, "connection_id", &mut issues);
    issues.reject_unknown(
        &query,
        &["provider_config_key", "syncs", "connection_id"],
        &[],
    );
    issues.finish("invalid_query_params")?;
    let (provider_config_key, selector) = (
        provider_config_key.unwrap_or_default(),
        syncs.unwrap_or_default(),
    );
    let dataset = state.dataset();
    let connections: Vec<&Connection> = match connection_id {
        Some(id) => vec![dataset.connection(provider_config_key, id).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Connection not found",
            )
        })?],
        None => dataset.connections_for(provider_config_key),
    };
    let rows: Vec<Value> = connections
        .iter()
        .flat_map(|connection| {
            connection
                .syncs
                .iter()
                .filter(|s| selects(selector, s))
                .map(|s| {
                    let mut row = row(&dataset, connection, s);
                    state
                        .writes()
                        .apply(&crate::writes::key_of(connection, s), &mut row);
                    row
                })
        })
        .collect();
    let latency = state.sync_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency.saturating_mul(u32::try_from(rows.len()).unwrap_or(u32::MAX)))
            .await;
    }
    Ok(ok(&json!({ "syncs": rows })))
}
