//! `POST /webhooks/nango` over real HTTP: Nango's signature is the only way in, every answer code
//! the issue asks for, 1,000 concurrent deliveries all kept, and a PostgreSQL that goes away
//! mid-stream losing nothing that was answered 2xx.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../nango-history/tests/common/mod.rs"]
mod history_common;

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use futures::future::BoxFuture;
use nango_history::{History, RunQuery};
use nango_mcp::history::HistoryStore;
use nango_mcp::transport::http::{
    self, AuthToken, HttpSettings, RunningHttp, WebhookKeys, WebhookReceiver, hex_hmac,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "whsk-test-9c1d";

#[derive(Clone)]
struct NoTools;
impl rmcp::ServerHandler for NoTools {}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../nango-history/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn start(url: &str, token: Option<&str>) -> RunningHttp {
    let history = Arc::new(HistoryStore::at(url.to_owned(), 90));
    let mut settings = HttpSettings::new("127.0.0.1:0".parse().unwrap())
        .with_auth_token(token.map(|token| AuthToken::new(token).unwrap()));
    settings.webhooks = Some(WebhookReceiver::new(
        WebhookKeys::single("prod", KEY),
        history,
    ));
    let ready = || -> BoxFuture<'static, Result<(), String>> { Box::pin(async { Ok(()) }) };
    http::bind(settings, || NoTools, ready).await.unwrap()
}

async fn post(
    client: &reqwest::Client,
    server: &RunningHttp,
    body: &[u8],
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = client
        .post(format!("http://{}/webhooks/nango", server.local_addr()))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("X-Nango-Hmac-Sha256", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn signed(body: &[u8]) -> String {
    hex_hmac(KEY.as_bytes(), body)
}

async fn stored_runs(url: &str) -> usize {
    let history = History::open(url).await.unwrap();
    let runs = history
        .list_runs(&RunQuery {
            environment: "prod".to_owned(),
            limit: 1_000,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    history.close().await;
    runs.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_code() {
    let (_dir, url) = history_common::sqlite();
    // The MCP endpoint needs a bearer token; the webhook path must not.
    let server = start(&url, Some("mcp-token-1234")).await;
    let client = reqwest::Client::new();
    let body = fixture("sync-success.json");

    let (status, _) = post(&client, &server, &body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "unsigned");
    let forged = hex_hmac(b"someone-elses-key", &body);
    let (status, _) = post(&client, &server, &body, Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "forged");
    let mut tampered = body.clone();
    tampered[20] ^= 1;
    let (status, _) = post(&client, &server, &tampered, Some(&signed(&body))).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "body changed after signing"
    );
    assert_eq!(stored_runs(&url).await, 0, "a refused delivery was stored");

    let huge = vec![b' '; 1024 * 1024 + 1];
    let (status, _) = post(&client, &server, &huge, Some(&signed(&huge))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let not_json = b"type=sync&connectionId=x";
    let (status, _) = post(&client, &server, not_json, Some(&signed(not_json))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let forward = fixture("forward.json");
    let (status, answer) = post(&client, &server, &forward, Some(&signed(&forward))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], "ignored");

    let (status, answer) = post(&client, &server, &body, Some(&signed(&body))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], "stored");
    assert_eq!(answer["environment"], "prod");
    let (status, answer) = post(&client, &server, &body, Some(&signed(&body))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], "duplicate");
    assert_eq!(stored_runs(&url).await, 1);

    // Host checks still apply.
    let response = client
        .post(format!("http://{}/webhooks/nango", server.local_addr()))
        .header("host", "evil.example")
        .header("X-Nango-Hmac-Sha256", signed(&body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    server.shutdown();
    server.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_unreachable_is_503() {
    // A PostgreSQL port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = start(&format!("postgres://nango@127.0.0.1:{port}/none"), None).await;
    let body = fixture("auth-refresh-error.json");
    let (status, _) = post(
        &reqwest::Client::new(),
        &server,
        &body,
        Some(&signed(&body)),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    server.shutdown();
    server.wait().await.unwrap();
}

fn run_body(index: usize) -> Vec<u8> {
    json!({
        "connectionId": format!("conn-{}", index % 37), "from": "nango", "model": "Deal",
        "modifiedAfter": format!("2026-12-07T10:{:02}:{:02}.{:03}Z", index / 3600 % 60, index / 60 % 60, index % 1000),
        "providerConfigKey": "hubspot-prod", "queryTimeStamp": null,
        "responseResults": {"added": index, "deleted": 0, "updated": 0},
        "success": true, "syncName": "deals", "syncType": "INCREMENTAL", "syncVariant": "base", "type": "sync"
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_deliveries_are_all_stored() {
    let (_dir, url) = history_common::sqlite();
    let server = start(&url, None).await;
    let client = reqwest::Client::new();
    let address = server.local_addr();
    let tasks: Vec<_> = (0..1_000)
        .map(|index| {
            let client = client.clone();
            tokio::spawn(async move {
                let body = run_body(index);
                client
                    .post(format!("http://{address}/webhooks/nango"))
                    .header("X-Nango-Hmac-Sha256", signed(&body))
                    .body(body)
                    .send()
                    .await
                    .map(|response| response.status())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), StatusCode::OK);
    }
    assert_eq!(stored_runs(&url).await, 1_000);
    server.shutdown();
    server.wait().await.unwrap();
}

/// PostgreSQL stops while Nango keeps delivering: some deliveries get 503 (Nango would retry
/// them), and every one answered 2xx is in the database once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_going_away_loses_nothing_answered_2xx() {
    let Some(mut pg) = history_common::pg::start() else {
        return;
    };
    let url = pg.url();
    let server = start(&url, None).await;
    let address = server.local_addr();
    // Deliveries go on until 50 are answered 2xx after PostgreSQL is back, however long stopping and starting
    // it takes on a loaded machine (a fixed count could end before the database went away).
    let restarted = Arc::new(AtomicBool::new(false));
    let restarted_seen = Arc::clone(&restarted);
    let sender = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let (mut ok, mut unavailable) = (Vec::new(), 0);
        let mut after_restart = 0;
        for index in 0..20_000 {
            if after_restart > 50 {
                break;
            }
            let body = run_body(index);
            let status = client
                .post(format!("http://{address}/webhooks/nango"))
                .header("X-Nango-Hmac-Sha256", signed(&body))
                .body(body)
                .send()
                .await
                .unwrap()
                .status();
            match status {
                StatusCode::OK => {
                    ok.push(index);
                    if restarted_seen.load(Ordering::SeqCst) {
                        after_restart += 1;
                    }
                }
                StatusCode::SERVICE_UNAVAILABLE => unavailable += 1,
                other => panic!("unexpected {other}"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (ok, unavailable)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pg_back = tokio::task::spawn_blocking(move || {
        pg.stop_server();
        // Longer than the store's 3 s wait for a connection: a delivery made while the
        // database is away must be answered 503, not held until it is back.
        std::thread::sleep(std::time::Duration::from_secs(4));
        pg.start_server();
        restarted.store(true, Ordering::SeqCst);
        pg
    });
    let (ok, unavailable) = sender.await.unwrap();
    let pg = pg_back.await.unwrap();
    assert!(unavailable > 0, "the database never went away");
    assert!(ok.len() > 50);
    let history = History::open(&url).await.unwrap();
    let stored: std::collections::HashSet<i64> = history
        .list_runs(&RunQuery {
            environment: "prod".to_owned(),
            limit: 1_000,
            ..RunQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter_map(|stored| stored.run.added)
        .collect();
    history.close().await;
    for index in ok {
        assert!(
            stored.contains(&(index as i64)),
            "delivery {index} was answered 2xx but lost"
        );
    }
    server.shutdown();
    server.wait().await.unwrap();
    drop(pg);
}
