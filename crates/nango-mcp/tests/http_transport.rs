//! The Streamable HTTP transport end to end: a tiny MCP server behind `transport::http`, driven by
//! rmcp's own client and by raw HTTP requests. Every server listens on 127.0.0.1, port 0.

#![cfg(test)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::request::Parts;
use futures::future::BoxFuture;
use nango_mcp::transport::http::{self, AuthToken, HttpError, HttpSettings, RunningHttp};
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{
    CallToolRequestParams, ProgressNotificationParam, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, RoleServer, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

const TOKEN: &str = "test-token-3f9a1c7e";
const PROTOCOL: &str = "2025-06-18";
/// Turns a hang (a broken limiter or gate) into a failure; never reached when things work.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// Lets a test hold a `gated` call in flight until it says so, and see when it started.
#[derive(Clone)]
struct Gate {
    entered: Arc<watch::Sender<usize>>,
    open: Arc<watch::Sender<bool>>,
}

impl Gate {
    fn new() -> Self {
        Self {
            entered: Arc::new(watch::channel(0).0),
            open: Arc::new(watch::channel(false).0),
        }
    }

    async fn wait_until_entered(&self, calls: usize) {
        let mut entered = self.entered.subscribe();
        let entered = entered.wait_for(|count| *count >= calls);
        tokio::time::timeout(HANG_GUARD, entered)
            .await
            .expect("the gated calls never started")
            .unwrap();
    }

    fn release(&self) {
        self.open.send_replace(true);
    }
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    text: String,
}

#[derive(Clone)]
struct TestServer {
    #[allow(dead_code)]
    tool_router: ToolRouter<Self>,
    gate: Gate,
}

#[tool_router]
impl TestServer {
    fn new(gate: Gate) -> Self {
        Self {
            tool_router: Self::tool_router(),
            gate,
        }
    }

    #[tool(description = "Returns its text")]
    async fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(description = "Sleeps 300 ms")]
    async fn slow(&self) -> String {
        self.gate.entered.send_modify(|count| *count += 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        "slept 300 ms".into()
    }

    #[tool(description = "Reports progress, then returns")]
    async fn progress(&self, context: RequestContext<RoleServer>) -> String {
        if let Some(token) = context.meta.get_progress_token() {
            let _ = context
                .peer
                .notify_progress(ProgressNotificationParam::new(token, 50.0))
                .await;
        }
        "progressed".into()
    }

    #[tool(description = "Tells whether the Authorization header reached the handler")]
    async fn sees_authorization(&self, Extension(parts): Extension<Parts>) -> String {
        parts.headers.contains_key("authorization").to_string()
    }

    #[tool(description = "Waits until the test opens the gate")]
    async fn gated(&self) -> String {
        self.gate.entered.send_modify(|count| *count += 1);
        let mut open = self.gate.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
        "gate opened".into()
    }
}

#[tool_handler]
impl ServerHandler for TestServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

fn always_ready() -> BoxFuture<'static, Result<(), String>> {
    Box::pin(async { Ok(()) })
}

fn loopback_settings() -> HttpSettings {
    HttpSettings::new(SocketAddr::from(([127, 0, 0, 1], 0)))
}

fn token_settings() -> HttpSettings {
    loopback_settings().with_auth_token(Some(AuthToken::new(TOKEN).unwrap()))
}

async fn start(settings: HttpSettings, gate: &Gate) -> RunningHttp {
    let gate = gate.clone();
    http::bind(
        settings,
        move || TestServer::new(gate.clone()),
        always_ready,
    )
    .await
    .unwrap()
}

fn mcp_url(server: &RunningHttp) -> String {
    format!("http://{}/mcp", server.local_addr())
}

async fn mcp_client(server: &RunningHttp, token: Option<&str>) -> RunningService<RoleClient, ()> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(mcp_url(server));
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

