//! Nango's write routes as the real server answers them: `POST /sync/trigger`, `/sync/pause`,
//! `/sync/start` (scope `environment:syncs:execute`) and `/connect/sessions/reconnect` (scope
//! `environment:connect_sessions:write`). The scope is checked before the body, as Nango's
//! `withScope` middleware runs before the handler; bodies are validated strictly; the effects
//! show in `/sync/status`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::dataset::records::iso_millis;
use crate::dataset::{Connection, ConnectionSync};
use crate::http::auth::Caller;
use crate::http::json::{ApiError, ApiResult, json_response, ok};
use crate::state::SimState;
use crate::writes::{CreatedSession, SyncKey};

const SYNCS_EXECUTE: &str = "environment:syncs:execute";
const CONNECT_SESSIONS_WRITE: &str = "environment:connect_sessions:write";
/// Connect sessions live 30 minutes (the real capture: created 14:54:24, expires 15:24:24).
const SESSION_MINUTES: i64 = 30;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SyncWrite {
    Trigger,
    Pause,
    Start,
}

pub(super) async fn trigger(
    state: State<SimState>,
    caller: Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    sync_write(SyncWrite::Trigger, state, caller, headers, body).await
}

pub(super) async fn pause(
    state: State<SimState>,
    caller: Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    sync_write(SyncWrite::Pause, state, caller, headers, body).await
}

pub(super) async fn start(
    state: State<SimState>,
    caller: Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    sync_write(SyncWrite::Start, state, caller, headers, body).await
}

fn invalid_body(errors: Vec<Value>) -> ApiError {
    ApiError::raw(
        StatusCode::BAD_REQUEST,
        json!({ "code": "invalid_body", "errors": errors }),
    )
}

fn issue(code: &str, message: impl Into<String>, path: &[&str]) -> Value {
    json!({ "code": code, "message": message.into(), "path": path })
}

/// The JSON object body, or Nango's 415 / 400.
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_content_type",
            "Content-Type header must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid_body(vec![issue(
            "invalid_type",
            "Invalid input: expected object",
            &[],
        )])),
    }
}

fn unrecognized(body: &Map<String, Value>, allowed: &[&str]) -> Vec<Value> {
    body.keys()
        .filter(|key| !allowed.contains(&key.as_str()))
        .map(|key| {
            issue(
                "unrecognized_keys",
                format!("Unrecognized key: \"{key}\""),
                &[],
            )
        })
        .collect()
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|item| match item {
            Value::String(name) => Some(name.clone()),
            Value::Object(object) => object.get("name")?.as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

async fn sync_write(
    kind: SyncWrite,
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require_any(&[SYNCS_EXECUTE])?;
    let body = json_object(&headers, &body)?;
    let allowed: &[&str] = match kind {
        SyncWrite::Trigger => &[
            "syncs",
            "sync_mode",
            "full_resync",
            "connection_id",
            "provider_config_key",
            "opts",
        ],
        SyncWrite::Pause | SyncWrite::Start => &["syncs", "connection_id", "provider_config_key"],
    };
    let mut errors = Vec::new();
    let syncs = string_list(body.get("syncs"));
    if syncs.is_none() {
        errors.push(issue(
            "invalid_type",
            "Invalid input: expected array, received undefined",
            &["syncs"],
        ));
    }
    if kind == SyncWrite::Trigger
        && let Some(mode) = body.get("sync_mode")
        && !matches!(
            mode.as_str(),
            Some("incremental" | "full_refresh" | "full_refresh_and_clear_cache")
        )
    {
        errors.push(issue(
            "invalid_value",
            "Invalid option: expected one of \"incremental\"|\"full_refresh\"|\"full_refresh_and_clear_cache\"",
            &["sync_mode"],
        ));
    }
    errors.extend(unrecognized(&body, allowed));
    if !errors.is_empty() {
        return Err(invalid_body(errors));
    }
    if body.contains_key("opts")
        && (body.contains_key("sync_mode") || body.contains_key("full_resync"))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Cannot use opts with deprecated sync_mode/full_resync parameters",
        ));
    }
    let Some(key) = body.get("provider_config_key").and_then(Value::as_str) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_provider_config_key",
            "Missing provider_config_key. Provide it in the body or headers.",
        ));
    };
    let connection_id = body.get("connection_id").and_then(Value::as_str);
    let names = syncs.unwrap_or_default();
    let targets = targets(&state, key, connection_id, &names)?;
    let now = state.now();
    for (connection, sync) in targets {
        let sync_key: SyncKey = crate::writes::key_of(&connection, &sync);
        let next_run = sync
            .next_scheduled_sync_at
            .filter(|next| *next > now)
            .unwrap_or(now + chrono::Duration::hours(1));
        state.writes().update(sync_key, |entry| match kind {
            // Nango accepts a trigger on a paused sync and leaves it paused.
            SyncWrite::Trigger => entry.running = entry.paused != Some(true),
            SyncWrite::Pause => entry.paused = Some(true),
            SyncWrite::Start => {
                entry.paused = Some(false);
                entry.next_run = Some(next_run);
            }
        });
    }
    Ok(ok(&json!({ "success": true })))
}

