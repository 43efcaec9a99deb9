//! OTLP trace export, on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set.
//!
//! Spans come from `tracing`: the per-request SERVER span made here and the client's per-attempt
//! CLIENT span, both of target [`nango_api::SPAN_TARGET`], which only the OpenTelemetry layer
//! listens to (the stderr log switches that target off). Unset, no layer is installed, no
//! exporter or HTTP client is built, and those spans are disabled callsites.
//!
//! Only http/protobuf is built in: gRPC would bring tonic (and a second HTTP stack) into every
//! build for a protocol every collector also accepts over HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{Bytes, HttpClient, HttpError};
use opentelemetry_otlp::WithHttpConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use rmcp::model::MetaObject;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, filter::Filtered};

use super::request::McpRequest;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported (set once at start-up).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A running exporter: its tracer, and the provider to flush at exit.
pub struct Tracing {
    pub tracer: SdkTracer,
    provider: SdkTracerProvider,
}

impl Tracing {
    /// Sends what is still buffered. Blocking inside the SDK, so off the async workers.
    pub async fn shutdown(self) {
        let provider = self.provider;
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
}

fn variable(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Starts the exporter when the environment asks for one; an unsupported protocol is an error
/// (silently exporting nothing would look like a broken collector). Call inside the runtime.
pub fn start() -> Result<Option<Tracing>, String> {
    if variable(&["OTEL_SDK_DISABLED"]).is_some_and(|value| value.eq_ignore_ascii_case("true"))
        || variable(&["OTEL_TRACES_EXPORTER"]).is_some_and(|value| value == "none")
    {
        return Ok(None);
    }
    if variable(&[
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ])
    .is_none()
    {
        return Ok(None);
    }
    let protocol = variable(&[
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ])
    .unwrap_or_else(|| "http/protobuf".to_owned());
    if protocol != "http/protobuf" {
        return Err(format!(
            "OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported; this build exports traces \
             over http/protobuf only (point the endpoint at the collector's HTTP port, usually 4318)"
        ));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|error| format!("cannot build the OTLP HTTP client: {error}"))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(OtlpHttp {
            http,
            runtime: tokio::runtime::Handle::current(),
        })
        .build()
        .map_err(|error| format!("cannot start the OTLP trace exporter: {error}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build();
    let tracer = provider.tracer("nango-mcp");
    ENABLED.store(true, Ordering::Relaxed);
    Ok(Some(Tracing { tracer, provider }))
}

/// `service.name` from `OTEL_SERVICE_NAME`/`OTEL_RESOURCE_ATTRIBUTES`, else `nango-mcp`.
fn resource() -> Resource {
    let named = variable(&["OTEL_SERVICE_NAME"]).is_some()
        || variable(&["OTEL_RESOURCE_ATTRIBUTES"])
            .is_some_and(|attributes| attributes.contains("service.name="));
    let builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if named {
        builder.build()
    } else {
        builder.with_service_name("nango-mcp").build()
    }
}

/// The layer that turns our spans (and only ours) into OpenTelemetry spans.
pub fn layer<S>(
    tracer: SdkTracer,
) -> Filtered<tracing_opentelemetry::OpenTelemetryLayer<S, SdkTracer>, Targets, S>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_tracked_inactivity(false)
        .with_location(false)
        .with_threads(false)
        .with_filter(Targets::new().with_target(nango_api::SPAN_TARGET, LevelFilter::TRACE))
}

/// The SERVER span of one MCP request, child of the caller's `_meta.traceparent` when sent.
/// Disabled (`Span::none`) when traces are off.
pub(super) fn server_span(request: &McpRequest<'_>) -> tracing::Span {
    if !enabled() {
        return tracing::Span::none();
    }
    let name = match request.tool {
        Some(tool) => format!("{} {tool}", request.method),
        None => request.method.to_owned(),
    };
    let span = tracing::info_span!(
        target: nango_api::SPAN_TARGET,
        "mcp_request",
        otel.name = name,
        otel.kind = "server",
        otel.status_code = Empty,
        mcp.method.name = request.method,
        gen_ai.tool.name = request.tool,
        gen_ai.operation.name = request.tool.map(|_| "execute_tool"),
        jsonrpc.request.id = %request.context.id,
        error.type = Empty,
    );
    if let Some(parent) = remote_parent(&request.context.meta) {
        let _ = span.set_parent(parent);
    }
    span
}

/// The W3C trace context a client put in `params._meta` (SEP-414), if valid.
fn remote_parent(meta: &MetaObject) -> Option<Context> {
    let traceparent = meta.get_traceparent()?;
    let mut carrier = HashMap::with_capacity(2);
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    if let Some(state) = meta.get_tracestate() {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let context = TraceContextPropagator::new().extract(&carrier);
    context.span().span_context().is_valid().then_some(context)
}

/// The exporter's HTTP client: our reqwest (no second HTTP stack), run on the server's runtime
/// because the SDK's batch processor calls it from a thread of its own.
#[derive(Debug)]
struct OtlpHttp {
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttp {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let http = self.http.clone();
        let sent = self.runtime.spawn(async move {
            let response = http.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        });
        let (status, headers, body) = sent.await??;
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}
