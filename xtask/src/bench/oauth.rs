//! `bench --oauth-only`: what checking an OAuth access token adds to a call, and how often the
//! server fetches the authorization server's keys. One server accepts both a static token and
//! access tokens from a stand-in issuer on loopback; calls alternate between the two, so both
//! see the same machine noise, and the difference of their round trips is the validation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::{Json, Router, extract::State, routing::get};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, jwk::Jwk};
use nango_sim::Sim;
use serde::Serialize;
use serde_json::{Value, json};

use super::server::HttpServer;
use crate::stats::{millis, percentile};

/// The ES256 key the tests sign with; the bench reuses it (a fixture, not a secret).
const SIGNING_KEY: &[u8] =
    include_bytes!("../../../crates/nango-mcp/tests/fixtures/oauth/issuer-es256.pem");
const STATIC_TOKEN: &str = "bench-static-token-0c4f9e";
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The figures of the sign-in bench.
#[derive(Debug, Serialize)]
pub struct OAuthCost {
    /// Calls measured per kind of token (after a warm-up).
    pub calls: usize,
    /// Round trip of `tools/list` with the static token: p50 and p99, ms.
    pub static_p50_ms: f64,
    pub static_p99_ms: f64,
    /// The same with a JWT access token (ES256) checked against the issuer's keys.
    pub oauth_p50_ms: f64,
    pub oauth_p99_ms: f64,
    /// Differences (OAuth minus static): what validation adds.
    pub added_p50_ms: f64,
    pub added_p99_ms: f64,
    /// Key-set fetches the issuer saw over the whole run (start-up warm-up included).
    pub jwks_fetches: usize,
}

struct Issuer {
    url: String,
    fetches: Arc<AtomicUsize>,
}

async fn start_issuer(key: &EncodingKey) -> Result<Issuer> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut jwk = serde_json::to_value(Jwk::from_encoding_key(key, Algorithm::ES256)?)?;
    if let Some(fields) = jwk.as_object_mut() {
        fields.insert("kid".to_owned(), json!("bench-1"));
    }
    let fetches = Arc::new(AtomicUsize::new(0));
    let metadata = json!({"issuer": url, "jwks_uri": format!("{url}/jwks")});
    let state = (
        Arc::new(metadata),
        Arc::new(json!({"keys": [jwk]})),
        fetches.clone(),
    );
    let app = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(|State((metadata, _, _)): State<IssuerState>| async move {
                Json(metadata.as_ref().clone())
            }),
        )
        .route(
            "/jwks",
            get(|State((_, keys, fetches)): State<IssuerState>| async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                Json(keys.as_ref().clone())
            }),
        )
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Issuer { url, fetches })
}

type IssuerState = (Arc<Value>, Arc<Value>, Arc<AtomicUsize>);

/// Runs `calls` calls of each kind against one server.
pub async fn measure(binary: &std::path::Path, sim: &Sim, calls: usize) -> Result<OAuthCost> {
    let key = EncodingKey::from_ec_pem(SIGNING_KEY)?;
    let issuer = start_issuer(&key).await?;
    // The public URL must be known before the port is: pick a free one first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let resource = format!("http://127.0.0.1:{port}/mcp");
    let env = [
        ("NANGO_MCP_AUTH_TOKEN", STATIC_TOKEN.to_owned()),
        ("NANGO_MCP_OAUTH_ISSUER", issuer.url.clone()),
        ("NANGO_MCP_PUBLIC_URL", resource.clone()),
    ];
    let server = HttpServer::start_on(binary, sim, &env, port).await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = json!({"iss": issuer.url, "aud": resource, "sub": "bench", "client_id": "bench",
                        "scope": "nango-mcp:read", "iat": now, "exp": now + 3_600});
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("bench-1".to_owned());
    header.typ = Some("at+jwt".to_owned());
    let access_token = encode(&header, &claims, &key)?;

    let http = reqwest::Client::new();
    for round in 0..50 {
        call(&http, &server.url, STATIC_TOKEN, round).await?;
        call(&http, &server.url, &access_token, round).await?;
    }
    let (mut plain, mut signed) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    for round in 0..calls {
        plain.push(call(&http, &server.url, STATIC_TOKEN, round).await?);
        signed.push(call(&http, &server.url, &access_token, round).await?);
    }
    server.stop().await?;
    let p = |samples: &[f64], q| percentile(samples, q).unwrap_or(f64::NAN);
    Ok(OAuthCost {
        calls,
        static_p50_ms: p(&plain, 50.0),
        static_p99_ms: p(&plain, 99.0),
        oauth_p50_ms: p(&signed, 50.0),
        oauth_p99_ms: p(&signed, 99.0),
        added_p50_ms: p(&signed, 50.0) - p(&plain, 50.0),
        added_p99_ms: p(&signed, 99.0) - p(&plain, 99.0),
        jwks_fetches: issuer.fetches.load(Ordering::SeqCst),
    })
}

/// One `tools/list`; its round trip in ms. Anything but 200 stops the bench.
async fn call(http: &reqwest::Client, url: &str, token: &str, id: usize) -> Result<f64> {
    let started = Instant::now();
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .timeout(CALL_TIMEOUT)
        .json(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}))
        .send()
        .await
        .context("calling the server")?;
    let status = response.status();
    let _ = response.bytes().await?;
    if !status.is_success() {
        bail!("tools/list answered {status}");
    }
    Ok(millis(started.elapsed()))
}
