//! A minimal stand-in authorization server for the refusal tests: RFC 8414 metadata and a JWKS
//! on loopback, with keys from tests/fixtures/oauth, a count of JWKS fetches, a switch that takes
//! it down, and a minter for tokens of every kind a resource server must refuse. (The whole
//! sign-in flow against a real authorization server, oidc-provider, is tests/python/test_oauth.py.)
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, jwk::Jwk};
use serde_json::{Value, json};

pub const ISSUER_ES256: &[u8] = include_bytes!("../fixtures/oauth/issuer-es256.pem");
pub const ISSUER_RS256: &[u8] = include_bytes!("../fixtures/oauth/issuer-rs256.pem");
pub const ISSUER_RS256_PUBLIC: &[u8] = include_bytes!("../fixtures/oauth/issuer-rs256.pub.pem");
pub const FOREIGN_ES256: &[u8] = include_bytes!("../fixtures/oauth/foreign-es256.pem");

struct Shared {
    issuer: String,
    jwks: std::sync::Mutex<Value>,
    fetches: AtomicUsize,
    down: AtomicBool,
}

/// The stand-in issuer, listening until dropped with the test's runtime.
#[derive(Clone)]
pub struct Issuer {
    shared: Arc<Shared>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn jwk(pem: &[u8], alg: Algorithm, kid: &str) -> Value {
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem).unwrap(),
        _ => EncodingKey::from_ec_pem(pem).unwrap(),
    };
    let mut jwk = serde_json::to_value(Jwk::from_encoding_key(&key, alg).unwrap()).unwrap();
    jwk["kid"] = json!(kid);
    jwk["use"] = json!("sig");
    jwk
}

impl Issuer {
    /// Serves the issuer's two keys (`es-1`, `rs-1`) on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            jwks: std::sync::Mutex::new(json!({"keys": [
                jwk(ISSUER_ES256, Algorithm::ES256, "es-1"),
                jwk(ISSUER_RS256, Algorithm::RS256, "rs-1"),
            ]})),
            fetches: AtomicUsize::new(0),
            down: AtomicBool::new(false),
        });
        let app = Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/jwks", get(jwks))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { shared }
    }

    pub fn url(&self) -> &str {
        &self.shared.issuer
    }

    /// Key-set requests received, answered or not.
    pub fn jwks_fetches(&self) -> usize {
        self.shared.fetches.load(Ordering::SeqCst)
    }

    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// Rotates in a new key id for the ES256 key (as after a key rotation).
    pub fn add_es256_kid(&self, kid: &str) {
        let mut jwks = self.shared.jwks.lock().unwrap();
        let key = jwk(ISSUER_ES256, Algorithm::ES256, kid);
        jwks["keys"].as_array_mut().unwrap().push(key);
    }

    /// Standard claims for `sub` with `scope`, for `audience`, valid for 10 minutes.
    pub fn claims(&self, sub: &str, scope: &str, audience: &str) -> Value {
        json!({
            "iss": self.url(), "sub": sub, "aud": audience, "client_id": "test-client",
            "scope": scope, "iat": now(), "exp": now() + 600,
        })
    }
}

async fn metadata(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(json!({
        "issuer": shared.issuer,
        "jwks_uri": format!("{}/jwks", shared.issuer),
        "authorization_endpoint": format!("{}/auth", shared.issuer),
        "token_endpoint": format!("{}/token", shared.issuer),
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    shared.fetches.fetch_add(1, Ordering::SeqCst);
    if shared.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Json(shared.jwks.lock().unwrap().clone()).into_response()
}

/// Signs `claims` with `pem` (ES256 or RS256) under `kid`, `typ: at+jwt`.
pub fn sign(claims: &Value, pem: &[u8], alg: Algorithm, kid: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    header.typ = Some("at+jwt".to_owned());
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem).unwrap(),
        Algorithm::HS256 => EncodingKey::from_secret(pem).unwrap(),
        _ => EncodingKey::from_ec_pem(pem).unwrap(),
    };
    encode(&header, claims, &key).unwrap()
}

/// A token with the issuer's ES256 key.
pub fn good(claims: &Value) -> String {
    sign(claims, ISSUER_ES256, Algorithm::ES256, "es-1")
}

/// An unsigned token (`alg: none`).
pub fn unsigned(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(json!({"alg": "none", "typ": "JWT", "kid": "es-1"}).to_string());
    let payload = b64.encode(claims.to_string());
    format!("{header}.{payload}.")
}