/// The (connection, sync) pairs a sync write names, or Nango's error for what is unknown.
fn targets(
    state: &SimState,
    key: &str,
    connection_id: Option<&str>,
    names: &[String],
) -> Result<Vec<(Connection, ConnectionSync)>, ApiError> {
    let dataset = state.dataset();
    if dataset.integration(key).is_none() {
        return Err(ApiError::raw(
            StatusCode::BAD_REQUEST,
            json!({
                "message": "There is no Provider Configuration matching this key. Please make sure this value exists in the Nango dashboard {}",
                "code": "unknown_provider_config",
                "payload": {},
            }),
        ));
    }
    let connections: Vec<&Connection> = match connection_id {
        Some(id) => vec![dataset.connection(key, id).ok_or_else(|| {
            ApiError::raw(
                StatusCode::NOT_FOUND,
                json!({
                    "message": format!("No connection matching the provided params of 'connection_id' and 'provider_config_key'. Please make sure these values exist in the Nango dashboard {{\n  \"connectionId\": \"{id}\",\n  \"providerConfigKey\": \"{key}\"\n}}"),
                    "code": "unknown_connection",
                    "payload": { "connectionId": id, "providerConfigKey": key },
                }),
            )
        })?],
        None => dataset.connections_for(key),
    };
    let found: Vec<(Connection, ConnectionSync)> = connections
        .into_iter()
        .flat_map(|connection| {
            connection
                .syncs
                .iter()
                .filter(|sync| names.contains(&sync.name))
                .map(move |sync| (connection.clone(), sync.clone()))
        })
        .collect();
    if found.is_empty() {
        return Err(ApiError::raw(
            StatusCode::BAD_REQUEST,
            json!({ "message": "No syncs found given the inputs.", "code": "no_syncs_found", "payload": {} }),
        ));
    }
    Ok(found)
}

pub(super) async fn reconnect(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    caller.require_any(&[CONNECT_SESSIONS_WRITE])?;
    let body = json_object(&headers, &body)?;
    let mut errors = Vec::new();
    for field in ["connection_id", "integration_id"] {
        if !body.get(field).is_some_and(Value::is_string) {
            errors.push(issue(
                "invalid_type",
                "Invalid input: expected string, received undefined",
                &[field],
            ));
        }
    }
    errors.extend(unrecognized(
        &body,
        &[
            "connection_id",
            "integration_id",
            "end_user",
            "organization",
            "integrations_config_defaults",
            "overrides",
            "webhook_url_override",
            "tags",
        ],
    ));
    if !errors.is_empty() {
        return Err(invalid_body(errors));
    }
    let text = |field: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (connection_id, integration) = (text("connection_id"), text("integration_id"));
    if state
        .dataset()
        .connection(&integration, &connection_id)
        .is_none()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "ConnectionID or IntegrationId does not exists",
        ));
    }
    let token = format!("nango_connect_session_{}", state.random_hex(64));
    let expires_at = state.now() + chrono::Duration::minutes(SESSION_MINUTES);
    state.writes().add_session(CreatedSession {
        integration,
        connection_id,
        expires_at,
    });
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "data": {
            "token": token,
            "connect_link": format!("https://connect.nango.dev/?session_token={token}"),
            "expires_at": iso_millis(expires_at),
        }}),
    ))
}
