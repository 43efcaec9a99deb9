//! Error paths: each failure is a tool result with isError and a message that says what to do next,
//! and the server keeps serving afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Harness;
use nango_sim::{Faults, SimConfig, SimKey};
use serde_json::json;

const OTHER_KEY: &str = "3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

#[tokio::test]
async fn unknown_key_names_the_variable_to_check() {
    let sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
    command
        .env_clear()
        .env("NANGO_SECRET_KEY", OTHER_KEY)
        .env("NANGO_HOST", sim.base_url());
    let h = Harness::spawn(sim, command).await;
    let message = h.err("list_integrations", json!({})).await;
    assert!(
        message.contains("401") && message.contains("NANGO_SECRET_KEY"),
        "{message}"
    );
    assert!(!message.contains(OTHER_KEY), "the key is never echoed");
    h.stop().await;
}

#[tokio::test]
async fn malformed_key_stops_start_up_with_a_clear_message() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"))
        .env_clear()
        .env("NANGO_SECRET_KEY", "sk-not-a-uuid-SECRETVALUE")
        // `tools` needs no key (it never calls Nango); `call` starts the client.
        .args(["call", "list_integrations"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("NANGO_SECRET_KEY") && stderr.contains("UUID"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("SECRETVALUE"),
        "the key is never echoed: {stderr}"
    );
    assert!(output.stdout.is_empty(), "stdout stays clean");
}

#[tokio::test]
async fn no_key_at_all_suggests_the_demo() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"))
        .env_clear()
        .args(["call", "list_integrations"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("NANGO_SECRET_KEY") && stderr.contains("--demo"),
        "{stderr}"
    );
}

#[tokio::test]
async fn missing_scope_names_the_scope() {
    let scopes: Vec<&str> = nango_sim::READ_ONLY_SCOPES
        .iter()
        .copied()
        .filter(|scope| !scope.contains("records") && !scope.contains("variables"))
        .collect();
    let config = SimConfig {
        keys: vec![SimKey::with_scopes(OTHER_KEY, scopes)],
        ..SimConfig::demo()
    };
    let h = Harness::start(config).await;
    let message = h
        .err(
            "list_records",
            json!({"connection_id": "conn-456", "model": "Contact"}),
        )
        .await;
    assert!(
        message.contains("scope") && message.contains("environment:records:read"),
        "{message}"
    );
    let (environment, _) = h.ok("get_environment", json!({})).await;
    assert_eq!(
        environment["scopes"]["variables:read"], "missing",
        "{environment}"
    );
    assert_eq!(environment["scopes"]["connections:list"], "granted");
    h.stop().await;
}

#[tokio::test]
async fn unknown_ids_point_to_the_listing_tool() {
    let h = Harness::start(SimConfig::demo()).await;
    let message = h
        .err("get_connection", json!({"connection_id": "conn-nope"}))
        .await;
    assert!(
        message.contains("conn-nope") && message.contains("list_connections"),
        "{message}"
    );
    let message = h
        .err("get_integration", json!({"integration": "nope"}))
        .await;
    assert!(
        message.contains("salesforce-prod") && message.contains("list_integrations"),
        "{message}"
    );
    let message = h
        .err(
            "list_syncs",
            json!({"connection_id": "conn-nope", "integration": "salesforce-prod"}),
        )
        .await;
    assert!(message.contains("list_connections"), "{message}");
    let message = h.err("list_records", json!({"connection_id": "conn-nope", "integration": "hubspot-prod", "model": "Contact"})).await;
    assert!(
        message.contains("not found") && message.contains("list_connections"),
        "{message}"
    );
    let message = h
        .err(
            "list_records",
            json!({"connection_id": "conn-456", "model": "contacts"}),
        )
        .await;
    assert!(
        message.contains("capital") && message.contains("Contact"),
        "suggests the real models: {message}"
    );
    let message = h
        .err("list_connections", json!({"health": ["broken"]}))
        .await;
    assert!(
        message.contains("unknown variant") || message.contains("broken"),
        "{message}"
    );
    let message = h.err("list_connections", json!({"colour": "red"})).await;
    assert!(
        message.contains("unknown field") && message.contains("colour"),
        "{message}"
    );
    let message = h
        .err("list_connections", json!({"cursor": "not-a-cursor"}))
        .await;
    assert!(message.contains("next_cursor"), "{message}");
    let message = h
        .err("list_connections", json!({"fields": ["password"]}))
        .await;
    assert!(message.contains("available"), "{message}");
    h.stop().await;
}

#[tokio::test]
async fn hostile_ids_never_change_the_path_called() {
    let h = Harness::start(SimConfig::demo()).await;
    for hostile in [
        "../integrations",
        "a/b?c=d#e",
        "%2e%2e%2fconnections",
        "conn\u{202e}é漢",
        &"x".repeat(300),
        "..",
        "?",
    ] {
        let result = h
            .call(
                "get_connection",
                json!({"connection_id": hostile, "integration": "salesforce-prod"}),
            )
            .await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{hostile:?} is not a connection"
        );
    }
    let routes = [
        "/integrations",
        "/connections",
        "/sync/status",
        "/records",
        "/providers",
        "/environment-variables",
        "/scripts/config",
        "/health",
    ];
    for request in h.sim.requests() {
        assert!(
            routes.iter().any(|route| request.path.starts_with(route)),
            "unexpected path {}",
            request.path
        );
        assert!(
            !request.path.contains("/../") && !request.path.ends_with("/.."),
            "{}",
            request.path
        );
        let segments = request.path.split('/').count();
        assert!(segments <= 4, "an id added a path level: {}", request.path);
    }
    // and the server still answers
    h.ok("list_integrations", json!({})).await;
    h.stop().await;
}

