//! `xtask bench`: builds the release nango-mcp, starts simulators in-process and measures start-up,
//! answer sizes, added latency, memory, a long paging walk and an audit under a rate limit.

mod answers;
mod audit;
pub(crate) mod build;
mod cold_start;
pub mod compare;
pub mod history;
mod latency;
mod load;
mod oauth;
mod paging;
mod remote;
mod server;
mod table;
mod team;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};
use nango_sim::{Faults, RecordCountOverride, Sim, SimConfig};
use serde::Serialize;

use server::StdioServer;

/// Options of `xtask bench`.
#[derive(Debug, clap::Args)]
pub struct BenchOptions {
    /// Fewer iterations and a shorter walk: a smoke run for CI (figures are rougher).
    #[arg(long)]
    pub quick: bool,
    /// Where to write the JSON results (directories are created).
    #[arg(long, default_value = "bench-results/bench.json")]
    pub out: PathBuf,
    /// Measure this nango-mcp binary instead of building the release one.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Run only the "remote Nango" scenario (round trips dominate, so a debug binary will do).
    #[arg(long)]
    pub remote_only: bool,
    /// Only the team-server runs (shared token, own tokens, flood); writes only their JSON.
    #[arg(long)]
    pub team_only: bool,
    /// Only the sign-in bench: what validating an OAuth access token adds per call, and JWKS
    /// fetches over the run (a debug binary will do; say so with the figures).
    #[arg(long)]
    pub oauth_only: bool,
    /// NAME=VALUE for the team servers' environment, e.g. NANGO_MCP_MAX_CONCURRENT=200 or
    /// GLIBC_TUNABLES=glibc.malloc.arena_max=1, to compare settings on one binary.
    #[arg(long = "server-env", value_name = "NAME=VALUE", value_parser = name_value)]
    pub server_env: Vec<(String, String)>,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("expected NAME=VALUE, got {text}"))
}

/// How much to measure.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Spawns for the cold-start figure.
    pub cold_start_runs: usize,
    /// Measured calls per tool for added latency.
    pub latency_iterations: usize,
    /// Concurrent HTTP clients.
    pub load_clients: usize,
    /// Seconds of HTTP load.
    pub load_seconds: u64,
    /// Agents of the team-server runs, one call in flight each.
    pub team_agents: usize,
    /// Calls the flooding client keeps in flight.
    pub team_flood: usize,
    /// Seconds of each team-server run.
    pub team_seconds: u64,
    /// Records on the walked connection.
    pub walk_records: usize,
    /// `limit` of each page of the walk.
    pub walk_limit: usize,
    /// Token budget of the second walk, large enough for `walk_limit` records per page.
    pub walk_raised_budget: u32,
    /// Connections in the large environment.
    pub connections: usize,
    /// Integrations in the large environment.
    pub integrations: usize,
    /// Latency the simulator adds to every response in the audit, ms.
    pub audit_latency_ms: u64,
    /// The simulator's budget in the audit, requests per minute.
    pub audit_rate_limit: u32,
    /// Latency of every request in the "remote Nango" scenario, ms.
    pub remote_latency_ms: u64,
    /// Calls per question in the "remote Nango" scenario, per cache mode.
    pub remote_iterations: usize,
}

impl Plan {
    /// The full bench, or the quick smoke run.
    pub fn new(quick: bool) -> Self {
        let full = Self {
            cold_start_runs: 15,
            latency_iterations: 500,
            load_clients: 100,
            load_seconds: 10,
            team_agents: 200,
            team_flood: 1_000,
            team_seconds: 30,
            walk_records: 100_000,
            walk_limit: 500,
            walk_raised_budget: 200_000,
            connections: 2_000,
            integrations: 40,
            audit_latency_ms: 50,
            audit_rate_limit: 200,
            remote_latency_ms: 100,
            remote_iterations: 20,
        };
        if quick {
            Self {
                cold_start_runs: 3,
                latency_iterations: 20,
                load_seconds: 1,
                team_seconds: 2,
                walk_records: 5_000,
                remote_iterations: 5,
                ..full
            }
        } else {
            full
        }
    }
}

