//! The write routes against the real server's captures: every write sample's request, with the
//! capture's ids mapped onto the demo dataset, is replayed against the simulator in capture
//! order and must answer the same status, error code and JSON shape; the state the writes leave
//! must show in `/sync/status` as it did on the real server.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{READ_ONLY_KEY, assert_same_shape, start};
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::{Value, json};

const NARROW_KEY: &str = "3c1d9e7a-5b2f-4e8c-9a1d-7f6e5d4c3b2a";

fn real_samples() -> Value {
    let text = include_str!("../../nango-api/tests/fixtures/real-server-2026-11-29.json");
    serde_json::from_str::<Value>(text).unwrap()["samples"].clone()
}

/// The capture's ids, mapped onto the demo dataset.
fn demo_ids(text: &str) -> String {
    text.replace("github-prod", "hubspot-prod")
        .replace("\"gh-1\"", "\"conn-123\"")
        .replace("\"issues\"", "\"deals\"")
        .replace("salesforce-sandbox", "salesforce-prod")
        .replace("\"sf-1\"", "\"conn-xyz\"")
}

async fn post(sim: &Sim, path: &str, key: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .header("Authorization", format!("Bearer {key}"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn status_row(sim: &Sim) -> Value {
    let response = reqwest::Client::new()
        .get(format!(
            "{}/sync/status?provider_config_key=hubspot-prod&syncs=deals&connection_id=conn-123",
            sim.base_url()
        ))
        .bearer_auth(sim.secret_key())
        .send()
        .await
        .unwrap();
    response.json::<Value>().await.unwrap()["syncs"][0].clone()
}

fn sim_config() -> SimConfig {
    SimConfig::demo()
        .with_key(SimKey::read_only(READ_ONLY_KEY))
        .with_key(SimKey::with_scopes(
            NARROW_KEY,
            [
                "environment:integrations:list",
                "environment:connections:list",
            ],
        ))
}

#[tokio::test]
async fn every_write_sample_answers_like_the_real_server() {
    let sim = start(sim_config()).await;
    let samples = real_samples();
    let mut replayed = 0;
    for (name, sample) in samples.as_object().unwrap() {
        let request = sample["request"].as_str().unwrap();
        let Some(rest) = request.strip_prefix("POST ") else {
            continue;
        };
        let path = rest.split(' ').next().unwrap();
        if !(path.starts_with("/sync/") || path == "/connect/sessions/reconnect") {
            continue; // POST /connect/sessions (create) is not emulated: no tool creates sessions.
        }
        if sample["status"] == 429 {
            continue; // rate limiting is covered by rate_limit.rs
        }
        let key = if request.contains("read-only key") {
            READ_ONLY_KEY.to_owned()
        } else if request.contains("narrow key") {
            NARROW_KEY.to_owned()
        } else {
            sim.secret_key()
        };
        let (content_type, body) = match rest.find('{') {
            _ if request.contains("text/plain") => ("text/plain", "hello".to_owned()),
            Some(start) => {
                let mut stream =
                    serde_json::Deserializer::from_str(&rest[start..]).into_iter::<Value>();
                let body = stream.next().unwrap().unwrap();
                ("application/json", demo_ids(&body.to_string()))
            }
            None => ("application/json", "{}".to_owned()),
        };
        let (status, answer) = post(&sim, path, &key, content_type, body).await;
        assert_eq!(
            u64::from(status),
            sample["status"].as_u64().unwrap(),
            "{name}: {answer}"
        );
        let expected = &sample["body"];
        assert_eq!(
            answer["error"]["code"], expected["error"]["code"],
            "{name}: {answer}"
        );
        assert_same_shape(
            name,
            expected,
            &answer,
            &["$.error.payload", "$.error.errors"],
        );
        if let Some(message) = expected["error"]["message"].as_str() {
            assert_eq!(
                answer["error"]["message"].as_str().unwrap(),
                demo_ids(message).replace("\"gh-1\"", "\"conn-123\""),
                "{name}"
            );
        }
        replayed += 1;
    }
    assert!(replayed >= 25, "replayed {replayed}");
    sim.shutdown().await;
}

#[tokio::test]
async fn pause_start_and_trigger_show_in_sync_status_like_the_real_server() {
    let sim = start(sim_config()).await;
    let target = json!({"provider_config_key": "hubspot-prod", "syncs": ["deals"], "connection_id": "conn-123"});
    let before = status_row(&sim).await;
    assert_ne!(before["status"], "PAUSED");
    let (status, _) = post(
        &sim,
        "/sync/pause",
        &sim.secret_key(),
        "application/json",
        target.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let paused = status_row(&sim).await;
    assert_eq!(paused["status"], "PAUSED");
    assert_eq!(paused["nextScheduledSyncAt"], Value::Null);
    // A trigger on a paused sync succeeds and the sync stays paused.
    let mut trigger = target.clone();
    trigger["sync_mode"] = json!("incremental");
    let (status, _) = post(
        &sim,
        "/sync/trigger",
        &sim.secret_key(),
        "application/json",
        trigger.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(status_row(&sim).await["status"], "PAUSED");
    let (status, _) = post(
        &sim,
        "/sync/start",
        &sim.secret_key(),
        "application/json",
        target.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let started = status_row(&sim).await;
    assert_eq!(started["status"], "SUCCESS");
    assert!(started["nextScheduledSyncAt"].is_string(), "{started}");
    let (status, _) = post(
        &sim,
        "/sync/trigger",
        &sim.secret_key(),
        "application/json",
        trigger.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let running = status_row(&sim).await;
    assert_eq!(running["latestExecutionStatus"], "RUNNING");
    // Same shape as before any write.
    assert_same_shape("status after writes", &before, &running, &[]);
    sim.shutdown().await;
}

#[tokio::test]
async fn reconnect_sessions_have_nangos_token_shape_and_a_thirty_minute_expiry() {
    let sim = start(sim_config()).await;
    let body = json!({"connection_id": "conn-xyz", "integration_id": "salesforce-prod"});
    let (status, answer) = post(
        &sim,
        "/connect/sessions/reconnect",
        &sim.secret_key(),
        "application/json",
        body.to_string(),
    )
    .await;
    assert_eq!(status, 201);
    let token = answer["data"]["token"].as_str().unwrap();
    let hex = token.strip_prefix("nango_connect_session_").unwrap();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(
        answer["data"]["connect_link"]
            .as_str()
            .unwrap()
            .ends_with(token)
    );
    let expires: chrono::DateTime<chrono::Utc> = answer["data"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let minutes = (expires - sim.state().now()).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes}");
    let sessions = sim.state().writes().sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].connection_id, "conn-xyz");
    sim.shutdown().await;
}