async fn call_text(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> String {
    let mut params = CallToolRequestParams::new(tool.to_string());
    if let Value::Object(args) = args {
        params = params.with_arguments(args);
    }
    let result = client.call_tool(params).await.unwrap();
    let result = serde_json::to_value(result).unwrap();
    assert_ne!(result["isError"], true, "{result}");
    result["content"][0]["text"].as_str().unwrap().to_string()
}

fn tools_call(id: u64, tool: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": args}})
    .to_string()
}

/// A bare MCP POST as any HTTP client would send it; callers add auth, Host, Origin.
fn mcp_post(http: &reqwest::Client, server: &RunningHttp, body: String) -> reqwest::RequestBuilder {
    http.post(mcp_url(server))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", PROTOCOL)
        .body(body)
}

async fn json_body(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a refusal: the status, and the JSON envelope's stable reason.
async fn assert_refused(response: reqwest::Response, status: u16, reason: &str) {
    assert_eq!(response.status().as_u16(), status);
    let body = json_body(response).await;
    assert_eq!(body["error"]["data"]["reason"], reason, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn rmcp_client_with_the_right_token_lists_and_calls_tools() {
    let server = start(token_settings(), &Gate::new()).await;
    let client = mcp_client(&server, Some(TOKEN)).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    assert!(names.contains(&"echo"), "{names:?}");
    assert_eq!(
        call_text(&client, "echo", json!({"text": "hello"})).await,
        "hello"
    );
    assert_eq!(
        call_text(&client, "sees_authorization", json!({})).await,
        "false",
        "the token must not reach tool handlers"
    );
    client.cancel().await.unwrap();
    server.shutdown();
    server.wait().await.unwrap();
}

#[tokio::test]
async fn missing_or_wrong_token_gets_401_with_a_bearer_challenge() {
    let server = start(token_settings(), &Gate::new()).await;
    let http = reqwest::Client::new();
    let body = || tools_call(1, "echo", json!({"text": "x"}));

    let missing = mcp_post(&http, &server, body()).send().await.unwrap();
    let challenge = missing.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert_refused(missing, 401, "unauthorized").await;

    let wrong = mcp_post(&http, &server, body())
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    let challenge = wrong.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert_refused(wrong, 401, "unauthorized").await;

    let prefix = mcp_post(&http, &server, body())
        .bearer_auth(&TOKEN[..TOKEN.len() - 1])
        .send()
        .await
        .unwrap();
    assert_eq!(
        prefix.status(),
        401,
        "a prefix of the token is not the token"
    );

    let right = mcp_post(&http, &server, body())
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let reply = json_body(right).await;
    assert_eq!(reply["result"]["content"][0]["text"], "x", "{reply}");

    // rmcp's own client cannot even initialise with a wrong token.
    let config =
        StreamableHttpClientTransportConfig::with_uri(mcp_url(&server)).auth_header("nope");
    assert!(
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn healthz_is_open_and_readyz_reports_the_upstream() {
    let probes = Arc::new(AtomicUsize::new(0));
    let readiness = {
        let probes = Arc::clone(&probes);
        move || -> BoxFuture<'static, Result<(), String>> {
            probes.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Err("Nango answered 503".to_string()) })
        }
    };
    let gate = Gate::new();
    let down = http::bind(
        token_settings(),
        move || TestServer::new(gate.clone()),
        readiness,
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{}", down.local_addr());

    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "no token needed");
    assert_eq!(json_body(health).await["status"], "ok");
    assert_eq!(
        probes.load(Ordering::SeqCst),
        0,
        "/healthz must not touch upstream"
    );

    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body = json_body(ready).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["reason"], "Nango answered 503");
    assert_eq!(probes.load(Ordering::SeqCst), 1);

    let up = start(token_settings(), &Gate::new()).await;
    let ready = http
        .get(format!("http://{}/readyz", up.local_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(json_body(ready).await["status"], "ready");

    let unknown = http.get(format!("{base}/nope")).send().await.unwrap();
    assert_refused(unknown, 404, "not_found").await;
}

#[tokio::test]
async fn foreign_host_header_is_refused_with_403() {
    let server = start(loopback_settings(), &Gate::new()).await;
    let http = reqwest::Client::new();
    let port = server.local_addr().port();
    let body = || tools_call(1, "echo", json!({"text": "x"}));

    for host in ["evil.example", "evil.example:80", "127.0.0.1.evil.example"] {
        let response = mcp_post(&http, &server, body())
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_refused(response, 403, "host_not_allowed").await;
    }
    let readyz = http
        .get(format!("http://{}/readyz", server.local_addr()))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_refused(readyz, 403, "host_not_allowed").await;

    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let response = mcp_post(&http, &server, body())
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{host}");
    }
}

#[tokio::test]
async fn foreign_origin_is_refused_but_loopback_and_absent_origins_pass() {
    let server = start(loopback_settings(), &Gate::new()).await;
    let http = reqwest::Client::new();
    let body = || tools_call(1, "echo", json!({"text": "x"}));

    for origin in ["http://evil.example", "https://evil.example:443", "null"] {
        let response = mcp_post(&http, &server, body())
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_refused(response, 403, "origin_not_allowed").await;
    }
    for origin in ["http://localhost:6274", "http://127.0.0.1:3000"] {
        let response = mcp_post(&http, &server, body())
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{origin}");
    }
    let no_origin = mcp_post(&http, &server, body()).send().await.unwrap();
    assert_eq!(no_origin.status(), 200);

    let mut custom = loopback_settings();
    custom.allowed_origins = vec!["https://app.example".into()];
    let custom = start(custom, &Gate::new()).await;
    let allowed = mcp_post(&http, &custom, body())
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let loopback = mcp_post(&http, &custom, body())
        .header("origin", "http://localhost:1")
        .send()
        .await
        .unwrap();
    assert_refused(loopback, 403, "origin_not_allowed").await;
}

/// What the MCP conformance suite's `dns-rebinding-protection` scenario sends.
#[tokio::test]
async fn conformance_dns_rebinding_probe_passes() {
    let server = start(loopback_settings(), &Gate::new()).await;
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "conformance-dns-rebinding-test", "version": "1.0.0"}}})
    .to_string();
    let probe = |host: String| {
        mcp_post(&http, &server, initialize.clone())
            .header("host", &host)
            .header("origin", format!("http://{host}"))
    };

    let attacker = probe("evil.example.com".into()).send().await.unwrap();
    assert!(attacker.status().is_client_error(), "{}", attacker.status());

    let valid_host = server.local_addr().to_string();
    let accepted = probe(valid_host.clone()).send().await.unwrap();
    assert!(accepted.status().is_success(), "{}", accepted.status());
    assert!(
        accepted.headers().get("mcp-session-id").is_none(),
        "stateless: no session"
    );
    let body = json_body(accepted).await;
    assert!(body["result"]["protocolVersion"].is_string(), "{body}");

    let initialized = mcp_post(
        &http,
        &server,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .header("host", &valid_host)
    .header("origin", format!("http://{valid_host}"))
    .send()
    .await
    .unwrap();
    assert!(
        initialized.status().is_success(),
        "{}",
        initialized.status()
    );
}

