//! Unknown routes. A real Nango without dashboard assets answers every unknown route (any
//! method, any key or none) with `500 generic_error_support` whose payload is a fresh support
//! id, and without rate-limit headers (the route never reached the authenticated API). The
//! `html_200` fault still stands in for a server that serves the dashboard SPA instead. The
//! dashboard's own API (`/api/v1/…`) answers `401 invalid_env` to an API key.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::json::ApiError;

/// The dashboard's private API: without a dashboard session Nango answers `401 invalid_env`.
const DASHBOARD_API_PREFIX: &str = "/api/v1/";

/// A random UUID v4, like the support ids Nango logs.
fn support_id() -> String {
    let bits = fastrand::u128(..);
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

pub(super) async fn unknown_route(uri: Uri) -> Response {
    if uri.path().starts_with(DASHBOARD_API_PREFIX) {
        return ApiError::raw(StatusCode::UNAUTHORIZED, json!({ "code": "invalid_env" }))
            .into_response();
    }
    ApiError::generic_support(&support_id()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn support_ids_are_uuid_v4() {
        let id = super::support_id();
        assert!(crate::config::is_uuid_v4(&id), "{id}");
        assert_ne!(id, super::support_id());
    }
}
