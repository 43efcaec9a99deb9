//! The real binary exporting traces to an OTLP/HTTP receiver started by the test (protobuf,
//! decoded with opentelemetry-proto): one SERVER span per request named `tools/call <tool>`,
//! child of the `traceparent` the client put in `params._meta`; one CLIENT span per request to
//! Nango, child of it, with method, status and route template; `error.type` for an isError
//! result; and no canary, key or id anywhere in what was exported.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{Router, body::Bytes, extract::State, routing::post};
use common::Harness;
use nango_sim::SimConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message;
use rmcp::model::{CallToolRequestParams, RequestMetaObject};
use serde_json::{Value, json};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

async fn receive(State(received): State<Received>, body: Bytes) -> Vec<u8> {
    received.bodies.lock().unwrap().push(body.to_vec());
    // An empty ExportTraceServiceResponse.
    Vec::new()
}

/// An OTLP/HTTP receiver on a free loopback port: `(endpoint, what it received)`.
async fn start_receiver() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

fn decoded(received: &Received) -> Vec<ExportTraceServiceRequest> {
    received
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            ExportTraceServiceRequest::decode(body.as_slice()).expect("valid OTLP protobuf")
        })
        .collect()
}

fn spans(requests: &[ExportTraceServiceRequest]) -> Vec<Span> {
    requests
        .iter()
        .flat_map(|request| &request.resource_spans)
        .flat_map(|resource| &resource.scope_spans)
        .flat_map(|scope| scope.spans.clone())
        .collect()
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes
        .iter()
        .find(|attribute| attribute.key == key)
        .and_then(|attribute| attribute.value.as_ref())
        .and_then(|value: &AnyValue| value.value.as_ref())
}

fn text(span: &Span, key: &str) -> Option<String> {
    match attribute(&span.attributes, key)? {
        any_value::Value::StringValue(text) => Some(text.clone()),
        any_value::Value::IntValue(number) => Some(number.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Waits until spans satisfying `done` arrived (the exporter batches every 50 ms here).
async fn wait_for(received: &Received, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
    for _ in 0..200 {
        let spans = spans(&decoded(received));
        if done(&spans) {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("spans never arrived: {:#?}", spans(&decoded(received)));
}

#[tokio::test]
async fn spans_follow_the_conventions_and_carry_no_secret() {
    let (endpoint, received) = start_receiver().await;
    let h = Harness::start_with(
        SimConfig::demo(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_SERVICE_NAME", "nango-mcp-e2e"),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
        ],
    )
    .await;
    let connection = h.sim.dataset().connections[0].clone();
    let integration = h.sim.dataset().integrations[0].unique_key.clone();

    let mut meta = RequestMetaObject::default();
    meta.set_traceparent(format!("00-{TRACE_ID}-{PARENT_ID}-01"));
    let Value::Object(arguments) = json!({"integration": integration}) else {
        unreachable!()
    };
    let mut params = CallToolRequestParams::new("get_integration").with_arguments(arguments);
    params.meta = Some(meta);
    let traced = h.client.call_tool(params).await.unwrap();
    assert_ne!(traced.is_error, Some(true));
    h.ok(
        "get_connection",
        json!({"connection_id": connection.connection_id, "integration": connection.provider_config_key, "credentials": true}),
    )
    .await;
    h.err("list_records", json!({"limit": "many"})).await;

    let spans = wait_for(&received, |spans| {
        [
            "tools/call get_integration",
            "tools/call get_connection",
            "tools/call list_records",
        ]
        .iter()
        .all(|name| spans.iter().any(|span| span.name == *name))
    })
    .await;

    let server = spans
        .iter()
        .find(|span| span.name == "tools/call get_integration")
        .unwrap();
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(
        hex(&server.trace_id),
        TRACE_ID,
        "parent from _meta.traceparent"
    );
    assert_eq!(hex(&server.parent_span_id), PARENT_ID);
    assert_eq!(
        text(server, "mcp.method.name").as_deref(),
        Some("tools/call")
    );
    assert_eq!(
        text(server, "gen_ai.tool.name").as_deref(),
        Some("get_integration")
    );
    assert_eq!(
        text(server, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert!(text(server, "jsonrpc.request.id").is_some());
    assert_eq!(text(server, "error.type"), None);

    // Its requests to Nango: CLIENT children in the same trace, named by route template.
    let children: Vec<&Span> = spans
        .iter()
        .filter(|span| span.parent_span_id == server.span_id)
        .collect();
    assert!(!children.is_empty(), "{spans:#?}");
    for child in &children {
        assert_eq!(child.kind, SpanKind::Client as i32);
        assert_eq!(child.trace_id, server.trace_id);
        assert_eq!(text(child, "http.request.method").as_deref(), Some("GET"));
        assert_eq!(
            text(child, "http.response.status_code").as_deref(),
            Some("200")
        );
        let template = text(child, "url.template").unwrap();
        assert_eq!(child.name, format!("GET {template}"));
    }
    assert!(
        children
            .iter()
            .any(|child| child.name == "GET /integrations/{id}"),
        "{children:#?}"
    );

    // Without a traceparent, a trace of its own; an isError result is error.type tool_error.
    let failed = spans
        .iter()
        .find(|span| span.name == "tools/call list_records")
        .unwrap();
    assert_ne!(hex(&failed.trace_id), TRACE_ID);
    assert!(failed.parent_span_id.is_empty(), "a root span");
    assert_eq!(text(failed, "error.type").as_deref(), Some("tool_error"));

    let requests = decoded(&received);
    let service = requests
        .iter()
        .flat_map(|request| &request.resource_spans)
        .filter_map(|resource| resource.resource.as_ref())
        .find_map(|resource| attribute(&resource.attributes, "service.name").cloned());
    assert_eq!(
        service,
        Some(any_value::Value::StringValue("nango-mcp-e2e".to_owned()))
    );

    // Nothing that could identify a person or open an account, in any byte exported.
    let exported: Vec<u8> = received.bodies.lock().unwrap().concat();
    let exported = String::from_utf8_lossy(&exported).into_owned() + &format!("{requests:?}");
    let mut secrets = h.sim.canaries();
    assert!(!secrets.is_empty());
    secrets.push(h.sim.secret_key());
    secrets.push(connection.connection_id.clone());
    secrets.push(integration.clone());
    for secret in &secrets {
        assert!(!exported.contains(secret.as_str()), "{secret} was exported");
    }
    assert!(!exported.contains(nango_sim::CANARY_MARKER));
    // The stderr log does not carry the export spans.
    assert!(!h.stderr().contains("nango_request"), "{}", h.stderr());
    h.stop().await;
}

#[tokio::test]
async fn an_unsupported_protocol_is_refused_at_start() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"))
        .env_clear()
        .env("NANGO_MCP_DEMO", "true")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .arg("tools")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("http/protobuf"), "{stderr}");
}
