//! "Remote Nango": the questions an agent asks most, against a simulator that answers every
//! request after a fixed delay (Nango Cloud from a laptop or another region). What users feel
//! there is round trips on the critical path, not server CPU, so besides p50/p95 each question
//! reports how many upstream requests it made and how many of them had to wait for another.

use std::{path::Path, time::Instant};

use anyhow::{Context, Result, ensure};
use nango_sim::{RecordedRequest, Sim};
use serde::Serialize;
use serde_json::{Value, json};

use super::server::{StdioServer, ensure_answered};
use crate::stats::{millis, percentile};

/// A request that arrived at least this fraction of the latency after another one cannot have
/// been sent concurrently with it: it waited for that answer (or for something after it).
const DEPENDENT_AFTER: f64 = 0.9;

/// One question: what an agent asks, and the tool call that answers it.
pub struct Question {
    /// Short label for the table.
    pub label: &'static str,
    /// Tool called.
    pub tool: &'static str,
    /// Its arguments.
    pub arguments: Value,
}

/// The questions of issue 12, in the order the table shows them.
pub fn questions() -> Vec<Question> {
    vec![
        Question {
            label: "auth-error connections (2,000)",
            tool: "list_connections",
            arguments: json!({"health": ["auth_error"]}),
        },
        Question {
            label: "one connection (integration given)",
            tool: "get_connection",
            arguments: json!({"connection_id": "conn-xyz", "integration": "salesforce-prod"}),
        },
        Question {
            label: "syncs of one connection",
            tool: "list_syncs",
            arguments: json!({"connection_id": "conn-abc"}),
        },
        Question {
            label: "50 records",
            tool: "list_records",
            arguments: json!({"connection_id": "conn-456", "model": "Contact", "limit": 50}),
        },
        Question {
            label: "environment",
            tool: "get_environment",
            arguments: json!({}),
        },
        Question {
            label: "audit",
            tool: "audit_connections",
            arguments: json!({}),
        },
    ]
}

/// How the server was configured for one pass over the questions.
#[derive(Clone, Copy, Debug, Serialize)]
pub enum CacheMode {
    /// `NANGO_MCP_CACHE_TTL=0`: every call reads Nango (a cold conversation, every time).
    Off,
    /// The server's default TTL: the first call reads Nango, repeats within the TTL may not.
    Default,
}

/// Figures of one question in one cache mode.
#[derive(Debug, Serialize)]
pub struct RemoteQuestion {
    /// What was asked.
    pub question: &'static str,
    /// Tool called.
    pub tool: &'static str,
    /// Its arguments.
    pub arguments: Value,
    /// Cache setting of the server.
    pub cache: CacheMode,
    /// Measured calls (the first one included).
    pub iterations: usize,
    /// The first call's round trip, ms (a fresh server: nothing cached, no connection open).
    pub first_ms: f64,
    /// Median round trip over every call, ms.
    pub p50_ms: f64,
    /// 95th percentile round trip, ms.
    pub p95_ms: f64,
    /// Upstream requests of the first call.
    pub first_requests: usize,
    /// Requests of the first call that each waited for an earlier answer, plus one: the round
    /// trips the call could not avoid.
    pub first_critical_path: usize,
    /// Median upstream requests per call.
    pub p50_requests: usize,
    /// Median critical path per call.
    pub p50_critical_path: usize,
}

/// Every question in both cache modes.
#[derive(Debug, Serialize)]
pub struct Remote {
    /// Latency the simulator added to every request, ms.
    pub latency_ms: u64,
    /// Connections in the environment.
    pub connections: usize,
    /// One row per (question, cache mode).
    pub questions: Vec<RemoteQuestion>,
}