#[tokio::test]
async fn oversized_bodies_get_413_whether_announced_or_chunked() {
    let mut settings = loopback_settings();
    settings.max_body_bytes = 64 * 1024;
    let server = start(settings, &Gate::new()).await;
    let http = reqwest::Client::new();

    let padding = "x".repeat(2 * 1024 * 1024);
    let announced = mcp_post(
        &http,
        &server,
        tools_call(1, "echo", json!({"text": padding})),
    )
    .send()
    .await
    .unwrap();
    assert_refused(announced, 413, "body_too_large").await;

    let chunked = raw_chunked_post(server.local_addr(), 256 * 1024).await;
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
    assert!(chunked.contains("body_too_large"), "{chunked}");

    let fits = "y".repeat(32 * 1024);
    let small = mcp_post(
        &http,
        &server,
        tools_call(2, "echo", json!({"text": fits.clone()})),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(small.status(), 200);
    assert_eq!(
        json_body(small).await["result"]["content"][0]["text"],
        fits.as_str()
    );
}

/// Sends `total` bytes as a chunked body (no Content-Length) and returns the raw response.
async fn raw_chunked_post(addr: SocketAddr, total: usize) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 16 * 1024];
    for _ in 0..total / chunk.len() {
        // The server may answer and stop reading early; a failed write is fine then.
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn a_hundred_parallel_calls_from_several_clients_all_succeed() {
    let server = start(token_settings(), &Gate::new()).await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(Arc::new(mcp_client(&server, Some(TOKEN)).await));
    }
    let calls = (0..100).map(|index| {
        let client = Arc::clone(&clients[index % clients.len()]);
        async move {
            let text = format!("call-{index}");
            let echoed = call_text(&client, "echo", json!({"text": text.clone()})).await;
            assert_eq!(echoed, text);
        }
    });
    futures::future::join_all(calls).await;
    server.shutdown();
    server.wait().await.unwrap();
}

