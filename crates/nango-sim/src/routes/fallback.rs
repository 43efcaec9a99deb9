//! Unknown routes. A real self-hosted server hands them to the dashboard SPA (HTML 200, see
//! the `html_200` fault) or fails with `500 generic_error_support`; the simulator answers a
//! JSON 404 so clients see a clear "wrong path" error.

use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::http::json::ApiError;

pub(super) async fn unknown_route(method: Method, uri: Uri) -> Response {
    ApiError::not_found(format!("Unknown route: {method} {}", uri.path())).into_response()
}
