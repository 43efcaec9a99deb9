//! Nango's Management MCP server (Streamable HTTP, stateless, answers as SSE) on `POST /mcp`,
//! with the logs tools `logs_list_operations` and `logs_get_operation` answering from a
//! seeded run history for every sync of every connection ([`history`]). Authentication and
//! rate limiting are the REST API's: every POST costs a point.

mod args;
mod cursors;
mod datetime;
pub mod history;
mod listing;
mod rows;
mod server;
mod tools;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::post_service;
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::never::NeverSessionManager,
};
use serde_json::json;

pub use history::{
    Failure, FailureKind, LogMessage, LogOperation, OperationKind, RunState, messages::HttpCall,
};
pub use server::{LOGS_DISABLED_MESSAGE, MANAGEMENT_SERVER_NAME};

use crate::http::{auth, json::json_response};
use crate::state::SimState;

/// What Nango answers to `GET /mcp` (and any other non-POST method).
async fn method_not_allowed() -> Response {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({ "jsonrpc": "2.0", "error": { "code": -32000, "message": "Method not allowed." }, "id": null }),
    )
}

/// `/mcp`: rmcp's Streamable HTTP service without sessions, behind the REST API's key check.
pub(crate) fn routes(state: SimState) -> Router<SimState> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_sse_keep_alive(None)
        .with_sse_retry(None)
        // The simulator may be bound to any address a test picks.
        .disable_allowed_hosts();
    let handler_state = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(server::ManagementServer::new(handler_state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new()
        .route(
            "/mcp",
            post_service(service)
                .get(method_not_allowed)
                .delete(method_not_allowed)
                .put(method_not_allowed)
                .patch(method_not_allowed),
        )
        .route_layer(from_fn_with_state(state, auth::authenticate))
}
