//! `xtask bench-history`: webhook ingestion and history reads of a built nango-mcp (debug is
//! fine; say which). Starts the simulator in-process and `nango-mcp --http` with a fresh SQLite
//! file (or `--database-url`), then measures:
//! - deliveries per second and answer-time percentiles of signed sync webhooks sent with
//!   `--concurrency` in flight, and the server's RSS while it ingests (sampled every 20 ms);
//! - `list_sync_runs` answer time (p50, p90) for one connection once `--runs` runs are stored
//!   (bulk-inserted straight into the store, spread over the simulator's 60 connections), with Nango's logs
//!   disabled so the figure is the history path alone.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{TimeZone, Utc};
use futures::StreamExt;
use nango_history::{History, StoredRun, SyncRun};
use nango_sim::{Sim, SimConfig};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

use super::server::HttpServer;

/// The figures go to stdout: they are what the task is run for.
#[allow(clippy::print_stdout)]
fn report(line: String) {
    println!("{line}");
}
use crate::{rss, stats};

const SIGNING_KEY: &str = "bench-webhook-signing-key";

/// Options of `xtask bench-history`.
#[derive(Debug, clap::Args)]
pub struct HistoryOptions {
    /// The nango-mcp binary to measure.
    #[arg(long, default_value = "target/debug/nango-mcp")]
    binary: PathBuf,
    /// Webhooks to deliver.
    #[arg(long, default_value_t = 5_000)]
    deliveries: usize,
    /// Deliveries in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Runs stored before timing `list_sync_runs`.
    #[arg(long, default_value_t = 1_000_000)]
    runs: usize,
    /// `list_sync_runs` calls timed.
    #[arg(long, default_value_t = 50)]
    calls: usize,
    /// A PostgreSQL URL instead of a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

pub async fn run(options: HistoryOptions) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("nango-mcp-bench-history-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| nango_history::sqlite_url(&dir.join("history.sqlite3")));
    let outcome = measure(&options, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn measure(options: &HistoryOptions, url: &str) -> Result<()> {
    let sim = Sim::start(SimConfig::demo()).await?;
    sim.set_logs_enabled(false);
    let server = HttpServer::start_with(
        &options.binary,
        &sim,
        &[
            ("NANGO_WEBHOOK_SIGNING_KEY", SIGNING_KEY.to_owned()),
            ("NANGO_MCP_DATABASE_URL", url.to_owned()),
            (
                "NANGO_MANAGEMENT_MCP_URL",
                format!("{}/mcp", sim.base_url()),
            ),
        ],
    )
    .await?;
    let webhook_url = server.url.replace("/mcp", "/webhooks/nango");
    let (answers, elapsed, rss) = ingest(&webhook_url, server.pid, options).await?;
    let millis: Vec<f64> = answers.iter().map(|d| stats::millis(*d)).collect();
    report(format!(
        "ingest: {} deliveries, {} in flight: {:.0}/s, answer p50 {:.2} ms, p99 {:.2} ms; server RSS while ingesting: peak {} KiB, last {} KiB",
        answers.len(),
        options.concurrency,
        answers.len() as f64 / elapsed.as_secs_f64(),
        stats::percentile(&millis, 50.0).unwrap_or_default(),
        stats::percentile(&millis, 99.0).unwrap_or_default(),
        rss.iter().map(|m| m.rss_kib).max().unwrap_or_default(),
        rss.last().map(|m| m.rss_kib).unwrap_or_default(),
    ));

    let connections: Vec<(String, String)> = sim
        .dataset()
        .connections
        .iter()
        .map(|c| (c.connection_id.clone(), c.provider_config_key.clone()))
        .collect();
    let started = Instant::now();
    bulk_insert(url, options.runs, &connections).await?;
    report(format!(
        "bulk insert: {} runs in {:.1} s",
        options.runs,
        started.elapsed().as_secs_f64()
    ));

    let config = StreamableHttpClientTransportConfig::with_uri(server.url.clone());
    let client =
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .context("MCP handshake")?;
    let mut samples = Vec::new();
    for index in 0..options.calls {
        let (connection, integration) = connections
            .get(index % connections.len().max(1))
            .context("the simulator has no connections")?;
        let arguments = json!({"connection_id": connection, "integration": integration, "limit": 10, "hours": 2_160});
        let serde_json::Value::Object(arguments) = arguments else {
            return Err(anyhow!("arguments"));
        };
        let start = Instant::now();
        let result = client
            .call_tool(CallToolRequestParams::new("list_sync_runs").with_arguments(arguments))
            .await?;
        samples.push(stats::millis(start.elapsed()));
        if result.is_error == Some(true) {
            return Err(anyhow!("list_sync_runs failed: {result:?}"));
        }
    }
    report(format!(
        "list_sync_runs over {} stored runs (one connection, 10 newest, logs off): p50 {:.2} ms, p90 {:.2} ms over {} calls",
        options.runs + answers.len(),
        stats::percentile(&samples, 50.0).unwrap_or_default(),
        stats::percentile(&samples, 90.0).unwrap_or_default(),
        samples.len()
    ));
    let _ = client.cancel().await;
    server.stop().await?;
    sim.shutdown().await;
    Ok(())
}

async fn ingest(
    url: &str,
    pid: u32,
    options: &HistoryOptions,
) -> Result<(Vec<Duration>, Duration, Vec<rss::Memory>)> {
    let client = reqwest::Client::new();
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = Arc::clone(&sampling);
        tokio::spawn(async move {
            let mut readings = Vec::new();
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                readings.extend(rss::read(pid));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            readings
        })
    };
    let started = Instant::now();
    let answers: Vec<Result<Duration>> = futures::stream::iter(0..options.deliveries)
        .map(|index| {
            let client = client.clone();
            async move {
                let body = json!({
                    "connectionId": format!("conn-{}", index % 100), "from": "nango", "model": "Deal",
                    "modifiedAfter": Utc.timestamp_millis_opt(1_765_000_000_000 + index as i64 * 1_000).single().map(|t| t.to_rfc3339()),
                    "providerConfigKey": "hubspot-prod", "queryTimeStamp": null,
                    "responseResults": {"added": index, "deleted": 0, "updated": 1},
                    "success": true, "syncName": "deals", "syncType": "INCREMENTAL", "syncVariant": "base", "type": "sync"
                })
                .to_string();
                let signature = nango_sim::webhooks::sign(SIGNING_KEY, body.as_bytes());
                let start = Instant::now();
                let response = client
                    .post(url)
                    .header("X-Nango-Hmac-Sha256", signature)
                    .body(body)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    return Err(anyhow!("delivery answered {}", response.status()));
                }
                Ok(start.elapsed())
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let elapsed = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let rss = sampler.await.unwrap_or_default();
    let answers = answers.into_iter().collect::<Result<Vec<_>>>()?;
    Ok((answers, elapsed, rss))
}

/// `runs` runs spread over the simulator's connections, ending now.
async fn bulk_insert(url: &str, runs: usize, connections: &[(String, String)]) -> Result<()> {
    let history = History::open(url).await?;
    let now = Utc::now();
    let mut batch = Vec::with_capacity(10_000);
    for index in 0..runs {
        let started = now - chrono::Duration::seconds((runs - index) as i64);
        let (connection, integration) = connections
            .get(index % connections.len().max(1))
            .context("the simulator has no connections")?;
        batch.push(StoredRun {
            id: format!("bench-{index:08}"),
            run: SyncRun {
                environment: "default".to_owned(),
                connection_id: connection.clone(),
                integration: integration.clone(),
                sync_name: "deals".to_owned(),
                variant: "base".to_owned(),
                model: "Deal".to_owned(),
                sync_type: Some("INCREMENTAL".to_owned()),
                state: if index % 17 == 0 { "failed" } else { "success" }.to_owned(),
                added: Some((index % 50) as i64),
                updated: Some(1),
                deleted: Some(0),
                error_type: None,
                error_description: None,
                started_at: Some(started),
                ended_at: started + chrono::Duration::seconds(20),
                received_at: started + chrono::Duration::seconds(21),
            },
        });
        if batch.len() == batch.capacity() {
            history.insert_runs(&batch).await?;
            batch.clear();
        }
    }
    history.insert_runs(&batch).await?;
    history.close().await;
    Ok(())
}
