//! `GET /connections` (offset paging, filters) and `GET /connections/{id}`.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::dataset::records::{offset_millis, postgres_millis};
use crate::dataset::{Connection, EndUser};
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, ok};
use crate::http::query::{Issues, Query, boolean, integer, required, single};
use crate::refresh::{Outcome, REFRESH_BACKOFF_MESSAGE, REFRESH_FAILED_MESSAGE};
use crate::state::SimState;

/// Without `limit` Nango returns up to 10,000 rows ("to avoid breaking changes").
const DEFAULT_LIMIT: i64 = 10_000;
const MAX_LIMIT: i64 = 2_000;
const MAX_TAGS: usize = 10;

fn end_user_json(end_user: Option<&EndUser>) -> Value {
    end_user.map_or(Value::Null, |user| {
        json!({
            "id": user.id,
            "display_name": user.display_name,
            "email": user.email,
            "tags": user.tags,
            "organization": user.organization.as_ref().map(|org| json!({ "id": org.id, "display_name": org.display_name })),
        })
    })
}

/// The fields list and detail share, in Nango's order.
fn common_fields(connection: &Connection) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("id".to_owned(), json!(connection.id));
    map.insert("connection_id".to_owned(), json!(connection.connection_id));
    map.insert(
        "provider_config_key".to_owned(),
        json!(connection.provider_config_key),
    );
    map.insert("provider".to_owned(), json!(connection.provider));
    map.insert("errors".to_owned(), json!(connection.errors));
    map.insert(
        "end_user".to_owned(),
        end_user_json(connection.end_user.as_ref()),
    );
    map.insert("tags".to_owned(), json!(connection.tags));
    map.insert("metadata".to_owned(), connection.metadata.clone());
    map
}

fn list_item(connection: &Connection) -> Value {
    let mut map = common_fields(connection);
    map.insert(
        "created".to_owned(),
        json!(postgres_millis(connection.created_at)),
    );
    Value::Object(map)
}

fn contains_ci(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(needle))
}

struct Filters<'a> {
    connection_id: Option<&'a str>,
    search: Option<String>,
    integrations: Option<Vec<&'a str>>,
    tags: Vec<(String, &'a str)>,
    end_user_id: Option<&'a str>,
    organization_id: Option<&'a str>,
}

impl Filters<'_> {
    fn matches(&self, connection: &Connection) -> bool {
        if self
            .connection_id
            .is_some_and(|id| id != connection.connection_id)
        {
            return false;
        }
        if let Some(needle) = &self.search {
            let user = connection.end_user.as_ref();
            let hit = contains_ci(Some(&connection.connection_id), needle)
                || contains_ci(user.and_then(|u| u.display_name.as_deref()), needle)
                || contains_ci(user.and_then(|u| u.email.as_deref()), needle)
                || contains_ci(
                    connection.tags.get("end_user_email").map(String::as_str),
                    needle,
                )
                || contains_ci(
                    connection
                        .tags
                        .get("end_user_display_name")
                        .map(String::as_str),
                    needle,
                );
            if !hit {
                return false;
            }
        }
        if let Some(keys) = &self.integrations
            && !keys.contains(&connection.provider_config_key.as_str())
        {
            return false;
        }
        if !self
            .tags
            .iter()
            .all(|(key, value)| connection.tags.get(key).is_some_and(|v| v == value))
        {
            return false;
        }
        if let Some(id) = self.end_user_id {
            let tagged = connection.tags.get("end_user_id").is_some_and(|v| v == id);
            if !tagged && connection.end_user.as_ref().is_none_or(|u| u.id != id) {
                return false;
            }
        }
        if let Some(id) = self.organization_id {
            let tagged = connection
                .tags
                .get("organization_id")
                .is_some_and(|v| v == id);
            let nested = connection
                .end_user
                .as_ref()
                .and_then(|u| u.organization.as_ref())
                .is_some_and(|o| o.id == id);
            if !tagged && !nested {
                return false;
            }
        }
        true
    }
}

pub(super) async fn list(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:connections:list"])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let connection_id = single(&query, "connectionId", &mut issues);
    if connection_id.is_some_and(|id| id.is_empty() || id.len() > 255) {
        issues.push(
            "too_small",
            "Too small: expected string to have >=1 characters",
            "connectionId",
        );
    }
    let search = single(&query, "search", &mut issues).map(str::to_lowercase);
    let integrations = single(&query, "integrationId", &mut issues).map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .collect::<Vec<_>>()
    });
    let limit = integer(&query, "limit", 1, Some(MAX_LIMIT), &mut issues).unwrap_or(DEFAULT_LIMIT);
    let page = integer(&query, "page", 0, None, &mut issues).unwrap_or(0);
    let end_user_id = single(&query, "endUserId", &mut issues);
    let organization_id = single(&query, "endUserOrganizationId", &mut issues);
    let tags: Vec<(String, &str)> = query
        .deep_object("tags")
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    if tags.len() > MAX_TAGS {
        issues.push("custom", format!("Maximum {MAX_TAGS} tags allowed"), "tags");
    }
    if tags.iter().any(|(_, v)| v.len() > 255) {
        issues.push(
            "too_big",
            "Too big: expected string to have <=255 characters",
            "tags",
        );
    }
    issues.reject_unknown(
        &query,
        &[
            "connectionId",
            "search",
            "integrationId",
            "limit",
            "page",
            "endUserId",
            "endUserOrganizationId",
        ],
        &["tags"],
    );
    issues.finish("invalid_query_params")?;
    let filters = Filters {
        connection_id,
        search,
        integrations,
        tags,
        end_user_id,
        organization_id,
    };
    let dataset = state.dataset();
    let offset = usize::try_from(page.saturating_mul(limit)).unwrap_or(usize::MAX);
    let rows: Vec<Value> = dataset
        .connections_newest_first()
        .filter(|c| filters.matches(c))
        .skip(offset)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|c| list_item(&state.refresh().apply(c)))
        .collect();
    Ok(ok(&json!({ "connections": rows })))
}

