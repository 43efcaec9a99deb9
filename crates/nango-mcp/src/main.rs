//! The `nango-mcp` binary: parse arguments, log to stderr (stdout belongs to JSON-RPC), run.

use std::process::ExitCode;

use clap::Parser;
use nango_mcp::cli::Cli;
use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};

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
    // OTLP export only when OTEL_EXPORTER_OTLP_ENDPOINT asks for it: otherwise no layer at all.
    let tracing_export = match nango_mcp::telemetry::traces::start() {
        Ok(export) => export,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {error}");
            }
            return ExitCode::from(2);
        }
    };
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(nango_mcp::log_filter::filter(&filter));
    let export_layer = tracing_export
        .as_ref()
        .map(|export| nango_mcp::telemetry::traces::layer(export.tracer.clone()));
    tracing_subscriber::registry()
        .with(log)
        .with(export_layer)
        .init();
    let outcome = nango_mcp::app::run(cli).await;
    if let Some(export) = tracing_export {
        export.shutdown().await;
    }
    match outcome {
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
