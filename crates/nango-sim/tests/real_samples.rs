//! The shape test that can fail: every sample of the real-server capture
//! (`real-server-2026-11-29.json`) whose request the simulator serves is replayed, in capture
//! order, against a simulator serving the capture's seeded state (`fixtures/real_env.json`);
//! the answer must have the same status, content type, rate-limit header presence and the same
//! JSON shape: keys, JSON types, null vs non-null, timestamp style (`Z` vs `+00:00`),
//! recursively, arrays item by item. Differences that remain are listed in [`ALLOWED`] with
//! their reason; everything else fails.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;

use common::*;
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::Value;

const READ_ONLY: &str = "3c9a7e41-5b2d-4f8e-9a16-7d0c2b4e8f53";
const NARROW: &str = "8e4b1f27-0c6d-4a9e-b3f5-1d7a9c2e6b40";
const UNKNOWN: &str = "9d3f1c2b-6a4e-4f8d-b1c7-2e5a9d0c3b6f";

/// Sim/real differences still allowed: (sample name or `*`, JSON path, reason). At the path,
/// keys may differ; the values of the keys both sides have are still compared.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "*",
    "$.records[]",
    "record payloads are the customer's data: the sim generates them per model family, so \
     their fields differ; `id` and `_nango_metadata` are compared",
)];

/// Samples the simulator does not answer yet, by request prefix or sample name, with the reason.
const NOT_YET_SERVED: &[(&str, &str)] = &[
    (
        "sync_status_after_pause",
        "the state POST /sync/pause leaves (write endpoints, issue 13)",
    ),
    (
        "sync_status_after_trigger_while_paused",
        "the state POST /sync/pause leaves (write endpoints, issue 13)",
    ),
    (
        "POST /sync/",
        "write endpoints: added to the sim on the write-actions branch (issue 13)",
    ),
    (
        "POST /connect/sessions",
        "write endpoints: added to the sim on the write-actions branch (issue 13)",
    ),
];

/// Samples compared elsewhere: the Management MCP (`/mcp`) in `management_mcp.rs`.
const COMPARED_ELSEWHERE: &[&str] = &["/mcp"];

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    key: Option<&'static str>,
    full_key: bool,
    headers: Vec<(String, String)>,
}

