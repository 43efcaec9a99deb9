//! Workspace tasks. `cargo run --release -p xtask -- bench [--quick] [--out FILE]` builds the
//! release nango-mcp and measures it against in-process simulators (see docs/benchmarks.md).
//! `cargo run -p xtask -- npm-pack DIR` writes the npm packages (see docs/distribution.md).

mod bench;
mod jsonrpc;
mod npm;
mod rss;
mod stats;
mod token_table;
mod tokens;

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Workspace tasks for nango-mcp.")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the release nango-mcp and measure it; prints a table and writes JSON.
    Bench(bench::BenchOptions),
    /// Build the release nango-mcp and write the npm launcher and this platform's package.
    NpmPack(npm::NpmPackOptions),
    /// Size, cold start and idle memory of several builds side by side.
    CompareBuilds(bench::compare::CompareOptions),
    /// Write the o200k ASCII token table the server's token bound reads.
    TokenTable(token_table::TokenTableOptions),
    /// Webhook ingestion (deliveries/s, p99, RSS) and list_sync_runs over 1,000,000 stored runs.
    BenchHistory(bench::history::HistoryOptions),
}

#[tokio::main]
async fn main() -> ExitCode {
    // Progress goes to stderr; stdout carries only the table. The simulators and rmcp stay quiet.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_env("XTASK_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,nango_sim=warn,rmcp=warn")),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.task {
        Task::Bench(options) => bench::run(options).await,
        Task::NpmPack(options) => npm::run(options),
        Task::CompareBuilds(options) => bench::compare::run(options).await,
        Task::TokenTable(options) => token_table::run(&options),
        Task::BenchHistory(options) => bench::history::run(options).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
