//! `xtask compare-builds`: size, cold start and idle memory of several nango-mcp builds (features,
//! profiles, the npm launcher) side by side. Runs are interleaved, one spawn of each binary per
//! round, so load from other processes on a shared machine falls on every build alike.

use std::{path::PathBuf, time::Instant};

use anyhow::{Context, Result};
use nango_sim::Sim;

use super::{Plan, large_environment, server::StdioServer};
use crate::{
    rss,
    stats::{Spread, millis},
};

/// Options of `xtask compare-builds`.
#[derive(Debug, clap::Args)]
pub struct CompareOptions {
    /// The builds to compare (any executable that serves MCP on stdio, e.g. the npm launcher).
    #[arg(required = true, value_name = "BINARY")]
    pub binaries: Vec<PathBuf>,
    /// Spawns of each binary.
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
}

/// Measures every binary against one simulator and prints a Markdown table.
pub async fn run(options: CompareOptions) -> Result<()> {
    let sim = Sim::start(large_environment(&Plan::new(false))).await?;
    let mut samples = vec![Vec::with_capacity(options.runs); options.binaries.len()];
    for round in 0..options.runs {
        tracing::info!(round, "cold-start round");
        for (binary, times) in options.binaries.iter().zip(samples.iter_mut()) {
            let started = Instant::now();
            let server = StdioServer::start(binary, &sim).await?;
            let tools = server.client.list_all_tools().await.context("tools/list")?;
            times.push(millis(started.elapsed()));
            anyhow::ensure!(!tools.is_empty(), "{} listed no tools", binary.display());
            server.stop().await;
        }
    }
    let mut table = String::from(
        "| binary | size (MiB) | cold start ms, median (min–max) | idle RSS (MiB) |\n| --- | --- | --- | --- |\n",
    );
    for (binary, times) in options.binaries.iter().zip(&samples) {
        let spread = Spread::of(times).context("no runs")?;
        let size = std::fs::metadata(binary)?.len() as f64 / 1_048_576.0;
        let idle = idle_rss_mib(binary, &sim).await?;
        table.push_str(&format!(
            "| {} | {size:.1} | {:.1} ({:.1}–{:.1}) | {idle:.1} |\n",
            binary.display(),
            spread.median,
            spread.min,
            spread.max
        ));
    }
    sim.shutdown().await;
    #[allow(clippy::print_stdout)]
    {
        print!("{table}");
    }
    Ok(())
}

/// RSS of a fresh server a second after `tools/list`, as the bench's idle figure.
async fn idle_rss_mib(binary: &std::path::Path, sim: &Sim) -> Result<f64> {
    let server = StdioServer::start(binary, sim).await?;
    server.client.list_all_tools().await.context("tools/list")?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let memory = rss::read(server.pid);
    server.stop().await;
    Ok(memory.map_or(f64::NAN, |memory| memory.rss_kib as f64 / 1024.0))
}
