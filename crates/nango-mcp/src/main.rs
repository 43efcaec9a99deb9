//! The `nango-mcp` binary: parse arguments, log to stderr (stdout belongs to JSON-RPC), run.

use std::process::ExitCode;

use clap::Parser;
use nango_mcp::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = cli
        .server
        .log
        .as_deref()
        .unwrap_or_else(|| nango_mcp::cli::default_log_filter(cli.command.is_some()));
    // With writes on, JSON-RPC messages carry confirmation codes and Connect links: rmcp's
    // message dumps (debug and below) must never reach the log, whatever the filter asks.
    let filter = if cli.server.allow_writes {
        format!("{filter},rmcp::service=info")
    } else {
        filter.to_owned()
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(nango_mcp::log_filter::filter(&filter))
        .init();
    match nango_mcp::app::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            // Once, for the person at the terminal; a log line too would print it twice.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(2)
        }
    }
}
