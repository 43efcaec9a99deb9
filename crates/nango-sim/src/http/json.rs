//! JSON responses the way Nango sends them (`application/json; charset=utf-8`) and its error
//! envelope `{"error": {...}}`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Nango's JSON content type.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response with Nango's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// `200` with a JSON body.
pub fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// An API error: status plus the `error` object.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Content of the `error` key.
    pub error: Value,
}

impl ApiError {
    /// `{"error":{"code":…,"message":…}}`.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error: json!({ "code": code, "message": message.into() }),
        }
    }

    /// An envelope with an explicit `error` object (for shapes with `errors`, `payload`, …).
    pub fn raw(status: StatusCode, error: Value) -> Self {
        Self { status, error }
    }

    /// `404 not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// `403 forbidden` for a missing scope.
    pub fn missing_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Insufficient scope. Required: {scope}"),
        )
    }

    /// `500 generic_error_support` with a support id, as for unknown routes on a server
    /// without dashboard assets.
    pub fn generic_support(support_id: &str) -> Self {
        Self::raw(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({
                "message": format!("An error occurred. Please contact support with this unique id: \"{support_id}\""),
                "code": "generic_error_support",
                "payload": support_id,
            }),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &json!({ "error": self.error }))
    }
}

/// Handler result: a response or an API error.
pub type ApiResult = Result<Response, ApiError>;
