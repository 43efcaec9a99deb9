//! The real binary with `NANGO_MCP_METRICS_ADDR`: known calls through a real MCP client, then
//! `/metrics` parsed as Prometheus text: operation counts per tool and outcome equal the calls
//! made, upstream request counts equal what the simulator received, by route template (never an
//! id), and Nango's reported rate-limit headroom.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{Harness, unused_loopback_addr};
use nango_sim::SimConfig;
use serde_json::json;

/// One sample line: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A strict reader of the text format (0.0.4): every line is a `# HELP`/`# TYPE` comment or a
/// sample `name{label="value",...} number`; anything else fails the test.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "unexpected comment line: {line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels close with }");
                let mut labels = BTreeMap::new();
                for pair in split_labels(body) {
                    let (key, quoted) = pair.split_once('=').expect("label has =");
                    let value = quoted
                        .strip_prefix('"')
                        .and_then(|value| value.strip_suffix('"'))
                        .unwrap_or_else(|| panic!("unquoted label value in {line}"));
                    labels.insert(key.to_owned(), value.to_owned());
                }
                (name, labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// Splits `a="x",b="y"` at commas outside quotes.
fn split_labels(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (index, character) in body.char_indices() {
        match character {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&body[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    if start < body.len() {
        parts.push(&body[start..]);
    }
    parts
}

fn sum(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|sample| sample.name == name)
        .filter(|sample| {
            labels
                .iter()
                .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
        .map(|sample| sample.value)
        .sum()
}

async fn scrape(addr: std::net::SocketAddr) -> (String, String) {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics answer");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, response.text().await.expect("text body"))
}

#[tokio::test]
async fn metrics_count_exactly_the_calls_made_and_the_requests_nango_saw() {
    let addr = unused_loopback_addr();
    let h = Harness::start_with(
        SimConfig::demo(),
        &[("NANGO_MCP_METRICS_ADDR", addr.to_string().as_str())],
    )
    .await;
    let connection = h.sim.dataset().connections[0].clone();
    let integration = h.sim.dataset().integrations[0].unique_key.clone();

    h.ok("list_integrations", json!({})).await;
    h.ok("list_integrations", json!({})).await;
    h.ok(
        "get_connection",
        json!({"connection_id": connection.connection_id, "integration": connection.provider_config_key}),
    )
    .await;
    h.ok("get_integration", json!({"integration": integration}))
        .await;
    h.err("list_records", json!({"limit": "many"})).await;
    h.client.list_all_tools().await.expect("tools/list");

    let (content_type, text) = scrape(addr).await;
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let samples = parse(&text);
    let op = "mcp_server_operation_duration_seconds_count";
    let call = |tool: &'static str, error: &'static str| {
        sum(
            &samples,
            op,
            &[
                ("mcp_method_name", "tools/call"),
                ("gen_ai_tool_name", tool),
                ("error_type", error),
            ],
        )
    };
    assert_eq!(call("list_integrations", ""), 2.0, "{text}");
    assert_eq!(call("get_connection", ""), 1.0, "{text}");
    assert_eq!(call("get_integration", ""), 1.0, "{text}");
    assert_eq!(call("list_records", "tool_error"), 1.0, "{text}");
    assert_eq!(call("list_records", ""), 0.0, "{text}");
    assert_eq!(
        sum(&samples, op, &[("mcp_method_name", "tools/list")]),
        1.0,
        "{text}"
    );
    assert_eq!(sum(&samples, op, &[]), 6.0, "only the calls made: {text}");
    // Each histogram's +Inf bucket holds every observation.
    assert_eq!(
        sum(
            &samples,
            "mcp_server_operation_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        6.0
    );

    // Every request Nango received is counted once, under its route template.
    let upstream: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|request| !request.path.starts_with("/mcp"))
        .collect();
    assert!(!upstream.is_empty());
    let counted = sum(&samples, "http_client_request_duration_seconds_count", &[]);
    assert_eq!(counted, upstream.len() as f64, "{text}\n{upstream:?}");
    let by_integration = sum(
        &samples,
        "http_client_request_duration_seconds_count",
        &[
            ("http_request_method", "GET"),
            ("url_template", "/integrations/{id}"),
            ("http_response_status_code", "200"),
        ],
    );
    let expected = upstream
        .iter()
        .filter(|request| {
            request.path.starts_with("/integrations/") && request.path.matches('/').count() == 2
        })
        .count();
    assert!(expected >= 1, "{upstream:?}");
    assert_eq!(by_integration, expected as f64, "{text}");
    for sample in &samples {
        for value in sample.labels.values() {
            assert!(
                !value.contains(&connection.connection_id) && !value.contains(&integration),
                "an id reached a label: {sample:?}"
            );
        }
    }
    assert!(!text.contains(&h.sim.secret_key()));

    // The simulator sends Nango's X-RateLimit-* headers: the gauge shows the last headroom.
    let limit = sum(&samples, "nango_mcp_rate_limit_limit", &[]);
    let remaining = sum(&samples, "nango_mcp_rate_limit_remaining", &[]);
    assert_eq!(limit, f64::from(nango_sim::DEFAULT_RATE_LIMIT_PER_MINUTE));
    assert!(
        remaining > 0.0 && remaining < limit,
        "{remaining} of {limit}"
    );

    // The queue gauges exist (stdio has no queue: zero).
    assert!(
        text.contains("# TYPE nango_mcp_queue_running_calls gauge"),
        "{text}"
    );
    assert_eq!(sum(&samples, "nango_mcp_queue_waiting_calls", &[]), 0.0);
    h.stop().await;
}

#[tokio::test]
async fn without_the_address_no_metrics_listener_exists() {
    let h = Harness::start(SimConfig::demo()).await;
    h.ok("list_integrations", json!({})).await;
    assert!(!h.stderr().contains("/metrics"), "{}", h.stderr());
    h.stop().await;
}

/// Over `--http`, the fair queue's gauges show a call while it runs, and none after.
#[tokio::test]
async fn the_queue_gauge_shows_a_running_http_call() {
    use rmcp::{
        ServiceExt,
        transport::{
            StreamableHttpClientTransport,
            streamable_http_client::StreamableHttpClientTransportConfig,
        },
    };
    let sim = nango_sim::Sim::start(SimConfig::demo())
        .await
        .expect("simulator");
    let http_addr = unused_loopback_addr();
    let metrics_addr = unused_loopback_addr();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env("NANGO_MCP_HTTP", http_addr.to_string())
        .env("NANGO_MCP_METRICS_ADDR", metrics_addr.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary spawns");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while reqwest::get(format!("http://{http_addr}/healthz"))
        .await
        .is_err()
    {
        assert!(tokio::time::Instant::now() < deadline, "never healthy");
        assert!(child.try_wait().unwrap().is_none(), "server exited");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let config = StreamableHttpClientTransportConfig::with_uri(format!("http://{http_addr}/mcp"));
    let client =
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("MCP over HTTP");
    sim.set_faults(nango_sim::Faults {
        latency: std::time::Duration::from_millis(1_500),
        ..nango_sim::Faults::default()
    });
    let call = tokio::spawn(async move {
        let result = client
            .call_tool(rmcp::model::CallToolRequestParams::new("list_integrations"))
            .await;
        (client, result)
    });
    let mut running_seen = false;
    for _ in 0..40 {
        let (_, text) = scrape(metrics_addr).await;
        if sum(&parse(&text), "nango_mcp_queue_running_calls", &[]) == 1.0 {
            running_seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (client, result) = call.await.unwrap();
    assert!(result.is_ok());
    assert!(running_seen, "the running call never showed");
    let (_, text) = scrape(metrics_addr).await;
    let samples = parse(&text);
    assert_eq!(sum(&samples, "nango_mcp_queue_running_calls", &[]), 0.0);
    assert_eq!(
        sum(
            &samples,
            "mcp_server_operation_duration_seconds_count",
            &[("gen_ai_tool_name", "list_integrations")]
        ),
        1.0
    );
    let _ = client.cancel().await;
    let _ = child.kill().await;
    sim.shutdown().await;
}
