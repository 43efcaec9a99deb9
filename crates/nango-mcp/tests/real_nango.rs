//! Tools, in process, on what real Nango sends (issue 10): the real provider catalog, a
//! full-access key, Nango-filled fields, a key without some scopes. Each test failed before its
//! fix; none spawns a process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::in_process::{self, call};
use nango_mcp::{
    config::{ClientTuning, Environments, environment},
    output::TokenBudget,
    server::NangoMcp,
    tools::Registry,
};
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::{Value, json};

const CATALOG: &str = include_str!("../../nango-sim/data/providers-catalog.json");
const READ_ONLY: &str = "0b6f5c3e-2d7a-4e91-8c4b-5f1a2e3d4c6b";
const NO_VARIABLES: &str = "7c1e9a4b-3f2d-4b8e-9d6a-1c5e7f2a3b4d";
const NO_SYNCS: &str = "3a9d2c7e-5b1f-4e6a-8c3d-9f2b1e4a7c5d";

/// A small environment shaped like the real server's: an API-key integration sorts first (its
/// `credentials` are `null` for a full key), Salesforce has a Nango-filled field, and the
/// catalog is Nango's real one.
fn real_like_fixture() -> Value {
    let catalog: Value = serde_json::from_str(CATALOG).unwrap();
    let mut fixture = json!({
        "seed": 7,
        "anchor": "2026-11-29T14:00:00Z",
        "integrations": [
            {"unique_key": "airtable-pat", "provider": "airtable-pat", "display_name": "Airtable", "auth_mode": "API_KEY",
             "created_at": "2026-11-29T13:54:19.532Z", "updated_at": "2026-11-29T13:54:19.532Z"},
            {"unique_key": "salesforce-sandbox", "provider": "salesforce", "display_name": "Salesforce", "auth_mode": "OAUTH2",
             "created_at": "2026-11-29T13:54:19.532Z", "updated_at": "2026-11-29T13:54:19.532Z",
             "credentials": {"type": "OAUTH2", "client_id": "cid", "client_secret": "CANARY-app-secret", "scopes": "api", "webhook_secret": null}}
        ],
        "connections": [
            {"id": 1, "connection_id": "air-1", "provider_config_key": "airtable-pat",
             "created_at": "2026-11-29T13:54:26.563Z", "updated_at": "2026-11-29T13:54:26.563Z",
             "errors": [], "tags": {"end_user_id": "user-1"}, "metadata": {},
             "credentials": {"type": "API_KEY", "apiKey": "CANARY-apikey-air-1"}},
            {"id": 2, "connection_id": "sf-1", "provider_config_key": "salesforce-sandbox",
             "created_at": "2026-11-29T13:54:39.126Z", "updated_at": "2026-11-29T13:54:39.126Z",
             "errors": [], "tags": {"end_user_id": "user-7"}, "metadata": {},
             "connection_config": {"instance_url": "https://acme.my.salesforce.com"},
             "credentials": {"type": "OAUTH2", "access_token": "CANARY-token-sf-1", "expires_at": "2020-01-01T00:00:00.000Z"}}
        ],
        "environment_variables": [{"name": "WEBHOOK_SECRET", "value": "CANARY-env"}],
        "providers": catalog["data"],
    });
    // Enough integrations with connections that a fan-out which ignores a 403 shows.
    for n in 0..8 {
        let key = format!("zz-extra-{n}");
        fixture["integrations"].as_array_mut().unwrap().push(json!({
            "unique_key": key, "provider": "airtable-pat", "auth_mode": "API_KEY",
            "created_at": "2026-11-29T13:54:19.532Z", "updated_at": "2026-11-29T13:54:19.532Z"
        }));
        fixture["connections"].as_array_mut().unwrap().push(json!({
            "id": 10 + n, "connection_id": format!("extra-{n}"), "provider_config_key": key,
            "created_at": "2026-11-29T13:54:26.563Z", "updated_at": "2026-11-29T13:54:26.563Z",
            "errors": [], "tags": {}, "metadata": {},
            "credentials": {"type": "API_KEY", "apiKey": format!("CANARY-apikey-extra-{n}")}
        }));
    }
    fixture
}

