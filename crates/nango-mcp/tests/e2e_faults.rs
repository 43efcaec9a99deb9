//! Fault injection end to end: every tool, through the real binary over stdio, against every
//! misbehaviour the simulator can inject. Each failure must be a tool result with isError and a
//! message naming the cause (never a protocol error), the same server must answer normally once
//! the fault is lifted, and short blips must be absorbed by the client's retries. Logs run at
//! trace level throughout and must stay free of the key and every canary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{future::Future, time::Duration};

use common::{Harness, text_of, unused_loopback_addr};
use nango_sim::{Faults, SimConfig};
use serde_json::Value;

/// Turns a hung call into a failure; never reached when the client's timeouts work.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn tool_table() -> Vec<(&'static str, Value)> {
    common::valid_call_per_tool()
}

/// The binary over a fresh demo simulator, logging at trace, with `env` on top. Sync-run logs are
/// pointed at a closed loopback port so no call ever leaves the machine.
async fn start(env: &[(&str, &str)]) -> Harness {
    let management = format!("http://{}/mcp", unused_loopback_addr());
    let mut all = vec![
        ("NANGO_MCP_LOG", "trace"),
        ("NANGO_MANAGEMENT_MCP_URL", management.as_str()),
        // Every call must reach Nango to meet the fault; cached lists would answer instead.
        ("NANGO_MCP_CACHE_TTL", "0"),
    ];
    all.extend_from_slice(env);
    // No per-minute limit: the storm's `Retry-After: 1` is the only rate limit under test, and
    // every tool is called several times per fault.
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    };
    Harness::start_with(config, &all).await
}

async fn guarded<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, call)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for {HANG_GUARD:?}"))
}

/// Calls `tool` and returns (is_error, text); a protocol-level error panics inside the harness.
async fn call(h: &Harness, tool: &str, arguments: &Value) -> (bool, String) {
    let result = guarded(tool, h.call(tool, arguments.clone())).await;
    (result.is_error == Some(true), text_of(&result))
}

/// For every tool: under `fault` the call fails with a message `explains` accepts; with the fault
/// lifted the same server answers it. Problems are collected so one run shows every tool's.
async fn every_tool_fails_then_recovers(
    h: &Harness,
    fault: &Faults,
    explains: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (tool, arguments) in tool_table() {
        h.sim.set_faults(fault.clone());
        let (is_error, message) = call(h, tool, &arguments).await;
        if !is_error {
            problems.push(format!("{tool}: succeeded under the fault: {message:.300}"));
        } else if !explains(&message) {
            problems.push(format!("{tool}: unhelpful message: {message}"));
        }
        h.sim.set_faults(Faults::none());
        let (is_error, message) = call(h, tool, &arguments).await;
        if is_error {
            problems.push(format!(
                "{tool}: still failing after the fault was lifted: {message}"
            ));
        }
    }
    problems
}

/// Nothing secret reached stderr, and nothing panicked.
async fn assert_clean_logs(h: &Harness) {
    // Give the child a moment to flush its last lines.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stderr = h.stderr();
    assert!(
        stderr.contains("TRACE"),
        "logs were captured at trace level"
    );
    assert!(
        !stderr.contains("panicked"),
        "the server panicked: {stderr}"
    );
    assert!(
        !stderr.contains(&h.sim.secret_key()),
        "the secret key reached the logs"
    );
    for canary in h.sim.canaries() {
        assert!(
            !stderr.contains(&canary),
            "canary {canary} reached the logs"
        );
    }
}

fn report(problems: &[String]) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[tokio::test]
async fn the_table_covers_every_tool() {
    let table: Vec<&str> = tool_table().into_iter().map(|(tool, _)| tool).collect();
    assert_eq!(table, nango_mcp::tools::Registry::all().names());
}

#[tokio::test]
async fn every_tool_answers_without_faults() {
    let h = start(&[]).await;
    for (tool, arguments) in tool_table() {
        guarded(tool, h.ok(tool, arguments)).await;
    }
    h.stop().await;
}

