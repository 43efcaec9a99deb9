//! Server-added latency: a tool call's round trip minus the time the same upstream requests take
//! when made directly. The simulator records what the server asked it for during each call; those
//! exact requests (path, query, headers) are replayed with reqwest, one after another, so the
//! difference is what nango-mcp adds: MCP framing, stdio, validation, parsing, shaping, rendering.

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use nango_sim::{RecordedRequest, Sim};
use serde::Serialize;
use serde_json::{Value, json};

use super::server::{StdioServer, ensure_answered};
use crate::stats::{millis, percentile};

/// Calls made before measuring: connections opened, lazily generated data cached.
const WARM_UP: usize = 5;

/// Headers not to copy into a replay: hop-by-hop, or set by reqwest itself.
const NOT_REPLAYED: &[&str] = &["host", "content-length", "authorization", "connection"];

/// The tool calls measured, each answered by one or a few upstream requests.
pub fn probes() -> Vec<(&'static str, Value)> {
    vec![
        ("list_integrations", json!({})),
        ("get_connection", json!({"connection_id": "conn-xyz"})),
        (
            "list_records",
            json!({"connection_id": "conn-456", "model": "Contact", "limit": 50}),
        ),
    ]
}

/// Added latency of one tool.
#[derive(Debug, Serialize)]
pub struct AddedLatency {
    /// Tool called.
    pub tool: &'static str,
    /// Its arguments.
    pub arguments: Value,
    /// Measured calls (after warm-up).
    pub iterations: usize,
    /// Upstream requests one call made (e.g. `GET /connections` to resolve, then the read).
    pub upstream_requests: usize,
    /// Median tool-call round trip, ms.
    pub tool_p50_ms: f64,
    /// Median time of the same upstream requests made directly, ms.
    pub direct_p50_ms: f64,
    /// Median of (tool − direct) per iteration, ms.
    pub added_p50_ms: f64,
    /// 99th percentile of (tool − direct) per iteration, ms.
    pub added_p99_ms: f64,
}

/// Measures every probe `iterations` times.
pub async fn measure(
    server: &StdioServer,
    sim: &Sim,
    iterations: usize,
) -> Result<Vec<AddedLatency>> {
    let http = reqwest::Client::new();
    let mut results = Vec::new();
    for (tool, arguments) in probes() {
        let mut upstream = Vec::new();
        for _ in 0..WARM_UP {
            upstream = timed_call(server, sim, tool, &arguments).await?.1;
            replay(&http, sim, &upstream).await?;
        }
        ensure!(!upstream.is_empty(), "{tool} made no upstream request");
        let mut tool_ms = Vec::with_capacity(iterations);
        let mut direct_ms = Vec::with_capacity(iterations);
        let mut added_ms = Vec::with_capacity(iterations);
        for iteration in 0..iterations {
            // Alternate which goes first so neither always runs on a warmer machine.
            let (call, direct) = if iteration % 2 == 0 {
                let (call, requests) = timed_call(server, sim, tool, &arguments).await?;
                upstream = requests;
                (call, replay(&http, sim, &upstream).await?)
            } else {
                let direct = replay(&http, sim, &upstream).await?;
                let (call, requests) = timed_call(server, sim, tool, &arguments).await?;
                upstream = requests;
                (call, direct)
            };
            tool_ms.push(call);
            direct_ms.push(direct);
            added_ms.push(call - direct);
        }
        let p = |samples: &[f64], at| percentile(samples, at).context("no latency samples");
        results.push(AddedLatency {
            tool,
            arguments,
            iterations,
            upstream_requests: upstream.len(),
            tool_p50_ms: p(&tool_ms, 50.0)?,
            direct_p50_ms: p(&direct_ms, 50.0)?,
            added_p50_ms: p(&added_ms, 50.0)?,
            added_p99_ms: p(&added_ms, 99.0)?,
        });
    }
    Ok(results)
}

/// One tool call: its round trip in ms and the upstream requests it made.
async fn timed_call(
    server: &StdioServer,
    sim: &Sim,
    tool: &str,
    arguments: &Value,
) -> Result<(f64, Vec<RecordedRequest>)> {
    sim.state().clear_requests();
    let started = Instant::now();
    let result = server.call(tool, arguments).await?;
    let elapsed = millis(started.elapsed());
    ensure_answered(tool, &result)?;
    Ok((elapsed, sim.requests()))
}

/// Makes `requests` again, directly, in order, reading every body; returns the total ms.
async fn replay(http: &reqwest::Client, sim: &Sim, requests: &[RecordedRequest]) -> Result<f64> {
    let started = Instant::now();
    for request in requests {
        let url = match &request.query {
            Some(query) => format!("{}{}?{query}", sim.base_url(), request.path),
            None => format!("{}{}", sim.base_url(), request.path),
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes())?;
        let mut builder = http.request(method, url).bearer_auth(sim.secret_key());
        for (name, value) in &request.headers {
            if !NOT_REPLAYED.contains(&name.to_ascii_lowercase().as_str()) {
                builder = builder.header(name, value);
            }
        }
        let response = builder.send().await.context("replaying a request")?;
        ensure!(
            response.status().is_success(),
            "replayed {} {} answered {}",
            request.method,
            request.path,
            response.status()
        );
        response.bytes().await?;
    }
    Ok(millis(started.elapsed()))
}