/// Credentials as the key may see them: `{}` without `read_credentials`, no refresh token
/// unless asked for.
fn visible_credentials(connection: &Connection, can_read: bool, with_refresh_token: bool) -> Value {
    if !can_read {
        return json!({});
    }
    let mut credentials = connection.credentials.clone();
    if !with_refresh_token && let Some(map) = credentials.as_object_mut() {
        map.shift_remove("refresh_token");
        if let Some(raw) = map.get_mut("raw").and_then(Value::as_object_mut) {
            raw.shift_remove("refresh_token");
        }
    }
    credentials
}

pub(super) async fn get(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    Path(connection_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&[
        "environment:connections:read",
        "environment:connections:read_credentials",
    ])?;
    let query = Query::parse(raw.as_deref());
    let mut issues = Issues::default();
    let provider_config_key = required(&query, "provider_config_key", &mut issues);
    let force_refresh = boolean(&query, "force_refresh", &mut issues).unwrap_or(false);
    let refresh_token = boolean(&query, "refresh_token", &mut issues).unwrap_or(false);
    let refresh_jwt = boolean(&query, "refresh_github_app_jwt_token", &mut issues).unwrap_or(false);
    issues.reject_unknown(
        &query,
        &[
            "provider_config_key",
            "force_refresh",
            "refresh_token",
            "refresh_github_app_jwt_token",
        ],
        &[],
    );
    issues.finish("invalid_query_params")?;
    let provider_config_key = provider_config_key.unwrap_or_default();
    // Nango checks the flags against the scope before it looks anything up.
    let can_read_credentials = caller.has("environment:connections:read_credentials");
    if (force_refresh || refresh_token || refresh_jwt) && !can_read_credentials {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Credential and refresh options require the environment:connections:read_credentials scope",
        ));
    }
    let dataset = state.dataset();
    if dataset.integration(provider_config_key).is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_provider_config",
            "Provider does not exists",
        ));
    }
    let connection = dataset
        .connection(provider_config_key, &connection_id)
        .ok_or_else(|| ApiError::not_found("Failed to find connection"))?;
    if can_read_credentials {
        let outcome = state.refresh().read_credentials(
            connection,
            state.now(),
            dataset.anchor,
            force_refresh,
        );
        let failed =
            |status, message| refresh_error(status, message, &state.refresh().apply(connection));
        match outcome {
            Outcome::Fresh => {}
            Outcome::Failed => {
                return Err(failed(StatusCode::BAD_REQUEST, REFRESH_FAILED_MESSAGE));
            }
            Outcome::BackingOff => {
                return Err(failed(
                    StatusCode::FAILED_DEPENDENCY,
                    REFRESH_BACKOFF_MESSAGE,
                ));
            }
        }
    }
    let connection = state.refresh().apply(connection);
    let credentials = visible_credentials(&connection, can_read_credentials, refresh_token);
    Ok(ok(&detail(&connection, credentials)))
}

/// `GET /connections/{id}`'s body with the given credentials.
fn detail(connection: &Connection, credentials: Value) -> Value {
    let mut map = common_fields(connection);
    map.insert(
        "connection_config".to_owned(),
        connection.connection_config.clone(),
    );
    map.insert(
        "webhook_url_override".to_owned(),
        json!(connection.webhook_url_override),
    );
    map.insert(
        "created_at".to_owned(),
        json!(offset_millis(connection.created_at)),
    );
    map.insert(
        "updated_at".to_owned(),
        json!(offset_millis(connection.updated_at)),
    );
    map.insert(
        "last_fetched_at".to_owned(),
        json!(connection.last_fetched_at.map(offset_millis)),
    );
    map.insert("credentials".to_owned(), credentials);
    Value::Object(map)
}

/// `invalid_credentials` with the connection (credentials `{}`) in `payload.connection`.
fn refresh_error(status: StatusCode, message: &str, connection: &Connection) -> ApiError {
    ApiError::raw(
        status,
        json!({
            "code": "invalid_credentials",
            "message": message,
            "payload": { "connection": detail(connection, json!({})) },
        }),
    )
}
