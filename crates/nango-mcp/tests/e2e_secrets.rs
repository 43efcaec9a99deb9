//! Secrets never leave: every tool is called with every option that touches credentials,
//! environment variables and records, and no canary planted in the simulator's secret fields (nor
//! the secret key) appears in any text, structured content, resource, or stderr line — at trace
//! level. Nango is never asked to refresh or reveal tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Harness, text_of};
use nango_sim::{PROMPT_INJECTION, SimConfig};
use rmcp::model::ReadResourceRequestParams;
use serde_json::json;

#[tokio::test]
async fn no_canary_or_key_in_any_output() {
    // Every tool over every connection: far more than 200 requests a minute, no limit wanted.
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    };
    let h = Harness::start_with(config, &[("NANGO_MCP_LOG", "trace")]).await;
    let dataset = h.sim.dataset();
    let mut outputs: Vec<String> = Vec::new();
    let mut record = |result: rmcp::model::CallToolResult| {
        outputs.push(text_of(&result));
        outputs.push(
            result
                .structured_content
                .map(|value| value.to_string())
                .unwrap_or_default(),
        );
    };
    for connection in &dataset.connections {
        for credentials in [false, true] {
            record(h.call("get_connection", json!({"connection_id": connection.connection_id, "integration": connection.provider_config_key, "credentials": credentials})).await);
        }
    }
    for integration in &dataset.integrations {
        record(
            h.call(
                "get_integration",
                json!({"integration": integration.unique_key}),
            )
            .await,
        );
        record(
            h.call(
                "list_syncs",
                json!({"integration": integration.unique_key, "fields": ["*"]}),
            )
            .await,
        );
        record(
            h.call(
                "list_connections",
                json!({"integrations": [integration.unique_key], "fields": ["*"]}),
            )
            .await,
        );
    }
    for connection in dataset.connections.iter().take(12) {
        for sync in &connection.syncs {
            record(h.call("list_records", json!({"connection_id": connection.connection_id, "model": sync.model, "limit": 20})).await);
        }
    }
    for (tool, arguments) in [
        ("get_environment", json!({})),
        ("list_integrations", json!({"with_connection_counts": true})),
        ("audit_connections", json!({})),
        ("search_providers", json!({"limit": 200})),
        ("list_sync_runs", json!({"connection_id": "conn-abc"})),
        (
            "list_records",
            json!({"integration": "hubspot-prod", "model": "Contact", "fields": ["email"]}),
        ),
        ("get_connection", json!({"connection_id": "does-not-exist"})),
        (
            "list_records",
            json!({"connection_id": "conn-456", "model": "bad model"}),
        ),
    ] {
        record(h.call(tool, arguments).await);
    }
    for connection in dataset.connections.iter().take(10) {
        let uri = nango_mcp::resources::connection_uri(
            &connection.provider_config_key,
            &connection.connection_id,
        );
        let read = h
            .client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .expect("resource reads");
        outputs.push(serde_json::to_string(&read).unwrap());
    }
    // Give the child a moment to flush its last log lines.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    outputs.push(h.stderr());
    let all = outputs.join("\n");
    assert!(
        all.len() > 50_000,
        "the test exercised real output ({} bytes)",
        all.len()
    );
    assert!(
        h.stderr().contains("TRACE") || h.stderr().contains("DEBUG"),
        "logs were captured at a verbose level"
    );
    let canaries = h.sim.canaries();
    assert!(
        canaries.len() > 50,
        "the simulator planted canaries in every secret field"
    );
    for canary in &canaries {
        assert!(!all.contains(canary.as_str()), "canary {canary} leaked");
    }
    assert!(!all.contains(&h.sim.secret_key()), "the secret key leaked");
    assert!(
        !all.contains(nango_sim::CANARY_MARKER),
        "a canary marker leaked"
    );
    // No refresh flag for any real connection: the only credential option ever sent is the
    // scope probe's, on a made-up integration and connection Nango cannot find.
    for request in h.sim.requests() {
        let query = request.query.unwrap_or_default();
        let probe = request.path.contains("nango-mcp-scope-probe")
            && query.contains("provider_config_key=nango-mcp-scope-probe");
        assert!(
            probe || (!query.contains("force_refresh") && !query.contains("refresh_token")),
            "asked Nango to refresh: {} ? {query}",
            request.path
        );
        assert!(!query.contains("force_refresh"), "{query}");
    }
    h.stop().await;
}

/// Instruction-like text inside third-party data is delivered only inside an untrusted block.
#[tokio::test]
async fn third_party_instructions_stay_inside_untrusted_blocks() {
    let h = Harness::start(SimConfig::demo()).await;
    let (_, text) = h
        .ok(
            "list_records",
            json!({"connection_id": "conn-456", "model": "Contact", "ids": ["321"]}),
        )
        .await;
    let (_, metadata) = h
        .ok("get_connection", json!({"connection_id": "conn-123"}))
        .await;
    for text in [text, metadata] {
        let at = text
            .find(PROMPT_INJECTION)
            .expect("the planted instruction is delivered as data");
        let open = text[..at].rfind("<untrusted-data").expect("inside a block");
        assert!(
            text[open..at].find("</untrusted-data>").is_none(),
            "the block was closed before the data"
        );
        assert!(text[at..].contains("</untrusted-data>"));
    }
    h.stop().await;
}

/// With a read-only key, credentials are not even visible, and no warning about refreshes is given.
#[tokio::test]
async fn read_only_key_sees_no_credentials() {
    let key = "0b7e4c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d";
    let config = SimConfig {
        keys: vec![nango_sim::SimKey::read_only(key)],
        ..SimConfig::demo()
    };
    let h = Harness::start(config).await;
    let (answer, text) = h
        .ok(
            "get_connection",
            json!({"connection_id": "conn-xyz", "credentials": true}),
        )
        .await;
    assert!(answer.get("credentials").is_none(), "{answer}");
    assert!(text.contains("not visible"), "{text}");
    let (environment, _) = h.ok("get_environment", json!({})).await;
    assert_eq!(
        environment["scopes"]["integrations:read_credentials"],
        "missing"
    );
    assert!(
        !environment["warnings"]
            .to_string()
            .contains("read credentials"),
        "{environment}"
    );
    h.stop().await;
}
