//! Nango's public REST routes (the read side an audit needs) plus the simulator's admin API.

mod admin;
mod connections;
mod environment;
mod fallback;
mod functions;
mod integrations;
mod providers;
mod records;
mod syncs;
mod writes;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use serde_json::json;

use crate::http::{auth, faults, json};
use crate::state::SimState;

async fn health() -> axum::response::Response {
    json::ok(&json!({ "result": "ok" }))
}

/// The simulator's router, for in-process use (e.g. `tower::ServiceExt::oneshot`).
pub fn router(state: SimState) -> Router {
    let authenticated = Router::new()
        .route("/integrations", get(integrations::list))
        .route("/integrations/{key}", get(integrations::get))
        .route("/integrations/{key}/functions", get(functions::list))
        .route("/integrations/{key}/functions/{name}", get(functions::get))
        .route("/providers", get(providers::list))
        .route("/providers/{name}", get(providers::get))
        .route("/providers/{name}/templates", get(providers::templates))
        .route("/connections", get(connections::list))
        .route("/connections/{id}", get(connections::get))
        // Deprecated aliases served by the same controllers.
        .route("/connection", get(connections::list))
        .route("/connection/{id}", get(connections::get))
        .route("/sync/status", get(syncs::status))
        .route("/sync/trigger", post(writes::trigger))
        .route("/sync/pause", post(writes::pause))
        .route("/sync/start", post(writes::start))
        .route("/connect/sessions/reconnect", post(writes::reconnect))
        // The Node SDK calls `/records/` with a trailing slash.
        .route("/records", get(records::list))
        .route("/records/", get(records::list))
        .route("/environment-variables", get(environment::variables))
        .route("/scripts/config", get(environment::scripts_config))
        .route_layer(from_fn_with_state(state.clone(), auth::authenticate));
    Router::new()
        .route("/health", get(health))
        .merge(authenticated)
        .merge(crate::management::routes(state.clone()))
        .merge(admin::routes())
        .fallback(fallback::unknown_route)
        .method_not_allowed_fallback(fallback::unknown_route)
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .with_state(state)
}
