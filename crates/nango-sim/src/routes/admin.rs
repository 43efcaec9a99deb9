//! The simulator's own API under `/_sim/` (outside Nango's paths): faults and request log.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::faults::Faults;
use crate::http::json::{ApiError, ok};
use crate::state::SimState;

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/faults", get(get_faults).post(set_faults))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/stats", get(stats))
}

async fn get_faults(State(state): State<SimState>) -> Response {
    ok(&serde_json::to_value(state.faults()).unwrap_or(Value::Null))
}

async fn set_faults(State(state): State<SimState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            state.set_faults(faults);
            ok(&serde_json::to_value(state.faults()).unwrap_or(Value::Null))
        }
        Err(error) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", error.to_string())
            .into_response(),
    }
}

async fn requests(State(state): State<SimState>) -> Response {
    ok(&serde_json::to_value(state.requests()).unwrap_or(Value::Null))
}

async fn clear_requests(State(state): State<SimState>) -> Response {
    state.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(state): State<SimState>) -> Response {
    ok(&json!({ "requests": state.request_count(), "rate_limited": state.rate_limited_count() }))
}
