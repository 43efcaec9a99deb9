//! Walking a large model page by page, as an agent following `next_cursor` would: total time,
//! number of calls, and the server's RSS after every page (it must stay flat: nothing may
//! accumulate across pages).

use std::{path::Path, time::Instant};

use anyhow::{Context, Result, ensure};
use nango_sim::Sim;
use serde::Serialize;
use serde_json::{Value, json};

use super::server::{StdioServer, ensure_answered};
use crate::{rss, stats::millis};

/// The connection and model walked (the simulator gives it the requested record count).
pub const CONNECTION: &str = "conn-456";
/// See [`CONNECTION`].
pub const MODEL: &str = "Contact";

/// The walk's figures.
#[derive(Debug, Serialize)]
pub struct Walk {
    /// Records the connection holds.
    pub records: usize,
    /// `limit` passed on every call.
    pub limit: usize,
    /// `NANGO_MCP_TOKEN_BUDGET` of the server; `None` = its default (8,000).
    pub token_budget: Option<u32>,
    /// Tool calls made.
    pub calls: usize,
    /// Records returned over all calls (should equal `records`).
    pub records_seen: usize,
    /// Average records per call: below `limit` when the token budget cut pages short.
    pub records_per_call: f64,
    /// Wall time of the whole walk, ms.
    pub total_ms: f64,
    /// Upstream requests the walk cost.
    pub upstream_requests: u64,
    /// RSS after the first page, KiB.
    pub rss_first_kib: u64,
    /// Largest RSS after any page, KiB.
    pub rss_max_kib: u64,
    /// RSS after the last page, KiB.
    pub rss_last_kib: u64,
    /// RSS after evenly spaced pages (about [`TRACE_POINTS`]), KiB: the shape of the curve.
    pub rss_trace_kib: Vec<u64>,
}

/// Points kept of the RSS curve in the JSON.
pub const TRACE_POINTS: usize = 20;

/// Walks every record of [`CONNECTION`]'s [`MODEL`] with `limit` per call, under the server's
/// default token budget or `token_budget`.
pub async fn measure(
    binary: &Path,
    sim: &Sim,
    records: usize,
    limit: usize,
    token_budget: Option<u32>,
) -> Result<Walk> {
    let env: Vec<(&str, String)> = token_budget
        .map(|budget| ("NANGO_MCP_TOKEN_BUDGET", budget.to_string()))
        .into_iter()
        .collect();
    let server = StdioServer::start_with(binary, sim, &env).await?;
    let requests_before = sim.request_count();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    let mut seen = 0;
    let mut rss_samples = Vec::new();
    let started = Instant::now();
    // Every page returns at least one record, so `records + 1` calls bound any honest walk.
    for _ in 0..=records {
        let mut arguments = json!({"connection_id": CONNECTION, "model": MODEL, "limit": limit});
        if let (Some(cursor), Some(map)) = (&cursor, arguments.as_object_mut()) {
            map.insert("cursor".into(), Value::String(cursor.clone()));
        }
        let result = server.call("list_records", &arguments).await?;
        ensure_answered("list_records", &result)?;
        calls += 1;
        let page = result
            .structured_content
            .context("list_records answered without structuredContent")?;
        seen += page.get("shown").and_then(Value::as_u64).unwrap_or(0) as usize;
        rss_samples.push(rss::read(server.pid).context("reading RSS")?.rss_kib);
        cursor = page
            .get("next_cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let total_ms = millis(started.elapsed());
    let upstream_requests = sim.request_count().saturating_sub(requests_before);
    server.stop().await;
    ensure!(cursor.is_none(), "the walk did not finish in {calls} calls");
    Ok(Walk {
        records,
        limit,
        token_budget,
        calls,
        records_seen: seen,
        records_per_call: seen as f64 / calls.max(1) as f64,
        total_ms,
        upstream_requests,
        rss_first_kib: rss_samples.first().copied().unwrap_or_default(),
        rss_max_kib: rss_samples.iter().copied().max().unwrap_or_default(),
        rss_last_kib: rss_samples.last().copied().unwrap_or_default(),
        rss_trace_kib: rss_samples
            .iter()
            .step_by(rss_samples.len().div_ceil(TRACE_POINTS).max(1))
            .copied()
            .collect(),
    })
}
