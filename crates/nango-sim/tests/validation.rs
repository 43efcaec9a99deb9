//! Strict query and header validation with Nango's error envelopes.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use nango_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;

fn issue_codes(body: &Value) -> Vec<(String, Value)> {
    body["error"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array in {body}"))
        .iter()
        .map(|e| (e["code"].as_str().unwrap().to_owned(), e["path"].clone()))
        .collect()
}

#[tokio::test]
async fn unknown_query_params_are_rejected_everywhere_but_scripts_config() {
    let sim = start(SimConfig::demo()).await;
    for path in [
        "/integrations?foo=1",
        "/integrations/salesforce-prod?foo=1",
        "/integrations/salesforce-prod/functions?foo=1",
        "/providers?foo=1",
        "/providers/salesforce?foo=1",
        "/connections?foo=1",
        "/connections/conn-abc?provider_config_key=salesforce-prod&foo=1",
        "/sync/status?provider_config_key=salesforce-prod&syncs=*&foo=1",
        "/environment-variables?foo=1",
    ] {
        let reply = get(&sim, path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        let body = reply.json();
        assert_eq!(body["error"]["code"], "invalid_query_params", "{path}");
        assert_eq!(
            body["error"]["errors"][0]["message"], "Unrecognized key: \"foo\"",
            "{path}"
        );
    }
    let records = records(&sim, "conn-456", "hubspot-prod", "model=Contact&foo=1").await;
    assert_eq!(records.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&sim, "/scripts/config?foo=1").await.status,
        StatusCode::OK,
        "scripts/config is not strict"
    );
    let two = get(&sim, "/connections?foo=1&bar=2").await.json();
    assert_eq!(
        two["error"]["errors"][0]["message"],
        "Unrecognized keys: \"foo\", \"bar\""
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn numeric_bounds_follow_the_server() {
    let sim = start(SimConfig::demo()).await;
    for (path, code) in [
        ("/connections?limit=0", "too_small"),
        ("/connections?limit=2001", "too_big"),
        ("/connections?limit=abc", "invalid_type"),
        ("/connections?page=-1", "too_small"),
        ("/integrations/jira-prod/functions?limit=101", "too_big"),
    ] {
        let reply = get(&sim, path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(issue_codes(&reply.json())[0].0, code, "{path}");
    }
    assert_eq!(
        get(&sim, "/connections?limit=2000").await.status,
        StatusCode::OK
    );
    for (query, code) in [
        ("model=Contact&limit=10001", "too_big"),
        ("model=Contact&limit=0", "too_small"),
    ] {
        let reply = records(&sim, "conn-456", "hubspot-prod", query).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(issue_codes(&reply.json())[0].0, code);
    }
    assert_eq!(
        records(
            &sim,
            "conn-456",
            "hubspot-prod",
            "model=Contact&limit=10000"
        )
        .await
        .status,
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn records_validation() {
    let sim = start(SimConfig::demo()).await;
    let no_headers = get(&sim, "/records?model=Contact").await;
    assert_eq!(no_headers.status, StatusCode::BAD_REQUEST);
    let body = no_headers.json();
    assert_eq!(body["error"]["code"], "invalid_headers");
    assert_eq!(issue_codes(&body).len(), 2);

    let missing_model = records(&sim, "conn-456", "hubspot-prod", "limit=5")
        .await
        .json();
    assert_eq!(
        issue_codes(&missing_model),
        [("invalid_type".to_owned(), serde_json::json!(["model"]))]
    );

    let bad_filter = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&filter=created",
    )
    .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);

    let too_many_ids: String = (0..101).map(|i| format!("&ids={i}")).collect();
    let reply = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        &format!("model=Contact{too_many_ids}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(issue_codes(&reply.json())[0].0, "too_big");

    let unknown = get_with(
        &sim,
        "/records?model=Contact",
        Some(&sim.secret_key()),
        &[
            ("Connection-Id", "conn-456"),
            ("Provider-Config-Key", "salesforce-prod"),
        ],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.json()["error"]["code"], "unknown_connection");

    let bad_cursor = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&cursor=bm90IGEgY3Vyc29y",
    )
    .await;
    assert_eq!(bad_cursor.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(bad_cursor.json()["error"]["code"], "server_error");

    let recent = chrono::Utc::now() - chrono::Duration::days(30);
    let ok = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        &format!(
            "model=Contact&modified_after={}",
            recent.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let old = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&modified_after=2020-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(
        old.json()["error"]["errors"][0]["message"],
        "must be within the last 12 months"
    );
    let trailing_slash = get_with(
        &sim,
        "/records/?model=Contact",
        Some(&sim.secret_key()),
        &[
            ("Connection-Id", "conn-456"),
            ("Provider-Config-Key", "hubspot-prod"),
        ],
    )
    .await;
    assert_eq!(
        trailing_slash.status,
        StatusCode::OK,
        "the Node SDK's /records/ works"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_and_sync_status_errors() {
    let sim = start(SimConfig::demo()).await;
    let missing = get(&sim, "/connections/conn-abc").await;
    assert_eq!(
        issue_codes(&missing.json()),
        [(
            "invalid_type".to_owned(),
            serde_json::json!(["provider_config_key"])
        )]
    );
    let wrong_integration = get(
        &sim,
        "/connections/conn-abc?provider_config_key=hubspot-prod",
    )
    .await;
    assert_eq!(
        wrong_integration.status,
        StatusCode::NOT_FOUND,
        "ids are only unique per integration"
    );
    let bad_bool = get(
        &sim,
        "/connections/conn-abc?provider_config_key=salesforce-prod&force_refresh=yes",
    )
    .await;
    assert_eq!(bad_bool.status, StatusCode::BAD_REQUEST);
    let both_missing = get(&sim, "/sync/status").await.json();
    let paths: Vec<Value> = issue_codes(&both_missing)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(
        paths,
        [
            serde_json::json!(["provider_config_key"]),
            serde_json::json!(["syncs"])
        ]
    );
    let bad_search = get(&sim, "/providers?search=sales%5E").await;
    assert_eq!(
        bad_search.json()["error"]["errors"][0]["code"],
        "invalid_format"
    );
    // Real Nango: 500 generic_error_support with a fresh support id, no rate-limit headers.
    let unknown_route = get(&sim, "/this/does/not/exist").await;
    assert_eq!(unknown_route.status, StatusCode::INTERNAL_SERVER_ERROR);
    let error = &unknown_route.json()["error"];
    assert_eq!(error["code"], "generic_error_support");
    let support_id = error["payload"].as_str().expect("support id");
    assert!(nango_sim::is_uuid_v4(support_id), "{support_id}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains(support_id))
    );
    assert!(unknown_route.header("x-ratelimit-limit").is_none());
    assert_eq!(
        get(&sim, "/integrations/nope").await.json()["error"]["message"],
        "Integration \"nope\" does not exist"
    );
    assert_eq!(
        get(&sim, "/providers/nope").await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn sync_status_selects_by_name_and_omits_undefined_fields() {
    let sim = start(SimConfig::demo()).await;
    let all = get_json(
        &sim,
        "/sync/status?provider_config_key=salesforce-prod&syncs=*",
    )
    .await;
    assert_eq!(
        all["syncs"].as_array().unwrap().len(),
        12 * 3,
        "12 connections × 3 syncs"
    );
    let two = get_json(&sim, "/sync/status?provider_config_key=salesforce-prod&syncs=deals,accounts::base&connection_id=conn-abc").await;
    let names: Vec<&str> = two["syncs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["deals", "accounts"]);
    let dataset = sim.dataset();
    let (connection, sync) = dataset
        .connections
        .iter()
        .find_map(|c| {
            c.syncs
                .iter()
                .find(|s| s.status == "RUNNING")
                .map(|s| (c, s))
        })
        .expect("a running sync");
    let row = get_json(
        &sim,
        &format!(
            "/sync/status?provider_config_key={}&syncs={}&connection_id={}",
            connection.provider_config_key, sync.name, connection.connection_id
        ),
    )
    .await;
    let row = row["syncs"][0].as_object().unwrap();
    assert!(
        !row.contains_key("finishedAt"),
        "running syncs have no finishedAt"
    );
    assert!(!row.contains_key("latestResult"));
    assert_eq!(row["latestExecutionStatus"], "RUNNING");
    sim.shutdown().await;
}
