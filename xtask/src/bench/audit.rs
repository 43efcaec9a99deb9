//! `audit_connections` over a large environment behind a slow, rate-limited Nango: does one call
//! finish inside the budget without provoking 429s, and how long does it take?

use std::{path::Path, time::Instant};

use anyhow::Result;
use nango_sim::Sim;
use serde::Serialize;
use serde_json::{Value, json};

use super::server::{StdioServer, text_of};
use crate::stats::millis;

/// The audit's figures.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// Connections in the environment.
    pub connections: usize,
    /// Integrations in the environment.
    pub integrations: usize,
    /// Latency the simulator added to every response, ms.
    pub upstream_latency_ms: u64,
    /// The simulator's budget, requests per minute.
    pub rate_limit_per_minute: u32,
    /// Wall time of the one `audit_connections` call, ms.
    pub wall_ms: f64,
    /// Upstream requests the call made.
    pub upstream_requests: u64,
    /// `429`s the simulator answered during the call.
    pub rate_limited: u64,
    /// Whether the tool answered with `isError`.
    pub is_error: bool,
    /// The error message when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Connections the answer covered (should equal `connections`).
    pub connections_audited: Option<u64>,
    /// Findings the answer reported.
    pub findings: Option<u64>,
    /// Notes the answer carried (e.g. an integration it could not read).
    pub notes: Vec<String>,
}

/// What the environment looks like, for the figures.
pub struct Setting {
    /// Connections configured in the simulator.
    pub connections: usize,
    /// Integrations configured in the simulator.
    pub integrations: usize,
    /// Faults.latency of the simulator, ms.
    pub latency_ms: u64,
    /// rate_limit_per_minute of the simulator.
    pub rate_limit_per_minute: u32,
}

/// Runs one audit against `sim` (configured as `setting` says).
pub async fn measure(binary: &Path, sim: &Sim, setting: &Setting) -> Result<Audit> {
    let server = StdioServer::start(binary, sim).await?;
    let requests_before = sim.request_count();
    let limited_before = sim.rate_limited_count();
    let started = Instant::now();
    let result = server.call("audit_connections", &json!({})).await?;
    let wall_ms = millis(started.elapsed());
    let upstream_requests = sim.request_count().saturating_sub(requests_before);
    let rate_limited = sim.rate_limited_count().saturating_sub(limited_before);
    server.stop().await;
    let is_error = result.is_error == Some(true);
    let structured = result.structured_content.clone().unwrap_or(Value::Null);
    Ok(Audit {
        connections: setting.connections,
        integrations: setting.integrations,
        upstream_latency_ms: setting.latency_ms,
        rate_limit_per_minute: setting.rate_limit_per_minute,
        wall_ms,
        upstream_requests,
        rate_limited,
        is_error,
        error: is_error.then(|| text_of(&result)),
        connections_audited: structured.get("connections").and_then(Value::as_u64),
        findings: structured.get("findings_total").and_then(Value::as_u64),
        notes: structured
            .get("notes")
            .and_then(Value::as_array)
            .map(|notes| {
                notes
                    .iter()
                    .filter_map(|note| note.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    })
}
