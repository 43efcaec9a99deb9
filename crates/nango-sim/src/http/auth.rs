//! Secret-key authentication, scopes, and the rate-limit charge of authenticated requests.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json::{ApiError, json_response};
use super::ratelimit::Decision;
use crate::config::is_uuid_v4;
use crate::state::SimState;

/// The authenticated caller, available to handlers as an extension.
#[derive(Clone, Debug)]
pub struct Caller {
    scopes: Arc<Vec<String>>,
}

impl Caller {
    /// True when a granted scope equals `scope` or is a wildcard covering it
    /// (`environment:*`, `environment:connections:*`).
    pub fn has(&self, scope: &str) -> bool {
        self.scopes
            .iter()
            .any(|granted| match granted.strip_suffix('*') {
                Some(prefix) => scope.starts_with(prefix),
                None => granted == scope,
            })
    }

    /// `403` unless one of `scopes` is granted; the message names the first (the usual one).
    pub fn require_any(&self, scopes: &[&str]) -> Result<(), ApiError> {
        if scopes.iter().any(|scope| self.has(scope)) {
            Ok(())
        } else {
            Err(ApiError::missing_scope(
                scopes.first().copied().unwrap_or("environment:*"),
            ))
        }
    }
}

fn auth_error(code: &str, message: &str) -> Box<Response> {
    Box::new(json_response(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": { "message": message, "code": code, "payload": {} } }),
    ))
}

fn authenticate_headers(state: &SimState, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(auth_error(
            "missing_auth_header",
            "Authentication failed. The request is missing the Authorization header.",
        ));
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    // Nango takes whatever follows the last "Bearer ".
    let secret = value.rsplit("Bearer ").next().unwrap_or_default().trim();
    if !is_uuid_v4(secret) {
        return Err(auth_error(
            "invalid_secret_key_format",
            "Authentication failed. The provided secret key is not a UUID v4.",
        ));
    }
    state
        .keys()
        .iter()
        .find(|key| key.key.eq_ignore_ascii_case(secret))
        .map(|key| Caller { scopes: Arc::new(key.scopes.clone()) })
        .ok_or_else(|| auth_error("unknown_account", "Authentication failed. The provided authorization header does not match any account."))
}

fn set_header(headers: &mut HeaderMap, name: &'static str, value: u64) {
    if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, value);
    }
}

/// A `429 too_many_request` answer.
pub fn too_many_requests(method: &str, path: &str, retry_after: u64) -> Response {
    let mut response = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({ "error": { "code": "too_many_request", "method": method, "path": path } }),
    );
    set_header(response.headers_mut(), "retry-after", retry_after);
    response
}

/// Middleware for every authenticated route: 401s, rate limit (429 + headers), `Caller`.
pub async fn authenticate(
    State(state): State<SimState>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match authenticate_headers(&state, request.headers()) {
        Ok(caller) => caller,
        Err(response) => return *response,
    };
    let decision = state.limiter().charge();
    if let Decision::Limited {
        limit,
        reset_epoch,
        retry_after,
    } = decision
    {
        state.count_rate_limited();
        let mut response =
            too_many_requests(request.method().as_str(), request.uri().path(), retry_after);
        let headers = response.headers_mut();
        set_header(headers, "x-ratelimit-limit", u64::from(limit));
        set_header(headers, "x-ratelimit-remaining", 0);
        set_header(headers, "x-ratelimit-reset", reset_epoch);
        return response;
    }
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await.into_response();
    if let Decision::Allowed {
        limit,
        remaining,
        reset_epoch,
    } = decision
    {
        let headers = response.headers_mut();
        set_header(headers, "x-ratelimit-limit", u64::from(limit));
        set_header(headers, "x-ratelimit-remaining", u64::from(remaining));
        set_header(headers, "x-ratelimit-reset", reset_epoch);
    }
    response
}
