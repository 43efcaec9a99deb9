//! The real binary serving Streamable HTTP (`--http`), driven by rmcp's HTTP client and raw
//! requests against a simulator: bearer auth, the refusal to expose an unauthenticated server,
//! and graceful shutdown on SIGTERM while a call is in flight.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::{
    process::{ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use nango_sim::{Faults, Sim, SimConfig};
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

const TOKEN: &str = "e2e-http-token-5b7c9d1f";
/// Turns a hang into a failure; never reached when things work (debug build, busy machine).
const HANG_GUARD: Duration = Duration::from_secs(60);
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}"#;

/// The binary serving HTTP on a port picked for it, with its stderr captured.
struct HttpServer {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl HttpServer {
    /// Starts `nango-mcp --http <bind>` against `sim`; `bind` holds `{port}`, replaced by a free port.
    async fn spawn(sim: &Sim, bind: &str, token: Option<&str>) -> Self {
        let port = free_port();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
        command
            .arg("--http")
            .arg(bind.replace("{port}", &port.to_string()))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NANGO_SECRET_KEY", sim.secret_key())
            .env("NANGO_HOST", sim.base_url())
            .env("NANGO_MCP_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(token) = token {
            command.env("NANGO_MCP_AUTH_TOKEN", token);
        }
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
        Self {
            child,
            port,
            stderr,
        }
    }

    /// Starts on loopback and waits until `/healthz` answers.
    async fn start(sim: &Sim, token: Option<&str>) -> Self {
        let mut server = Self::spawn(sim, "127.0.0.1:{port}", token).await;
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let deadline = tokio::time::Instant::now() + HANG_GUARD;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("server exited early ({status}):\n{}", self.stderr());
            }
            if let Ok(response) = http.get(&url).send().await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server never became healthy:\n{}", self.stderr());
    }

    fn mcp_url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    async fn client(&self, token: &str) -> RunningService<RoleClient, ()> {
        let config =
            StreamableHttpClientTransportConfig::with_uri(self.mcp_url()).auth_header(token);
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("MCP handshake over HTTP")
    }

    /// Sends SIGTERM the way an orchestrator would (no libc binding needed).
    fn terminate(&self) {
        let pid = self.child.id().expect("server still running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM {pid} failed");
    }

    async fn wait_for_exit(&mut self) -> ExitStatus {
        tokio::time::timeout(HANG_GUARD, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("server did not exit:\n{}", self.stderr()))
            .unwrap()
    }

    /// SIGTERM, then the exit status; a clean stop is part of every test's contract.
    async fn stop(mut self) {
        self.terminate();
        let status = self.wait_for_exit().await;
        assert!(status.success(), "exit {status}:\n{}", self.stderr());
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn call_params(tool: &str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)
}

fn structured(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "tool failed: {result:?}");
    result
        .structured_content
        .clone()
        .expect("structured content")
}

#[tokio::test]
async fn token_holder_lists_tools_and_reads_connections_from_nango() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let server = HttpServer::start(&sim, Some(TOKEN)).await;
    let client = server.client(TOKEN).await;

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 10, "{tools:?}");
    assert!(tools.iter().any(|tool| tool.name == "list_connections"));

    let before = sim.request_count();
    let result = client
        .call_tool(call_params("list_connections", json!({})))
        .await
        .unwrap();
    let answer = structured(&result);
    assert_eq!(answer["total"], sim.dataset().connections.len());
    assert!(
        sim.request_count() > before,
        "the call must reach the simulator"
    );
    assert!(
        sim.requests()
            .iter()
            .any(|request| request.path.starts_with("/connection")),
        "{:?}",
        sim.requests()
    );

    let _ = client.cancel().await;
    server.stop().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn requests_without_the_right_token_get_401() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let server = HttpServer::start(&sim, Some(TOKEN)).await;
    let http = reqwest::Client::new();
    let post = |authorization: Option<&str>| {
        let mut request = http
            .post(server.mcp_url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(INITIALIZE);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };

    let missing = post(None).await.unwrap();
    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["data"]["reason"], "unauthorized", "{body}");
    let wrong = post(Some("Bearer not-the-token")).await.unwrap();
    assert_eq!(wrong.status(), 401);
    // The same request with the token gets in, so the 401s were about the token alone.
    let right = post(Some(&format!("Bearer {TOKEN}"))).await.unwrap();
    assert_eq!(right.status(), 200, "{}", right.text().await.unwrap());

    server.stop().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn reachable_bind_without_a_token_refuses_to_start() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let mut server = HttpServer::spawn(&sim, "0.0.0.0:{port}", None).await;
    let status = server.wait_for_exit().await;
    let stderr = server.stderr();
    assert!(!status.success(), "it must refuse to serve: {stderr}");
    assert!(
        stderr.contains("NANGO_MCP_AUTH_TOKEN"),
        "the message names the fix: {stderr}"
    );
    assert_eq!(sim.request_count(), 0, "nothing reached Nango");
    sim.shutdown().await;
}

#[tokio::test]
async fn sigterm_lets_the_call_in_flight_finish_then_exits_zero() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let mut server = HttpServer::start(&sim, Some(TOKEN)).await;
    let client = server.client(TOKEN).await;
    sim.set_faults(Faults {
        latency: Duration::from_secs(1),
        ..Faults::none()
    });

    let before = sim.request_count();
    let peer = client.peer().clone();
    let call = tokio::spawn(async move {
        peer.call_tool(call_params("list_integrations", json!({})))
            .await
    });
    // The simulator logs a request before sleeping, so this means the call is in flight.
    tokio::time::timeout(HANG_GUARD, async {
        while sim.request_count() == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the call never reached the simulator");
    server.terminate();

    let result = tokio::time::timeout(HANG_GUARD, call)
        .await
        .expect("the call never finished")
        .unwrap()
        .expect("the call in flight gets its answer despite the shutdown");
    let answer = structured(&result);
    assert_eq!(answer["total"], sim.dataset().integrations.len());
    let status = server.wait_for_exit().await;
    assert!(status.success(), "exit {status}:\n{}", server.stderr());
    assert!(
        server.stderr().contains("SIGTERM"),
        "the shutdown is logged: {}",
        server.stderr()
    );

    let _ = client.cancel().await;
    sim.shutdown().await;
}
