//! The Management MCP endpoint as a protocol: stateless Streamable HTTP answering in SSE, the
//! REST API's key check and rate limit, tools shown and callable per scope, Nango's tool
//! schemas, argument validation, and "Nango logs are disabled".

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use nango_sim::{MANAGEMENT_SERVER_NAME, SimConfig, SimKey};
use reqwest::StatusCode;
use serde_json::{Value, json};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;
const LOGS_ONLY_KEY: &str = "3c1d9e7a-5b2f-4a8c-9d6e-1f0a2b3c4d5e";
const INTEGRATIONS_ONLY_KEY: &str = "7e2a4c6b-8d1f-4e3a-a5b7-9c0d1e2f3a4b";

async fn post(sim: &nango_sim::Sim, key: Option<&str>, body: &str) -> Reply {
    let mut request = reqwest::Client::new()
        .post(sim.management_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.expect("sim answers");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

fn tool_names(tools: &[rmcp::model::Tool]) -> Vec<String> {
    tools.iter().map(|tool| tool.name.to_string()).collect()
}

#[tokio::test]
async fn answers_like_nangos_stateless_sse_server() {
    let sim = start(SimConfig {
        rate_limit_per_minute: 100,
        ..SimConfig::demo()
    })
    .await;
    let reply = post(&sim, Some(&sim.secret_key()), INITIALIZE).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert!(
        reply.header("mcp-session-id").is_none(),
        "stateless: no session"
    );
    assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
    let data = reply
        .text
        .lines()
        .find_map(|line| line.strip_prefix("data: ").filter(|d| d.starts_with('{')))
        .expect("an SSE data frame");
    let message: Value = serde_json::from_str(data).unwrap();
    assert_eq!(message["id"], 0);
    assert_eq!(
        message["result"]["serverInfo"],
        json!({ "name": MANAGEMENT_SERVER_NAME, "version": "1.0.0" })
    );
    let real = &samples()["mgmt_mcp_init"]["body"]["_sse_data_parsed"][0]["result"];
    assert_eq!(message["result"]["serverInfo"], real["serverInfo"]);
    assert_eq!(
        message["result"]["capabilities"]["tools"],
        real["capabilities"]["tools"]
    );

    // GET (and other methods) answer Nango's JSON-RPC 405.
    let get = get_with(&sim, "/mcp", Some(&sim.secret_key()), &[]).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.json(), samples()["mcp_get_405"]["body"]);
    let delete = reqwest::Client::new()
        .delete(sim.management_url())
        .bearer_auth(sim.secret_key())
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Each POST is recorded and counted like a REST call.
    let posts = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/mcp" && r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn requires_the_rest_api_key() {
    let sim = start(SimConfig::demo()).await;
    for (key, code) in [
        (None, "missing_auth_header"),
        (Some("not-a-uuid"), "invalid_secret_key_format"),
        (
            Some("9d3f1c2b-6a4e-4f8d-b1c7-2e5a9d0c3b6f"),
            "unknown_account",
        ),
    ] {
        let reply = post(&sim, key, INITIALIZE).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(reply.json()["error"]["code"], code);
        let get = get_with(&sim, "/mcp", key, &[]).await;
        assert_eq!(get.status, StatusCode::UNAUTHORIZED, "{key:?}");
    }
    let refused = mcp::try_connect(&sim, "9d3f1c2b-6a4e-4f8d-b1c7-2e5a9d0c3b6f").await;
    assert!(
        refused.is_err(),
        "rmcp's client cannot connect with an unknown key"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn tools_are_listed_and_callable_only_with_their_scope() {
    let sim = start(
        SimConfig::demo()
            .with_key(SimKey::read_only(READ_ONLY_KEY))
            .with_key(SimKey::with_scopes(
                LOGS_ONLY_KEY,
                ["environment:logs:read"],
            ))
            .with_key(SimKey::with_scopes(
                INTEGRATIONS_ONLY_KEY,
                [
                    "environment:integrations:list",
                    "environment:connections:list",
                ],
            )),
    )
    .await;
    let logs_tools = ["logs_list_operations", "logs_get_operation"];
    for key in [sim.secret_key().as_str(), READ_ONLY_KEY, LOGS_ONLY_KEY] {
        let client = mcp::connect(&sim, key).await;
        assert_eq!(
            tool_names(&client.list_all_tools().await.unwrap()),
            logs_tools,
            "{key}"
        );
        mcp::call_ok(&client, "logs_list_operations", json!({"limit": 1})).await;
        client.cancel().await.unwrap();
    }
    let client = mcp::connect(&sim, INTEGRATIONS_ONLY_KEY).await;
    assert!(
        client.list_all_tools().await.unwrap().is_empty(),
        "no logs scope, no logs tools"
    );
    // As the real server answers (samples mgmt_mcp_logs_list_operations_narrow and
    // mgmt_mcp_unknown_tool): tool errors, not JSON-RPC errors.
    for tool in logs_tools {
        assert_eq!(
            mcp::call_err(&client, tool, json!({})).await,
            format!("MCP error -32602: Tool {tool} disabled")
        );
    }
    client.cancel().await.unwrap();
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    assert_eq!(
        mcp::call_err(&client, "connections_delete", json!({})).await,
        "MCP error -32602: Tool connections_delete not found"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn tool_definitions_match_nangos() {
    let sim = start(SimConfig::demo()).await;
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    let ours = client.list_all_tools().await.unwrap();
    let real =
        samples()["mgmt_mcp_tools_list"]["body"]["_sse_data_parsed"][0]["result"]["tools"].clone();
    for tool in &ours {
        let theirs = real
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == tool.name.as_ref())
            .expect("a real tool");
        let ours = serde_json::to_value(tool).unwrap();
        assert_eq!(ours["annotations"], theirs["annotations"], "{}", tool.name);
        for schema in ["inputSchema", "outputSchema"] {
            let keys = |v: &Value| -> Vec<String> {
                v[schema]["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect()
            };
            assert_eq!(keys(&ours), keys(theirs), "{} {schema}", tool.name);
            assert_eq!(ours[schema]["required"], theirs[schema]["required"]);
            assert_eq!(
                ours[schema]["additionalProperties"],
                theirs[schema]["additionalProperties"]
            );
        }
        if tool.name == "logs_list_operations" {
            let (o, t) = (
                &ours["inputSchema"]["properties"],
                &theirs["inputSchema"]["properties"],
            );
            assert_eq!(o["limit"], t["limit"]);
            assert_eq!(o["states"], t["states"]);
            assert_eq!(o["connections"], t["connections"]);
            assert_eq!(
                o["operations"]["items"]["anyOf"].as_array().unwrap().len(),
                8
            );
            assert_eq!(
                o["operations"]["items"]["anyOf"][1],
                t["operations"]["items"]["anyOf"][1]
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn logs_disabled_answers_exactly_like_the_real_server() {
    let sim = start(SimConfig {
        logs_enabled: false,
        ..SimConfig::demo()
    })
    .await;
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    let real = &samples()["mgmt_mcp_logs"]["body"]["_sse_data_parsed"][0]["result"];
    for (tool, arguments) in [
        ("logs_list_operations", json!({"limit": 10})),
        (
            "logs_get_operation",
            json!({"operationId": "aAbBcCdDeEfFgGhH0002"}),
        ),
        (
            "logs_list_operations",
            json!({"limit": "not validated first"}),
        ),
    ] {
        let result = mcp::call(&client, tool, arguments).await.unwrap();
        let ours = serde_json::to_value(&result).unwrap();
        assert_eq!(ours["isError"], real["isError"]);
        assert_eq!(ours["content"], real["content"], "{tool}");
        assert!(ours.get("structuredContent").is_none());
    }
    // Still listed, as on the real server; and logs come back when enabled again.
    assert_eq!(client.list_all_tools().await.unwrap().len(), 2);
    sim.set_logs_enabled(true);
    mcp::call_ok(&client, "logs_list_operations", json!({"limit": 1})).await;
    sim.set_logs_enabled(false);
    assert_eq!(
        mcp::call_err(&client, "logs_list_operations", json!({})).await,
        "Nango logs are disabled"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn every_post_costs_a_rate_limit_point() {
    let sim = start(SimConfig {
        rate_limit_per_minute: 4,
        ..SimConfig::demo()
    })
    .await;
    // initialize + notifications/initialized + two calls = 4 points.
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    mcp::call_ok(&client, "logs_list_operations", json!({"limit": 1})).await;
    mcp::call_ok(&client, "logs_list_operations", json!({"limit": 1})).await;
    assert_eq!(sim.rate_limited_count(), 0);
    let limited = mcp::call(&client, "logs_list_operations", json!({"limit": 1})).await;
    assert!(
        limited.is_err(),
        "the fifth POST is over the limit: {limited:?}"
    );
    assert_eq!(sim.rate_limited_count(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_arguments_answer_is_error_with_the_reason() {
    let sim = start(SimConfig::demo()).await;
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    for (tool, arguments, needle) in [
        ("logs_list_operations", json!({"limit": 0}), "limit"),
        ("logs_list_operations", json!({"limit": 501}), "limit"),
        (
            "logs_list_operations",
            json!({"states": ["ok"]}),
            "states[0]",
        ),
        (
            "logs_list_operations",
            json!({"connection": ["conn-123"]}),
            "Unrecognized key \"connection\"",
        ),
        (
            "logs_list_operations",
            json!({"period": {"from": "2026-01-04T00:00:00+00:00", "to": "2026-01-05T00:00:00+00:00"}}),
            "period.from: Invalid ISO datetime",
        ),
        (
            "logs_list_operations",
            json!({"operations": [{"type": "sync", "actions": []}]}),
            "operations[0].actions",
        ),
        (
            "logs_list_operations",
            json!({"cursor": "garbage"}),
            "Invalid cursor",
        ),
        ("logs_get_operation", json!({}), "operationId: Required"),
        (
            "logs_get_operation",
            json!({"operationId": "x"}),
            "operationId",
        ),
        (
            "logs_get_operation",
            json!({"operationId": "aAbBcCdDeEfFgGhH0002"}),
            "Operation not found",
        ),
        (
            "logs_get_operation",
            json!({"operationId": "aAbBcCdDeEfFgGhH0002", "messages": {"limit": 1000}}),
            "messages.limit",
        ),
    ] {
        let text = mcp::call_err(&client, tool, arguments.clone()).await;
        assert!(text.contains(needle), "{tool} {arguments}: {text}");
    }
    sim.shutdown().await;
}
