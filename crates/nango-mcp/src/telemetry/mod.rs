//! Operating a server: Prometheus metrics on their own listener (`--metrics-addr`) and OTLP trace
//! export (the standard `OTEL_EXPORTER_OTLP_*` variables). Both are off unless asked for, and off
//! they cost a branch per MCP request and an atomic load per Nango request.
//!
//! The Nango client knows neither: it reports through `nango_api::RequestObserver` and a tracing
//! span of target `nango_api::SPAN_TARGET`, which this module turns into metrics and spans.

pub mod metrics;
pub mod metrics_server;
pub mod request;
pub mod traces;

use std::sync::Arc;

pub use metrics::{QueueDepth, webhook_delivered};
pub use request::observed;

/// Lets the metrics scrape read `/mcp`'s fair queue, when metrics are on.
pub(crate) fn watch_queue(queue: Arc<dyn QueueDepth>) {
    if let Some(metrics) = metrics::get() {
        metrics.watch_queue(Arc::downgrade(&queue));
    }
}
