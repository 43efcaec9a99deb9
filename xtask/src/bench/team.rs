//! A team server under load: N agents, one call in flight each, for a fixed time, against a
//! simulator that never rate-limits. Three runs, each on a fresh server (so `VmHWM` is the run's
//! own peak): everyone on one shared token; everyone on a token of their own; and everyone on
//! their own token while one more client keeps a thousand calls in flight.
//!
//! What matters: no well-behaved call refused or wrong, how long calls take, and whether the
//! server's memory comes back after the burst.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use futures::future::join_all;
use nango_sim::Sim;
use serde::Serialize;
use serde_json::{Value, json};

use super::{latency::probes, server::HttpServer};
use crate::{
    jsonrpc::{Outcome, tool_outcome},
    rss::{self, Memory},
    stats::{millis, percentile},
};

/// How often RSS is read during the load.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Rest after the load before the "after" reading: long enough for an allocator to give back
/// what it decommits lazily, short enough to count as "shortly after".
const SETTLE: Duration = Duration::from_secs(3);
/// One call may take this long before it counts as failed (only reached when something is wrong).
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Who calls.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Callers {
    /// Everyone presents the same token: one client to the server.
    SharedToken,
    /// Everyone presents their own token.
    OwnTokens,
    /// Own tokens, plus one client keeping `flood` calls in flight.
    OwnTokensAndFlood,
}

/// Calls of one kind of caller, tallied.
#[derive(Debug, Default, Serialize)]
pub struct Calls {
    /// Answered without `isError`.
    pub answered: usize,
    /// Answered with `isError`.
    pub tool_errors: usize,
    /// Refused with HTTP 429.
    pub refused: usize,
    /// Any other failure (other status, transport error, not JSON-RPC, timeout).
    pub failed: usize,
    /// Median round trip of answered calls, ms.
    pub p50_ms: f64,
    /// 99th percentile round trip of answered calls, ms.
    pub p99_ms: f64,
    #[serde(skip)]
    round_trips_ms: Vec<f64>,
}

/// One run.
#[derive(Debug, Serialize)]
pub struct TeamRun {
    /// Who called.
    pub callers: Callers,
    /// Agents, one call in flight each.
    pub agents: usize,
    /// Calls the flooding client kept in flight (0 when there was none).
    pub flood: usize,
    /// Seconds of load.
    pub seconds: f64,
    /// The agents' calls.
    pub agent_calls: Calls,
    /// The flooding client's calls.
    pub flood_calls: Calls,
    /// After start-up and one call of each probe.
    pub before: Memory,
    /// Largest RSS sampled during the load, KiB.
    pub rss_max_kib: u64,
    /// `VmHWM` after the load: the true peak.
    pub peak_kib: u64,
    /// RSS [`SETTLE`] after the load stopped, KiB.
    pub after_kib: u64,
    /// Extra environment the server ran with (`--server-env`).
    pub server_env: Vec<String>,
}

/// The three runs, in order.
pub async fn measure(
    binary: &Path,
    sim: &Sim,
    server_env: &[(String, String)],
    agents: usize,
    flood: usize,
    duration: Duration,
) -> Result<Vec<TeamRun>> {
    let mut runs = Vec::new();
    for callers in [
        Callers::SharedToken,
        Callers::OwnTokens,
        Callers::OwnTokensAndFlood,
    ] {
        tracing::info!(?callers, agents, "team load");
        let setting = Setting {
            callers,
            agents,
            flood,
            duration,
        };
        runs.push(run(binary, sim, server_env, setting).await?);
    }
    Ok(runs)
}

struct Setting {
    callers: Callers,
    agents: usize,
    flood: usize,
    duration: Duration,
}