async fn sim() -> Sim {
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::from_fixture(real_like_fixture()).unwrap()
    }
    .with_key(SimKey::read_only(READ_ONLY))
    .with_key(SimKey::with_scopes(
        NO_VARIABLES,
        nango_sim::READ_ONLY_SCOPES
            .iter()
            .filter(|scope| !scope.contains("variables"))
            .copied(),
    ))
    .with_key(SimKey::with_scopes(
        NO_SYNCS,
        [
            "environment:integrations:list",
            "environment:connections:list",
        ],
    ));
    Sim::start(config).await.unwrap()
}

fn server(sim: &Sim, key: &str) -> NangoMcp {
    in_process::server(sim, key, None)
}

fn connection_detail_reads(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|request| request.path.starts_with("/connections/"))
        .count()
}

#[tokio::test]
async fn search_providers_answers_from_the_real_catalog() {
    let sim = sim().await;
    let outcome = call(
        &server(&sim, &sim.secret_key()),
        "search_providers",
        json!({"query": "github-app"}),
    )
    .await;
    let names: Vec<&str> = outcome.structured["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"github-app-oauth"), "{names:?}");
    assert!(
        outcome.structured.get("skipped").is_none(),
        "{}",
        outcome.structured
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn get_integration_says_which_fields_nango_fills() {
    let sim = sim().await;
    let outcome = call(
        &server(&sim, READ_ONLY),
        "get_integration",
        json!({"integration": "salesforce-sandbox"}),
    )
    .await;
    let fields = outcome.structured["requirements"]["connection_config"]
        .as_array()
        .unwrap();
    let instance_url = fields
        .iter()
        .find(|field| field["name"] == "instance_url")
        .unwrap();
    assert_eq!(instance_url["automated"], true);
    assert_eq!(instance_url["required"], false);
    let must_supply = outcome
        .text
        .lines()
        .find(|line| line.contains("must supply"))
        .unwrap_or_default();
    assert!(!must_supply.contains("instance_url"), "{}", outcome.text);
    assert!(
        outcome
            .text
            .contains("filled by Nango (nobody supplies it): instance_url"),
        "{}",
        outcome.text
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn get_environment_tells_a_full_key_it_can_read_credentials() {
    let sim = sim().await;
    let full = call(
        &server(&sim, &sim.secret_key()),
        "get_environment",
        json!({}),
    )
    .await;
    let scopes = &full.structured["scopes"];
    // The first integration is an API-key one: `credentials: null`, yet readable.
    assert_eq!(
        scopes["integrations:read_credentials"], "granted",
        "{scopes}"
    );
    assert_eq!(
        scopes["connections:read_credentials"], "granted",
        "{scopes}"
    );
    assert_eq!(scopes["connections:read"], "granted", "{scopes}");
    assert!(
        full.text
            .contains("can read connection and integration credentials"),
        "{}",
        full.text
    );
    // The probe read no connection: nothing Nango could refresh.
    assert!(
        sim.requests()
            .iter()
            .filter(|request| request.path.starts_with("/connections/"))
            .all(|request| request.path.contains("nango-mcp-scope-probe")),
    );

    let read_only = call(&server(&sim, READ_ONLY), "get_environment", json!({})).await;
    let scopes = &read_only.structured["scopes"];
    assert_eq!(
        scopes["integrations:read_credentials"], "missing",
        "{scopes}"
    );
    assert_eq!(
        scopes["connections:read_credentials"], "missing",
        "{scopes}"
    );
    assert_eq!(scopes["connections:read"], "granted", "{scopes}");
    assert!(!read_only.text.contains("can read"), "{}", read_only.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn variables_without_their_scope_are_unknown_not_zero() {
    let sim = sim().await;
    let outcome = call(&server(&sim, NO_VARIABLES), "get_environment", json!({})).await;
    assert!(outcome.structured["variables"]["names"].is_null());
    assert!(
        outcome
            .text
            .contains("Variables: unknown (the key lacks environment:variables:read)"),
        "{}",
        outcome.text
    );
    assert!(!outcome.text.contains("Variables (0)"));
    sim.shutdown().await;
}

#[tokio::test]
async fn get_connection_reads_the_listing_unless_credentials_are_asked_for() {
    let sim = sim().await;
    let server = server(&sim, &sim.secret_key());
    let listed = call(&server, "get_connection", json!({"connection_id": "sf-1"})).await;
    assert_eq!(listed.structured["integration"], "salesforce-sandbox");
    assert_eq!(
        connection_detail_reads(&sim),
        0,
        "a plain read touched the detail route"
    );
    assert!(listed.text.contains("credentials=true"), "{}", listed.text);

    let detailed = call(
        &server,
        "get_connection",
        json!({"connection_id": "sf-1", "integration": "salesforce-sandbox", "credentials": true}),
    )
    .await;
    assert_eq!(connection_detail_reads(&sim), 1);
    assert_eq!(
        detailed.structured["connection_config"]["instance_url"],
        "https://acme.my.salesforce.com"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn with_integration_given_one_connection_is_one_request() {
    let sim = sim().await;
    let server = server(&sim, READ_ONLY);
    let before = sim.request_count();
    call(
        &server,
        "get_connection",
        json!({"connection_id": "air-1", "integration": "airtable-pat"}),
    )
    .await;
    assert_eq!(sim.request_count() - before, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_audit_stops_asking_for_sync_status_after_a_missing_scope() {
    let sim = sim().await;
    let outcome = call(&server(&sim, NO_SYNCS), "audit_connections", json!({})).await;
    let asked = sim
        .requests()
        .iter()
        .filter(|request| request.path == "/sync/status")
        .count();
    assert!(
        asked <= 4,
        "{asked} sync-status requests after the first 403"
    );
    assert!(
        outcome
            .text
            .contains("Sync status unavailable for every integration"),
        "{}",
        outcome.text
    );
    sim.shutdown().await;
}

/// Bug 4: a read changed Nango's state. With a full-access key, no read makes the simulator
/// try a refresh; only the explicit `credentials: true` does, and its failure is an answer
/// (the connection, now auth_error) rather than a tool failure.
#[tokio::test]
async fn no_read_triggers_a_refresh_and_the_opt_in_failure_is_an_answer() {
    let sim = sim().await;
    let server = server(&sim, &sim.secret_key());
    for (tool, arguments) in [
        ("get_connection", json!({"connection_id": "sf-1"})),
        ("get_environment", json!({})),
        ("audit_connections", json!({})),
        ("list_connections", json!({})),
    ] {
        call(&server, tool, arguments).await;
        assert_eq!(
            sim.refresh_attempts(),
            0,
            "{tool} made Nango refresh a token"
        );
    }
    let outcome = call(
        &server,
        "get_connection",
        json!({"connection_id": "sf-1", "credentials": true}),
    )
    .await;
    assert_eq!(sim.refresh_attempts(), 1);
    assert_eq!(
        outcome.structured["health"],
        json!(["auth_error"]),
        "{}",
        outcome.structured
    );
    assert!(
        outcome.text.contains("tried to refresh"),
        "{}",
        outcome.text
    );
    assert!(!outcome.text.contains(".."), "{}", outcome.text);
    // Nango now backs off (424): still an answer, still auth_error.
    let again = call(
        &server,
        "get_connection",
        json!({"connection_id": "sf-1", "credentials": true}),
    )
    .await;
    assert_eq!(again.structured["health"], json!(["auth_error"]));
    sim.shutdown().await;
}

/// A wrong path in NANGO_HOST: real Nango (and now the simulator) answers 500
/// generic_error_support, and the message names the URL and the likely cause.
#[tokio::test]
async fn a_wrong_host_path_is_named() {
    let sim = sim().await;
    let tuning = ClientTuning {
        request_timeout: Duration::from_secs(10),
        max_retry_wait: Duration::from_secs(1),
        // Every test counts what reaches the simulator.
        cache_ttl: Duration::ZERO,
    };
    let default = environment(
        "default".to_owned(),
        "NANGO_SECRET_KEY".to_owned(),
        &format!("{}/api", sim.base_url()),
        Some(&format!("{}/mcp", sim.base_url())),
        sim.secret_key(),
        tuning,
    )
    .unwrap();
    let server = NangoMcp::new(
        Registry::all(),
        Environments::new(vec![default]).unwrap(),
        TokenBudget::default(),
        false,
    );
    let error = server
        .run_tool("list_integrations", serde_json::Map::new(), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("/api/integrations"), "{error}");
    assert!(error.contains("wrong path in NANGO_HOST"), "{error}");
    sim.shutdown().await;
}
