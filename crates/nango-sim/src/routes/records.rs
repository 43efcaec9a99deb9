//! `GET /records`: cursor paging over lazily generated records.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Months, Utc};
use serde_json::{Value, json};

use crate::dataset::{RecordAction, RecordSet, decode_cursor};
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query, integer, is_model_name, required, single};
use crate::state::SimState;

const MODEL_PATTERN: &str = "^[A-Z][a-zA-Z0-9_-]+$";
const MAX_IDS: usize = 100;

struct Params {
    model: String,
    variant: Option<String>,
    cursor: Option<String>,
    limit: usize,
    actions: Option<Vec<RecordAction>>,
    modified_after: Option<i64>,
    ids: Vec<String>,
}

fn parse_filter(raw: &str) -> Option<Vec<RecordAction>> {
    raw.split(',')
        .map(|part| match part.trim().to_lowercase().as_str() {
            "added" => Some(RecordAction::Added),
            "updated" => Some(RecordAction::Updated),
            "deleted" => Some(RecordAction::Deleted),
            _ => None,
        })
        .collect()
}

fn parse_modified_after(raw: &str, field: &str, issues: &mut Issues) -> Option<i64> {
    let Ok(time) = DateTime::parse_from_rfc3339(raw) else {
        issues.push("invalid_format", "Invalid ISO datetime", field);
        return None;
    };
    let oldest = Utc::now()
        .checked_sub_months(Months::new(12))
        .unwrap_or_default();
    if time < oldest {
        issues.push("custom", "must be within the last 12 months", field);
        return None;
    }
    Some(time.timestamp_micros())
}

fn parse_params(query: &Query) -> Result<Params, ApiError> {
    let mut issues = Issues::default();
    let model = required(query, "model", &mut issues);
    if model.is_some_and(|model| !is_model_name(model) || model.len() > 255) {
        issues.pattern("model", MODEL_PATTERN);
    }
    let variant = single(query, "variant", &mut issues);
    let cursor = single(query, "cursor", &mut issues);
    if cursor.is_some_and(|c| c.is_empty() || c.len() > 1000) {
        issues.push(
            "too_small",
            "Too small: expected string to have >=1 characters",
            "cursor",
        );
    }
    let limit = integer(query, "limit", 1, Some(10_000), &mut issues).unwrap_or(100);
    let actions = match single(query, "filter", &mut issues) {
        None => None,
        Some(raw) => {
            let parsed = parse_filter(raw);
            if parsed.is_none() {
                issues.push(
                    "invalid_value",
                    "Invalid option: expected one of \"added\"|\"updated\"|\"deleted\"",
                    "filter",
                );
            }
            parsed
        }
    };
    let mut modified_after = None;
    for field in ["modified_after", "delta"] {
        if let Some(raw) = single(query, field, &mut issues) {
            modified_after = parse_modified_after(raw, field, &mut issues).or(modified_after);
        }
    }
    let ids: Vec<String> = query.all("ids").into_iter().map(str::to_owned).collect();
    if ids.len() > MAX_IDS {
        issues.push(
            "too_big",
            format!("Too big: expected array to have <={MAX_IDS} items"),
            "ids",
        );
    }
    if ids.iter().any(|id| id.is_empty() || id.len() > 256) {
        issues.push(
            "too_big",
            "Too big: expected string to have <=256 characters",
            "ids",
        );
    }
    issues.reject_unknown(
        query,
        &[
            "model",
            "variant",
            "cursor",
            "limit",
            "filter",
            "modified_after",
            "delta",
            "ids",
        ],
        &[],
    );
    issues.finish("invalid_query_params")?;
    Ok(Params {
        model: model.unwrap_or_default().to_owned(),
        variant: variant.map(str::to_owned),
        cursor: cursor.map(str::to_owned),
        limit: usize::try_from(limit).unwrap_or(100),
        actions,
        modified_after,
        ids,
    })
}

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

fn empty_page() -> Value {
    json!({ "next_cursor": null, "records": [] })
}

/// Indexes to consider, in order, starting at `start`.
fn candidates<'a>(
    set: &'a RecordSet<'_>,
    params: &Params,
    start: usize,
) -> Box<dyn Iterator<Item = usize> + 'a> {
    if params.ids.is_empty() {
        return Box::new(start..set.len());
    }
    let mut indexes: Vec<usize> = params
        .ids
        .iter()
        .filter_map(|id| set.index_of(id))
        .filter(|i| *i >= start)
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    Box::new(indexes.into_iter())
}

pub(super) async fn list(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:records:read"])?;
    let params = parse_params(&Query::parse(raw.as_deref()))?;
    let connection_id = header_value(&headers, "connection-id");
    let provider_config_key = header_value(&headers, "provider-config-key");
    let mut issues = Issues::default();
    if connection_id.is_none() {
        issues.missing("connection-id");
    }
    if provider_config_key.is_none() {
        issues.missing("provider-config-key");
    }
    issues.finish("invalid_headers")?;
    let dataset = state.dataset();
    let connection = dataset
        .connection(
            provider_config_key.unwrap_or_default(),
            connection_id.unwrap_or_default(),
        )
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown_connection",
                "Provided ConnectionId and ProviderConfigKey does not match a valid connection",
            )
        })?;
    let cursor = match &params.cursor {
        Some(raw) => Some(decode_cursor(raw).ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Failed to fetch records",
            )
        })?),
        None => None,
    };
    if params.variant.as_deref().is_some_and(|v| v != "base") {
        return Ok(ok(&empty_page()));
    }
    let Some(set) = dataset.records_of(connection, &params.model) else {
        return Ok(ok(&empty_page()));
    };
    let mut start = cursor.map_or(0, |(micros, uuid)| set.first_after(micros, &uuid));
    if let Some(micros) = params.modified_after {
        start = start.max(set.first_modified_at_or_after(micros));
    }
    let wanted = |index: &usize| {
        params
            .actions
            .as_ref()
            .is_none_or(|actions| actions.contains(&set.action(*index)))
    };
    let mut matching = candidates(&set, &params, start).filter(wanted);
    // Like Nango, a page also ends once its records exceed the response byte budget.
    let budget = state.records_page_max_bytes();
    let (mut records, mut last, mut bytes) = (Vec::new(), None, 0usize);
    for index in matching.by_ref() {
        let record = set.record(index);
        if budget.is_some() {
            bytes = bytes.saturating_add(record.to_string().len());
        }
        records.push(record);
        last = Some(index);
        if records.len() >= params.limit || budget.is_some_and(|max| bytes >= max) {
            break;
        }
    }
    let more = matching.next().is_some();
    let next_cursor = if more {
        last.map(|index| set.cursor(index))
    } else {
        None
    };
    Ok(ok(
        &json!({ "next_cursor": next_cursor, "records": records }),
    ))
}