async fn run(
    binary: &Path,
    sim: &Sim,
    server_env: &[(String, String)],
    setting: Setting,
) -> Result<TeamRun> {
    let Setting {
        callers,
        agents,
        flood,
        duration,
    } = setting;
    let flood = if matches!(callers, Callers::OwnTokensAndFlood) {
        flood
    } else {
        0
    };
    let tokens: Vec<String> = (0..=agents)
        .map(|n| format!("bench-agent-{n:04}"))
        .collect();
    let shared = "bench-shared-team-token".to_owned();
    let mut env = vec![
        ("NANGO_MCP_AUTH_TOKEN", shared.clone()),
        ("NANGO_MCP_AUTH_TOKENS", tokens.join(" ")),
    ];
    env.extend(
        server_env
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone())),
    );
    let server = HttpServer::start_with(binary, sim, &env).await?;
    let url = Arc::new(server.url.clone());
    let warm = reqwest::Client::new();
    for (id, (tool, arguments)) in probes().into_iter().enumerate() {
        let (outcome, _) = post(&warm, &url, &shared, id, tool, &arguments).await;
        anyhow::ensure!(outcome == Call::Answered, "{tool} failed over HTTP");
    }
    let token_of = |agent: usize| match callers {
        Callers::SharedToken => shared.clone(),
        _ => tokens.get(agent).cloned().unwrap_or_else(|| shared.clone()),
    };
    let before = rss::read(server.pid).context("reading the server's memory")?;
    let started = Instant::now();
    let deadline = started + duration;
    let sampler = tokio::spawn(sample_until(server.pid, deadline));
    // The flooder has its own token: the last one, which no agent uses.
    let flood_token = tokens.last().cloned().unwrap_or_default();
    let flood_http = reqwest::Client::new();
    let flooding = join_all((0..flood).map(|lane| {
        let (http, url, token) = (flood_http.clone(), Arc::clone(&url), flood_token.clone());
        async move { one_lane(&http, &url, &token, lane, deadline).await }
    }));
    let agents_calling = join_all((0..agents).map(|agent| {
        let (url, token) = (Arc::clone(&url), token_of(agent));
        // Each agent is its own process in real life: its own connection pool.
        async move { one_lane(&reqwest::Client::new(), &url, &token, agent, deadline).await }
    }));
    let (agent_lanes, flood_lanes) = futures::join!(agents_calling, flooding);
    // The callers are gone: close their connections as their processes would, so "after" is
    // the server's own memory, not a thousand idle keep-alive connections of a finished client.
    drop((flood_http, warm));
    let seconds = started.elapsed().as_secs_f64();
    let (rss_max_kib, _) = sampler.await.context("the RSS sampler")?;
    let peak = rss::read(server.pid).context("reading the server's memory")?;
    tokio::time::sleep(SETTLE).await;
    let after = rss::read(server.pid).context("reading the server's memory")?;
    server.stop().await?;
    Ok(TeamRun {
        callers,
        agents,
        flood,
        seconds,
        agent_calls: Calls::total(agent_lanes),
        flood_calls: Calls::total(flood_lanes),
        before,
        rss_max_kib,
        peak_kib: peak.hwm_kib,
        after_kib: after.rss_kib,
        server_env: server_env
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect(),
    })
}

impl Calls {
    fn record(&mut self, call: Call, round_trip_ms: f64) {
        match call {
            Call::Answered => {
                self.answered += 1;
                self.round_trips_ms.push(round_trip_ms);
            }
            Call::ToolError => self.tool_errors += 1,
            Call::Refused => self.refused += 1,
            Call::Failed => self.failed += 1,
        }
    }

    fn total(lanes: Vec<Calls>) -> Calls {
        let mut total = Calls::default();
        for lane in lanes {
            total.answered += lane.answered;
            total.tool_errors += lane.tool_errors;
            total.refused += lane.refused;
            total.failed += lane.failed;
            total.round_trips_ms.extend(lane.round_trips_ms);
        }
        total.p50_ms = percentile(&total.round_trips_ms, 50.0).unwrap_or(f64::NAN);
        total.p99_ms = percentile(&total.round_trips_ms, 99.0).unwrap_or(f64::NAN);
        total
    }
}

/// One call in flight at a time until `deadline`, walking the probes from its own offset.
async fn one_lane(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    lane: usize,
    deadline: Instant,
) -> Calls {
    let probes = probes();
    let mut calls = Calls::default();
    let mut call = 0;
    while Instant::now() < deadline {
        let Some((tool, arguments)) = probes.get((lane + call) % probes.len().max(1)) else {
            break;
        };
        let (outcome, round_trip) = post(http, url, token, call, tool, arguments).await;
        calls.record(outcome, round_trip);
        if outcome == Call::Refused {
            // What a polite client does with Retry-After: 1.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        call += 1;
    }
    calls
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Answered,
    ToolError,
    Refused,
    Failed,
}

/// One raw JSON-RPC `tools/call` with a bearer token; the outcome and its round trip in ms.
async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    id: usize,
    tool: &str,
    arguments: &Value,
) -> (Call, f64) {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let started = Instant::now();
    let sent = http
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .timeout(CALL_TIMEOUT)
        .json(&body)
        .send()
        .await;
    let call = match sent {
        Ok(response) if response.status().is_success() => match response.text().await {
            Ok(text) => match tool_outcome(&text) {
                Outcome::Answered => Call::Answered,
                Outcome::ToolError => Call::ToolError,
                Outcome::Failed => Call::Failed,
            },
            Err(_) => Call::Failed,
        },
        Ok(response) if response.status() == 429 => Call::Refused,
        Ok(_) | Err(_) => Call::Failed,
    };
    (call, millis(started.elapsed()))
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
