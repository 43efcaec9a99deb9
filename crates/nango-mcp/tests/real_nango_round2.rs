//! Issue 24: answers that misled on a real Nango, each checked in process against the
//! simulator serving the real server's seeded state (`real_env.json`, captured with
//! `real-server-2026-11-29.json`) and, where the answer rests on a captured body, that body
//! (`real-server-2026-12-08.json`). None spawns a process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::in_process::{self, call, call_error};
use nango_mcp::server::NangoMcp;
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::{Value, json};

const REAL_ENV: &str = include_str!("../../nango-sim/tests/fixtures/real_env.json");
const CAPTURE: &str = include_str!("../../nango-sim/tests/fixtures/real-server-2026-12-08.json");
const READ_ONLY: &str = "3c9a7e41-5b2d-4f8e-9a16-7d0c2b4e8f53";
/// The real run's narrow key: integrations:list and connections:list only.
const NARROW: &str = "8e4b1f27-0c6d-4a9e-b3f5-1d7a9c2e6b40";

fn captured(name: &str) -> Value {
    let root: Value = serde_json::from_str(CAPTURE).unwrap();
    let sample = root["samples"][name].clone();
    assert!(sample.is_object(), "no sample {name}");
    sample
}

async fn sim() -> Sim {
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::from_fixture(serde_json::from_str(REAL_ENV).unwrap()).unwrap()
    }
    .with_key(SimKey::read_only(READ_ONLY))
    .with_key(SimKey::with_scopes(
        NARROW,
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

fn server_with_writes(sim: &Sim, key: &str) -> NangoMcp {
    in_process::server(sim, key, Some(b"round-2"))
}

/// (1) "4 connections match; health over the filtered set: 6 ok, 3 auth_error…": the counts
/// covered the set before the health filter while the sentence said otherwise.
#[tokio::test]
async fn filtered_counts_say_which_set_they_cover() {
    let sim = sim().await;
    let server = server(&sim, READ_ONLY);
    let all = call(&server, "list_connections", json!({})).await;
    let total = all.structured["total"].as_u64().unwrap();
    assert!(
        all.structured.get("counted").is_none(),
        "{}",
        all.structured
    );

    let broken = call(&server, "list_connections", json!({"health": "auth_error"})).await;
    let matched = broken.structured["total"].as_u64().unwrap();
    assert!(matched < total, "{matched} of {total}");
    assert_eq!(broken.structured["counted"], total);
    assert!(
        broken.text.starts_with(&format!(
            "{matched} connections match the health filter; health of all {total} connections before it:"
        )),
        "{}",
        broken.text
    );
    assert!(!broken.text.contains("filtered set"), "{}", broken.text);

    let failing = call(
        &server,
        "list_syncs",
        json!({"integration": "github-prod", "state": "failing"}),
    )
    .await;
    assert_eq!(failing.structured["total"], 1, "{}", failing.structured);
    assert_eq!(failing.structured["counted"], 2, "{}", failing.structured);
    assert!(
        failing.text.starts_with(
            "1 syncs for integration github-prod match the state filter; all 2 before it:"
        ),
        "{}",
        failing.text
    );
    sim.shutdown().await;
}

/// The App's drill-down asked for `fields: ["end_user","errors"]` and lost the Health column:
/// `fields` now adds to the defaults, as its description ("Extra fields") says.
#[tokio::test]
async fn extra_fields_keep_the_default_ones() {
    let sim = sim().await;
    let server = server(&sim, READ_ONLY);
    let rows = call(
        &server,
        "list_connections",
        json!({"integrations": ["github-prod"], "fields": ["end_user", "errors"]}),
    )
    .await;
    for row in rows.structured["connections"].as_array().unwrap() {
        assert!(row["health"].is_array(), "{row}");
        assert!(row.get("end_user").is_some(), "{row}");
    }
    let syncs = call(
        &server,
        "list_syncs",
        json!({"integration": "github-prod", "fields": ["next_run_at"]}),
    )
    .await;
    for row in syncs.structured["syncs"].as_array().unwrap() {
        assert!(
            row.get("state").is_some() && row.get("next_run_at").is_some(),
            "{row}"
        );
    }
    sim.shutdown().await;
}

/// (2) A full key after a failed refresh was told "not visible to this key (no
/// connections:read_credentials scope)". Real Nango answers 400 `invalid_credentials` with the
/// connection and `credentials: {}` (captured), then 424 while it backs off.
#[tokio::test]
async fn a_failed_refresh_is_reported_as_what_happened() {
    let sample = captured("connection_full_after_refresh_failure");
    assert_eq!(sample["status"], 400);
    assert_eq!(sample["body"]["error"]["code"], "invalid_credentials");
    assert_eq!(
        sample["body"]["error"]["payload"]["connection"]["credentials"],
        json!({})
    );
    let sim = sim().await;
    let server = server(&sim, &sim.secret_key());
    let arguments = json!({"connection_id": "sf-1", "credentials": true});
    let first = call(&server, "get_connection", arguments.clone()).await;
    assert!(
        first.text.contains("Credentials: withheld by Nango")
            && first.text.contains("400 invalid_credentials")
            && first.text.contains(
                sample["body"]["error"]["message"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('.')
            ),
        "{}",
        first.text
    );
    assert!(
        !first.text.contains("not visible to this key"),
        "{}",
        first.text
    );
    assert!(!first.text.contains("scope"), "{}", first.text);
    assert_eq!(first.structured["health"], json!(["auth_error"]));

    let backing_off = call(&server, "get_connection", arguments).await;
    assert!(
        backing_off.text.contains("backing off") && backing_off.text.contains("424"),
        "{}",
        backing_off.text
    );
    assert!(
        !backing_off.text.contains("not visible to this key"),
        "{}",
        backing_off.text
    );
    sim.shutdown().await;
}

/// (3) A narrow key's audit said "Syncs: none." beside its own "sync status unavailable" note,
/// and gh-2, in sync_error in the audit's own table, got no finding.
#[tokio::test]
async fn an_audit_without_sync_status_says_unknown_and_keeps_sync_errors() {
    let sim = sim().await;
    let outcome = call(&server(&sim, NARROW), "audit_connections", json!({})).await;
    assert!(!outcome.text.contains("Syncs: none"), "{}", outcome.text);
    assert!(outcome.text.contains("Syncs: unknown"), "{}", outcome.text);
    assert_eq!(outcome.structured["syncs_unknown"], true);
    let findings = outcome.structured["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|finding| finding["kind"] == "sync_error" && finding["connection_id"] == "gh-2"),
        "{findings:?}"
    );
    // With sync status readable, gh-2's failing sync explains it: one finding, not two.
    let full = call(&server(&sim, READ_ONLY), "audit_connections", json!({})).await;
    let gh2: Vec<&Value> = full.structured["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["connection_id"] == "gh-2")
        .collect();
    assert_eq!(gh2.len(), 1, "{gh2:?}");
    assert_eq!(gh2[0]["kind"], "sync_failing");
    assert!(!full.text.contains("Syncs: unknown"), "{}", full.text);
    sim.shutdown().await;
}

/// (4) `get_integration anvil-basic` asked every connection for a password the catalog hides
/// (captured provider entry: `hidden: true`, `default_value: ""`). (9) A read-only key was told
/// the BASIC integration's app configuration was hidden from it; BASIC has none.
#[tokio::test]
async fn a_basic_integration_asks_only_what_a_person_supplies() {
    let provider = captured("provider_anvil_basic");
    let password = &provider["body"]["data"]["credentials"]["password"];
    assert_eq!(password["hidden"], true);
    assert_eq!(password["default_value"], "");
    let sim = sim().await;
    let outcome = call(
        &server(&sim, READ_ONLY),
        "get_integration",
        json!({"integration": "anvil-basic"}),
    )
    .await;
    let must_supply = outcome
        .text
        .lines()
        .find(|line| line.starts_with("Credentials each connection must supply"))
        .unwrap_or_default();
    assert_eq!(
        must_supply, "Credentials each connection must supply: username",
        "{}",
        outcome.text
    );
    assert!(
        outcome
            .text
            .contains("Credentials hidden from Nango's Connect UI (nobody is asked; its default is used): password"),
        "{}",
        outcome.text
    );
    let fields = outcome.structured["requirements"]["credentials"]
        .as_array()
        .unwrap();
    let password = fields
        .iter()
        .find(|field| field["name"] == "password")
        .unwrap();
    assert_eq!(password["required"], false);
    assert_eq!(password["hidden"], true);
    let username = fields
        .iter()
        .find(|field| field["name"] == "username")
        .unwrap();
    assert_eq!(username["required"], true);

    assert!(
        !outcome
            .text
            .contains("App configuration (OAuth client, scopes) is not visible"),
        "{}",
        outcome.text
    );
    assert!(
        outcome
            .text
            .contains("no app credentials (nothing to configure for auth mode BASIC)"),
        "{}",
        outcome.text
    );
    // An OAuth integration still says the read-only key cannot see its app.
    let oauth = call(
        &server(&sim, READ_ONLY),
        "get_integration",
        json!({"integration": "github-prod"}),
    )
    .await;
    assert!(
        oauth
            .text
            .contains("App configuration (OAuth client, scopes) is not visible"),
        "{}",
        oauth.text
    );
    sim.shutdown().await;
}

/// (5) An unknown integration was reported as an unknown sync in it; (6) a narrow key had to
/// be fixed twice, once per scope.
#[tokio::test]
async fn writes_name_the_unknown_integration_and_every_missing_scope() {
    let sim = sim().await;
    let full = server_with_writes(&sim, &sim.secret_key());
    let error = call_error(
        &full,
        "trigger_sync",
        json!({"integration": "nope", "syncs": "issues"}),
    )
    .await;
    assert!(
        error.contains("integration \"nope\" was not found"),
        "{error}"
    );
    assert!(!error.contains("sync \"issues\""), "{error}");
    // A real integration without that sync is still "sync not found".
    let error = call_error(
        &full,
        "trigger_sync",
        json!({"integration": "github-prod", "syncs": "nosuch"}),
    )
    .await;
    assert!(error.contains("sync \"nosuch\" was not found"), "{error}");
    let missing = call_error(&full, "trigger_sync", json!({"integration": "github-prod"})).await;
    assert!(missing.contains("syncs"), "{missing}");

    let narrow = server_with_writes(&sim, NARROW);
    let error = call_error(
        &narrow,
        "pause_sync",
        json!({"integration": "github-prod", "connection_id": "gh-1", "syncs": "issues"}),
    )
    .await;
    assert!(
        error.contains("environment:syncs:read") && error.contains("environment:syncs:execute"),
        "{error}"
    );
    // A read-only key reads fine: its preview is a preview, and it sent Nango no POST.
    let read_only = server_with_writes(&sim, READ_ONLY);
    let posts_before = sim
        .requests()
        .iter()
        .filter(|request| request.method == "POST")
        .count();
    let preview = call(
        &read_only,
        "pause_sync",
        json!({"integration": "github-prod", "connection_id": "gh-1", "syncs": "issues"}),
    )
    .await;
    assert_eq!(preview.structured["status"], "preview", "{}", preview.text);
    let posts_after = sim
        .requests()
        .iter()
        .filter(|request| request.method == "POST")
        .count();
    assert_eq!(posts_before, posts_after);
    let writes = sim
        .requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == "/sync/pause")
        .count();
    assert_eq!(writes, 0, "a probe or a refused preview wrote");
    sim.shutdown().await;
}

/// (10) records:read, functions:read and logs:read were never probed. The probes name things
/// that cannot exist: no record, function or log is read and no connection is touched.
#[tokio::test]
async fn get_environment_probes_records_functions_and_logs_without_reading_them() {
    let sim = sim().await;
    for (key, expected) in [(READ_ONLY, "granted"), (NARROW, "missing")] {
        let outcome = call(&server(&sim, key), "get_environment", json!({})).await;
        let scopes = &outcome.structured["scopes"];
        for scope in ["records:read", "functions:read", "logs:read"] {
            assert_eq!(scopes[scope], expected, "{key} {scope}: {scopes}");
            assert!(
                outcome.text.contains(&format!("{scope}={expected}")),
                "{}",
                outcome.text
            );
        }
    }
    let full = call(
        &server(&sim, &sim.secret_key()),
        "get_environment",
        json!({}),
    )
    .await;
    assert_eq!(full.structured["scopes"]["records:read"], "granted");
    assert_eq!(sim.refresh_attempts(), 0);
    for request in sim.requests() {
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        if request.path == "/records" {
            assert!(
                header("connection-id").is_some_and(|id| id.starts_with("nango-mcp-scope-probe")),
                "{request:?}"
            );
        }
        if request.path.contains("/functions/") {
            assert!(
                request.path.contains("nango-mcp-scope-probe"),
                "{request:?}"
            );
        }
    }
    sim.shutdown().await;
}
