//! Contract with the real Nango server for the write endpoints: every captured write answer is
//! served to the client method for it and must parse (success) or map to Nango's status and code
//! (error); the body the client sends equals the captured request's body; and writes are retried
//! only when Nango certainly did not act.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Response, StatusCode};
use common::{Reply, TestServer, client, client_with, config, policy};
use nango_api::{ConnectSession, DataEnvelope, NangoClient, NangoError, SyncMode, SyncTarget};
use serde_json::{Value, json};

const REAL: &str = include_str!("fixtures/real-server-2026-11-29.json");

struct WriteSample {
    name: String,
    path: String,
    /// The request's JSON body, when the capture sent JSON.
    request: Option<Value>,
    status: u16,
    body: Value,
}

fn write_samples() -> Vec<WriteSample> {
    let root: Value = serde_json::from_str(REAL).unwrap();
    root["samples"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, sample)| {
            let request = sample["request"].as_str()?;
            let rest = request.strip_prefix("POST ")?;
            let path = rest.split(' ').next()?.to_owned();
            if !(path.starts_with("/sync/") || path.starts_with("/connect/sessions")) {
                return None;
            }
            let json_start = rest.find('{');
            let request = json_start.and_then(|start| {
                let mut stream =
                    serde_json::Deserializer::from_str(&rest[start..]).into_iter::<Value>();
                stream.next().and_then(Result::ok)
            });
            Some(WriteSample {
                name: name.clone(),
                path,
                request,
                status: u16::try_from(sample["status"].as_u64().unwrap()).unwrap(),
                body: sample["body"].clone(),
            })
        })
        .collect()
}