fn key_of(details: &str) -> (Option<&'static str>, bool) {
    let phrases: [(&str, Option<&'static str>, bool); 7] = [
        ("full-access key", None, true),
        // The 2026-12-08 capture's wording.
        ("full key", None, true),
        ("read-only key", Some(READ_ONLY), false),
        ("narrow key", Some(NARROW), false),
        ("no Authorization header", None, false),
        ("Bearer notauuid", Some("notauuid"), false),
        ("unknown well-formed UUIDv4 key", Some(UNKNOWN), false),
    ];
    phrases
        .iter()
        .filter_map(|(phrase, key, full)| details.find(phrase).map(|at| (at, *key, *full)))
        .min_by_key(|(at, _, _)| *at)
        .map(|(_, key, full)| (key, full))
        .unwrap_or_else(|| panic!("no key named in {details:?}"))
}

fn header_of(details: &str, name: &str) -> Option<(String, String)> {
    let start = details.find(&format!("{name}: "))? + name.len() + 2;
    let value: String = details[start..]
        .chars()
        .take_while(|c| !matches!(c, ',' | ')'))
        .collect();
    Some((name.to_owned(), value.trim().to_owned()))
}

/// `GET /path?query (full-access key, Connection-Id: gh-1, …)` → the request to replay.
fn parse_request(line: &str) -> Request {
    let (method, rest) = line.split_once(' ').expect("method");
    let (path, details) = rest.split_once(" (").unwrap_or((rest, ""));
    let (key, full_key) = key_of(details);
    let headers = ["Connection-Id", "Provider-Config-Key"]
        .iter()
        .filter_map(|name| header_of(details, name))
        .collect();
    Request {
        method: method.to_owned(),
        path: path.trim().to_owned(),
        key,
        full_key,
        headers,
    }
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

/// `Z`, `+00:00` or `-` (not a timestamp).
fn timestamp_style(text: &str) -> &'static str {
    let looks_like = text.len() >= 20 && text.as_bytes().get(10) == Some(&b'T');
    if !looks_like || chrono::DateTime::parse_from_rfc3339(text).is_err() {
        "-"
    } else if text.ends_with('Z') {
        "Z"
    } else {
        "+00:00"
    }
}

fn allowed(sample: &str, path: &str) -> bool {
    ALLOWED
        .iter()
        .any(|(name, at, _)| (*name == "*" || *name == sample) && *at == path)
}

fn diff(sample: &str, path: &str, real: &Value, sim: &Value, out: &mut Vec<String>) {
    if kind(real) != kind(sim) {
        out.push(format!("{path}: real {}, sim {}", kind(real), kind(sim)));
        return;
    }
    match (real, sim) {
        (Value::Object(r), Value::Object(s)) => {
            let rk: BTreeSet<&String> = r.keys().collect();
            let sk: BTreeSet<&String> = s.keys().collect();
            if rk != sk && !allowed(sample, path) {
                let missing: Vec<_> = rk.difference(&sk).collect();
                let extra: Vec<_> = sk.difference(&rk).collect();
                out.push(format!("{path}: sim lacks {missing:?}, sim adds {extra:?}"));
            }
            for key in rk.intersection(&sk) {
                diff(sample, &format!("{path}.{key}"), &r[*key], &s[*key], out);
            }
        }
        (Value::Array(r), Value::Array(s)) => {
            for (real_item, sim_item) in r.iter().zip(s) {
                diff(sample, &format!("{path}[]"), real_item, sim_item, out);
            }
        }
        (Value::String(r), Value::String(s)) => {
            let (real_style, sim_style) = (timestamp_style(r), timestamp_style(s));
            if real_style != sim_style {
                out.push(format!("{path}: real {r:?}, sim {s:?}"));
            }
        }
        _ => {}
    }
}

async fn real_env_sim() -> Sim {
    let config = SimConfig {
        // The replay makes more requests than the capture's 40/min; 429s are provoked on purpose.
        rate_limit_per_minute: 100_000,
        ..SimConfig::from_fixture(real_env_fixture()).expect("fixture loads")
    }
    .with_key(SimKey::read_only(READ_ONLY))
    .with_key(SimKey::with_scopes(
        NARROW,
        [
            "environment:integrations:list",
            "environment:connections:list",
        ],
    ));
    start(config).await
}

async fn replay(sim: &Sim, request: &Request) -> Reply {
    let key = if request.full_key {
        Some(sim.secret_key())
    } else {
        request.key.map(str::to_owned)
    };
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    get_with(sim, &request.path, key.as_deref(), &headers).await
}

fn header_differences(sample: &Value, reply: &Reply) -> Vec<String> {
    let headers = sample["headers"].as_object().expect("sample headers");
    let mut out = Vec::new();
    let content_type = headers.get("content-type").and_then(Value::as_str);
    if content_type != reply.header("content-type") {
        out.push(format!(
            "content-type: real {content_type:?}, sim {:?}",
            reply.header("content-type")
        ));
    }
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ] {
        if headers.contains_key(name) != reply.header(name).is_some() {
            out.push(format!("header {name}: present in real only or sim only"));
        }
    }
    out
}

enum Plan {
    Replay(Request),
    NotYetServed,
    Elsewhere,
}

fn plan(name: &str, sample: &Value) -> Plan {
    let line = sample["request"].as_str().expect("request line");
    if name.ends_with("__data_frame_parsed") || COMPARED_ELSEWHERE.iter().any(|p| line.contains(p))
    {
        return Plan::Elsewhere;
    }
    if NOT_YET_SERVED
        .iter()
        .any(|(which, _)| line.starts_with(which) || name == *which)
    {
        return Plan::NotYetServed;
    }
    let request = parse_request(line);
    assert_eq!(request.method, "GET", "{name}: unclassified write sample");
    Plan::Replay(request)
}

