//! The typed Management MCP client against the simulator (whose rows follow Nango's types) and
//! against failures: every row parses, paging follows Nango's cursors, and every failure is
//! worded for a person, never in rmcp's or reqwest's type names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use chrono::Duration as Span;
use nango_api::SecretKey;
use nango_api::management::{
    GetOperation, ListOperations, ManagementClient, ManagementError, OperationFilter,
    OperationState, Period,
};
use nango_sim::{Sim, SimConfig, SimKey};

fn client(sim: &Sim, key: &str) -> ManagementClient {
    ManagementClient::new(
        sim.management_url(),
        SecretKey::new(key.to_owned()).unwrap(),
        Duration::from_secs(20),
    )
}

fn no_library_noise(text: &str) {
    for noise in [
        "rmcp::",
        "Transport [",
        "reqwest::",
        "<",
        "Error {",
        "kind:",
    ] {
        assert!(!text.contains(noise), "{noise:?} in {text:?}");
    }
}

#[tokio::test]
async fn the_sims_operations_and_messages_parse_through_nangos_types() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let logs = client(&sim, &sim.secret_key());
    let anchor = sim.dataset().anchor;
    let mut arguments = ListOperations {
        limit: Some(7),
        operations: vec![OperationFilter::sync_runs()],
        connections: vec!["conn-123".to_owned()],
        syncs: vec!["deals".to_owned()],
        period: Some(Period {
            from: anchor - Span::days(3),
            to: Some(anchor),
        }),
        ..ListOperations::default()
    };
    let expected: Vec<String> = sim
        .dataset()
        .sync_runs("conn-123", "deals")
        .into_iter()
        .filter(|run| run.created_at >= anchor - Span::days(3) && run.created_at <= anchor)
        .map(|run| run.id)
        .collect();
    assert!(expected.len() > 7, "more than one page");
    let mut seen = Vec::new();
    loop {
        let page = logs.list_operations(&arguments).await.unwrap();
        assert_eq!(
            page.skipped, 0,
            "every simulated row is a Nango OperationRow"
        );
        assert_eq!(page.pagination.total, expected.len() as u64);
        for row in &page.operations {
            assert!(row.operation.is_sync_run());
            assert_eq!(row.connection_name.as_deref(), Some("conn-123"));
            assert_eq!(row.sync_config_name.as_deref(), Some("deals"));
            if row.ended_at.is_some() {
                assert!(row.duration_ms().is_some(), "computed from the two times");
            }
        }
        seen.extend(page.operations.iter().map(|row| row.id.clone()));
        match page.pagination.cursor {
            Some(cursor) => arguments.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, expected, "newest first, every run once");

    let failed = sim
        .dataset()
        .sync_runs("conn-123", "deals")
        .into_iter()
        .find(|run| run.state.as_str() == "failed")
        .unwrap();
    let detail = logs
        .get_operation(&GetOperation::with_messages(failed.id.clone(), 20))
        .await
        .unwrap();
    assert_eq!(detail.operation.id, failed.id);
    assert_eq!(detail.operation.state, OperationState::Failed);
    assert_eq!(
        detail.skipped, 0,
        "every simulated message is a Nango MessageRow"
    );
    assert!(!detail.messages.is_empty());
    assert!(detail.messages.iter().all(|m| m.parent_id == failed.id));
    assert!(detail.failure_reason().unwrap().contains("429"));
    sim.shutdown().await;
}

#[tokio::test]
async fn refusals_are_typed_and_worded() {
    let narrow = "8c6e4a2b-0d1f-4e3a-b5c7-9d1e3f5a7b9c";
    let sim = Sim::start(SimConfig::demo().with_key(SimKey::with_scopes(
        narrow,
        [
            "environment:integrations:list",
            "environment:connections:list",
        ],
    )))
    .await
    .unwrap();
    let error = client(&sim, narrow)
        .list_operations(&ListOperations::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the key lacks environment:logs:read, which Nango's logs_list_operations needs"
    );
    sim.set_logs_enabled(false);
    let error = client(&sim, &sim.secret_key())
        .list_operations(&ListOperations::default())
        .await
        .unwrap_err();
    assert_eq!(error, ManagementError::LogsDisabled);
    assert_eq!(
        error.to_string(),
        "Nango's logs are disabled on this server"
    );
    sim.set_logs_enabled(true);
    let error = client(&sim, &sim.secret_key())
        .get_operation(&GetOperation::with_messages("aAbBcCdDeEfFgGhH0002", 5))
        .await
        .unwrap_err();
    assert!(matches!(error, ManagementError::Refused { .. }), "{error}");
    assert!(error.to_string().contains("Operation not found"), "{error}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_closed_port_says_connection_refused_in_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap();
    let url = format!("http://{port}/mcp");
    let logs = ManagementClient::new(
        url.clone(),
        SecretKey::new("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b".to_owned()).unwrap(),
        Duration::from_secs(20),
    );
    let error = logs
        .list_operations(&ListOperations::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("could not reach Nango's Management MCP at {url}: connection refused")
    );
    no_library_noise(&error.to_string());
}

#[tokio::test]
async fn a_429_says_when_to_retry() {
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: 2,
        ..SimConfig::demo()
    })
    .await
    .unwrap();
    let logs = client(&sim, &sim.secret_key());
    // One POST per call, no handshake: two calls use the two points, the third is over.
    for _ in 0..2 {
        logs.list_operations(&ListOperations::default())
            .await
            .unwrap();
    }
    let error = logs
        .list_operations(&ListOperations::default())
        .await
        .unwrap_err();
    let ManagementError::RateLimited { retry_after } = &error else {
        panic!("expected a rate limit: {error}");
    };
    let seconds = retry_after.expect("Nango sends Retry-After").as_secs();
    assert!(seconds <= 60, "{seconds}");
    assert!(
        error
            .to_string()
            .starts_with("Nango's Management MCP rate limit reached (429), retry in "),
        "{error}"
    );
    no_library_noise(&error.to_string());
    sim.shutdown().await;
}

/// Nango's real answer to a bare `tools/call` (2026-12-08 capture), served as it came: one
/// POST, no `initialize`, and the client reads the SSE frame into its error.
#[tokio::test]
async fn the_real_servers_answer_to_a_bare_call_is_read_from_one_post() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/real-server-2026-12-08-mgmt.json")).unwrap();
    let sample = fixture["samples"]["mgmt_mcp_logs_without_initialize_ro"].clone();
    let frame = serde_json::to_string(&sample["body"]["sse_frames"][0]).unwrap();
    let server = common::TestServer::start(move |_, _| {
        common::Reply::text(
            200,
            "text/event-stream",
            format!("event: message\ndata: {frame}\n\n"),
        )
    })
    .await;
    let logs = ManagementClient::new(
        format!("{}/mcp", server.base_url),
        SecretKey::new("2d8f4b6a-1c3e-4f5a-9b7d-0e2c4a6b8d1f".to_owned()).unwrap(),
        Duration::from_secs(20),
    );
    let error = logs
        .list_operations(&ListOperations::default())
        .await
        .unwrap_err();
    assert_eq!(error, ManagementError::LogsDisabled);
    assert_eq!(server.count(), 1, "one POST, no handshake");
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.header("accept"),
        Some("application/json, text/event-stream")
    );
}
