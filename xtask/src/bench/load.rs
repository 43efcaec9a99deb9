//! Memory and throughput under many concurrent HTTP clients: the binary serves Streamable HTTP
//! and N clients post raw JSON-RPC `tools/call`s for a fixed time while its RSS is sampled.
//!
//! Each client sends from its own loopback address (127.0.0.2, .3, …), as distinct machines
//! would: the server limits concurrency per client, and one shared address would measure that
//! limit's queue rather than 100 clients.

use std::{
    net::{IpAddr, Ipv4Addr},
    path::Path,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use futures::future::join_all;
use nango_sim::Sim;
use serde::Serialize;
use serde_json::json;

use super::{latency::probes, server::HttpServer};
use crate::{
    jsonrpc::{Outcome, tool_outcome},
    rss::{self, Memory},
    stats::{millis, percentile},
};

/// How often RSS is read during the load.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Upper bound on one client's calls, so the loop is bounded even if time stood still.
const MAX_CALLS_PER_CLIENT: usize = 1_000_000;
/// Protocol version header every post carries (stateless server, no session).
const PROTOCOL_VERSION: &str = "2025-06-18";

/// What the server did under load.
#[derive(Debug, Serialize)]
pub struct Load {
    /// Concurrent clients.
    pub clients: usize,
    /// Seconds of load.
    pub seconds: f64,
    /// RSS after start-up and one call of each tool, before the load.
    pub before: Memory,
    /// Largest RSS sampled during the load, KiB.
    pub rss_max_kib: u64,
    /// `VmHWM` after the load: the true peak, between samples too.
    pub hwm_after_kib: u64,
    /// Number of RSS samples taken.
    pub samples: usize,
    /// Calls answered without `isError`.
    pub answered: usize,
    /// Calls answered with `isError`.
    pub tool_errors: usize,
    /// Calls refused (non-2xx) or failed at the HTTP or JSON-RPC level.
    pub failed: usize,
    /// Answered calls per second over all clients.
    pub calls_per_second: f64,
    /// Median round trip of a call under load, ms.
    pub call_p50_ms: f64,
    /// 99th percentile round trip under load, ms.
    pub call_p99_ms: f64,
}

#[derive(Default)]
struct ClientTally {
    answered: usize,
    tool_errors: usize,
    failed: usize,
    round_trips_ms: Vec<f64>,
}

/// Starts the HTTP server on `sim`, loads it with `clients` for `duration`, stops it.
pub async fn measure(binary: &Path, sim: &Sim, clients: usize, duration: Duration) -> Result<Load> {
    let server = HttpServer::start(binary, sim).await?;
    let warm = client(0)?;
    for (id, (tool, arguments)) in probes().into_iter().enumerate() {
        let (outcome, _) = post(&warm, &server.url, id, tool, &arguments).await;
        anyhow::ensure!(outcome == Outcome::Answered, "{tool} failed over HTTP");
    }
    // Clients are built before the clock starts: setting up TLS roots is the bench's cost.
    let pool = (0..clients).map(client).collect::<Result<Vec<_>>>()?;
    let before = rss::read(server.pid).context("reading the HTTP server's memory")?;
    let started = Instant::now();
    let deadline = started + duration;
    let sampler = tokio::spawn(sample_until(server.pid, deadline));
    let tallies = join_all(
        pool.into_iter()
            .enumerate()
            .map(|(index, http)| run_client(http, server.url.clone(), index, deadline)),
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let (rss_max_kib, samples) = sampler.await.context("the RSS sampler")?;
    let after = rss::read(server.pid).context("reading the HTTP server's memory")?;
    server.stop().await?;

    let mut total = ClientTally::default();
    for tally in tallies {
        total.answered += tally.answered;
        total.tool_errors += tally.tool_errors;
        total.failed += tally.failed;
        total.round_trips_ms.extend(tally.round_trips_ms);
    }
    Ok(Load {
        clients,
        seconds,
        before,
        rss_max_kib,
        hwm_after_kib: after.hwm_kib,
        samples,
        answered: total.answered,
        tool_errors: total.tool_errors,
        failed: total.failed,
        calls_per_second: total.answered as f64 / seconds.max(f64::EPSILON),
        call_p50_ms: percentile(&total.round_trips_ms, 50.0).unwrap_or(f64::NAN),
        call_p99_ms: percentile(&total.round_trips_ms, 99.0).unwrap_or(f64::NAN),
    })
}

/// A client with its own connection pool, sending from 127.0.0.(2 + index).
fn client(index: usize) -> Result<reqwest::Client> {
    let host = u8::try_from(2 + index % 250).unwrap_or(2);
    let subnet = u8::try_from(index / 250).unwrap_or(0);
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, subnet, host)))
        .build()
        .context("building an HTTP client")
}

async fn run_client(
    http: reqwest::Client,
    url: String,
    index: usize,
    deadline: Instant,
) -> ClientTally {
    let probes = probes();
    let mut tally = ClientTally::default();
    // Clients start at different tools so the mix is even at every moment.
    for call in 0..MAX_CALLS_PER_CLIENT {
        if Instant::now() >= deadline {
            break;
        }
        let Some((tool, arguments)) = probes.get((index + call) % probes.len().max(1)) else {
            break;
        };
        let (outcome, round_trip) = post(&http, &url, call, tool, arguments).await;
        match outcome {
            Outcome::Answered => {
                tally.answered += 1;
                tally.round_trips_ms.push(round_trip);
            }
            Outcome::ToolError => tally.tool_errors += 1,
            Outcome::Failed => tally.failed += 1,
        }
    }
    tally
}

/// One raw JSON-RPC `tools/call`; the outcome and its round trip in ms.
async fn post(
    http: &reqwest::Client,
    url: &str,
    id: usize,
    tool: &str,
    arguments: &serde_json::Value,
) -> (Outcome, f64) {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let started = Instant::now();
    let sent = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", PROTOCOL_VERSION)
        .json(&body)
        .send()
        .await;
    let outcome = match sent {
        Ok(response) if response.status().is_success() => match response.text().await {
            Ok(text) => tool_outcome(&text),
            Err(_) => Outcome::Failed,
        },
        Ok(response) => {
            tracing::debug!(status = %response.status(), "a load call was refused");
            Outcome::Failed
        }
        Err(error) => {
            tracing::debug!(%error, "a load call failed");
            Outcome::Failed
        }
    };
    (outcome, millis(started.elapsed()))
}

/// Reads RSS every [`SAMPLE_EVERY`] until `deadline`; the largest value and how many were read.
async fn sample_until(pid: u32, deadline: Instant) -> (u64, usize) {
    let mut max = 0;
    let mut samples = 0;
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    while Instant::now() < deadline {
        ticker.tick().await;
        if let Some(memory) = rss::read(pid) {
            max = max.max(memory.rss_kib);
            samples += 1;
        }
    }
    (max, samples)
}
