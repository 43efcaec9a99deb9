//! A credential read of an expired OAuth connection makes Nango try a token refresh; when it
//! fails, the read answers 400 then 424 `invalid_credentials` and the connection gets a new
//! `auth` error that every key sees. Read-only keys never trigger it.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use nango_sim::{REFRESH_BACKOFF_MESSAGE, REFRESH_FAILED_MESSAGE, SimConfig, SimKey};
use reqwest::StatusCode;
use serde_json::Value;

const CONN_XYZ: &str = "/connections/conn-xyz?provider_config_key=salesforce-prod";

fn auth_log_ids(connection: &Value) -> Vec<String> {
    connection["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| e["type"] == "auth")
        .map(|e| e["log_id"].as_str().expect("log id").to_owned())
        .collect()
}

async fn listed_conn_xyz(sim: &nango_sim::Sim) -> Value {
    let list = get_with(
        sim,
        "/connections?connectionId=conn-xyz",
        Some(READ_ONLY_KEY),
        &[],
    )
    .await
    .json();
    list["connections"][0].clone()
}

#[tokio::test]
async fn read_only_keys_never_trigger_a_refresh() {
    let sim = start(SimConfig::demo().with_key(SimKey::read_only(READ_ONLY_KEY))).await;
    for _ in 0..3 {
        let reply = get_with(&sim, CONN_XYZ, Some(READ_ONLY_KEY), &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.json()["credentials"], serde_json::json!({}));
    }
    assert_eq!(sim.refresh_attempts(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failed_refresh_answers_400_then_424_and_marks_the_connection_for_everyone() {
    let sim = start(SimConfig::demo().with_key(SimKey::read_only(READ_ONLY_KEY))).await;
    let before = auth_log_ids(&listed_conn_xyz(&sim).await);
    assert_eq!(before.len(), 1, "conn-xyz starts with one auth error");

    let failed = get(&sim, CONN_XYZ).await;
    assert_eq!(failed.status, StatusCode::BAD_REQUEST, "{}", failed.text);
    let error = &failed.json()["error"];
    assert_eq!(error["code"], "invalid_credentials");
    assert_eq!(error["message"], REFRESH_FAILED_MESSAGE);
    let shown = &error["payload"]["connection"];
    assert_eq!(shown["connection_id"], "conn-xyz");
    assert_eq!(shown["credentials"], serde_json::json!({}));
    let after = auth_log_ids(shown);
    assert_eq!(after.len(), 1);
    assert_ne!(after, before, "the failed refresh wrote a new log entry");

    let backing_off = get(&sim, CONN_XYZ).await;
    assert_eq!(backing_off.status, StatusCode::FAILED_DEPENDENCY);
    assert_eq!(
        backing_off.json()["error"]["message"],
        REFRESH_BACKOFF_MESSAGE
    );
    assert_eq!(sim.refresh_attempts(), 2);

    // Everyone sees the new error: the list and a read-only detail.
    assert_eq!(auth_log_ids(&listed_conn_xyz(&sim).await), after);
    let detail = get_with(&sim, CONN_XYZ, Some(READ_ONLY_KEY), &[]).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(auth_log_ids(&detail.json()), after);
    assert_eq!(sim.refresh_attempts(), 2, "read-only reads add no attempt");
    sim.shutdown().await;
}

#[tokio::test]
async fn healthy_tokens_read_with_credentials_trigger_nothing() {
    let sim = start(SimConfig::demo()).await;
    let reply = get(
        &sim,
        "/connections/conn-123?provider_config_key=hubspot-prod",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.json()["credentials"]["access_token"].is_string());
    assert_eq!(sim.refresh_attempts(), 0);
    sim.shutdown().await;
}
