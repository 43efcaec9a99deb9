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

/// Nango tests `new RegExp(search, 'i')` against the provider *name* only. The allowed search
/// characters leave `.` (any character) as the only regex metacharacter.
fn name_matches(name: &str, search: &str) -> bool {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let pattern: Vec<char> = search.to_lowercase().chars().collect();
    if pattern.is_empty() {
        return true;
    }
    name.windows(pattern.len()).any(|window| {
        window
            .iter()
            .zip(&pattern)
            .all(|(have, want)| *want == '.' || have == want)
    })
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
    let data: Vec<&Value> = dataset
        .providers
        .iter()
        .filter(|p| search.is_none_or(|search| name_matches(text(p, "name"), search)))
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

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn search_is_a_case_insensitive_name_regex() {
        assert!(name_matches("hubspot-mcp", "HubSpot"));
        assert!(name_matches("google-calendar", "g..gle"));
        assert!(!name_matches("salesforce", "sales force"));
        assert!(!name_matches("hub", "hubspot"));
    }
}
