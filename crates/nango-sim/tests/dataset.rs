//! The generated dataset: determinism, the product's example story, canaries, scale.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeSet, HashSet};

use chrono::{TimeZone, Utc};
use common::*;
use nango_sim::dataset::SyncScenario;
use nango_sim::{
    CANARY_MARKER, Dataset, PROMPT_INJECTION, RecordCountOverride, SimConfig, SimKey, SimState,
};
use reqwest::StatusCode;
use serde_json::Value;

fn build(config: SimConfig) -> std::sync::Arc<Dataset> {
    SimState::new(config).expect("state").dataset()
}

fn anchored(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        anchor: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single(),
        ..SimConfig::demo()
    }
}

#[test]
fn same_seed_same_dataset_and_records() {
    let a = build(anchored(42));
    let b = build(anchored(42));
    assert_eq!(*a, *b);
    assert_eq!(
        a.record("conn-456", "Contact", 17),
        b.record("conn-456", "Contact", 17)
    );
    let c = build(anchored(43));
    assert_ne!(a.connections, c.connections);
    assert_ne!(
        a.record("conn-456", "Contact", 17),
        c.record("conn-456", "Contact", 17)
    );
}

#[test]
fn default_dataset_tells_the_product_story() {
    let dataset = build(SimConfig::demo());
    assert_eq!(dataset.integrations.len(), 8);
    assert_eq!(dataset.connections.len(), 60);
    let salesforce = dataset.connections_for("salesforce-prod");
    assert_eq!(salesforce.len(), 12);
    let broken: BTreeSet<&str> = salesforce
        .iter()
        .filter(|c| !c.errors.is_empty())
        .map(|c| c.connection_id.as_str())
        .collect();
    assert_eq!(broken, BTreeSet::from(["conn-abc", "conn-xyz"]));

    let abc = dataset
        .connection("salesforce-prod", "conn-abc")
        .expect("conn-abc");
    assert!(abc.has_error("sync") && !abc.has_error("auth"));
    let deals = abc
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals sync");
    assert_eq!(
        (
            deals.status.as_str(),
            deals.latest_execution_status.as_deref()
        ),
        ("ERROR", Some("STOPPED"))
    );

    let xyz = dataset
        .connection("salesforce-prod", "conn-xyz")
        .expect("conn-xyz");
    assert!(xyz.has_error("auth") && !xyz.has_error("sync"));
    let expires = xyz.credentials["expires_at"].as_str().expect("expires_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(expires).unwrap() < dataset.anchor,
        "conn-xyz's token expired"
    );

    let c123 = dataset
        .connection("hubspot-prod", "conn-123")
        .expect("conn-123");
    assert!(c123.errors.is_empty());
    let c123_deals = c123
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals");
    assert_eq!(c123_deals.status, "SUCCESS");
    assert!(dataset.record_count("conn-123", "Deal") > 0);

    assert!(dataset.record_count("conn-456", "Contact") >= 60);
    let set = dataset.records("conn-456", "Contact").expect("records");
    let alex = dataset
        .record("conn-456", "Contact", set.index_of("987").expect("987"))
        .unwrap();
    assert_eq!(
        (alex["first_name"].as_str(), alex["last_name"].as_str()),
        (Some("Alex"), Some("Smith"))
    );
    let sarah = dataset
        .record("conn-456", "Contact", set.index_of("654").expect("654"))
        .unwrap();
    assert_eq!(
        (sarah["first_name"].as_str(), sarah["last_name"].as_str()),
        (Some("Sarah"), Some("Johnson"))
    );

    let scenarios: HashSet<SyncScenario> = dataset
        .connections
        .iter()
        .flat_map(|c| c.syncs.iter().map(|s| s.scenario))
        .collect();
    for wanted in [
        SyncScenario::Fresh,
        SyncScenario::Stale,
        SyncScenario::Failing,
        SyncScenario::Running,
        SyncScenario::Paused,
        SyncScenario::Stopped,
        SyncScenario::NeverRan,
    ] {
        assert!(scenarios.contains(&wanted), "{wanted:?} present");
    }
    let statuses: HashSet<&str> = dataset
        .connections
        .iter()
        .flat_map(|c| c.syncs.iter().map(|s| s.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        HashSet::from(["SUCCESS", "ERROR", "RUNNING", "PAUSED", "STOPPED"])
    );

    let auth = dataset.connections_with_error("auth").len();
    let sync = dataset.connections_with_error("sync").len();
    assert!(
        (3..=8).contains(&auth) && (3..=8).contains(&sync),
        "≈8 % each: auth {auth}, sync {sync}"
    );
    assert!(
        dataset
            .connections
            .iter()
            .any(|c| c.has_error("auth") && c.has_error("sync")),
        "some have both"
    );
    let broken_integrations: HashSet<&str> = dataset
        .connections
        .iter()
        .filter(|c| !c.errors.is_empty())
        .map(|c| c.provider_config_key.as_str())
        .collect();
    assert!(
        broken_integrations.len() >= 4,
        "errors spread over integrations: {broken_integrations:?}"
    );
    assert!(
        dataset.integrations.iter().any(|i| i.functions.is_empty()),
        "some integrations have nothing deployed"
    );
    assert!(
        dataset
            .environment_variable_names()
            .contains(&"DEFAULT_CURRENCY".to_owned())
    );
    assert!(dataset.providers.len() >= 100);
    let salesforce_provider = dataset.provider("salesforce").expect("salesforce provider");
    assert!(salesforce_provider["connection_config"]["instance_url"].is_object());
}

#[tokio::test]
async fn canaries_appear_only_where_secrets_are_served() {
    let sim = start(SimConfig::demo().with_key(SimKey::read_only(READ_ONLY_KEY))).await;
    let dataset = sim.dataset();
    let canaries = sim.canaries();
    assert!(canaries.iter().all(|c| c.contains(CANARY_MARKER)));
    assert!(
        canaries.iter().any(|c| c.contains("session_secret_v2")),
        "an unknown secret field exists"
    );
    assert!(!canaries.contains(&sim.secret_key()));

    // With the full key every canary is reachable through the API.
    let mut secret_outputs = String::new();
    for connection in &dataset.connections {
        let path = format!(
            "/connections/{}?provider_config_key={}&refresh_token=true",
            connection.connection_id, connection.provider_config_key
        );
        secret_outputs.push_str(&get(&sim, &path).await.text);
    }
    for integration in &dataset.integrations {
        secret_outputs.push_str(
            &get(
                &sim,
                &format!(
                    "/integrations/{}?include=credentials",
                    integration.unique_key
                ),
            )
            .await
            .text,
        );
    }
    secret_outputs.push_str(&get(&sim, "/environment-variables").await.text);
    // Except the tokens of expired OAuth connections: reading them makes the sim try a
    // refresh that fails (400 invalid_credentials), so their credentials are never served.
    let expired: Vec<String> = dataset
        .connections
        .iter()
        .filter(|c| nango_sim::is_expired_oauth(c, dataset.anchor))
        .map(|c| format!("-{}-{}-", c.connection_id, c.id))
        .collect();
    assert!(
        !expired.is_empty(),
        "the demo has expired OAuth connections"
    );
    let missing: Vec<&String> = canaries
        .iter()
        .filter(|c| !secret_outputs.contains(c.as_str()))
        .filter(|c| !expired.iter().any(|owner| c.contains(owner.as_str())))
        .collect();
    assert!(missing.is_empty(), "canaries never served: {missing:?}");
    assert!(secret_outputs.contains("invalid_credentials"));

    // Nothing else carries a canary; the read-only key sees none at all.
    let mut plain = get(&sim, "/connections").await.text;
    plain.push_str(&get(&sim, "/integrations").await.text);
    plain.push_str(&get(&sim, "/scripts/config").await.text);
    for integration in &dataset.integrations {
        plain.push_str(
            &get(
                &sim,
                &format!(
                    "/sync/status?provider_config_key={}&syncs=*",
                    integration.unique_key
                ),
            )
            .await
            .text,
        );
    }
    plain.push_str(
        &records(&sim, "conn-456", "hubspot-prod", "model=Contact&limit=1000")
            .await
            .text,
    );
    for connection in dataset.connections.iter().take(20) {
        let path = format!(
            "/connections/{}?provider_config_key={}",
            connection.connection_id, connection.provider_config_key
        );
        plain.push_str(&get_with(&sim, &path, Some(READ_ONLY_KEY), &[]).await.text);
    }
    assert!(
        !plain.contains(CANARY_MARKER),
        "a canary leaked into non-secret data"
    );
    assert!(
        plain.contains(PROMPT_INJECTION),
        "untrusted instruction-like data is present"
    );
    sim.shutdown().await;
}

#[test]
fn dataset_round_trips_through_a_fixture() {
    let original = build(anchored(5));
    let json = serde_json::to_value(&*original).expect("serialises");
    let config = SimConfig::from_fixture(json).expect("loads");
    let reloaded = build(config);
    assert_eq!(*original, *reloaded);
}

#[test]
fn minimal_fixture_is_completed() {
    let fixture = serde_json::json!({
        "integrations": [{ "unique_key": "crm", "provider": "hubspot", "functions": [{ "name": "contacts", "returns": ["Contact"], "runs": "every hour" }] }],
        "connections": [{ "connection_id": "c1", "provider_config_key": "crm",
                          "syncs": [{ "name": "contacts", "model": "Contact", "records": 5 }] }]
    });
    let dataset = Dataset::from_json(fixture).expect("minimal fixture");
    let connection = &dataset.connections[0];
    assert_eq!(
        (connection.id, connection.provider.as_str()),
        (1, "hubspot")
    );
    assert_eq!(dataset.integrations[0].functions[0].id, 1);
    assert_eq!(dataset.record_count("c1", "Contact"), 5);
    assert!(
        !dataset.providers.is_empty(),
        "built-in catalog when none given"
    );
}

#[tokio::test]
async fn scales_to_thousands_of_connections_and_a_hundred_thousand_records() {
    let config = SimConfig {
        integrations: 40,
        connections: 2_000,
        providers: 1_000,
        record_count_overrides: vec![RecordCountOverride {
            connection_id: "conn-456".into(),
            model: "Contact".into(),
            count: 100_000,
        }],
        ..SimConfig::demo()
    };
    let sim = start(config).await;
    let dataset = sim.dataset();
    assert_eq!(dataset.connections.len(), 2_000);
    assert_eq!(dataset.integrations.len(), 40);
    assert_eq!(dataset.providers.len(), 1_000);
    let keys: HashSet<&str> = dataset
        .integrations
        .iter()
        .map(|i| i.unique_key.as_str())
        .collect();
    assert_eq!(keys.len(), 40, "integration keys are unique");
    let pairs: HashSet<(&str, &str)> = dataset
        .connections
        .iter()
        .map(|c| (c.provider_config_key.as_str(), c.connection_id.as_str()))
        .collect();
    assert_eq!(pairs.len(), 2_000);
    let page = get_json(&sim, "/connections?limit=2000&page=0").await;
    assert_eq!(page["connections"].as_array().unwrap().len(), 2_000);

    let mut seen = 0usize;
    let mut cursor: Option<String> = None;
    let mut first_and_last = Vec::new();
    loop {
        let query = match &cursor {
            Some(c) => format!("model=Contact&limit=10000&cursor={c}"),
            None => "model=Contact&limit=10000".to_owned(),
        };
        let reply = records(&sim, "conn-456", "hubspot-prod", &query).await;
        assert_eq!(reply.status, StatusCode::OK);
        let body: Value = reply.json();
        let batch = body["records"].as_array().unwrap();
        seen += batch.len();
        first_and_last.push((
            batch.first().unwrap()["id"].clone(),
            batch.last().unwrap()["id"].clone(),
        ));
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 100_000);
    assert_eq!(first_and_last.len(), 10);
    sim.shutdown().await;
}
