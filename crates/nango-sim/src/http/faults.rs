//! The outermost middleware: logs the request, then injects the configured faults.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::auth::too_many_requests;
use super::json::json_response;
use crate::state::{RecordedRequest, SimState};

/// Paths of the simulator's own admin API; never faulted nor logged.
pub const ADMIN_PREFIX: &str = "/_sim/";

const HANG_POLL: Duration = Duration::from_millis(20);

/// What a dashboard SPA fallback serves.
const DASHBOARD_HTML: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Nango</title></head>\
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id=\"root\"></div></body></html>\n";

fn html_page(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn bad_gateway() -> Response {
    html_page(
        StatusCode::BAD_GATEWAY,
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n",
    )
}

fn unavailable() -> Response {
    json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({ "error": { "code": "service_unavailable", "message": "The service is temporarily unavailable" } }),
    )
}

async fn truncate(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

/// Logs and faults every non-admin request.
pub async fn inject(State(state): State<SimState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(ADMIN_PREFIX) {
        return next.run(request).await;
    }
    state.record(RecordedRequest::from_parts(
        request.method().as_str(),
        request.uri(),
        request.headers(),
    ));
    while state.faults().hang {
        if state.is_shutting_down() {
            return unavailable();
        }
        tokio::time::sleep(HANG_POLL).await;
    }
    let faults = state.faults();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if let Some(status) = state.take_burst() {
        return if status == 502 {
            bad_gateway()
        } else {
            unavailable()
        };
    }
    if state.take_storm() {
        state.count_rate_limited();
        return too_many_requests(request.method().as_str(), request.uri().path(), 1);
    }
    if state.roll(faults.error_rate) {
        return unavailable();
    }
    if faults.html_200 {
        return html_page(StatusCode::OK, DASHBOARD_HTML);
    }
    let response = next.run(request).await;
    if faults.truncated_json {
        truncate(response).await
    } else {
        response
    }
}
