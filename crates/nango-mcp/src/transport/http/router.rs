//! Assembles the axum router: which checks guard which path, in which order.

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::never::NeverSessionManager,
};
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

use super::auth::require_bearer;
use super::error::Refusal;
use super::fair_queue::{Capacity, FairQueue};
use super::health::{Readiness, ReadinessCheck, healthz, readyz};
use super::host_guard::{HostGuard, guard_host_and_origin};
use super::limits::{limit_body, limit_per_client};
use super::oauth::{self, Gatekeeper};
use super::settings::HttpSettings;
use super::webhooks::{WEBHOOK_MAX_BODY_BYTES, WEBHOOK_PATH, receive};

/// `/mcp` runs Host/Origin → bearer → fair slot → body limit → rmcp, so that cheap refusals
/// come first and only authenticated callers can occupy a slot or make the server buffer a body.
/// `/readyz` is Host/Origin-checked (it may reach the shared store); `/healthz` is open and static. With
/// sign-in, the bearer check is the gatekeeper's (static tokens or access tokens), a write tool's
/// call is checked for the write scope once its body is buffered, and the protected resource
/// metadata is served open.
/// `/webhooks/nango` runs Host/Origin → 1 MiB body limit → Nango's signature, never the bearer
/// check: Nango cannot present our token, and its signature authenticates it instead.
pub(crate) fn build<S, F>(
    settings: &HttpSettings,
    guard: HostGuard,
    gatekeeper: Option<Arc<Gatekeeper>>,
    make_handler: F,
    readiness: ReadinessCheck,
    mcp_cancel: CancellationToken,
) -> Router
where
    S: rmcp::ServerHandler + Send + 'static,
    F: Fn() -> S + Send + Sync + 'static,
{
    let guard = Arc::new(guard);
    let queue = Arc::new(FairQueue::new(Capacity {
        max_running: settings.max_concurrent,
        max_running_per_client: settings.max_concurrent_per_client,
        max_waiting: settings.max_queued,
        max_waiting_per_client: settings.max_queued_per_client,
        wait_at_most: settings.queue_timeout,
    }));
    crate::telemetry::watch_queue(Arc::clone(&queue) as _);

    let mut mcp =
        Router::new().route_service("/mcp", mcp_service(settings, make_handler, mcp_cancel));
    if let Some(gatekeeper) = &gatekeeper {
        // Innermost: it reads the body the limit below has already bounded.
        mcp = mcp.layer(from_fn_with_state(
            Arc::clone(gatekeeper),
            oauth::require_write_scope,
        ));
    }
    mcp = mcp
        .layer(from_fn_with_state(settings.max_body_bytes, limit_body))
        .layer(from_fn_with_state(queue, limit_per_client));
    let tokens = settings.accepted_tokens();
    if let Some(gatekeeper) = &gatekeeper {
        mcp = mcp.layer(from_fn_with_state(
            Arc::clone(gatekeeper),
            oauth::authenticate,
        ));
    } else if !tokens.is_empty() {
        mcp = mcp.layer(from_fn_with_state(Arc::new(tokens), require_bearer));
    }
    // Preflights carry no credentials: answered before the bearer check, after the guard.
    if let Some(cors) = super::cors::layer(&guard) {
        mcp = mcp.layer(cors);
    }
    let mcp = mcp.layer(from_fn_with_state(
        Arc::clone(&guard),
        guard_host_and_origin,
    ));

    let webhooks = settings.webhooks.clone().map(|receiver| {
        Router::new()
            .route(WEBHOOK_PATH, post(receive))
            .with_state(receiver)
            .layer(from_fn_with_state(WEBHOOK_MAX_BODY_BYTES, limit_body))
            .layer(from_fn_with_state(
                Arc::clone(&guard),
                guard_host_and_origin,
            ))
    });

    let ready = Router::new()
        .route("/readyz", get(readyz))
        .with_state(Arc::new(Readiness::new(readiness)))
        .layer(from_fn_with_state(guard, guard_host_and_origin));

    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .merge(ready)
        .merge(mcp);
    if let Some(oauth) = &settings.oauth {
        router = router.merge(oauth::metadata_routes(oauth));
    }
    router
        .merge(webhooks.unwrap_or_default())
        .fallback(not_found)
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// rmcp's service in stateless mode: every POST is answered on its own, so any replica can serve
/// any request and nothing is kept between requests.
fn mcp_service<S, F>(
    settings: &HttpSettings,
    make_handler: F,
    mcp_cancel: CancellationToken,
) -> StreamableHttpService<S, NeverSessionManager>
where
    S: rmcp::ServerHandler + Send + 'static,
    F: Fn() -> S + Send + Sync + 'static,
{
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(mcp_cancel)
        // Our own guard runs first and answers in JSON; rmcp's copy of the check would only see
        // requests that already passed, and its lists have no `*` entries.
        .disable_allowed_hosts()
        .disable_allowed_origins();
    StreamableHttpService::new(
        move || Ok(make_handler()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The request span names the path only: a query string may hold a secret (a client that put
/// its access token in the URL, which is refused but must not be logged).
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        version = ?request.version(),
    )
}

async fn not_found() -> Response {
    Refusal::NotFound.respond("no such endpoint; MCP is served at /mcp")
}
