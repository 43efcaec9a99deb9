//! Sync-run history from Nango's logs (the simulator's Management MCP), and the fallback to the
//! latest run from /sync/status when logs are disabled or the key may not read them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Harness;
use nango_sim::{SimConfig, SimKey};
use serde_json::json;

/// "Show me the last 5 sync logs for connection conn-123": 4 succeeded, 1 failed ~2 h ago, rate limit.
#[tokio::test]
async fn last_five_runs_of_conn_123() {
    let h = Harness::start(SimConfig::demo()).await;
    let (answer, text) = h
        .ok(
            "list_sync_runs",
            json!({"connection_id": "conn-123", "sync": "deals", "limit": 5}),
        )
        .await;
    assert_eq!(answer["source"], "logs");
    assert_eq!(
        answer["summary"],
        json!({"total": 5, "succeeded": 4, "failed": 1, "other": 0})
    );
    let expected: Vec<String> = h
        .sim
        .dataset()
        .sync_runs("conn-123", "deals")
        .iter()
        .take(5)
        .map(|run| run.id.clone())
        .collect();
    let got: Vec<String> = answer["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected, "newest first, the same runs the logs hold");
    let failed = answer["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["state"] == "failed")
        .unwrap();
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("429"),
        "the failure's error text comes from the log messages: {error}"
    );
    assert!(
        text.contains("4 succeeded, 1 failed") && text.contains("h ago"),
        "{text}"
    );
    h.stop().await;
}

/// Self-hosted without logs: the answer says so and still shows the latest run of each sync.
#[tokio::test]
async fn logs_disabled_falls_back_to_the_latest_run() {
    let h = Harness::start(SimConfig {
        logs_enabled: false,
        ..SimConfig::demo()
    })
    .await;
    let (answer, text) = h
        .ok("list_sync_runs", json!({"connection_id": "conn-abc"}))
        .await;
    assert_eq!(answer["source"], "latest_status");
    assert!(
        answer["notes"][0]
            .as_str()
            .unwrap()
            .contains("logs are disabled"),
        "{answer}"
    );
    let deals = answer["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["sync"] == "deals")
        .unwrap();
    assert_eq!(deals["state"], "failed");
    assert!(text.contains("logs unavailable"), "{text}");
    h.stop().await;
}

/// A key without environment:logs:read sees no logs tools; the answer names the scope.
#[tokio::test]
async fn key_without_logs_scope_is_told_which_scope() {
    let key = "6a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
    let scopes: Vec<&str> = nango_sim::READ_ONLY_SCOPES
        .iter()
        .copied()
        .filter(|scope| !scope.contains("logs"))
        .collect();
    let h = Harness::start(SimConfig {
        keys: vec![SimKey::with_scopes(key, scopes)],
        ..SimConfig::demo()
    })
    .await;
    let (answer, _) = h
        .ok("list_sync_runs", json!({"connection_id": "conn-123"}))
        .await;
    assert_eq!(answer["source"], "latest_status");
    assert!(
        answer["notes"][0]
            .as_str()
            .unwrap()
            .contains("environment:logs:read"),
        "{answer}"
    );
    h.stop().await;
}

/// Management MCP unreachable, from the CLI: the note says so in words (no rmcp/reqwest type
/// names), and stderr carries no ERROR line from rmcp: the failure is handled and reported once.
#[tokio::test]
async fn unreachable_logs_are_reported_in_words_once() {
    let sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let closed = format!("http://{}/mcp", common::unused_loopback_addr());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"))
        .env_clear()
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env("NANGO_MANAGEMENT_MCP_URL", &closed)
        .args([
            "call",
            "list_sync_runs",
            r#"{"connection_id":"conn-123"}"#,
            "--json",
        ])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("ERROR"), "{stderr}");
    assert!(!stderr.contains("rmcp"), "{stderr}");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["source"], "latest_status");
    let note = answer["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with(&format!(
            "Could not reach Nango's Management MCP at {closed}: connection refused."
        )),
        "{note}"
    );
    for noise in ["rmcp::", "Transport [", "reqwest", "<"] {
        assert!(!note.contains(noise), "{noise:?} in {note}");
    }
    sim.shutdown().await;
}

/// Nango's Management MCP shares the 40-a-minute budget with the REST API, and every POST
/// costs a point: no handshake per call, and a few failures explained, so at most 3 per call.
#[tokio::test]
async fn a_history_with_many_failures_costs_at_most_three_points() {
    let h = Harness::start(SimConfig::demo()).await;
    let before = h.sim.requests().len();
    let (answer, _) = h
        .ok("list_sync_runs", json!({"hours": 360, "limit": 100}))
        .await;
    let failed = answer["summary"]["failed"].as_u64().unwrap();
    assert!(failed >= 3, "the history needs several failures: {failed}");
    let posts = h.sim.requests()[before..]
        .iter()
        .filter(|request| request.path == "/mcp")
        .count();
    assert!(posts >= 2, "failures are explained from their messages");
    assert!(posts <= 3, "{posts} Management MCP POSTs for one call");
    h.stop().await;
}