/// A server answering one canned reply and keeping the last request body.
async fn replay(status: u16, body: &Value) -> (String, Arc<Mutex<Vec<(HeaderMap, Bytes)>>>) {
    let bodies: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let reply = body.to_string();
    let app = axum::Router::new().fallback({
        let bodies = Arc::clone(&bodies);
        move |headers: HeaderMap, body: Bytes| {
            let bodies = Arc::clone(&bodies);
            let reply = reply.clone();
            async move {
                bodies.lock().unwrap().push((headers, body));
                Response::builder()
                    .status(StatusCode::from_u16(status).unwrap())
                    .header("content-type", "application/json; charset=utf-8")
                    .body(Body::from(reply))
                    .unwrap()
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), bodies)
}

fn target_of(request: &Value) -> SyncTarget {
    SyncTarget {
        provider_config_key: request["provider_config_key"]
            .as_str()
            .unwrap_or("github-prod")
            .to_owned(),
        syncs: request["syncs"]
            .as_array()
            .map(|syncs| {
                syncs
                    .iter()
                    .map(|sync| sync.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_else(|| vec!["issues".to_owned()]),
        connection_id: request["connection_id"].as_str().map(str::to_owned),
    }
}

/// The client call for a sample; `Some(session)` for a reconnect that succeeded.
async fn call(
    client: &NangoClient,
    sample: &WriteSample,
) -> Result<Option<ConnectSession>, NangoError> {
    let request = sample.request.clone().unwrap_or_else(|| json!({}));
    match sample.path.as_str() {
        "/sync/trigger" => {
            let mode = match request["sync_mode"].as_str() {
                Some("full_refresh") => SyncMode::FullRefresh,
                _ => SyncMode::Incremental,
            };
            client
                .trigger_syncs(&target_of(&request), mode)
                .await
                .map(|()| None)
        }
        "/sync/pause" => client
            .pause_syncs(&target_of(&request))
            .await
            .map(|()| None),
        "/sync/start" => client
            .start_syncs(&target_of(&request))
            .await
            .map(|()| None),
        "/connect/sessions/reconnect" => client
            .create_reconnect_session(
                request["integration_id"].as_str().unwrap_or("github-prod"),
                request["connection_id"].as_str().unwrap_or("gh-1"),
            )
            .await
            .map(Some),
        other => panic!("no client call for {other}"),
    }
}

/// Whether the client could have produced the sample's request body exactly.
fn client_shaped(sample: &WriteSample) -> bool {
    let Some(request) = &sample.request else {
        return false;
    };
    let keys: Vec<&str> = request
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    match sample.path.as_str() {
        "/sync/trigger" => {
            keys.contains(&"syncs")
                && keys.contains(&"provider_config_key")
                && matches!(
                    request["sync_mode"].as_str(),
                    Some("incremental" | "full_refresh")
                )
                && !keys.contains(&"opts")
        }
        "/sync/pause" | "/sync/start" => keys.contains(&"syncs"),
        "/connect/sessions/reconnect" => keys.len() == 2,
        _ => false,
    }
}

#[tokio::test]
async fn every_write_sample_parses_or_maps_to_its_error() {
    let samples = write_samples();
    assert!(
        samples.len() >= 25,
        "expected the write samples, found {}",
        samples.len()
    );
    let mut compared_bodies = 0;
    for sample in &samples {
        if sample.path == "/connect/sessions" {
            // Not a call this client makes; its shapes must still be understood.
            if sample.status == 201 {
                let session: DataEnvelope<ConnectSession> =
                    serde_json::from_value(sample.body.clone()).unwrap();
                assert!(
                    session.data.connect_link.contains("session_token="),
                    "{}",
                    sample.name
                );
            } else {
                let error = nango_api::parse_error_response(
                    "http://nango",
                    sample.status,
                    Some("application/json"),
                    sample.body.to_string().as_bytes(),
                );
                assert_eq!(
                    error.code(),
                    sample.body["error"]["code"].as_str(),
                    "{}",
                    sample.name
                );
            }
            continue;
        }
        let (base_url, bodies) = replay(sample.status, &sample.body).await;
        let mut config = config(&base_url);
        config.retry = policy(1, Duration::ZERO);
        let (client, _clock) = client_with(config);
        let outcome = call(&client, sample).await;
        match (sample.status, outcome) {
            (200, Ok(None)) => {}
            (201, Ok(Some(session))) => {
                assert!(
                    session.token.starts_with("nango_connect_session_"),
                    "{}",
                    sample.name
                );
                assert!(
                    session.connect_link.contains(&session.token),
                    "{}",
                    sample.name
                );
                assert!(
                    !format!("{session:?}").contains(&session.token),
                    "Debug shows the token"
                );
            }
            (429, Err(NangoError::RateLimited { .. })) => {}
            (
                status,
                Err(NangoError::Api {
                    status: got, code, ..
                }),
            ) => {
                assert_eq!(got, status, "{}", sample.name);
                assert_eq!(
                    Some(code.as_str()),
                    sample.body["error"]["code"].as_str(),
                    "{}",
                    sample.name
                );
            }
            (status, other) => panic!("{}: status {status} gave {other:?}", sample.name),
        }
        let sent = bodies.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "{}: one request", sample.name);
        let (headers, body) = &sent[0];
        assert_eq!(
            headers["content-type"], "application/json",
            "{}",
            sample.name
        );
        if client_shaped(sample) {
            let sent: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(
                &sent,
                sample.request.as_ref().unwrap(),
                "{}: body",
                sample.name
            );
            compared_bodies += 1;
        }
    }
    assert!(
        compared_bodies >= 10,
        "only {compared_bodies} bodies compared"
    );
}

fn gh1() -> SyncTarget {
    SyncTarget {
        provider_config_key: "github-prod".to_owned(),
        syncs: vec!["issues".to_owned()],
        connection_id: Some("gh-1".to_owned()),
    }
}

fn real_429() -> Reply {
    Reply::json_with(
        429,
        &json!({"error": {"code": "too_many_request", "method": "POST", "path": "/sync/trigger"}}),
        vec![("retry-after", "1".to_owned())],
    )
}

#[tokio::test]
async fn a_rate_limited_trigger_is_retried_because_nango_did_not_act() {
    let server = TestServer::start(|_, index| {
        if index == 0 {
            real_429()
        } else {
            Reply::ok(json!({"success": true}))
        }
    })
    .await;
    let (client, _clock) = client(&server);
    client
        .trigger_syncs(&gh1(), SyncMode::Incremental)
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_trigger_that_may_have_acted_is_not_retried() {
    let server =
        TestServer::start(|_, _| Reply::Json(503, json!({"error": {"code": "server_error"}})))
            .await;
    let (client, _clock) = client(&server);
    let error = client
        .trigger_syncs(&gh1(), SyncMode::FullRefresh)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(
        server.count(),
        1,
        "a 503 after sending may have triggered a run"
    );
    let error = client
        .create_reconnect_session("github-prod", "gh-1")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(
        server.count(),
        2,
        "a reconnect session is not retried either"
    );
}

#[tokio::test]
async fn idempotent_pause_and_start_are_retried_after_a_502() {
    let server = TestServer::start(|_, index| {
        if index % 2 == 0 {
            Reply::Json(502, json!({"error": {"code": "bad_gateway"}}))
        } else {
            Reply::ok(json!({"success": true}))
        }
    })
    .await;
    let (client, _clock) = client(&server);
    client.pause_syncs(&gh1()).await.unwrap();
    client.start_syncs(&gh1()).await.unwrap();
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn scope_probes_send_a_body_nango_rejects_before_acting() {
    let server = TestServer::start(|seen, _| {
        if seen.path == "/sync/trigger" {
            Reply::Json(400, json!({"error": {"code": "invalid_body", "errors": []}}))
        } else {
            Reply::Json(403, json!({"error": {"code": "forbidden", "message": "Insufficient scope. Required: environment:connect_sessions:write"}}))
        }
    })
    .await;
    let (client, _clock) = client(&server);
    assert_eq!(
        client.probe_syncs_execute_scope().await.unwrap(),
        nango_api::ScopeProbe::Granted
    );
    assert_eq!(
        client.probe_connect_sessions_scope().await.unwrap(),
        nango_api::ScopeProbe::Missing
    );
    assert!(server.seen().iter().all(|seen| seen.method == "POST"));
}

#[tokio::test]
async fn empty_targets_are_refused_before_sending() {
    let server = TestServer::start(|_, _| Reply::ok(json!({"success": true}))).await;
    let (client, _clock) = client(&server);
    let mut target = gh1();
    target.syncs.clear();
    assert!(matches!(
        client.pause_syncs(&target).await,
        Err(NangoError::InvalidInput { .. })
    ));
    assert!(matches!(
        client.create_reconnect_session("", "gh-1").await,
        Err(NangoError::InvalidInput { .. })
    ));
    assert_eq!(server.count(), 0);
}
