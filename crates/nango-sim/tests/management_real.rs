//! The simulated Management MCP against the real server's answers
//! (crates/nango-api/tests/fixtures/real-server-2026-11-29.json, samples `mgmt_mcp_*`): the
//! tools each key sees, the logs tools' definitions word for word, and the error texts for
//! logs disabled, a key without the logs scope and an unknown tool.
//!
//! Known, reasoned differences (the whole allow-list):
//! - the simulator serves only the two logs tools; the real server also lists
//!   connect_session_create, integrations_*, connections_*, proxy_request. Comparisons are on
//!   the logs tools, plus "no logs tool is listed where the real server lists none".
//! - `execution: {taskSupport: "forbidden"}` is absent: rmcp 3.11's `Tool` has no such field.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use nango_sim::{SimConfig, SimKey};
use serde_json::{Value, json};

const REAL_RO_KEY: &str = "2d8f4b6a-1c3e-4f5a-9b7d-0e2c4a6b8d1f";
const REAL_NARROW_KEY: &str = "8c6e4a2b-0d1f-4e3a-b5c7-9d1e3f5a7b9c";

/// The real read-only and narrow keys' scopes, as the capture describes them.
const RO_SCOPES: &[&str] = &[
    "environment:integrations:list",
    "environment:integrations:read",
    "environment:integrations:list_functions",
    "environment:functions:list",
    "environment:functions:read",
    "environment:connections:list",
    "environment:connections:read",
    "environment:syncs:read",
    "environment:records:read",
    "environment:variables:read",
    "environment:logs:read",
];
const NARROW_SCOPES: &[&str] = &[
    "environment:integrations:list",
    "environment:connections:list",
];

fn real() -> &'static Value {
    static REAL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    REAL.get_or_init(|| {
        let text = include_str!("../../nango-api/tests/fixtures/real-server-2026-11-29.json");
        serde_json::from_str::<Value>(text).expect("fixture parses")["samples"].clone()
    })
}

/// The JSON-RPC result of a captured SSE answer.
fn real_result(name: &str) -> Value {
    real()[format!("{name}__data_frame_parsed")]["body"]["result"].clone()
}

fn real_text(name: &str) -> Value {
    let body = real()[name]["body"].as_str().unwrap();
    let data = body
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .unwrap();
    serde_json::from_str::<Value>(data).unwrap()["result"].clone()
}

fn logs_tools(tools: &Value) -> Vec<Value> {
    tools
        .as_array()
        .unwrap()
        .iter()
        .filter(|tool| tool["name"].as_str().unwrap().starts_with("logs_"))
        .map(|tool| {
            let mut tool = tool.clone();
            tool.as_object_mut().unwrap().remove("execution");
            tool
        })
        .collect()
}

async fn sim() -> nango_sim::Sim {
    start(
        SimConfig::demo()
            .with_key(SimKey::with_scopes(REAL_RO_KEY, RO_SCOPES.iter().copied()))
            .with_key(SimKey::with_scopes(
                REAL_NARROW_KEY,
                NARROW_SCOPES.iter().copied(),
            )),
    )
    .await
}

