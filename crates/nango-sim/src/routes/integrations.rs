//! `GET /integrations` and `GET /integrations/{key}`.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Map, Value, json};

use crate::dataset::Integration;
use crate::dataset::records::iso_millis;
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query};
use crate::state::SimState;

/// Public fields of an integration; `extra` (webhook_url, credentials) goes after `logo`, as
/// Nango serialises it.
pub(super) fn integration_json(integration: &Integration, extra: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    map.insert("unique_key".to_owned(), json!(integration.unique_key));
    map.insert("provider".to_owned(), json!(integration.provider));
    map.insert("display_name".to_owned(), json!(integration.display_name));
    map.insert("logo".to_owned(), json!(integration.logo));
    for (key, value) in extra {
        map.insert(key.to_owned(), value);
    }
    map.insert(
        "forward_webhooks".to_owned(),
        json!(integration.forward_webhooks),
    );
    map.insert(
        "created_at".to_owned(),
        json!(iso_millis(integration.created_at)),
    );
    map.insert(
        "updated_at".to_owned(),
        json!(iso_millis(integration.updated_at)),
    );
    Value::Object(map)
}

/// `404` for an unknown integration key.
pub(super) fn unknown_integration(key: &str) -> ApiError {
    ApiError::not_found(format!("Integration \"{key}\" does not exist"))
}

pub(super) async fn list(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&[
        "environment:integrations:list",
        "environment:integrations:list_credentials",
    ])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    issues.reject_unknown(&query, &[], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let mut integrations: Vec<&Integration> = dataset.integrations.iter().collect();
    integrations.sort_by(|a, b| a.unique_key.cmp(&b.unique_key));
    let data: Vec<Value> = integrations
        .into_iter()
        .map(|i| integration_json(i, Vec::new()))
        .collect();
    Ok(ok(&json!({ "data": data })))
}

pub(super) async fn get(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&[
        "environment:integrations:read",
        "environment:integrations:read_credentials",
    ])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let includes = query.all("include");
    for include in &includes {
        if !matches!(*include, "webhook" | "credentials") {
            issues.push(
                "invalid_value",
                "Invalid option: expected one of \"webhook\"|\"credentials\"",
                "include",
            );
        }
    }
    issues.reject_unknown(&query, &["include"], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let integration = dataset
        .integration(&key)
        .ok_or_else(|| unknown_integration(&key))?;
    let mut extra = Vec::new();
    if includes.contains(&"webhook") {
        extra.push(("webhook_url", json!(integration.webhook_url)));
    }
    // Without the credentials scope Nango silently drops the include.
    if includes.contains(&"credentials") && caller.has("environment:integrations:read_credentials")
    {
        extra.push((
            "credentials",
            integration.credentials.clone().unwrap_or(Value::Null),
        ));
    }
    Ok(ok(&json!({ "data": integration_json(integration, extra) })))
}
