//! `GET /integrations/{key}/functions[/{name}]`: deployed functions, paginated.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Map, Value, json};

use super::integrations::unknown_integration;
use crate::dataset::Function;
use crate::dataset::records::iso_millis;
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query, integer, single};
use crate::state::SimState;

const FUNCTION_TYPES: &[&str] = &["sync", "action", "on-event"];

/// A function as `/functions` lists it (undefined fields omitted, like Nango).
pub(super) fn function_json(function: &Function) -> Value {
    let mut map = Map::new();
    map.insert("name".to_owned(), json!(function.name));
    if let Some(description) = &function.description {
        map.insert("description".to_owned(), json!(description));
    }
    if !function.scopes.is_empty() {
        map.insert("scopes".to_owned(), json!(function.scopes));
    }
    map.insert("type".to_owned(), json!(function.kind));
    if let Some(input) = &function.input {
        map.insert("input".to_owned(), json!(input));
    }
    map.insert("returns".to_owned(), json!(function.returns));
    map.insert("json_schema".to_owned(), function.json_schema.clone());
    if function.is_sync() {
        map.insert("runs".to_owned(), json!(function.runs));
        map.insert("auto_start".to_owned(), json!(function.auto_start));
        map.insert("track_deletes".to_owned(), json!(function.track_deletes));
    }
    map.insert("id".to_owned(), json!(function.id));
    map.insert("enabled".to_owned(), json!(function.enabled));
    map.insert(
        "last_deployed".to_owned(),
        json!(iso_millis(function.last_deployed)),
    );
    map.insert("source".to_owned(), json!(function.source));
    Value::Object(map)
}

fn type_param<'a>(query: &'a Query, issues: &mut Issues) -> Option<&'a str> {
    let kind = single(query, "type", issues)?;
    if FUNCTION_TYPES.contains(&kind) {
        Some(kind)
    } else {
        issues.push(
            "invalid_value",
            "Invalid option: expected one of \"sync\"|\"action\"|\"on-event\"",
            "type",
        );
        None
    }
}

pub(super) async fn list(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:functions:list"])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let kind = type_param(&query, &mut issues);
    let search = single(&query, "search", &mut issues);
    if search.is_some_and(|s| s.is_empty() || s.len() > 255) {
        issues.push(
            "too_small",
            "Too small: expected string to have >=1 characters",
            "search",
        );
    }
    let page = integer(&query, "page", 0, None, &mut issues).unwrap_or(0);
    let limit = integer(&query, "limit", 1, Some(100), &mut issues).unwrap_or(20);
    issues.reject_unknown(&query, &["type", "search", "page", "limit"], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let integration = dataset
        .integration(&key)
        .ok_or_else(|| unknown_integration(&key))?;
    let needle = search.map(str::to_lowercase);
    let mut matching: Vec<&Function> = integration
        .functions
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| {
            needle
                .as_ref()
                .is_none_or(|n| f.name.to_lowercase().contains(n.as_str()))
        })
        .collect();
    matching.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
    let offset = usize::try_from(page.saturating_mul(limit)).unwrap_or(usize::MAX);
    let data: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(usize::try_from(limit).unwrap_or(20))
        .map(|f| function_json(f))
        .collect();
    Ok(ok(
        &json!({ "data": data, "pagination": { "total": matching.len(), "page": page, "limit": limit } }),
    ))
}

pub(super) async fn get(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    Path((key, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:functions:read"])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let kind = type_param(&query, &mut issues);
    issues.reject_unknown(&query, &["type"], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let integration = dataset
        .integration(&key)
        .ok_or_else(|| unknown_integration(&key))?;
    let function = integration
        .functions
        .iter()
        .find(|f| f.name == name && kind.is_none_or(|k| f.kind == k))
        .ok_or_else(|| ApiError::not_found(format!("Function \"{name}\" does not exist")))?;
    Ok(ok(&json!({ "data": function_json(function) })))
}
