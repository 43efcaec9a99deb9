//! Every fault kind, set through the API and through the admin route.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use nango_sim::{Faults, SimConfig};
use reqwest::StatusCode;

async fn get_with_timeout(
    sim: &nango_sim::Sim,
    path: &str,
    timeout: Duration,
) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap()
        .get(format!("{}{path}", sim.base_url()))
        .bearer_auth(sim.secret_key())
        .send()
        .await
}

#[tokio::test]
async fn status_burst_then_recovery() {
    let sim = start(SimConfig::demo()).await;
    sim.set_faults(Faults {
        status_burst: 3,
        ..Faults::none()
    });
    let statuses: Vec<u16> = statuses(&sim, 4).await;
    assert_eq!(statuses, [503, 502, 503, 200]);
    assert_eq!(
        get(&sim, "/integrations").await.status,
        StatusCode::OK,
        "the burst is spent"
    );
    sim.shutdown().await;
}

async fn statuses(sim: &nango_sim::Sim, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get(sim, "/integrations").await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn error_rate_one_fails_everything_with_a_json_503() {
    let sim = start(SimConfig::demo()).await;
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    let reply = get(&sim, "/connections?limit=1").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.json()["error"]["code"].is_string());
    sim.set_faults(Faults::none());
    assert_eq!(
        get(&sim, "/connections?limit=1").await.status,
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_storm_answers_429_with_retry_after_one() {
    let sim = start(SimConfig::demo()).await;
    sim.set_faults(Faults {
        rate_limit_storm: 2,
        ..Faults::none()
    });
    for _ in 0..2 {
        let reply = get(&sim, "/integrations").await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(reply.json()["error"]["code"], "too_many_request");
    }
    assert_eq!(get(&sim, "/integrations").await.status, StatusCode::OK);
    assert_eq!(sim.rate_limited_count(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn truncated_json_and_html_200() {
    let sim = start(SimConfig::demo()).await;
    let whole = get(&sim, "/integrations").await.text;
    sim.set_faults(Faults {
        truncated_json: true,
        ..Faults::none()
    });
    let cut = get(&sim, "/integrations").await;
    assert_eq!(cut.status, StatusCode::OK);
    assert_eq!(cut.text.len(), whole.len() / 2);
    assert!(serde_json::from_str::<serde_json::Value>(&cut.text).is_err());
    sim.set_faults(Faults {
        html_200: true,
        ..Faults::none()
    });
    let html = get(&sim, "/integrations").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.text.starts_with("<!doctype html>"));
    sim.shutdown().await;
}

#[tokio::test]
async fn hang_never_answers_until_lifted_and_latency_delays() {
    let sim = start(SimConfig::demo()).await;
    sim.set_faults(Faults {
        hang: true,
        ..Faults::none()
    });
    let hung = get_with_timeout(&sim, "/integrations", Duration::from_millis(300)).await;
    assert!(hung.expect_err("no answer while hanging").is_timeout());
    sim.set_faults(Faults::none());
    assert_eq!(get(&sim, "/integrations").await.status, StatusCode::OK);
    // Generous margins: a 30 s latency against a 300 ms client timeout.
    sim.set_faults(Faults {
        latency: Duration::from_secs(30),
        ..Faults::none()
    });
    let slow = get_with_timeout(&sim, "/integrations", Duration::from_millis(300)).await;
    assert!(slow.expect_err("latency exceeds the timeout").is_timeout());
    sim.set_faults(Faults::none());
    // A hanging request does not block shutdown.
    sim.set_faults(Faults {
        hang: true,
        ..Faults::none()
    });
    let url = format!("{}/integrations", sim.base_url());
    let key = sim.secret_key();
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(key)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    sim.shutdown().await;
    let _ = pending.await;
}

#[tokio::test]
async fn admin_route_sets_faults_and_lists_requests() {
    let sim = start(SimConfig::demo()).await;
    let client = reqwest::Client::new();
    let set = client
        .post(format!("{}/_sim/faults", sim.base_url()))
        .body(r#"{"status_burst": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        get(&sim, "/integrations").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&sim, "/integrations").await.status, StatusCode::OK);
    let bad = client
        .post(format!("{}/_sim/faults", sim.base_url()))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    get_with(
        &sim,
        "/records?model=Contact",
        Some(&sim.secret_key()),
        &[
            ("Connection-Id", "conn-456"),
            ("Provider-Config-Key", "hubspot-prod"),
        ],
    )
    .await;
    let log: serde_json::Value = client
        .get(format!("{}/_sim/requests", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = log.as_array().unwrap().last().unwrap();
    assert_eq!(last["path"], "/records");
    assert_eq!(last["query"], "model=Contact");
    let recorded = sim.requests();
    assert_eq!(recorded.len(), 3, "admin calls are not logged");
    assert_eq!(sim.request_count(), 3);
    let records_request = recorded.last().unwrap();
    assert_eq!(records_request.header("connection-id"), Some("conn-456"));
    assert!(
        records_request.header("authorization").is_none(),
        "the key is never recorded"
    );
    assert!(
        !serde_json::to_string(&recorded)
            .unwrap()
            .contains(&sim.secret_key())
    );
    sim.shutdown().await;
}
