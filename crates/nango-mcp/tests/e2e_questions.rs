//! The product description's questions, asked through a real MCP client of the real binary over
//! stdio, against the simulator; answers are checked against the simulator's own dataset.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;

use common::Harness;
use nango_sim::SimConfig;
use serde_json::{Value, json};

fn strings(value: &Value, key: &str) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[key].as_str().unwrap().to_owned())
        .collect()
}

/// "List all active Salesforce connections in Nango": 12 connections, conn-abc and conn-xyz broken.
#[tokio::test]
async fn salesforce_connections_with_broken_ones_first() {
    let h = Harness::start(SimConfig::demo()).await;
    let dataset = h.sim.dataset();
    let (answer, text) = h
        .ok("list_connections", json!({"integrations": ["salesforce"]}))
        .await;
    let expected: Vec<_> = dataset
        .connections
        .iter()
        .filter(|c| c.provider == "salesforce")
        .collect();
    assert_eq!(answer["total"], expected.len());
    assert_eq!(answer["total"], 12);
    let broken: BTreeSet<String> = expected
        .iter()
        .filter(|c| !c.errors.is_empty())
        .map(|c| c.connection_id.clone())
        .collect();
    assert_eq!(
        broken,
        BTreeSet::from(["conn-abc".to_owned(), "conn-xyz".to_owned()])
    );
    let rows = answer["connections"].as_array().unwrap();
    let first_two: BTreeSet<String> = rows[..2]
        .iter()
        .map(|r| r["connection_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(first_two, broken, "broken connections come first");
    assert_eq!(answer["counts"]["auth_error"], 1);
    assert_eq!(answer["counts"]["sync_error"], 1);
    assert_eq!(answer["counts"]["ok"], 10);
    assert!(
        text.contains("conn-xyz") && text.contains("auth_error"),
        "{text}"
    );
    assert!(
        text.contains("<untrusted-data"),
        "end-user data is marked untrusted"
    );
    h.stop().await;
}

/// Every auth-error connection, paged with the cursor, equals the dataset's.
#[tokio::test]
async fn auth_errors_across_pages_match_the_dataset() {
    let h = Harness::start(SimConfig {
        connections: 300,
        ..SimConfig::demo()
    })
    .await;
    let dataset = h.sim.dataset();
    let expected: BTreeSet<String> = dataset
        .connections_with_error("auth")
        .iter()
        .map(|c| c.connection_id.clone())
        .collect();
    assert!(expected.len() > 5);
    let mut seen = BTreeSet::new();
    let mut arguments = json!({"health": ["auth_error"], "limit": 4});
    loop {
        let (answer, _) = h.ok("list_connections", arguments.clone()).await;
        assert_eq!(answer["total"], expected.len());
        for id in strings(&answer["connections"], "connection_id") {
            assert!(seen.insert(id), "a connection came twice");
        }
        match answer.get("next_cursor").and_then(Value::as_str) {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    h.stop().await;
}

/// "Show me sync logs for deals related to conn-abc": the failing deals sync is found and named.
#[tokio::test]
async fn debugging_a_data_gap_finds_the_failing_sync() {
    let h = Harness::start(SimConfig::demo()).await;
    let (answer, text) = h
        .ok("list_syncs", json!({"connection_id": "conn-abc"}))
        .await;
    assert_eq!(
        answer["integration"], "salesforce-prod",
        "integration resolved from the connection id"
    );
    let first = &answer["syncs"][0];
    assert_eq!(first["sync"], "deals");
    assert_eq!(first["state"], "failing");
    let dataset = h.sim.dataset();
    assert_eq!(answer["total"], dataset.syncs_for("conn-abc").len());
    assert!(text.contains("deals: FAILING"), "{text}");
    h.stop().await;
}

/// "Fetch the synchronized contacts records for connection conn-456": 50 records, schema shown.
#[tokio::test]
async fn fifty_contact_records_with_their_schema() {
    let h = Harness::start(SimConfig::demo()).await;
    let (answer, text) = h
        .ok(
            "list_records",
            json!({"connection_id": "conn-456", "model": "Contact", "limit": 50}),
        )
        .await;
    assert_eq!(answer["shown"], 50);
    assert_eq!(answer["records"].as_array().unwrap().len(), 50);
    // Nango's recordCount leaves out deleted records.
    let dataset = h.sim.dataset();
    let live = (0..)
        .map_while(|i| dataset.record("conn-456", "Contact", i))
        .filter(|record| record["_nango_metadata"]["last_action"] != "DELETED")
        .count();
    assert_eq!(answer["total_stored"].as_u64().unwrap() as usize, live);
    assert_eq!(answer["fields_seen"]["email"], "string");
    assert!(answer["next_cursor"].is_string());
    assert!(text.contains("<untrusted-data source=\"records\">"));
    let (named, _) = h
        .ok(
            "list_records",
            json!({"connection_id": "conn-456", "model": "Contact", "ids": ["987", "654"]}),
        )
        .await;
    let names: BTreeSet<String> = named["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["data"]["first_name"].as_str().unwrap(),
                r["data"]["last_name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Alex Smith".to_owned(), "Sarah Johnson".to_owned()])
    );
    h.stop().await;
}

/// Paging a whole model with the cursor returns every record exactly once.
#[tokio::test]
async fn record_cursor_walks_every_record_once() {
    let h = Harness::start(SimConfig::demo()).await;
    let expected = h.sim.dataset().record_count("conn-123", "Deal");
    assert!(expected > 0);
    let mut seen = BTreeSet::new();
    let mut arguments = json!({"connection_id": "conn-123", "model": "Deal", "limit": 37});
    loop {
        let (answer, _) = h.ok("list_records", arguments.clone()).await;
        for record in answer["records"].as_array().unwrap() {
            assert!(
                seen.insert(record["id"].as_str().unwrap().to_owned()),
                "record repeated"
            );
        }
        match answer.get("next_cursor").and_then(Value::as_str) {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    // Deleted records are listed too (with last_action DELETED), so compare with every record.
    let all: usize = (0..)
        .map_while(|i| h.sim.dataset().record("conn-123", "Deal", i))
        .count();
    assert_eq!(seen.len(), all);
    h.stop().await;
}

/// Records merged across every connection of an integration are tagged and page across the merge.
#[tokio::test]
async fn records_merged_across_an_integration() {
    let h = Harness::start(SimConfig {
        records_per_model: 7,
        ..SimConfig::demo()
    })
    .await;
    let dataset = h.sim.dataset();
    let expected: usize = dataset
        .connections_for("hubspot-prod")
        .iter()
        .map(|c| {
            (0..)
                .map_while(|i| dataset.record(&c.connection_id, "Contact", i))
                .count()
        })
        .sum();
    let mut total = 0;
    let mut connections = BTreeSet::new();
    let mut arguments = json!({"integration": "hubspot-prod", "model": "Contact", "limit": 25});
    loop {
        let (answer, _) = h.ok("list_records", arguments.clone()).await;
        for record in answer["records"].as_array().unwrap() {
            connections.insert(record["connection_id"].as_str().expect("tagged").to_owned());
            total += 1;
        }
        match answer.get("next_cursor").and_then(Value::as_str) {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    assert_eq!(total, expected);
    assert!(connections.len() > 1);
    h.stop().await;
}

/// "Which credentials does connection X use and when do they expire?" — facts, no secrets.
#[tokio::test]
async fn credential_facts_without_integration() {
    let h = Harness::start(SimConfig::demo()).await;
    // Credential facts are read only on request (with a full key Nango may refresh on that read).
    let (answer, text) = h
        .ok(
            "get_connection",
            json!({"connection_id": "conn-123", "credentials": true}),
        )
        .await;
    assert_eq!(answer["integration"], "hubspot-prod");
    let credentials = &answer["credentials"];
    assert_eq!(credentials["type"], "OAUTH2");
    assert!(credentials["expires_at"].is_string());
    assert!(
        credentials["fields_present"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "access_token")
    );
    assert!(text.contains("Credentials: OAUTH2"), "{text}");
    assert!(
        text.contains("read_credentials"),
        "warns that the key can read credentials: {text}"
    );
    h.stop().await;
}

/// Pre-deployment check: every integration's setup and what each provider requires.
#[tokio::test]
async fn integration_setup_and_requirements() {
    let h = Harness::start(SimConfig::demo()).await;
    let dataset = h.sim.dataset();
    let (list, _) = h
        .ok("list_integrations", json!({"with_connection_counts": true}))
        .await;
    assert_eq!(list["total"], dataset.integrations.len());
    let salesforce = list["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "salesforce-prod")
        .unwrap();
    assert_eq!(salesforce["connections"]["total"], 12);
    let (detail, text) = h
        .ok("get_integration", json!({"integration": "salesforce"}))
        .await;
    assert_eq!(detail["key"], "salesforce-prod");
    let integration = dataset.integration("salesforce-prod").unwrap();
    let expected_syncs: BTreeSet<String> = integration
        .functions
        .iter()
        .filter(|f| f.is_sync())
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(strings(&detail["syncs"], "name"), expected_syncs);
    let deals = detail["syncs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "deals")
        .unwrap();
    assert_eq!(deals["models"], json!(["Deal"]));
    assert!(text.contains("deals → Deal"), "{text}");
    h.stop().await;
}

/// get_environment: counts, variable names, scopes, deployed logic — and never a variable value.
#[tokio::test]
async fn environment_overview_matches_the_dataset() {
    let h = Harness::start(SimConfig::demo()).await;
    let dataset = h.sim.dataset();
    let (answer, _) = h.ok("get_environment", json!({})).await;
    assert_eq!(answer["counts"]["integrations"], dataset.integrations.len());
    assert_eq!(answer["counts"]["connections"], dataset.connections.len());
    assert_eq!(
        answer["counts"]["connections_by_health"]["auth_error"],
        dataset.connections_with_error("auth").len()
    );
    let names: BTreeSet<String> = answer["variables"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        dataset.environment_variable_names().into_iter().collect()
    );
    assert_eq!(answer["scopes"]["integrations:list"], "granted");
    assert!(
        answer["key_fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(
        answer["mapping_logic"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["integration"] == "salesforce-prod")
    );
    assert!(answer["rate_limit"].is_object() || answer.get("rate_limit").is_none());
    h.stop().await;
}

/// audit_connections counts equal the dataset's and name the worst offenders first.
#[tokio::test]
async fn audit_matches_the_dataset() {
    let h = Harness::start(SimConfig::demo()).await;
    let dataset = h.sim.dataset();
    let (answer, text) = h.ok("audit_connections", json!({})).await;
    assert_eq!(answer["connections"], dataset.connections.len());
    assert_eq!(
        answer["by_health"]["auth_error"],
        dataset.connections_with_error("auth").len()
    );
    assert_eq!(
        answer["by_health"]["sync_error"],
        dataset.connections_with_error("sync").len()
    );
    let findings = answer["findings"].as_array().unwrap();
    assert_eq!(findings[0]["kind"], "auth_error");
    let auth: BTreeSet<String> = findings
        .iter()
        .filter(|f| f["kind"] == "auth_error")
        .map(|f| f["connection_id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = dataset
        .connections_with_error("auth")
        .iter()
        .map(|c| c.connection_id.clone())
        .collect();
    assert_eq!(auth, expected);
    assert!(
        findings
            .iter()
            .any(|f| f["kind"] == "sync_failing" && f["connection_id"] == "conn-abc")
    );
    assert!(text.contains("re-authorise"), "{text}");
    h.stop().await;
}

#[tokio::test]
async fn provider_catalog_search() {
    let h = Harness::start(SimConfig::demo()).await;
    let (answer, _) = h.ok("search_providers", json!({"query": "hubspot"})).await;
    assert_eq!(answer["providers"][0]["name"], "hubspot");
    let (oauth, _) = h
        .ok(
            "search_providers",
            json!({"auth_mode": "API_KEY", "limit": 500}),
        )
        .await;
    assert!(
        oauth["providers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["auth_mode"] == "API_KEY")
    );
    h.stop().await;
}

/// The server introduces itself by name and version and tells the agent where to start.
#[tokio::test]
async fn server_identity_and_instructions() {
    let h = Harness::start(SimConfig::demo()).await;
    let info = h.client.peer_info().expect("initialize result");
    let server = info.server_info.as_ref().expect("server info");
    assert_eq!(server.name, "nango-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    let instructions = info.instructions.as_deref().unwrap_or_default();
    for phrase in [
        "integration",
        "connection",
        "end user",
        "list_integrations",
        "untrusted-data",
    ] {
        assert!(
            instructions.contains(phrase),
            "instructions mention {phrase}: {instructions}"
        );
    }
    h.stop().await;
}