/// Everything measured, as written to the JSON file.
#[derive(Debug, Serialize)]
pub struct Report {
    /// When the run started (UTC, RFC 3339).
    pub date: String,
    /// `quick` or `full`.
    pub mode: &'static str,
    /// CPUs available to the run.
    pub cpus: usize,
    /// The plan that was run.
    pub plan: Plan,
    /// The binary measured.
    pub binary: PathBuf,
    /// Its size in bytes.
    pub binary_bytes: u64,
    /// Spawn → `tools/list` answered, and idle memory.
    pub cold_start: cold_start::ColdStart,
    /// o200k tokens of `tools/list` and of fixed answers.
    pub sizes: answers::Sizes,
    /// Server-added latency per tool call.
    pub added_latency: Vec<latency::AddedLatency>,
    /// Memory and throughput under concurrent HTTP clients.
    pub load: load::Load,
    /// A team server: shared token, own tokens, own tokens plus a flooding client.
    pub team: Vec<team::TeamRun>,
    /// Paging through a large model: at the default token budget, then at a raised one.
    pub walks: Vec<paging::Walk>,
    /// One audit of a large, slow, rate-limited environment.
    pub audit: audit::Audit,
    /// The common questions against a Nango 100 ms away.
    pub remote: remote::Remote,
}

/// What `--team-only` measures: start-up and idle memory (which must not grow for the team
/// server's sake) and the team-server runs.
#[derive(Debug, Serialize)]
pub struct TeamReport {
    /// When the run started (UTC, RFC 3339).
    pub date: String,
    /// The binary measured.
    pub binary: PathBuf,
    /// Its size in bytes.
    pub binary_bytes: u64,
    /// Spawn → `tools/list` answered, and idle memory.
    pub cold_start: cold_start::ColdStart,
    /// Shared token, own tokens, own tokens plus a flooding client.
    pub team: Vec<team::TeamRun>,
}

/// Runs the whole bench, prints the table, writes the JSON.
pub async fn run(options: BenchOptions) -> Result<()> {
    let plan = Plan::new(options.quick);
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let binary = match options.binary {
        Some(binary) => binary,
        None => {
            let workspace = workspace_root();
            tokio::task::spawn_blocking(move || build::release_binary(&workspace)).await??
        }
    };
    let binary_bytes = std::fs::metadata(&binary)
        .with_context(|| format!("reading {}", binary.display()))?
        .len();
    if options.remote_only {
        let remote = measure_remote(&binary, &plan).await?;
        table::print_remote(&remote)?;
        return write_json(&options.out, &remote);
    }

    if options.oauth_only {
        let sim = Sim::start(SimConfig::demo()).await?;
        let calls = if options.quick { 200 } else { 1_000 };
        let cost = oauth::measure(&binary, &sim, calls).await?;
        sim.shutdown().await;
        tracing::info!(?cost, "sign-in: validation cost");
        use std::io::Write as _;
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&cost)?
        )?;
        return write_json(&options.out, &cost);
    }
    let large = Sim::start(large_environment(&plan)).await?;
    tracing::info!(runs = plan.cold_start_runs, "cold start");
    let cold_start = cold_start::measure(&binary, &large, plan.cold_start_runs).await?;
    if options.team_only {
        let team = measure_team(&binary, &large, &plan, &options.server_env).await?;
        large.shutdown().await;
        let report = TeamReport {
            date,
            binary,
            binary_bytes,
            cold_start,
            team,
        };
        table::print_team(&report)?;
        return write_json(&options.out, &report);
    }
    // Cache off: server-added latency is measured around the upstream request each call makes
    // (with the cache a repeated call makes none), as before the cache existed.
    let uncached = [("NANGO_MCP_CACHE_TTL", "0".to_owned())];
    let server = StdioServer::start_with(&binary, &large, &uncached).await?;
    tracing::info!("answer sizes");
    let sizes = answers::measure(&server).await?;
    tracing::info!(iterations = plan.latency_iterations, "server-added latency");
    let added_latency = latency::measure(&server, &large, plan.latency_iterations).await?;
    server.stop().await;
    tracing::info!(
        clients = plan.load_clients,
        seconds = plan.load_seconds,
        "HTTP load"
    );
    let load = load::measure(
        &binary,
        &large,
        plan.load_clients,
        Duration::from_secs(plan.load_seconds),
    )
    .await?;
    let team = measure_team(&binary, &large, &plan, &options.server_env).await?;
    large.shutdown().await;

    tracing::info!(records = plan.walk_records, "list_records walks");
    let walked = Sim::start(walk_environment(&plan)).await?;
    let mut walks = Vec::new();
    for budget in [None, Some(plan.walk_raised_budget)] {
        walks.push(
            paging::measure(&binary, &walked, plan.walk_records, plan.walk_limit, budget).await?,
        );
    }
    walked.shutdown().await;

    tracing::info!("audit under a rate limit");
    let (audited, setting) = audit_environment(&plan);
    let audited = Sim::start(audited).await?;
    let audit = audit::measure(&binary, &audited, &setting).await?;
    audited.shutdown().await;

    let remote = measure_remote(&binary, &plan).await?;

    let report = Report {
        date,
        mode: if options.quick { "quick" } else { "full" },
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        plan,
        binary,
        binary_bytes,
        cold_start,
        sizes,
        added_latency,
        load,
        team,
        walks,
        audit,
        remote,
    };
    table::print(&report)?;
    write_json(&options.out, &report)?;
    tracing::info!(path = %options.out.display(), "wrote the results");
    Ok(())
}

