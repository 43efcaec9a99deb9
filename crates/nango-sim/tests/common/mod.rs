//! Helpers shared by the simulator's integration tests.
// Test-only helpers: failing loudly is their job (clippy only relaxes these lints inside
// `#[test]` functions).
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod mcp;

use std::collections::BTreeSet;

use nango_sim::{Sim, SimConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A read-only key used across tests (UUID v4).
pub const READ_ONLY_KEY: &str = "0b7e3f52-9c4d-4a1e-8f26-5d3c7a9b1e04";

/// The real server's captured samples.
pub fn samples() -> Value {
    let text = include_str!("../../../nango-api/tests/fixtures/local-server-responses.json");
    serde_json::from_str::<Value>(text).expect("samples parse")["samples"].clone()
}

/// The second real-server capture (Nango 0.71.4, 2026-11-29), keyed by sample name.
pub fn real_samples() -> Value {
    let text = include_str!("../../../nango-api/tests/fixtures/real-server-2026-11-29.json");
    serde_json::from_str::<Value>(text).expect("real samples parse")["samples"].clone()
}

/// The dataset mirroring the seeded state of that capture (see its `_about`).
/// The third capture from the same real server (`real-server-2026-12-08.json`): the listing
/// filtered by connection id, the full-key detail read after a failed refresh, a BASIC
/// integration and its provider entry, and the Management MCP without a handshake.
#[allow(dead_code)]
pub fn real_samples_2026_12_08() -> Value {
    let text = include_str!("../fixtures/real-server-2026-12-08.json");
    let root: Value = serde_json::from_str(text).expect("capture parses");
    root["samples"].clone()
}

pub fn real_env_fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/real_env.json")).expect("fixture parses")
}

/// The hand-written dataset mirroring the environment the samples were captured from.
pub fn sample_env_fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/sample_env.json")).expect("fixture parses")
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// GET `path` (with query) using `key` (None = no Authorization) and extra headers.
pub async fn get_with(sim: &Sim, path: &str, key: Option<&str>, headers: &[(&str, &str)]) -> Reply {
    let mut request = reqwest::Client::new().get(format!("{}{path}", sim.base_url()));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request reaches the sim");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// GET with the sim's first (full-access) key.
pub async fn get(sim: &Sim, path: &str) -> Reply {
    get_with(sim, path, Some(&sim.secret_key()), &[]).await
}

/// GET and parse, asserting 200.
pub async fn get_json(sim: &Sim, path: &str) -> Value {
    let reply = get(sim, path).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.text);
    reply.json()
}

/// Records page of (connection, integration).
pub async fn records(sim: &Sim, connection: &str, integration: &str, query: &str) -> Reply {
    get_with(
        sim,
        &format!("/records?{query}"),
        Some(&sim.secret_key()),
        &[
            ("Connection-Id", connection),
            ("Provider-Config-Key", integration),
        ],
    )
    .await
}

pub async fn start(config: SimConfig) -> Sim {
    Sim::start(config).await.expect("sim starts")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences in JSON *shape*: the same keys at every level (arrays: first elements), the same
/// value kinds. `null` matches anything (nullable fields), an empty array matches any array.
/// At `loose` paths (e.g. `$.connections[].tags`) only the value kind is compared.
pub fn shape_diff(expected: &Value, actual: &Value, loose: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("$", expected, actual, loose, &mut out);
    out
}

fn diff_at(path: &str, expected: &Value, actual: &Value, loose: &[&str], out: &mut Vec<String>) {
    if expected.is_null() || actual.is_null() {
        return;
    }
    if kind(expected) != kind(actual) {
        out.push(format!(
            "{path}: expected {}, got {}",
            kind(expected),
            kind(actual)
        ));
        return;
    }
    if loose.contains(&path) {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let ek: BTreeSet<&String> = e.keys().collect();
            let ak: BTreeSet<&String> = a.keys().collect();
            let missing: Vec<_> = ek.difference(&ak).collect();
            let extra: Vec<_> = ak.difference(&ek).collect();
            if !missing.is_empty() || !extra.is_empty() {
                out.push(format!(
                    "{path}: missing keys {missing:?}, extra keys {extra:?}"
                ));
            }
            for key in ek.intersection(&ak) {
                diff_at(&format!("{path}.{key}"), &e[*key], &a[*key], loose, out);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e0), Some(a0)) = (e.first(), a.first()) {
                diff_at(&format!("{path}[]"), e0, a0, loose, out);
            }
        }
        _ => {}
    }
}

/// Asserts equal shapes with a readable failure.
pub fn assert_same_shape(name: &str, expected: &Value, actual: &Value, loose: &[&str]) {
    let diff = shape_diff(expected, actual, loose);
    assert!(
        diff.is_empty(),
        "{name}: shape differs from the real sample:\n{}\nsim body: {actual}",
        diff.join("\n")
    );
}