#[tokio::test]
async fn a_client_over_its_limit_is_queued_then_refused_with_429() {
    let mut settings = loopback_settings();
    settings.max_concurrent_per_client = 1;
    settings.max_queued_per_client = 1;
    let gate = Gate::new();
    let server = start(settings, &gate).await;
    let http = reqwest::Client::new();

    let holder = tokio::spawn(mcp_post(&http, &server, tools_call(1, "gated", json!({}))).send());
    gate.wait_until_entered(1).await;

    // One of these waits behind the gated call; the other finds the queue full.
    let first =
        tokio::spawn(mcp_post(&http, &server, tools_call(2, "echo", json!({"text": "a"}))).send());
    let second =
        tokio::spawn(mcp_post(&http, &server, tools_call(3, "echo", json!({"text": "b"}))).send());
    let either = tokio::time::timeout(HANG_GUARD, futures::future::select(first, second));
    let (refused, queued) = match either.await.expect("one request must be refused at once") {
        futures::future::Either::Left((done, waiting)) => (done, waiting),
        futures::future::Either::Right((done, waiting)) => (done, waiting),
    };
    let refused = refused.unwrap().unwrap();
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_refused(refused, 429, "too_many_requests").await;

    // Another client (another source address) is not held back by this one.
    let other = reqwest::Client::builder()
        .local_address(Some([127, 0, 0, 2].into()))
        .build()
        .unwrap();
    let independent = mcp_post(&other, &server, tools_call(4, "echo", json!({"text": "c"})))
        .send()
        .await
        .unwrap();
    assert_eq!(independent.status(), 200);

    gate.release();
    assert_eq!(holder.await.unwrap().unwrap().status(), 200);
    assert_eq!(queued.await.unwrap().unwrap().status(), 200);
}

/// A tool that sends a notification first is answered as an SSE stream; its slot must be given
/// back when the stream ends, or the client would lock itself out.
#[tokio::test]
async fn a_streamed_reply_gives_its_slot_back_when_it_ends() {
    let mut settings = loopback_settings();
    settings.max_concurrent_per_client = 1;
    settings.max_queued_per_client = 0;
    let server = start(settings, &Gate::new()).await;
    let http = reqwest::Client::new();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "progress", "arguments": {}, "_meta": {"progressToken": "p-1"}}})
    .to_string();

    let streamed = mcp_post(&http, &server, body).send().await.unwrap();
    assert_eq!(streamed.status(), 200);
    let content_type = streamed.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let events = streamed.text().await.unwrap();
    assert!(events.contains("notifications/progress"), "{events}");
    assert!(events.contains("progressed"), "{events}");

    let next = mcp_post(
        &http,
        &server,
        tools_call(2, "echo", json!({"text": "after"})),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        next.status(),
        200,
        "the streamed call's slot was not released"
    );
}

#[tokio::test]
async fn waiting_longer_than_the_queue_timeout_gets_429() {
    let mut settings = loopback_settings();
    settings.max_concurrent_per_client = 1;
    settings.queue_timeout = Duration::from_millis(50);
    let gate = Gate::new();
    let server = start(settings, &gate).await;
    let http = reqwest::Client::new();

    let holder = tokio::spawn(mcp_post(&http, &server, tools_call(1, "gated", json!({}))).send());
    gate.wait_until_entered(1).await;
    let waited = mcp_post(&http, &server, tools_call(2, "echo", json!({"text": "a"})))
        .send()
        .await
        .unwrap();
    assert_eq!(waited.headers()["retry-after"], "1");
    assert_refused(waited, 429, "server_busy").await;
    gate.release();
    assert_eq!(holder.await.unwrap().unwrap().status(), 200);
}

#[tokio::test]
async fn shutdown_finishes_the_call_in_flight_and_refuses_new_connections() {
    let gate = Gate::new();
    let server = start(token_settings(), &gate).await;
    let addr = server.local_addr();
    let client = mcp_client(&server, Some(TOKEN)).await;
    let in_flight = tokio::spawn(async move { call_text(&client, "gated", json!({})).await });
    gate.wait_until_entered(1).await;

    server.shutdown();
    wait_until_refused(addr).await;
    assert!(
        !in_flight.is_finished(),
        "the gated call cannot have finished yet"
    );

    gate.release();
    assert_eq!(in_flight.await.unwrap(), "gate opened");
    server.wait().await.unwrap();
}

