//! `/metrics` on its own listener, so scraping needs no MCP token and never competes with `/mcp`
//! for a slot, and the metrics port can stay inside the cluster while `/mcp` is exposed.

use std::net::SocketAddr;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use super::metrics;

/// Turns metrics on and serves them at `http://ADDR/metrics` until the process ends.
/// Returns the address bound (port 0 picks one).
pub async fn start(addr: SocketAddr) -> std::io::Result<SocketAddr> {
    metrics::install();
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "metrics are served at /metrics\n") });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    tracing::info!(url = %format!("http://{bound}/metrics"), "serving Prometheus metrics");
    Ok(bound)
}

async fn scrape() -> Response {
    let Some(metrics) = metrics::get() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
