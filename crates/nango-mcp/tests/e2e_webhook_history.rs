//! Webhook history end to end through the real binary: `nango-mcp --http` receives the signed
//! webhooks nango-sim sends for its simulated history, on a Nango whose logs are disabled; an
//! MCP client over HTTP then reads the runs and the time a connection broke; after a restart a
//! stdio server (another real MCP client) reads the same SQLite file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

#[path = "../../nango-history/tests/common/mod.rs"]
mod history_common;

use std::process::Stdio;
use std::time::Duration;

use nango_sim::webhooks::{WebhookTarget, history, send};
use nango_sim::{Sim, SimConfig};
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt, service::RunningService};
use serde_json::{Value, json};

const SIGNING_KEY: &str = "e2e-webhook-signing-key-41c2";

fn base_command(sim: &Sim, database_url: &str, home: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env(
            "NANGO_MANAGEMENT_MCP_URL",
            format!("{}/mcp", sim.base_url()),
        )
        .env("NANGO_MCP_DATABASE_URL", database_url)
        .env("NANGO_MCP_LOG", "info")
        .kill_on_drop(true);
    command
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, arguments: Value) -> Value {
    let Value::Object(arguments) = arguments else {
        panic!("object")
    };
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true), "{tool}: {result:?}");
    result.structured_content.unwrap()
}

async fn wait_healthy(port: u16, child: &mut tokio::process::Child) {
    let http = reqwest::Client::new();
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited early: {status}");
        }
        if http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|response| response.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server never became healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_from_the_simulator_become_history_without_nangos_logs() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    sim.set_logs_enabled(false);
    let home = history_common::TempDir::new("e2e");
    let database_url = nango_history::sqlite_url(&home.0.join("history.sqlite3"));
    let port = common::unused_loopback_addr().port();

    let mut server = base_command(&sim, &database_url, &home.0)
        .args(["--http", &format!("127.0.0.1:{port}")])
        .env("NANGO_WEBHOOK_SIGNING_KEY", SIGNING_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(port, &mut server).await;

    let target = WebhookTarget {
        url: format!("http://127.0.0.1:{port}/webhooks/nango"),
        signing_key: SIGNING_KEY.to_owned(),
        environment: "default".to_owned(),
    };
    let bodies = history(&sim.dataset(), "default", &["conn-123", "conn-xyz"]);
    assert!(bodies.len() > 10, "the simulator has a history to send");
    let report = send(&target, bodies.clone()).await;
    assert_eq!(report.refused, 0);
    assert_eq!(report.delivered, bodies.len());
    // A forger without the key is refused.
    let forged = send(
        &WebhookTarget {
            signing_key: "not-the-key".to_owned(),
            ..target.clone()
        },
        bodies[..1].to_vec(),
    )
    .await;
    assert_eq!(forged.refused, 1);

    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("http://127.0.0.1:{port}/mcp"));
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let runs = call(
        &client,
        "list_sync_runs",
        json!({"connection_id": "conn-123", "sync": "deals", "limit": 5, "hours": 360}),
    )
    .await;
    assert_eq!(runs["source"], "webhooks", "{runs}");
    let window = chrono::Utc::now() - chrono::Duration::hours(360);
    let newest = sim
        .dataset()
        .sync_runs("conn-123", "deals")
        .into_iter()
        .filter(|run| run.ended_at.is_some() && run.started_at > window)
        .map(|run| run.started_at)
        .max()
        .unwrap();
    let listed = runs["runs"].as_array().unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|run| run["source"] == "webhook"));
    let times: Vec<chrono::DateTime<chrono::Utc>> = listed
        .iter()
        .map(|run| run["started_at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first: {times:?}"
    );
    assert_eq!(
        times[0].timestamp_millis(),
        newest.timestamp_millis(),
        "the newest run is the simulator's newest"
    );
    let failed = listed.iter().filter(|run| run["state"] == "failed").count();
    assert_eq!(runs["summary"]["failed"], failed);
    assert!(
        runs["next_cursor"].is_string(),
        "more than 5 runs: a cursor"
    );
    let older = call(
        &client,
        "list_sync_runs",
        json!({"connection_id": "conn-123", "sync": "deals", "limit": 5, "hours": 360, "cursor": runs["next_cursor"]}),
    )
    .await;
    let older_first: chrono::DateTime<chrono::Utc> = older["runs"][0]["started_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(older_first <= times[4], "the next page is older");
    assert_ne!(older["runs"][0]["id"], listed[4]["id"]);

    // conn-xyz's refresh failed: broken since the time the webhook arrived.
    let connection = call(
        &client,
        "get_connection",
        json!({"connection_id": "conn-xyz"}),
    )
    .await;
    assert!(connection["broken_since"].is_string(), "{connection}");
    let audit = call(&client, "audit_connections", json!({"changed_since": "1h"})).await;
    let broke: Vec<&str> = audit["changes"]["broke"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["connection_id"].as_str().unwrap())
        .collect();
    assert_eq!(broke, ["conn-xyz"]);
    let finding = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["connection_id"] == "conn-xyz")
        .unwrap();
    assert_eq!(finding["since"], connection["broken_since"]);
    let _ = client.cancel().await;
    server.kill().await.unwrap();

    // A restart later, a stdio server reads the same file.
    let command = base_command(&sim, &database_url, &home.0);
    let stdio = common::Harness::spawn(sim, command).await;
    let (again, _) = stdio
        .ok(
            "list_sync_runs",
            json!({"connection_id": "conn-123", "sync": "deals", "limit": 5, "hours": 360}),
        )
        .await;
    assert_eq!(again["runs"], runs["runs"]);
    stdio.stop().await;
}