#[tokio::test]
async fn every_served_real_sample_has_the_real_status_and_shape() {
    let samples = real_samples();
    let sim = real_env_sim().await;
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, sample) in samples.as_object().expect("samples") {
        let Plan::Replay(request) = plan(name, sample) else {
            continue;
        };
        let status = sample["status"].as_u64().expect("status");
        if status == 429 {
            // Provoke the rate limit: a one-point window, spent by a first request.
            sim.set_rate_limit(1);
            replay(&sim, &request).await;
        }
        let reply = replay(&sim, &request).await;
        if status == 429 {
            sim.set_rate_limit(100_000);
        }
        replayed += 1;
        let mut problems = header_differences(sample, &reply);
        if u64::from(reply.status.as_u16()) != status {
            problems.push(format!("status: real {status}, sim {}", reply.status));
        } else {
            diff(name, "$", &sample["body"], &reply.json(), &mut problems);
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name} ({}):\n  {}\n  sim body: {}",
                request.path,
                problems.join("\n  "),
                reply.text.chars().take(600).collect::<String>()
            ));
        }
    }
    sim.shutdown().await;
    assert!(replayed >= 60, "only {replayed} samples replayed");
    assert!(
        failures.is_empty(),
        "{} of {replayed} samples differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The third capture (2026-12-08, same server, setup and seed), replayed the same way: the
/// listing filtered by `connectionId`, the full key's detail read of `sf-1` (400
/// `invalid_credentials` with the connection and `credentials: {}`), the BASIC integration
/// `anvil-basic` and its provider entry (a hidden, empty-default password). The Management MCP
/// samples (`/mcp`) are compared elsewhere.
#[tokio::test]
async fn the_2026_12_08_samples_have_the_real_status_and_shape() {
    let samples = real_samples_2026_12_08();
    let sim = real_env_sim().await;
    let mut failures = Vec::new();
    let mut replayed = Vec::new();
    for (name, sample) in samples.as_object().expect("samples") {
        let Plan::Replay(request) = plan(name, sample) else {
            continue;
        };
        let reply = replay(&sim, &request).await;
        replayed.push(name.as_str());
        let status = sample["status"].as_u64().expect("status");
        let mut problems = header_differences(sample, &reply);
        if u64::from(reply.status.as_u16()) != status {
            problems.push(format!("status: real {status}, sim {}", reply.status));
        } else {
            diff(name, "$", &sample["body"], &reply.json(), &mut problems);
        }
        // Facts the shape comparison does not see: the same words, the same catalog entry.
        let (real_body, sim_body) = (&sample["body"], reply.json());
        if name == "connection_full_after_refresh_failure"
            && real_body["error"]["message"] != sim_body["error"]["message"]
        {
            problems.push(format!(
                "message: real {}, sim {}",
                real_body["error"]["message"], sim_body["error"]["message"]
            ));
        }
        if name == "provider_anvil_basic"
            && real_body["data"]["credentials"] != sim_body["data"]["credentials"]
        {
            problems.push(format!(
                "credentials: real {}, sim {}",
                real_body["data"]["credentials"], sim_body["data"]["credentials"]
            ));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name} ({}):\n  {}\n  sim body: {}",
                request.path,
                problems.join("\n  "),
                reply.text.chars().take(600).collect::<String>()
            ));
        }
    }
    sim.shutdown().await;
    for expected in [
        "connections_filter_connection_id",
        "connections_filter_connection_id_autherror",
        "connection_full_after_refresh_failure",
        "integration_basic_anvil_ro",
        "provider_anvil_basic",
    ] {
        assert!(
            replayed.contains(&expected),
            "{expected} not replayed: {replayed:?}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples differ:\n{}",
        failures.len(),
        replayed.len(),
        failures.join("\n")
    );
}

/// Every sample is either replayed, not served yet (with a reason) or compared elsewhere.
#[test]
fn every_sample_is_accounted_for() {
    let samples = real_samples();
    let mut not_yet = 0;
    for (name, sample) in samples.as_object().expect("samples") {
        if matches!(plan(name, sample), Plan::NotYetServed) {
            not_yet += 1;
        }
    }
    assert!(not_yet > 0 && not_yet < 40, "{not_yet} not served");
}

#[test]
fn the_comparison_catches_nullability_keys_and_timestamp_style() {
    let real = serde_json::json!({"a": null, "b": [{"t": "2026-11-29T13:54:38.87+00:00"}], "c": 1});
    let sim = serde_json::json!({"a": "x", "b": [{"t": "2026-11-29T13:54:38.870Z"}], "d": 1});
    let mut out = Vec::new();
    diff("x", "$", &real, &sim, &mut out);
    assert_eq!(out.len(), 3, "{out:#?}");
}