/// Asks every question `iterations` times on a fresh server per cache mode.
pub async fn measure(
    binary: &Path,
    sim: &Sim,
    latency_ms: u64,
    connections: usize,
    iterations: usize,
) -> Result<Remote> {
    let mut rows = Vec::new();
    for cache in [CacheMode::Off, CacheMode::Default] {
        for question in questions() {
            // A fresh server per question: its first call is a conversation's first question.
            let env: Vec<(&str, String)> = match cache {
                CacheMode::Off => vec![("NANGO_MCP_CACHE_TTL", "0".to_owned())],
                CacheMode::Default => Vec::new(),
            };
            let server = StdioServer::start_with(binary, sim, &env).await?;
            let row = ask(&server, sim, &question, cache, latency_ms, iterations).await;
            server.stop().await;
            rows.push(row?);
        }
    }
    Ok(Remote {
        latency_ms,
        connections,
        questions: rows,
    })
}

async fn ask(
    server: &StdioServer,
    sim: &Sim,
    question: &Question,
    cache: CacheMode,
    latency_ms: u64,
    iterations: usize,
) -> Result<RemoteQuestion> {
    let mut times = Vec::with_capacity(iterations);
    let mut requests = Vec::with_capacity(iterations);
    let mut paths = Vec::with_capacity(iterations);
    for _ in 0..iterations.max(1) {
        sim.state().clear_requests();
        let started = Instant::now();
        let result = server.call(question.tool, &question.arguments).await?;
        times.push(millis(started.elapsed()));
        ensure_answered(question.tool, &result)?;
        let seen = sim.requests();
        requests.push(seen.len());
        paths.push(critical_path(&seen, latency_ms));
    }
    let p = |samples: &[f64], at| percentile(samples, at).context("no samples");
    let median = |values: &[usize]| {
        let floats: Vec<f64> = values.iter().map(|&value| value as f64).collect();
        percentile(&floats, 50.0).map_or(0, |value| value as usize)
    };
    ensure!(!times.is_empty(), "no calls measured");
    Ok(RemoteQuestion {
        question: question.label,
        tool: question.tool,
        arguments: question.arguments.clone(),
        cache,
        iterations: times.len(),
        first_ms: times.first().copied().unwrap_or_default(),
        p50_ms: p(&times, 50.0)?,
        p95_ms: p(&times, 95.0)?,
        first_requests: requests.first().copied().unwrap_or_default(),
        first_critical_path: paths.first().copied().unwrap_or_default(),
        p50_requests: median(&requests),
        p50_critical_path: median(&paths),
    })
}

/// The longest chain of requests in which each arrived after the previous one's answer could
/// have come back (every answer takes `latency_ms`): the round trips that were not overlapped.
pub fn critical_path(requests: &[RecordedRequest], latency_ms: u64) -> usize {
    let mut arrivals: Vec<_> = requests.iter().map(|request| request.received_at).collect();
    arrivals.sort();
    let gap = std::time::Duration::from_secs_f64(latency_ms as f64 / 1_000.0 * DEPENDENT_AFTER);
    let mut depth: Vec<usize> = Vec::with_capacity(arrivals.len());
    for (index, arrival) in arrivals.iter().enumerate() {
        let deepest_before = arrivals
            .iter()
            .zip(&depth)
            .take(index)
            .filter(|(earlier, _)| **earlier + gap <= *arrival)
            .map(|(_, level)| *level)
            .max()
            .unwrap_or(0);
        depth.push(deepest_before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn at(start: Instant, ms: u64) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: "/x".into(),
            query: None,
            headers: Vec::new(),
            received_at: start + Duration::from_millis(ms),
        }
    }

    #[test]
    fn concurrent_requests_share_a_round_trip_and_dependent_ones_add_one() {
        let start = Instant::now();
        assert_eq!(critical_path(&[], 100), 0);
        let together = [at(start, 0), at(start, 3), at(start, 5)];
        assert_eq!(critical_path(&together, 100), 1);
        let chained = [at(start, 0), at(start, 104), at(start, 209)];
        assert_eq!(critical_path(&chained, 100), 3);
        // A lookup, then two reads in parallel, then one more that waited for them.
        let mixed = [at(start, 0), at(start, 101), at(start, 102), at(start, 205)];
        assert_eq!(critical_path(&mixed, 100), 3);
    }
}
