//! Sign-in with OAuth end to end: the real binary (`--http`, `--oauth-issuer`) against the
//! simulator and a stand-in authorization server (tests/oauth_support) whose keys the tests sign
//! with. Every refusal the MCP authorization spec and RFC 8707 ask for, the write scope, codes
//! bound to their caller, static tokens beside OAuth, the JWKS cache, and no token in the logs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod oauth_support;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::Algorithm;
use nango_sim::{Sim, SimConfig};
use oauth_support::{
    FOREIGN_ES256, ISSUER_ES256, ISSUER_RS256, ISSUER_RS256_PUBLIC, Issuer, good, now, sign,
    unsigned,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const STATIC_TOKEN: &str = "static-ide-token-7d1e4b2a";
const READ: &str = "nango-mcp:read";
const READ_WRITE: &str = "nango-mcp:read nango-mcp:write";
const HANG_GUARD: Duration = Duration::from_secs(60);
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}"#;

struct Server {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
    sim: Sim,
    issuer: Issuer,
}

impl Server {
    async fn start() -> Self {
        let issuer = Issuer::start().await;
        let sim = Sim::start(SimConfig::demo()).await.unwrap();
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
            .env("NANGO_MCP_OAUTH_ISSUER", issuer.url())
            .env(
                "NANGO_MCP_PUBLIC_URL",
                format!("http://127.0.0.1:{port}/mcp"),
            )
            .env("NANGO_MCP_AUTH_TOKEN", STATIC_TOKEN)
            .env("NANGO_MCP_ALLOW_WRITES", "true")
            .env("NANGO_MCP_CONFIRM_SECRET", "e2e-oauth-confirm-secret")
            // Debug: every line the server could write about a request is checked for tokens.
            .env("NANGO_MCP_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let server = Self {
            child,
            port,
            stderr,
            sim,
            issuer,
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&self) {
        let deadline = tokio::time::Instant::now() + HANG_GUARD;
        while tokio::time::Instant::now() < deadline {
            if let Ok(response) = reqwest::get(self.url("/healthz")).await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never healthy:\n{}", self.stderr());
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn resource(&self) -> String {
        self.url("/mcp")
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn posts(&self) -> usize {
        self.sim
            .state()
            .requests()
            .iter()
            .filter(|request| request.method == "POST" && !request.path.starts_with("/mcp"))
            .count()
    }

    /// A token from the issuer for `sub` with `scope`, for this server.
    fn token(&self, sub: &str, scope: &str) -> String {
        good(&self.issuer.claims(sub, scope, &self.resource()))
    }

    async fn post(&self, bearer: Option<&str>, body: &str) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .post(self.resource())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_owned());
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send().await.unwrap()
    }

    async fn client(&self, bearer: &str) -> RunningService<RoleClient, ()> {
        let config =
            StreamableHttpClientTransportConfig::with_uri(self.resource()).auth_header(bearer);
        tokio::time::timeout(
            HANG_GUARD,
            ().serve(StreamableHttpClientTransport::from_config(config)),
        )
        .await
        .unwrap()
        .expect("MCP handshake with a valid token")
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    arguments: Value,
) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap()
}

fn text(result: &CallToolResult) -> String {
    serde_json::to_string(&result.content).unwrap()
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A log line's `name=value` field, quoted or not (tracing quotes strings with spaces).
fn has_field(line: &str, name: &str, value: &str) -> bool {
    line.contains(&format!("{name}={value}")) || line.contains(&format!("{name}=\"{value}\""))
}

fn assert_no_secret_in(log: &str, secrets: &[&str]) {
    for secret in secrets {
        // The signature part alone is what makes a token usable; look for it too.
        let tail = secret.rsplit('.').next().unwrap_or(secret);
        let leaks: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(secret) || (tail.len() >= 16 && line.contains(tail)))
            .collect();
        assert!(leaks.is_empty(), "a token reached the log: {leaks:#?}");
    }
}

#[tokio::test]
async fn metadata_and_challenges_tell_a_client_where_to_sign_in() {
    let server = Server::start().await;
    let metadata_url = server.url("/.well-known/oauth-protected-resource/mcp");
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let document: Value = reqwest::get(server.url(path))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(document["resource"], server.resource());
        assert_eq!(
            document["authorization_servers"],
            json!([server.issuer.url()])
        );
        assert_eq!(
            document["scopes_supported"],
            json!([READ, "nango-mcp:write"])
        );
        assert_eq!(document["bearer_methods_supported"], json!(["header"]));
        assert!(!document.to_string().contains("offline_access"));
    }
    let refused = server.post(None, INITIALIZE).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        challenge(&refused),
        format!(r#"Bearer resource_metadata="{metadata_url}", scope="{READ}""#)
    );
    server.stop().await;
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_and_none_is_logged() {
    let server = Server::start().await;
    let resource = server.resource();
    let claims = server.issuer.claims("alice", READ, &resource);
    let without = |claim: &str| {
        let mut claims = claims.clone();
        claims.as_object_mut().unwrap().remove(claim);
        claims
    };
    let with = |claim: &str, value: Value| {
        let mut claims = claims.clone();
        claims[claim] = value;
        claims
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "another audience",
            good(&with("aud", json!("https://other.example/mcp"))),
            "another resource",
        ),
        ("no aud", good(&without("aud")), "no audience"),
        ("no exp", good(&without("exp")), "no expiry"),
        (
            "expired",
            good(&with("exp", json!(now() - 3_600))),
            "expired",
        ),
        (
            "not yet valid",
            good(&with("nbf", json!(now() + 3_600))),
            "not valid yet",
        ),
        (
            "another issuer",
            good(&with("iss", json!("https://evil.example"))),
            "another issuer",
        ),
        (
            "a foreign key",
            sign(&claims, FOREIGN_ES256, Algorithm::ES256, "es-1"),
            "signature",
        ),
        (
            "an unknown key id",
            sign(&claims, FOREIGN_ES256, Algorithm::ES256, "mallory"),
            "not signed by a key",
        ),
        ("alg none", unsigned(&claims), "not a JWT"),
        (
            "HS256 keyed with the public key",
            sign(&claims, ISSUER_RS256_PUBLIC, Algorithm::HS256, "rs-1"),
            "HS256",
        ),
        (
            "16 KiB",
            good(&with("padding", json!("x".repeat(16 * 1024)))),
            "longer than 8192 bytes",
        ),
    ];
    let mut tokens = Vec::new();
    for (case, token, reason) in &cases {
        let refused = server.post(Some(token), INITIALIZE).await;
        assert_eq!(refused.status(), 401, "{case}");
        let challenge = challenge(&refused);
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{case}: {challenge}"
        );
        assert!(
            challenge.contains("resource_metadata="),
            "{case}: {challenge}"
        );
        let body = refused.text().await.unwrap();
        assert!(body.contains(reason), "{case}: {body}");
        tokens.push(token.as_str());
    }
    // A valid token in the query string is never read.
    let valid = server.token("alice", READ);
    let in_query = reqwest::Client::new()
        .post(format!("{resource}?access_token={valid}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(INITIALIZE)
        .send()
        .await
        .unwrap();
    assert_eq!(in_query.status(), 401);
    assert!(
        in_query
            .text()
            .await
            .unwrap()
            .contains("never from the URL")
    );
    // The same token in the header works, and RS256 from the issuer too.
    assert_eq!(server.post(Some(&valid), INITIALIZE).await.status(), 200);
    let rs256 = sign(&claims, ISSUER_RS256, Algorithm::RS256, "rs-1");
    assert_eq!(server.post(Some(&rs256), INITIALIZE).await.status(), 200);
    tokens.extend([valid.as_str(), rs256.as_str(), STATIC_TOKEN]);
    assert_no_secret_in(&server.stderr(), &tokens);
    server.stop().await;
}

#[tokio::test]
async fn a_read_only_token_reads_but_cannot_call_a_write_tool() {
    let server = Server::start().await;
    let reader = server.token("rita", READ);
    let client = server.client(&reader).await;
    let listed = call(&client, "list_integrations", json!({})).await;
    assert_ne!(listed.is_error, Some(true), "{}", text(&listed));
    let before = server.posts();
    let write = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"trigger_sync","arguments":{"integration":"hubspot-prod","connection_id":"conn-123","syncs":"deals"}}}"#;
    let refused = server.post(Some(&reader), write).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        challenge(&refused),
        format!(
            r#"Bearer error="insufficient_scope", scope="{READ_WRITE}", resource_metadata="{}""#,
            server.url("/.well-known/oauth-protected-resource/mcp")
        )
    );
    assert_eq!(server.posts(), before, "nothing was written");
    assert!(
        !server.stderr().contains("trigger_sync"),
        "the call never reached the tool"
    );
    // Without even the read scope, nothing is served.
    let nothing = server.token("nobody", "profile");
    assert_eq!(server.post(Some(&nothing), INITIALIZE).await.status(), 403);
    client.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn a_confirmation_code_is_redeemable_only_by_the_caller_who_received_it() {
    let server = Server::start().await;
    let alice = server.client(&server.token("alice", READ_WRITE)).await;
    let bob = server.client(&server.token("bob", READ_WRITE)).await;
    let target =
        json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"});
    let preview = call(&alice, "pause_sync", target.clone()).await;
    let preview = preview.structured_content.unwrap();
    assert_eq!(preview["status"], "preview");
    let code = preview["confirmation"].as_str().unwrap().to_owned();
    let mut confirmed = target.clone();
    confirmed["confirmation"] = json!(code);
    let before = server.posts();
    let stolen = call(&bob, "pause_sync", confirmed.clone()).await;
    assert_eq!(stolen.is_error, Some(true));
    assert!(
        text(&stolen).contains("issued to another caller"),
        "{}",
        text(&stolen)
    );
    assert_eq!(server.posts(), before, "bob's attempt wrote nothing");
    let done = call(&alice, "pause_sync", confirmed).await;
    assert_eq!(done.structured_content.unwrap()["status"], "done");
    assert_eq!(server.posts(), before + 1);
    let log = server.stderr();
    let written: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("write action") && line.contains("done"))
        .collect();
    assert_eq!(written.len(), 1, "{log}");
    assert!(
        has_field(written[0], "asked_by", "alice via test-client"),
        "{}",
        written[0]
    );
    assert!(
        has_field(written[0], "confirmed_by", "alice via test-client"),
        "{}",
        written[0]
    );
    assert!(
        log.lines()
            .any(|line| line.contains("tool_call")
                && has_field(line, "caller", "bob via test-client")),
        "the tool_call span names the caller:\n{log}"
    );
    assert!(!log.contains(&code), "the code is never logged");
    alice.cancel().await.unwrap();
    bob.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn static_tokens_still_work_beside_oauth() {
    let server = Server::start().await;
    let client = server.client(STATIC_TOKEN).await;
    let listed = call(&client, "list_integrations", json!({})).await;
    assert_ne!(listed.is_error, Some(true));
    assert_eq!(
        server
            .post(Some("not-the-token"), INITIALIZE)
            .await
            .status(),
        401
    );
    let log = server.stderr();
    assert!(
        log.lines().any(|line| has_field(line, "caller", "token-1")),
        "{log}"
    );
    client.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn keys_are_fetched_once_refetched_for_a_new_kid_and_kept_when_the_issuer_is_down() {
    let server = Server::start().await;
    let token = server.token("alice", READ);
    for _ in 0..20 {
        assert_eq!(server.post(Some(&token), INITIALIZE).await.status(), 200);
    }
    assert_eq!(
        server.issuer.jwks_fetches(),
        1,
        "one fetch (at start-up) for twenty calls"
    );
    // Unknown key ids cost at most one fetch per 10 s, however many arrive.
    let claims = server.issuer.claims("alice", READ, &server.resource());
    let bogus = |attempt: usize| {
        sign(
            &claims,
            FOREIGN_ES256,
            Algorithm::ES256,
            &format!("bogus-{attempt}"),
        )
    };
    for attempt in 0..5 {
        assert_eq!(
            server
                .post(Some(&bogus(attempt)), INITIALIZE)
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        server.issuer.jwks_fetches(),
        1,
        "within 10 s of the last fetch: none"
    );
    // The issuer rotates in a key, then goes down.
    server.issuer.add_es256_kid("es-2");
    server.issuer.set_down(true);
    let rotated = sign(&claims, ISSUER_ES256, Algorithm::ES256, "es-2");
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    for attempt in 5..10 {
        assert_eq!(
            server
                .post(Some(&bogus(attempt)), INITIALIZE)
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        server.issuer.jwks_fetches(),
        2,
        "one attempt for five unknown kids"
    );
    assert_eq!(server.post(Some(&rotated), INITIALIZE).await.status(), 401);
    assert_eq!(
        server.post(Some(&token), INITIALIZE).await.status(),
        200,
        "the last good keys are kept while the issuer is down"
    );
    assert!(server.stderr().contains("keeping the last good ones"));
    // Back up: the rotated key is picked up at the next allowed fetch.
    server.issuer.set_down(false);
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    assert_eq!(server.post(Some(&rotated), INITIALIZE).await.status(), 200);
    assert_eq!(server.issuer.jwks_fetches(), 3);
    server.stop().await;
}