#[tokio::test]
async fn each_key_sees_the_logs_tools_the_real_server_shows_it_word_for_word() {
    let sim = sim().await;
    for (sample, key) in [
        ("mgmt_mcp_tools_list_full", sim.secret_key()),
        ("mgmt_mcp_tools_list_ro", REAL_RO_KEY.to_owned()),
        ("mgmt_mcp_tools_list_narrow", REAL_NARROW_KEY.to_owned()),
    ] {
        let client = mcp::connect(&sim, &key).await;
        let ours = serde_json::to_value(client.list_all_tools().await.unwrap()).unwrap();
        let theirs = logs_tools(&real_result(sample)["tools"]);
        assert_eq!(ours.as_array().unwrap(), &theirs, "{sample}");
        client.cancel().await.unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn refusals_read_exactly_like_the_real_servers() {
    let sim = sim().await;
    let narrow = mcp::connect(&sim, REAL_NARROW_KEY).await;
    let result = mcp::call(&narrow, "logs_list_operations", json!({}))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        real_text("mgmt_mcp_logs_list_operations_narrow")
    );
    let full = mcp::connect(&sim, &sim.secret_key()).await;
    let result = mcp::call(&full, "no_such_tool", json!({})).await.unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        real_text("mgmt_mcp_unknown_tool")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn logs_disabled_reads_exactly_like_the_real_server_for_every_key_with_the_scope() {
    let sim = start(SimConfig {
        logs_enabled: false,
        ..SimConfig::demo().with_key(SimKey::with_scopes(REAL_RO_KEY, RO_SCOPES.iter().copied()))
    })
    .await;
    for (sample, key, arguments) in [
        (
            "mgmt_mcp_logs_list_operations_logs_disabled",
            sim.secret_key(),
            json!({"limit": 5}),
        ),
        (
            "mgmt_mcp_logs_list_operations_ro_logs_disabled",
            REAL_RO_KEY.to_owned(),
            json!({}),
        ),
    ] {
        let client = mcp::connect(&sim, &key).await;
        let result = mcp::call(&client, "logs_list_operations", arguments)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            real_text(sample),
            "{sample}"
        );
        client.cancel().await.unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn http_level_answers_match_the_real_ones() {
    let sim = sim().await;
    let get = get_with(&sim, "/mcp", Some(&sim.secret_key()), &[]).await;
    assert_eq!(get.status.as_u16(), real()["mgmt_mcp_get_405"]["status"]);
    let real_405: Value =
        serde_json::from_str(real()["mgmt_mcp_get_405"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(get.json(), real_405);
    let no_auth = reqwest::Client::new()
        .post(sim.management_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_auth.status().as_u16(),
        real()["mgmt_mcp_no_auth"]["status"]
    );
    assert_eq!(
        no_auth.json::<Value>().await.unwrap(),
        real()["mgmt_mcp_no_auth"]["body"]
    );
    sim.shutdown().await;
}

/// The 2026-12-08 captures of Nango answering a bare `tools/call` / `tools/list` (no
/// `initialize` first), which the client relies on: one POST per call.
fn stateless() -> &'static Value {
    static STATELESS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    STATELESS.get_or_init(|| {
        let text = include_str!("../../nango-api/tests/fixtures/real-server-2026-12-08-mgmt.json");
        serde_json::from_str::<Value>(text).expect("fixture parses")["samples"].clone()
    })
}

/// POSTs one JSON-RPC request alone and reads the answer of its single SSE frame.
async fn bare_post(sim: &nango_sim::Sim, key: &str, body: &Value) -> (u16, String, Value) {
    let response = reqwest::Client::new()
        .post(sim.management_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(response.headers().contains_key("x-ratelimit-remaining"));
    let text = response.text().await.unwrap();
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data: ").filter(|d| d.starts_with('{')))
        .unwrap_or_else(|| panic!("no data frame in {text:?}"));
    (status, kind, serde_json::from_str(data).unwrap())
}

#[tokio::test]
async fn without_initialize_the_sim_answers_like_the_real_stateless_server() {
    let sim = start(SimConfig {
        logs_enabled: false,
        ..SimConfig::demo()
            .with_key(SimKey::with_scopes(REAL_RO_KEY, RO_SCOPES.iter().copied()))
            .with_key(SimKey::with_scopes(
                REAL_NARROW_KEY,
                NARROW_SCOPES.iter().copied(),
            ))
    })
    .await;
    let logs = &stateless()["mgmt_mcp_logs_without_initialize_ro"];
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "logs_list_operations", "arguments": {"limit": 5}}});
    let (status, kind, message) = bare_post(&sim, REAL_RO_KEY, &request).await;
    assert_eq!(status, logs["status"]);
    assert_eq!(kind, logs["headers"]["content-type"]);
    assert_eq!(message, logs["body"]["sse_frames"][0]);

    let list = &stateless()["mgmt_mcp_tools_list_without_initialize_narrow"];
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let (status, kind, message) = bare_post(&sim, REAL_NARROW_KEY, &request).await;
    assert_eq!(status, list["status"]);
    assert_eq!(kind, list["headers"]["content-type"]);
    // The narrow key sees no logs tool, here as on the real server.
    assert_eq!(
        logs_tools(&message["result"]["tools"]),
        logs_tools(&list["body"]["sse_frames"][0]["result"]["tools"])
    );
    assert_eq!(message["id"], 1);
    sim.shutdown().await;
}