async fn measure_team(
    binary: &Path,
    sim: &Sim,
    plan: &Plan,
    server_env: &[(String, String)],
) -> Result<Vec<team::TeamRun>> {
    team::measure(
        binary,
        sim,
        server_env,
        plan.team_agents,
        plan.team_flood,
        Duration::from_secs(plan.team_seconds),
    )
    .await
}

/// The workspace this xtask belongs to (its manifest sits one level down).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// 2,000 connections over 40 integrations, with the product's example ids.
pub(crate) fn large_environment(plan: &Plan) -> SimConfig {
    SimConfig {
        connections: plan.connections,
        integrations: plan.integrations,
        // Timings of our code, not of the sim's default 200/min (the audit bench sets its own).
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    }
}

/// The default environment, with one connection's model grown to the walk's size.
fn walk_environment(plan: &Plan) -> SimConfig {
    SimConfig {
        record_count_overrides: vec![RecordCountOverride {
            connection_id: paging::CONNECTION.to_owned(),
            model: paging::MODEL.to_owned(),
            count: plan.walk_records,
        }],
        // The walk pages fast through many records: no 200/min limit in its way.
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    }
}

/// The large environment behind a slow, rate-limited Nango.
fn audit_environment(plan: &Plan) -> (SimConfig, audit::Setting) {
    let config = SimConfig {
        rate_limit_per_minute: plan.audit_rate_limit,
        faults: Faults {
            latency: Duration::from_millis(plan.audit_latency_ms),
            ..Faults::none()
        },
        ..large_environment(plan)
    };
    let setting = audit::Setting {
        connections: plan.connections,
        integrations: plan.integrations,
        latency_ms: plan.audit_latency_ms,
        rate_limit_per_minute: plan.audit_rate_limit,
    };
    (config, setting)
}

/// The large environment with every request delayed by `remote_latency_ms`.
async fn measure_remote(binary: &Path, plan: &Plan) -> Result<remote::Remote> {
    tracing::info!(
        latency_ms = plan.remote_latency_ms,
        iterations = plan.remote_iterations,
        "remote Nango"
    );
    let config = SimConfig {
        faults: Faults {
            latency: Duration::from_millis(plan.remote_latency_ms),
            ..Faults::none()
        },
        ..large_environment(plan)
    };
    let sim = Sim::start(config).await?;
    let remote = remote::measure(
        binary,
        &sim,
        plan.remote_latency_ms,
        plan.connections,
        plan.remote_iterations,
    )
    .await;
    sim.shutdown().await;
    remote
}

fn write_json(path: &Path, report: &impl Serialize) -> Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
}