#[tokio::test]
async fn a_slow_call_completes_across_shutdown() {
    let gate = Gate::new();
    let server = start(loopback_settings(), &gate).await;
    let client = mcp_client(&server, None).await;
    let in_flight = tokio::spawn(async move { call_text(&client, "slow", json!({})).await });
    gate.wait_until_entered(1).await;
    server.shutdown();
    assert_eq!(in_flight.await.unwrap(), "slept 300 ms");
    server.wait().await.unwrap();
}

#[tokio::test]
async fn calls_outliving_the_grace_period_are_cancelled() {
    let mut settings = loopback_settings();
    settings.shutdown_grace = Duration::from_millis(50);
    let gate = Gate::new();
    let server = start(settings, &gate).await;
    let http = reqwest::Client::new();
    let stuck = tokio::spawn(mcp_post(&http, &server, tools_call(1, "gated", json!({}))).send());
    gate.wait_until_entered(1).await;

    server.shutdown();
    server.wait().await.unwrap();
    // The gate never opened, so the call cannot have succeeded.
    // An error (the connection went away) is also not a success.
    if let Ok(response) = stuck.await.unwrap() {
        assert!(!response.status().is_success(), "{}", response.status());
    }
}

/// Polls until connecting fails; the listener closes asynchronously after `shutdown`.
async fn wait_until_refused(addr: SocketAddr) {
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{addr} still accepts connections after shutdown");
}

#[tokio::test]
async fn reachable_bind_without_token_is_refused_before_listening() {
    let settings = HttpSettings::new(SocketAddr::from(([0, 0, 0, 0], 0)));
    let error = http::bind(settings, || TestServer::new(Gate::new()), always_ready)
        .await
        .unwrap_err();
    assert!(matches!(error, HttpError::InsecureBind { .. }), "{error:?}");
    assert!(
        error.to_string().contains("NANGO_MCP_AUTH_TOKEN"),
        "{error}"
    );

    assert!(http::is_loopback(SocketAddr::from(([127, 0, 0, 1], 8080))));
    assert!(!http::is_loopback(SocketAddr::from(([0, 0, 0, 0], 8080))));
}

/// Issue 24: a browser host on an allowed origin must pass a preflight before its first POST
/// (`OPTIONS /mcp` was 405). Allowed origins get CORS answers, without a token (browsers send
/// preflights without credentials) but never with cookies; other origins get none, and the
/// POST itself still needs the token.
#[tokio::test]
async fn allowed_origins_get_cors_answers_and_others_do_not() {
    let mut settings = token_settings();
    settings.allowed_origins = vec!["https://host.example".into()];
    let server = start(settings, &Gate::new()).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, mcp_url(&server))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, mcp-protocol-version",
            )
            .send()
    };
    let allowed = preflight("https://host.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        "https://host.example"
    );
    assert!(header(&allowed, "access-control-allow-methods").contains("post"));
    for name in ["authorization", "content-type", "mcp-protocol-version"] {
        assert!(
            header(&allowed, "access-control-allow-headers").contains(name),
            "{name}"
        );
    }
    assert!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );

    let foreign = preflight("https://evil.example").await.unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // The real request: CORS headers on the answer, and still no way in without the token.
    let unauthenticated = mcp_post(&http, &server, tools_call(1, "echo", json!({"text": "x"})))
        .header("origin", "https://host.example")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(
        header(&unauthenticated, "access-control-allow-origin"),
        "https://host.example"
    );
    assert!(header(&unauthenticated, "access-control-expose-headers").contains("www-authenticate"));
    let authenticated = mcp_post(&http, &server, tools_call(2, "echo", json!({"text": "x"})))
        .header("origin", "https://host.example")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(authenticated.status(), 200);

    // An operator who allows no browser origin gets no CORS at all.
    let mut closed = token_settings();
    closed.allowed_origins = Vec::new();
    let closed = start(closed, &Gate::new()).await;
    let answer = http
        .request(reqwest::Method::OPTIONS, mcp_url(&closed))
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        answer
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
