//! Several Nango environments in one server: the real binary over stdio with
//! NANGO_SECRET_KEY/NANGO_HOST → simulator A (the default) and NANGO_SECRET_KEY_PROD/NANGO_HOST_PROD
//! → simulator B. Each simulator knows only its own key and serves a different dataset, so an
//! answer (and a request count) shows which one a call reached.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Harness;
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const KEY_DEFAULT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const KEY_PROD: &str = "9f8e7d6c-5b4a-4392-a1b0-c9d8e7f6a5b4";
/// Sizes no default dataset has, so totals tell the environments apart.
const DEFAULT_CONNECTIONS: usize = 23;
const PROD_CONNECTIONS: usize = 37;

fn only_key(key: &str, connections: usize) -> SimConfig {
    SimConfig {
        keys: vec![SimKey::full_access(key)],
        connections,
        ..SimConfig::demo()
    }
}

/// Binary wired to A (default) and B (prod); returns the harness (owning A) and B.
async fn two_environments() -> (Harness, Sim) {
    let prod = Sim::start(only_key(KEY_PROD, PROD_CONNECTIONS))
        .await
        .unwrap();
    let prod_url = prod.base_url();
    let h = Harness::start_with(
        only_key(KEY_DEFAULT, DEFAULT_CONNECTIONS),
        &[
            ("NANGO_SECRET_KEY_PROD", KEY_PROD),
            ("NANGO_HOST_PROD", prod_url.as_str()),
        ],
    )
    .await;
    (h, prod)
}

/// What get_environment should report: "sha256:" and the first 4 digest bytes in hex.
fn fingerprint(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest
        .iter()
        .take(4)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Runs `call` and returns how many requests each simulator received meanwhile.
async fn requests_during<F: std::future::Future<Output = T>, T>(
    default: &Sim,
    prod: &Sim,
    call: F,
) -> (T, u64, u64) {
    let (a, b) = (default.request_count(), prod.request_count());
    let output = call.await;
    (
        output,
        default.request_count() - a,
        prod.request_count() - b,
    )
}

#[tokio::test]
async fn calls_reach_the_environment_they_name() {
    let (h, prod) = two_environments().await;

    let ((answer, _), to_default, to_prod) =
        requests_during(&h.sim, &prod, h.ok("list_connections", json!({}))).await;
    assert_eq!(answer["total"], DEFAULT_CONNECTIONS);
    assert!(to_default > 0, "no environment → the default one");
    assert_eq!(to_prod, 0, "prod must not be touched");

    let ((answer, _), to_default, to_prod) = requests_during(
        &h.sim,
        &prod,
        h.ok("list_connections", json!({"environment": "prod"})),
    )
    .await;
    assert_eq!(answer["total"], PROD_CONNECTIONS);
    assert_eq!(to_default, 0, "the default must not be touched");
    assert!(to_prod > 0);

    // Same for a tool that takes an id: the prod connection list has its own ids.
    let first_prod_id = prod.dataset().connections[0].connection_id.clone();
    let ((answer, _), to_default, _) = requests_during(
        &h.sim,
        &prod,
        h.ok(
            "get_connection",
            json!({"connection_id": first_prod_id, "environment": "prod"}),
        ),
    )
    .await;
    assert_eq!(answer["connection_id"], first_prod_id.as_str());
    assert_eq!(to_default, 0);

    h.stop().await;
    prod.shutdown().await;
}

#[tokio::test]
async fn an_unknown_environment_is_a_tool_error_naming_the_valid_ones() {
    let (h, prod) = two_environments().await;
    let (message, to_default, to_prod) = requests_during(
        &h.sim,
        &prod,
        h.err("list_integrations", json!({"environment": "staging"})),
    )
    .await;
    assert!(message.contains("staging"), "{message}");
    assert!(message.contains("default, prod"), "{message}");
    assert_eq!((to_default, to_prod), (0, 0), "nothing is sent anywhere");
    h.stop().await;
    prod.shutdown().await;
}

#[tokio::test]
async fn every_tool_schema_offers_the_environments() {
    let (h, prod) = two_environments().await;
    let tools = h.client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 10);
    for tool in &tools {
        let schema = Value::Object((*tool.input_schema).clone());
        let property = &schema["properties"]["environment"];
        assert_eq!(
            property["enum"],
            json!(["default", "prod"]),
            "{}: {schema}",
            tool.name
        );
        assert_eq!(property["type"], "string", "{}", tool.name);
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        assert!(
            !required.contains(&json!("environment")),
            "{}: the environment stays optional",
            tool.name
        );
    }
    h.stop().await;
    prod.shutdown().await;
}

#[tokio::test]
async fn get_environment_reports_each_environment_and_its_key() {
    let (h, prod) = two_environments().await;
    let (default, text) = h.ok("get_environment", json!({})).await;
    assert_eq!(default["environment"], "default");
    assert_eq!(default["environments"], json!(["default", "prod"]));
    assert_eq!(default["host"], h.sim.base_url());
    assert_eq!(default["key_fingerprint"], fingerprint(KEY_DEFAULT));
    assert_eq!(default["counts"]["connections"], DEFAULT_CONNECTIONS);
    assert!(!text.contains(KEY_DEFAULT), "the key itself never shows");

    let (production, text) = h
        .ok("get_environment", json!({"environment": "prod"}))
        .await;
    assert_eq!(production["environment"], "prod");
    assert_eq!(production["host"], prod.base_url());
    assert_eq!(production["key_fingerprint"], fingerprint(KEY_PROD));
    assert_eq!(production["counts"]["connections"], PROD_CONNECTIONS);
    assert!(!text.contains(KEY_PROD), "the key itself never shows");
    assert_ne!(default["key_fingerprint"], production["key_fingerprint"]);

    h.stop().await;
    prod.shutdown().await;
}
