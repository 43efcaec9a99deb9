//! `GET /providers`, `/providers/{name}`, `/providers/{name}/templates` (any valid key, no scope).

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query, is_provider_search, single};
use crate::state::SimState;

const SEARCH_PATTERN: &str = "^[a-zA-Z0-9~:.@ _-]+$";

fn text<'a>(provider: &'a Value, field: &str) -> &'a str {
    provider
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(super) async fn list(State(state): State<SimState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let search = single(&query, "search", &mut issues);
    if search.is_some_and(|search| !is_provider_search(search)) {
        issues.pattern("search", SEARCH_PATTERN);
    }
    issues.reject_unknown(&query, &["search"], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let needle = search.map(str::to_lowercase);
    let data: Vec<&Value> = dataset
        .providers
        .iter()
        .filter(|p| {
            needle.as_ref().is_none_or(|n| {
                text(p, "name").to_lowercase().contains(n.as_str())
                    || text(p, "display_name").to_lowercase().contains(n.as_str())
            })
        })
        .collect();
    Ok(ok(&json!({ "data": data })))
}

fn no_query(raw: Option<&str>) -> Result<(), ApiError> {
    let mut issues = Issues::default();
    issues.reject_unknown(&Query::parse(raw), &[], &[]);
    issues.finish("invalid_query_params")
}

pub(super) async fn get(
    State(state): State<SimState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    no_query(raw.as_deref())?;
    let dataset = state.dataset();
    let provider = dataset
        .provider(&name)
        .ok_or_else(|| ApiError::not_found(format!("Unknown provider {name}")))?;
    Ok(ok(&json!({ "data": provider })))
}

pub(super) async fn templates(
    State(state): State<SimState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    no_query(raw.as_deref())?;
    let dataset = state.dataset();
    dataset
        .provider(&name)
        .ok_or_else(|| ApiError::not_found(format!("Unknown provider {name}")))?;
    Ok(ok(&json!({ "data": [] })))
}
