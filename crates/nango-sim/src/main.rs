//! `nango-sim`: run the simulator as a standalone server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use clap::Parser;
use nango_sim::{
    DEFAULT_RATE_LIMIT_PER_MINUTE, DEMO_SECRET_KEY, Faults, RecordCountOverride, Sim, SimConfig,
    SimKey,
};

/// A Nango API simulator with seeded sample data.
#[derive(Debug, Parser)]
#[command(name = "nango-sim", version, about)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 3003)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Full-access secret key (UUID v4).
    #[arg(long, env = "NANGO_SIM_SECRET_KEY", default_value = DEMO_SECRET_KEY)]
    secret_key: String,
    /// Extra key with read-only scopes (no `*:read_credentials`).
    #[arg(long, env = "NANGO_SIM_READ_ONLY_KEY")]
    read_only_key: Option<String>,
    /// Dataset seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of integrations.
    #[arg(long, default_value_t = 8)]
    integrations: usize,
    /// Number of connections.
    #[arg(long, default_value_t = 60)]
    connections: usize,
    /// Records per (connection, model).
    #[arg(long, default_value_t = 120)]
    records_per_model: usize,
    /// Record count for one pair, as CONNECTION:MODEL=COUNT (repeatable).
    #[arg(long = "records-override", value_parser = parse_override)]
    records_overrides: Vec<RecordCountOverride>,
    /// Provider catalog size (0 = Nango's real 981 providers; more adds synthetic variants).
    #[arg(long, default_value_t = 0)]
    providers: usize,
    /// Requests per minute, with X-RateLimit-* headers like Nango (0 = no limit, no headers).
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    rate_limit: u32,
    /// Milliseconds added to every response, like a Nango one network hop away.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Send the webhooks Nango would have sent for the simulated history (every finished sync
    /// run, every refresh failure), signed, to this URL once started (e.g. nango-mcp's
    /// http://127.0.0.1:8080/webhooks/nango).
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// The environment's webhook signing key the webhooks are signed with.
    #[arg(
        long,
        env = "NANGO_SIM_WEBHOOK_SIGNING_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    webhook_signing_key: String,
    /// The environment name auth webhooks carry.
    #[arg(long, default_value = "default")]
    webhook_environment: String,
    /// Only these connections' webhooks (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    webhook_connections: Vec<String>,
}

fn parse_override(raw: &str) -> Result<RecordCountOverride, String> {
    let (pair, count) = raw
        .split_once('=')
        .ok_or("expected CONNECTION:MODEL=COUNT")?;
    let (connection_id, model) = pair
        .split_once(':')
        .ok_or("expected CONNECTION:MODEL=COUNT")?;
    let count = count.parse().map_err(|e| format!("bad count: {e}"))?;
    Ok(RecordCountOverride {
        connection_id: connection_id.to_owned(),
        model: model.to_owned(),
        count,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut keys = vec![SimKey::full_access(args.secret_key)];
    if let Some(key) = args.read_only_key {
        keys.push(SimKey::read_only(key));
    }
    let config = SimConfig {
        seed: args.seed,
        integrations: args.integrations,
        connections: args.connections,
        records_per_model: args.records_per_model,
        record_count_overrides: args.records_overrides,
        providers: args.providers,
        rate_limit_per_minute: args.rate_limit,
        keys,
        faults: Faults {
            latency: std::time::Duration::from_millis(args.latency_ms),
            ..Faults::none()
        },
        ..SimConfig::default()
    };
    let sim = Sim::start_on(config, SocketAddr::new(args.host, args.port)).await?;
    let dataset = sim.dataset();
    tracing::info!(
        integrations = dataset.integrations.len(),
        connections = dataset.connections.len(),
        "dataset ready"
    );
    if let Some(url) = args.webhook_url {
        let target = nango_sim::webhooks::WebhookTarget {
            url,
            signing_key: args.webhook_signing_key,
            environment: args.webhook_environment,
        };
        let only: Vec<&str> = args
            .webhook_connections
            .iter()
            .map(String::as_str)
            .collect();
        let bodies = nango_sim::webhooks::history(&dataset, &target.environment, &only);
        let report = nango_sim::webhooks::send(&target, bodies).await;
        tracing::info!(
            delivered = report.delivered,
            refused = report.refused,
            "webhooks sent"
        );
    }
    // The one line on stdout: scripts wait for it to know the port.
    #[allow(clippy::print_stdout)]
    {
        println!("nango-sim listening on {}", sim.base_url());
    }
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    sim.shutdown().await;
    Ok(())
}