/// 502/503 on every attempt: retries run out and the status is reported.
#[tokio::test]
async fn gateway_errors_outlasting_the_retries_name_the_status() {
    let h = start(&[("NANGO_MCP_MAX_RETRY_WAIT", "1")]).await;
    let fault = Faults {
        status_burst: 100_000,
        ..Faults::none()
    };
    let problems = every_tool_fails_then_recovers(&h, &fault, |message| {
        message.contains("502") || message.contains("503")
    })
    .await;
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// A 429 storm longer than the retry budget: "rate limit" and when to retry. The wait budget lets
/// the recovery call sit out the gate's hold-back instead of failing fast.
#[tokio::test]
async fn a_rate_limit_storm_says_when_to_retry() {
    let h = start(&[("NANGO_MCP_MAX_RETRY_WAIT", "3")]).await;
    let fault = Faults {
        rate_limit_storm: 100_000,
        ..Faults::none()
    };
    let problems = every_tool_fails_then_recovers(&h, &fault, |message| {
        message.to_lowercase().contains("rate limit") && message.contains("Retry after")
    })
    .await;
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// A dashboard answering `200 text/html`: the message points at NANGO_HOST.
#[tokio::test]
async fn html_with_status_200_points_at_nango_host() {
    let h = start(&[]).await;
    let fault = Faults {
        html_200: true,
        ..Faults::none()
    };
    let problems = every_tool_fails_then_recovers(&h, &fault, |message| {
        message.contains("NANGO_HOST") && message.contains("text/html")
    })
    .await;
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// JSON cut in half: reported as a body that does not parse.
#[tokio::test]
async fn truncated_json_is_reported_as_unparseable() {
    let h = start(&[]).await;
    let fault = Faults {
        truncated_json: true,
        ..Faults::none()
    };
    let problems =
        every_tool_fails_then_recovers(&h, &fault, |message| message.contains("parse")).await;
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// Nango never answers: the 1 s request timeout (NANGO_MCP_REQUEST_TIMEOUT) runs out and the
/// message says so; no retry wait, so each tool fails after about a second.
#[tokio::test]
async fn a_hanging_nango_did_not_answer() {
    let h = start(&[
        ("NANGO_MCP_REQUEST_TIMEOUT", "1"),
        ("NANGO_MCP_MAX_RETRY_WAIT", "0"),
    ])
    .await;
    let fault = Faults {
        hang: true,
        ..Faults::none()
    };
    let problems =
        every_tool_fails_then_recovers(&h, &fault, |message| message.contains("did not answer"))
            .await;
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// Blips shorter than the retries (two gateway errors, one 429) never reach the agent.
#[tokio::test]
async fn short_blips_are_absorbed_by_retries() {
    let h = start(&[("NANGO_MCP_MAX_RETRY_WAIT", "5")]).await;
    let mut problems = Vec::new();
    for (name, fault) in [
        (
            "2 gateway errors",
            Faults {
                status_burst: 2,
                ..Faults::none()
            },
        ),
        (
            "a rate-limit answer",
            Faults {
                rate_limit_storm: 1,
                ..Faults::none()
            },
        ),
    ] {
        for (tool, arguments) in tool_table() {
            h.sim.set_faults(fault.clone());
            let before = h.sim.request_count();
            let (is_error, message) = call(&h, tool, &arguments).await;
            if is_error {
                problems.push(format!("{tool} after {name}: {message}"));
            }
            let left = h.sim.state().faults();
            if left.status_burst != 0 || left.rate_limit_storm != 0 {
                // search_providers is served from its cache after the first call: nothing sent.
                assert!(
                    tool == "search_providers" && h.sim.request_count() == before,
                    "{tool} did not meet the {name}"
                );
            }
        }
    }
    h.sim.set_faults(Faults::none());
    report(&problems);
    assert_clean_logs(&h).await;
    h.stop().await;
}

/// A loopback server that accepts connections and never answers: a hung upstream.
async fn silent_server() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

/// Sync-run history comes from Nango's Management MCP. When that hangs, list_sync_runs should fall
/// back to the latest run as fast as any other Nango call gives up (NANGO_MCP_REQUEST_TIMEOUT),
/// not after a fixed wait. The bound below is ten times the 2 s timeout configured, so only a
/// fixed 30 s wait crosses it.
#[tokio::test]
async fn a_hanging_management_mcp_is_bounded_by_the_request_timeout() {
    let (silent, listener) = silent_server().await;
    let management = format!("http://{silent}/mcp");
    let h = Harness::start_with(
        SimConfig::demo(),
        &[
            ("NANGO_MANAGEMENT_MCP_URL", management.as_str()),
            ("NANGO_MCP_REQUEST_TIMEOUT", "2"),
            ("NANGO_MCP_MAX_RETRY_WAIT", "0"),
        ],
    )
    .await;
    let started = std::time::Instant::now();
    let (_, text) = guarded(
        "list_sync_runs",
        h.ok(
            "list_sync_runs",
            serde_json::json!({"connection_id": "conn-abc"}),
        ),
    )
    .await;
    let took = started.elapsed();
    assert!(text.contains("latest run"), "falls back: {text}");
    assert!(
        took < Duration::from_secs(20),
        "list_sync_runs took {took:?} with a 2 s request timeout: {text}"
    );
    listener.abort();
    h.stop().await;
}
