//! Three real replicas (`nango-mcp --http`, one confirmation secret, one Valkey/Redis) against
//! the simulator, with a real `redis-server` the test starts and stops: a confirmation code is
//! spent once across all replicas, and while the store is down reads go on, confirmations are
//! refused without writing, and writes work again once it is back, without a restart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::{
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use nango_sim::{Sim, SimConfig};
use nango_state::testing::RedisServer;
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};

const TOKEN: &str = "e2e-replicas-token-7d2e4a90";
const SECRET: &str = "e2e-replicas-confirm-secret";
const HANG_GUARD: Duration = Duration::from_secs(60);
const STORE_DOWN: &str = "single use cannot be guaranteed while the shared store is unreachable";

/// One replica: the binary serving HTTP on its own port, with its MCP client.
struct Replica {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
    client: Option<RunningService<RoleClient, ()>>,
}

impl Replica {
    async fn start(sim: &Sim, redis_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
        command
            .args(["--http", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NANGO_SECRET_KEY", sim.secret_key())
            .env("NANGO_HOST", sim.base_url())
            .env(
                "NANGO_MANAGEMENT_MCP_URL",
                format!("{}/mcp", sim.base_url()),
            )
            .env("NANGO_MCP_AUTH_TOKEN", TOKEN)
            .env("NANGO_MCP_ALLOW_WRITES", "true")
            .env("NANGO_MCP_CONFIRM_SECRET", SECRET)
            .env("NANGO_MCP_REDIS_URL", redis_url)
            .env("NANGO_MCP_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("binary spawns");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let mut replica = Self {
            child,
            port,
            stderr,
            client: None,
        };
        replica.wait_until_ready(200).await;
        let config =
            StreamableHttpClientTransportConfig::with_uri(format!("http://127.0.0.1:{port}/mcp"))
                .auth_header(TOKEN);
        replica.client = Some(
            ().serve(StreamableHttpClientTransport::from_config(config))
                .await
                .expect("MCP handshake over HTTP"),
        );
        replica
    }

    async fn readyz(&self) -> Option<u16> {
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        let response = reqwest::get(&url).await.ok()?;
        Some(response.status().as_u16())
    }

    /// Waits until `/readyz` answers `status`.
    async fn wait_until_ready(&mut self, status: u16) {
        let deadline = tokio::time::Instant::now() + HANG_GUARD;
        while tokio::time::Instant::now() < deadline {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("replica exited ({exit}):\n{}", self.stderr());
            }
            if self.readyz().await == Some(status) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("/readyz never answered {status}:\n{}", self.stderr());
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object")
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        let client = self.client.as_ref().expect("connected");
        tokio::time::timeout(HANG_GUARD, client.call_tool(params))
            .await
            .expect("the call hung")
            .expect("the call was answered")
    }

    async fn ok(&self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments).await;
        assert_ne!(result.is_error, Some(true), "{tool} failed: {result:?}");
        result.structured_content.expect("structured content")
    }

    async fn err(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments).await;
        let text = text_of(&result);
        assert_eq!(result.is_error, Some(true), "{tool} should fail: {text}");
        text
    }
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn deals_123() -> Value {
    json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"})
}

fn with_code(code: &str) -> Value {
    let mut arguments = deals_123();
    arguments["confirmation"] = json!(code);
    arguments
}

/// Writes that reached the simulator (its own MCP endpoint aside).
fn writes(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|request| request.method == "POST" && !request.path.starts_with("/mcp"))
        .count()
}

async fn preview_code(replica: &Replica) -> String {
    let preview = replica.ok("pause_sync", deals_123()).await;
    assert_eq!(preview["status"], "preview", "{preview}");
    preview["confirmation"].as_str().unwrap().to_owned()
}

async fn start_three(sim: &Sim, redis: &RedisServer) -> [Replica; 3] {
    let url = redis.url();
    let (a, b, c) = tokio::join!(
        Replica::start(sim, &url),
        Replica::start(sim, &url),
        Replica::start(sim, &url),
    );
    [a, b, c]
}

#[tokio::test]
async fn a_code_previewed_on_one_replica_is_spent_once_across_all() {
    let redis = RedisServer::start().expect("redis-server (Debian's package) starts");
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let [a, b, c] = start_three(&sim, &redis).await;

    let code = preview_code(&a).await;
    assert_eq!(writes(&sim), 0, "a preview writes nothing");
    let done = b.ok("pause_sync", with_code(&code)).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(writes(&sim), 1);
    for replica in [&c, &a, &b] {
        let replay = replica.err("pause_sync", with_code(&code)).await;
        assert!(replay.contains("already used"), "{replay}");
    }
    assert_eq!(writes(&sim), 1, "written once, whichever replica is asked");

    // Two replicas racing to confirm one code: one wins.
    let code = preview_code(&c).await;
    let (first, second) = tokio::join!(
        a.call("pause_sync", with_code(&code)),
        b.call("pause_sync", with_code(&code)),
    );
    let failures = [&first, &second]
        .iter()
        .filter(|result| result.is_error == Some(true))
        .count();
    assert_eq!(failures, 1, "{first:?}\n{second:?}");
    assert_eq!(writes(&sim), 2);

    for replica in [&a, &b, &c] {
        let log = replica.stderr();
        assert!(!log.contains(&code), "the code is never logged");
        assert!(!log.contains(&redis.url()), "the store URL is not logged");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn with_the_store_down_reads_go_on_and_writes_refuse_until_it_is_back() {
    let mut redis = RedisServer::start().expect("redis-server (Debian's package) starts");
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let [mut a, mut b, mut c] = start_three(&sim, &redis).await;
    let code = preview_code(&a).await;

    redis.stop();
    a.wait_until_ready(503).await;
    b.wait_until_ready(503).await;
    let reason: Value = reqwest::get(format!("http://127.0.0.1:{}/readyz", c.port))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        reason["reason"].as_str().unwrap().contains("shared store"),
        "{reason}"
    );
    // Reads: the rate gate and the cache need no store.
    for replica in [&a, &b, &c] {
        let connections = replica.ok("list_connections", json!({})).await;
        assert_eq!(connections["total"], sim.dataset().connections.len());
    }
    // Previews need no store either; confirmations do.
    let second_code = preview_code(&c).await;
    let refused = b.err("pause_sync", with_code(&code)).await;
    assert!(refused.contains(STORE_DOWN), "{refused}");
    let refused = a.err("pause_sync", with_code(&second_code)).await;
    assert!(refused.contains(STORE_DOWN), "{refused}");
    assert_eq!(writes(&sim), 0, "nothing written while the store is down");

    redis.restart().unwrap();
    for replica in [&mut a, &mut b, &mut c] {
        replica.wait_until_ready(200).await;
    }
    // The refused code was not spent: it works now, once.
    let done = b.ok("pause_sync", with_code(&code)).await;
    assert_eq!(done["status"], "done", "{done}");
    let replay = c.err("pause_sync", with_code(&code)).await;
    assert!(replay.contains("already used"), "{replay}");
    assert_eq!(writes(&sim), 1);
    sim.shutdown().await;
}