#[tokio::test]
async fn upstream_failures_explain_themselves_and_the_server_recovers() {
    let h = Harness::start_with(
        SimConfig::demo(),
        &[
            ("NANGO_MCP_MAX_RETRY_WAIT", "1"),
            ("NANGO_MCP_REQUEST_TIMEOUT", "2"),
            // Every call must reach Nango to meet its fault (the cache would answer the last).
            ("NANGO_MCP_CACHE_TTL", "0"),
        ],
    )
    .await;
    h.sim.set_faults(Faults {
        html_200: true,
        ..Faults::none()
    });
    let message = h.err("list_integrations", json!({})).await;
    assert!(
        message.contains("text/html") && message.contains("NANGO_HOST"),
        "{message}"
    );
    h.sim.set_faults(Faults {
        truncated_json: true,
        ..Faults::none()
    });
    let message = h.err("list_integrations", json!({})).await;
    assert!(message.contains("parse"), "{message}");
    h.sim.set_faults(Faults::none());
    h.ok("list_integrations", json!({})).await;
    // Last, because the client then rightly holds back until Nango's window resets.
    h.sim.set_faults(Faults {
        rate_limit_storm: 1_000,
        ..Faults::none()
    });
    let message = h.err("list_integrations", json!({})).await;
    assert!(
        message.to_lowercase().contains("rate limit") && message.contains("Retry"),
        "{message}"
    );
    h.stop().await;
}

#[tokio::test]
async fn unreachable_nango_names_the_host() {
    let sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
    command
        .env_clear()
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", format!("http://{closed}"))
        .env("NANGO_MCP_MAX_RETRY_WAIT", "1");
    let h = Harness::spawn(sim, command).await;
    let message = h.err("list_connections", json!({})).await;
    assert!(
        message.contains(&closed.to_string()) && message.contains("NANGO_HOST"),
        "{message}"
    );
    h.stop().await;
}

#[tokio::test]
async fn ambiguous_connection_ids_list_the_candidates() {
    let seed = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let mut dataset = serde_json::to_value(&*seed.dataset()).unwrap();
    seed.shutdown().await;
    let connections = dataset["connections"].as_array_mut().unwrap();
    let mut twin = connections
        .iter()
        .find(|c| c["connection_id"] == "conn-123")
        .unwrap()
        .clone();
    twin["provider_config_key"] = json!("salesforce-prod");
    twin["provider"] = json!("salesforce");
    twin["id"] = json!(99_999);
    connections.push(twin);
    let h = Harness::start(SimConfig::from_fixture(dataset).unwrap()).await;
    let message = h
        .err("get_connection", json!({"connection_id": "conn-123"}))
        .await;
    assert!(
        message.contains("hubspot-prod")
            && message.contains("salesforce-prod")
            && message.contains("integration"),
        "{message}"
    );
    let (answer, _) = h
        .ok(
            "get_connection",
            json!({"connection_id": "conn-123", "integration": "hubspot"}),
        )
        .await;
    assert_eq!(answer["integration"], "hubspot-prod");
    h.stop().await;
}
