//! CORS for the browser origins the operator allowed (`NANGO_MCP_ALLOWED_ORIGINS`).
//!
//! Why answer at all: that setting says which browser origins may call the server, and a
//! browser-based MCP host (an MCP Apps host page, an inspector) on another origin must pass a
//! preflight before its first `POST /mcp` (its `Content-Type: application/json` and
//! `Authorization` make the request non-simple). Without CORS answers the allow-list could never
//! be used by a browser: `OPTIONS /mcp` got 405. The default list is this machine's pages
//! (`http(s)://localhost:*`, `127.0.0.1`, `[::1]`), which the guard already let in; an operator
//! who empties the list gets no CORS headers at all.
//!
//! What it grants: exactly the origins the guard allows (the same parser and rules), no
//! cookies (`Allow-Credentials` is never sent; callers authenticate with a bearer token in
//! `Authorization`), the MCP methods and headers, and the response headers a client must read
//! (`Mcp-Session-Id`, `Mcp-Protocol-Version`, and `WWW-Authenticate` for OAuth discovery).
//! The guard runs before this layer, so a refused origin never gets a preflight answer; the
//! bearer check runs after it, because browsers send preflights without credentials.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::host_guard::HostGuard;

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The CORS layer for `/mcp`, or `None` when no browser origin is allowed.
pub(crate) fn layer(guard: &Arc<HostGuard>) -> Option<CorsLayer> {
    if !guard.allows_browsers() {
        return None;
    }
    let guard = Arc::clone(guard);
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                guard.origin_header_allowed(origin)
            }))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("mcp-protocol-version"),
                HeaderName::from_static("mcp-session-id"),
                HeaderName::from_static("last-event-id"),
            ])
            .expose_headers([
                HeaderName::from_static("mcp-session-id"),
                HeaderName::from_static("mcp-protocol-version"),
                header::WWW_AUTHENTICATE,
            ])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}
