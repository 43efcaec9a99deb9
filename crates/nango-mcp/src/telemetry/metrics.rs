//! Prometheus metrics, named after OpenTelemetry's semantic conventions where one exists:
//! `mcp.server.operation.duration` and `http.client.request.duration` (seconds), exposed the way
//! an OpenTelemetry-to-Prometheus bridge would (`.` -> `_`, unit suffix). Installed once, when
//! `--metrics-addr` is set; until then [`get`] is `None` and recording costs one atomic load.
//!
//! Labels hold only bounded, non-personal values: method and tool names (from the server's own
//! list), route templates (`/connections/{id}`), status codes and error kinds.

use std::sync::{Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use nango_api::{RateLimitHeadroom, RequestFacts, RequestObserver};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The buckets OpenTelemetry's MCP conventions advise for operation durations (seconds).
const OPERATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// The HTTP conventions' advised buckets for client request durations (seconds).
const HTTP_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    mcp_method_name: &'static str,
    gen_ai_tool_name: String,
    error_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    http_request_method: &'static str,
    url_template: String,
    http_response_status_code: String,
    error_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    outcome: &'static str,
}

/// How many calls `/mcp`'s fair queue runs and holds waiting, read at scrape time.
pub trait QueueDepth: Send + Sync {
    /// `(running, waiting)`.
    fn depth(&self) -> (usize, usize);
}

/// Every instrument, and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    operations: Family<OperationLabels, Histogram, fn() -> Histogram>,
    upstream: Family<UpstreamLabels, Histogram, fn() -> Histogram>,
    rate_limit_remaining: Gauge,
    rate_limit_limit: Gauge,
    webhooks: Family<WebhookLabels, Counter>,
    queue: std::sync::Arc<QueueWatch>,
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// The process's metrics, when `--metrics-addr` turned them on.
pub fn get() -> Option<&'static Metrics> {
    METRICS.get()
}

/// Turns metrics on (idempotent) and makes the Nango client report to them.
pub fn install() -> &'static Metrics {
    let metrics = METRICS.get_or_init(Metrics::new);
    // A second install (tests) finds the observer in place: nothing to do.
    let _ = nango_api::set_request_observer(Box::new(UpstreamObserver));
    metrics
}

