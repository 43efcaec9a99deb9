//! Cold start: spawn the binary on stdio until `tools/list` is answered (process start, config,
//! MCP `initialize`, `tools/list`), then its idle memory.

use std::{path::Path, time::Duration, time::Instant};

use anyhow::{Context, Result};
use nango_sim::Sim;
use serde::Serialize;

use super::server::StdioServer;
use crate::{
    rss::{self, Memory},
    stats::{Spread, millis},
};

/// Settle time before the idle reading, so start-up allocations have been freed or kept.
const SETTLE: Duration = Duration::from_secs(1);

/// Start-up time over several runs, and memory once idle.
#[derive(Debug, Serialize)]
pub struct ColdStart {
    /// Number of spawns measured.
    pub runs: usize,
    /// Milliseconds from spawn to the `tools/list` answer.
    pub ms: Spread,
    /// Every run, in order, in milliseconds.
    pub samples_ms: Vec<f64>,
    /// The last spawn after `tools/list` and a second of rest: RSS and its peak so far.
    pub idle: Memory,
}

/// Spawns the binary `runs` times.
pub async fn measure(binary: &Path, sim: &Sim, runs: usize) -> Result<ColdStart> {
    let mut samples = Vec::with_capacity(runs);
    let mut idle = None;
    for run in 0..runs {
        let started = Instant::now();
        let server = StdioServer::start(binary, sim).await?;
        let tools = server.client.list_all_tools().await.context("tools/list")?;
        samples.push(millis(started.elapsed()));
        anyhow::ensure!(!tools.is_empty(), "tools/list answered no tools");
        if run + 1 == runs {
            tokio::time::sleep(SETTLE).await;
            idle = rss::read(server.pid);
        }
        server.stop().await;
    }
    Ok(ColdStart {
        runs,
        ms: Spread::of(&samples).context("no cold-start runs")?,
        samples_ms: samples,
        idle: idle.context("could not read the idle server's /proc status")?,
    })
}