fn operation_histogram() -> Histogram {
    Histogram::new(OPERATION_BUCKETS)
}

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::default();
        let operations: Family<OperationLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(operation_histogram);
        registry.register_with_unit(
            "mcp_server_operation_duration",
            "Duration of MCP requests handled by the server (OpenTelemetry mcp.server.operation.duration)",
            Unit::Seconds,
            operations.clone(),
        );
        let upstream: Family<UpstreamLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(http_histogram);
        registry.register_with_unit(
            "http_client_request_duration",
            "Duration of requests to Nango by route template and status (OpenTelemetry http.client.request.duration)",
            Unit::Seconds,
            upstream.clone(),
        );
        let rate_limit_remaining = Gauge::default();
        registry.register(
            "nango_mcp_rate_limit_remaining",
            "Requests left in Nango's current rate-limit window, as last reported (X-RateLimit-Remaining)",
            rate_limit_remaining.clone(),
        );
        let rate_limit_limit = Gauge::default();
        registry.register(
            "nango_mcp_rate_limit_limit",
            "Requests Nango allows per rate-limit window, as last reported (X-RateLimit-Limit)",
            rate_limit_limit.clone(),
        );
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "nango_mcp_webhook_deliveries",
            "Webhook deliveries received from Nango, by outcome",
            webhooks.clone(),
        );
        let queue = std::sync::Arc::new(QueueWatch::default());
        registry.register_collector(Box::new(std::sync::Arc::clone(&queue)));
        Self {
            registry,
            operations,
            upstream,
            rate_limit_remaining,
            rate_limit_limit,
            webhooks,
            queue,
        }
    }

    /// One MCP request: its method, tool (tools/call only) and `error.type` (None when it worked).
    pub fn record_operation(
        &self,
        method: &'static str,
        tool: Option<&str>,
        error_type: Option<&str>,
        duration: Duration,
    ) {
        let labels = OperationLabels {
            mcp_method_name: method,
            gen_ai_tool_name: tool.unwrap_or_default().to_owned(),
            error_type: error_type.unwrap_or_default().to_owned(),
        };
        self.operations
            .get_or_create(&labels)
            .observe(duration.as_secs_f64());
    }

    /// One webhook delivery from Nango; `outcome` is a fixed word such as `accepted`,
    /// `bad_signature` or `invalid`. For the webhook receiver to call.
    pub fn record_webhook(&self, outcome: &'static str) {
        self.webhooks
            .get_or_create(&WebhookLabels { outcome })
            .inc();
    }

    /// Lets a scrape read the fair queue of `/mcp` (the HTTP server calls this once).
    pub fn watch_queue(&self, queue: Weak<dyn QueueDepth>) {
        *self
            .queue
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(queue);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(8 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// For the webhook receiver: counts a delivery when metrics are on, nothing otherwise.
pub fn webhook_delivered(outcome: &'static str) {
    if let Some(metrics) = get() {
        metrics.record_webhook(outcome);
    }
}

/// The client's requests, as metrics.
struct UpstreamObserver;

impl RequestObserver for UpstreamObserver {
    fn request_done(&self, facts: &RequestFacts<'_>) {
        let Some(metrics) = get() else { return };
        let labels = UpstreamLabels {
            http_request_method: facts.method,
            url_template: facts.route.to_owned(),
            http_response_status_code: facts
                .status
                .map(|code| code.to_string())
                .unwrap_or_default(),
            error_type: facts.failure.unwrap_or_default(),
        };
        metrics
            .upstream
            .get_or_create(&labels)
            .observe(facts.duration.as_secs_f64());
    }

    fn rate_limit_seen(&self, headroom: RateLimitHeadroom) {
        let Some(metrics) = get() else { return };
        let clamp = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        metrics.rate_limit_remaining.set(clamp(headroom.remaining));
        metrics.rate_limit_limit.set(clamp(headroom.limit));
    }
}

#[derive(Default)]
struct QueueWatch {
    queue: Mutex<Option<Weak<dyn QueueDepth>>>,
}

impl std::fmt::Debug for QueueWatch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("QueueWatch")
    }
}

impl Collector for QueueWatch {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let queue = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(Weak::upgrade);
        let (running, waiting) = queue.map_or((0, 0), |queue| queue.depth());
        for (name, help, value) in [
            (
                "nango_mcp_queue_running_calls",
                "MCP calls running now (HTTP transport's fair queue)",
                running,
            ),
            (
                "nango_mcp_queue_waiting_calls",
                "MCP calls waiting for a slot in the HTTP transport's fair queue",
                waiting,
            ),
        ] {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl QueueDepth for Fixed {
        fn depth(&self) -> (usize, usize) {
            (3, 2)
        }
    }

    #[test]
    fn renders_operations_and_queue_as_prometheus_text() {
        let metrics = Metrics::new();
        metrics.record_operation(
            "tools/call",
            Some("list_connections"),
            None,
            Duration::from_millis(30),
        );
        metrics.record_operation(
            "tools/call",
            Some("list_connections"),
            Some("tool_error"),
            Duration::from_millis(3),
        );
        let fixed: std::sync::Arc<dyn QueueDepth> = std::sync::Arc::new(Fixed);
        metrics.watch_queue(std::sync::Arc::downgrade(&fixed));
        metrics.record_webhook("accepted");
        let text = metrics.render().unwrap();
        assert!(text.contains(
            "mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"list_connections\",error_type=\"\"} 1"
        ), "{text}");
        assert!(text.contains("error_type=\"tool_error\"} 1"), "{text}");
        assert!(text.contains("nango_mcp_queue_running_calls 3"), "{text}");
        assert!(text.contains("nango_mcp_queue_waiting_calls 2"), "{text}");
        assert!(
            text.contains("nango_mcp_webhook_deliveries_total{outcome=\"accepted\"} 1"),
            "{text}"
        );
    }
}
