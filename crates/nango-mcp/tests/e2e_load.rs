//! The real binary over Streamable HTTP under load and at trace level, on loopback only:
//! - 200 clients, a team sharing one bearer token, call every tool for 10 s: no call may be
//!   refused or fail, and the server's memory must come back to within 1.5 x its post-warm-up
//!   level + 10 MiB (allocator retention and per-call leaks both break that);
//! - with `NANGO_MCP_LOG=trace`, every tool is called, successfully and not (bad arguments,
//!   unknown ids, upstream faults, a wrong token): stderr holds neither the Nango key, nor any
//!   canary, nor the HTTP bearer token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{
    collections::BTreeMap,
    process::Stdio,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use common::{unused_loopback_addr, valid_call_per_tool};
use nango_sim::{Faults, Sim, SimConfig};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};

const TOKEN: &str = "load-test-bearer-token-8c1e4a7f";
const CLIENTS: usize = 200;
const LOAD_FOR: Duration = Duration::from_secs(10);
const WARM_UP_CALLS_PER_CLIENT: usize = 3;
/// How long memory may take to come back after the load; polled, so a fast machine waits less.
const MEMORY_SETTLES_WITHIN: Duration = Duration::from_secs(15);
/// Turns a hang into a failure; never reached when things work.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// `nango-mcp --http 127.0.0.1:<free port>` against a simulator, stderr captured.
struct HttpChild {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl HttpChild {
    async fn start(sim: &Sim, log: &str, env: &[(&str, &str)]) -> Self {
        let addr = unused_loopback_addr();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
        command
            .arg("--http")
            .arg(addr.to_string())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NANGO_SECRET_KEY", sim.secret_key())
            .env("NANGO_HOST", sim.base_url())
            .env("NANGO_MCP_AUTH_TOKEN", TOKEN)
            .env("NANGO_MCP_LOG", log)
            // Sync-run logs: a closed loopback port, so nothing leaves the machine.
            .env(
                "NANGO_MANAGEMENT_MCP_URL",
                format!("http://{}/mcp", unused_loopback_addr()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("binary spawns");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let mut server = Self {
            child,
            url: format!("http://{addr}/mcp"),
            stderr,
        };
        server.wait_until_healthy(addr).await;
        server
    }

    async fn wait_until_healthy(&mut self, addr: std::net::SocketAddr) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + HANG_GUARD;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("server exited early ({status}):\n{}", self.stderr());
            }
            if let Ok(response) = http.get(format!("http://{addr}/healthz")).send().await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server never became healthy:\n{}", self.stderr());
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Resident memory of the child, from /proc (kB).
    fn rss_kb(&self, field: &str) -> u64 {
        let pid = self.child.id().expect("the server is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
    }

    fn cpu_time(&self) -> Duration {
        cpu_time_of(&self.child.id().expect("the server is running").to_string())
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// CPU time a process has used (user + system), from /proc/<pid>/stat in USER_HZ ticks (100 per
/// second on Linux). `pid` may be `self`.
fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let ticks: u64 = after_name
        .split(' ')
        .skip(11)
        .take(2)
        .map(|field| field.parse::<u64>().unwrap())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// One raw `tools/call` (the server is stateless: no initialize needed). Ok(result) or why not.
async fn call(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    id: u64,
    tool: &str,
    arguments: &Value,
) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body)
        .send()
        .await
        .map_err(|error| format!("{tool}: request failed: {error}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|error| format!("{tool}: body failed: {error}"))?;
    if status != 200 {
        return Err(format!("{tool}: HTTP {status}: {text:.300}"));
    }
    let answer: Value =
        serde_json::from_str(&text).map_err(|_| format!("{tool}: not JSON: {text:.300}"))?;
    answer
        .get("result")
        .cloned()
        .ok_or_else(|| format!("{tool}: JSON-RPC error: {answer}"))
}

/// A successful tool result, or why not.
async fn call_ok(
    http: &reqwest::Client,
    url: &str,
    id: u64,
    tool: &str,
    arguments: &Value,
) -> Result<(), String> {
    let result = call(http, url, TOKEN, id, tool, arguments).await?;
    if result["isError"] == true {
        return Err(format!("{tool}: isError: {}", result["content"]));
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    first_failures: Mutex<Vec<String>>,
    /// Per tool: calls and total time, to show where the time goes (printed, never asserted).
    time_per_tool: Mutex<BTreeMap<&'static str, (u32, Duration)>>,
}

impl Tally {
    fn time(&self, tool: &'static str, took: Duration) {
        let mut times = self.time_per_tool.lock().unwrap();
        let entry = times.entry(tool).or_default();
        entry.0 += 1;
        entry.1 += took;
    }

    fn mean_times(&self) -> String {
        self.time_per_tool
            .lock()
            .unwrap()
            .iter()
            .map(|(tool, (calls, total))| {
                format!(
                    "{tool} {} ms",
                    total.as_millis() / u128::from((*calls).max(1))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn record(&self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(why) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let mut first = self.first_failures.lock().unwrap();
                if first.len() < 10 {
                    first.push(why);
                }
            }
        }
    }
}

/// Each client walks the tool table from its own offset, so every tool is always in the mix.
async fn client_loop(url: String, client: usize, tally: Arc<Tally>, until: Instant, max: usize) {
    let http = reqwest::Client::new();
    let calls = valid_call_per_tool();
    let mut index = client;
    let mut done = 0;
    // At least one call each, however slow the shared machine is: every client must be served.
    while done == 0 || (Instant::now() < until && done < max) {
        let (tool, arguments) = &calls[index % calls.len()];
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            HANG_GUARD,
            call_ok(&http, &url, index as u64, tool, arguments),
        )
        .await
        .unwrap_or_else(|_| Err(format!("{tool}: no answer within {HANG_GUARD:?}")));
        tally.time(tool, started.elapsed());
        tally.record(outcome);
        index += 1;
        done += 1;
    }
}

async fn run_clients(url: &str, for_at_most: Duration, calls_per_client: usize) -> Arc<Tally> {
    let tally = Arc::new(Tally::default());
    let until = Instant::now() + for_at_most;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(client_loop(
                url.to_owned(),
                client,
                tally.clone(),
                until,
                calls_per_client,
            ))
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    tally
}

/// RSS (kB) once it is at most `bound_kb`, or the last reading when it stays above it.
async fn rss_settled_under(server: &HttpChild, bound_kb: u64) -> u64 {
    let deadline = Instant::now() + MEMORY_SETTLES_WITHIN;
    loop {
        let rss_kb = server.rss_kb("VmRSS:");
        if rss_kb <= bound_kb || Instant::now() >= deadline {
            return rss_kb;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_of_200_on_one_token_is_never_refused_and_memory_comes_back() {
    // Two hundred clients make thousands of requests a minute: no sim rate limit in the way.
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    })
    .await
    .unwrap();
    // Waiting for a slot is what the team should do on a slow shared machine; a refusal after
    // the default deadline would only measure the machine, so the deadline is far away.
    let server = HttpChild::start(&sim, "warn", &[("NANGO_MCP_QUEUE_TIMEOUT", "600")]).await;

    let warm_up = run_clients(&server.url, HANG_GUARD, WARM_UP_CALLS_PER_CLIENT).await;
    assert_eq!(
        warm_up.failed.load(Ordering::Relaxed),
        0,
        "warm-up failures: {:?}",
        warm_up.first_failures.lock().unwrap()
    );
    let baseline_kb = server.rss_kb("VmRSS:");

    let cpu_before = server.cpu_time();
    let own_cpu_before = cpu_time_of("self");
    let started = Instant::now();
    let load = run_clients(&server.url, LOAD_FOR, usize::MAX).await;
    let elapsed = started.elapsed();
    let server_cpu = server.cpu_time() - cpu_before;
    let own_cpu = cpu_time_of("self") - own_cpu_before;
    let (ok, failed) = (
        load.ok.load(Ordering::Relaxed),
        load.failed.load(Ordering::Relaxed),
    );
    let peak_kb = server.rss_kb("VmHWM:");
    let bound_kb = baseline_kb * 3 / 2 + 10 * 1024;
    let after_kb = rss_settled_under(&server, bound_kb).await;
    eprintln!(
        "load: {CLIENTS} clients, {ok} calls ok, {failed} failed in {:.1} s = {:.0} calls/s; \
         RSS after warm-up {} MB, peak {} MB, after load {} MB; simulator served {} requests",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64(),
        baseline_kb / 1024,
        peak_kb / 1024,
        after_kb / 1024,
        sim.request_count(),
    );
    eprintln!(
        "CPU over the load: server {:.1} s ({:.1} ms per call), simulator + clients {:.1} s; \
         mean time per call: {}",
        server_cpu.as_secs_f64(),
        server_cpu.as_secs_f64() * 1000.0 / ok.max(1) as f64,
        own_cpu.as_secs_f64(),
        load.mean_times()
    );
    assert_eq!(
        failed,
        0,
        "failed calls: {:?}",
        load.first_failures.lock().unwrap()
    );
    assert!(ok >= CLIENTS as u64, "every client got calls through: {ok}");
    assert!(
        after_kb <= bound_kb,
        "memory did not come back: {baseline_kb} kB after warm-up, peak {peak_kb} kB, \
         {after_kb} kB {MEMORY_SETTLES_WITHIN:?} after the load (bound 1.5 x + 10 MiB = {bound_kb} kB)"
    );
    assert!(
        !server.stderr().contains("panicked"),
        "the server panicked:\n{}",
        server.stderr()
    );
    server.stop().await;
    sim.shutdown().await;
}

/// Trace-level logs of successful and failing calls over HTTP hold no secret: not the Nango key,
/// not a canary, not the bearer token (right or wrong).
#[tokio::test]
async fn trace_logs_over_http_hold_no_key_canary_or_bearer_token() {
    const WRONG_TOKEN: &str = "wrong-bearer-token-2d6f0b93";
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let server = HttpChild::start(
        &sim,
        "trace",
        &[
            ("NANGO_MCP_MAX_RETRY_WAIT", "1"),
            ("NANGO_MCP_REQUEST_TIMEOUT", "2"),
            // The faults below must reach every tool; cached lists would answer instead.
            ("NANGO_MCP_CACHE_TTL", "0"),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let mut id = 0;
    let mut next_id = || {
        id += 1;
        id
    };
    for (tool, arguments) in valid_call_per_tool() {
        call_ok(&http, &server.url, next_id(), tool, &arguments)
            .await
            .unwrap();
    }
    // Credentials and secrets in every shape the tools can reach.
    for connection in sim.dataset().connections.iter().take(8) {
        let arguments = json!({"connection_id": connection.connection_id,
                               "integration": connection.provider_config_key});
        call_ok(&http, &server.url, next_id(), "get_connection", &arguments)
            .await
            .unwrap();
    }
    let failing = [
        ("get_connection", json!({"connection_id": "conn-nope"})),
        ("get_integration", json!({"integration": "../nope"})),
        ("list_connections", json!({"colour": "red"})),
        ("list_records", json!({"connection_id": "conn-456"})),
        ("list_connections", json!({"cursor": "not-a-cursor"})),
    ];
    for (tool, arguments) in &failing {
        let result = call(&http, &server.url, TOKEN, next_id(), tool, arguments)
            .await
            .unwrap();
        assert_eq!(result["isError"], true, "{tool} {arguments}: {result}");
    }
    for fault in [
        Faults {
            html_200: true,
            ..Faults::none()
        },
        Faults {
            truncated_json: true,
            ..Faults::none()
        },
        Faults {
            status_burst: 100_000,
            ..Faults::none()
        },
    ] {
        sim.set_faults(fault);
        // search_providers answers from its catalog cache, filled by the calls above.
        for (tool, arguments) in valid_call_per_tool()
            .into_iter()
            .filter(|(tool, _)| *tool != "search_providers")
        {
            let result = call(&http, &server.url, TOKEN, next_id(), tool, &arguments)
                .await
                .unwrap();
            assert_eq!(result["isError"], true, "{tool} under a fault: {result}");
        }
    }
    sim.set_faults(Faults::none());
    let refused = call(
        &http,
        &server.url,
        WRONG_TOKEN,
        next_id(),
        "list_integrations",
        &json!({}),
    )
    .await;
    assert!(
        refused.as_ref().is_err_and(|why| why.contains("401")),
        "{refused:?}"
    );

    // Give the child a moment to flush its last lines.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stderr = server.stderr();
    assert!(
        stderr.contains("TRACE"),
        "logs were captured at trace level"
    );
    assert!(
        stderr.len() > 10_000,
        "trace logs cover the calls ({} bytes)",
        stderr.len()
    );
    assert!(!stderr.contains("panicked"), "the server panicked");
    assert!(!stderr.contains(&sim.secret_key()), "the Nango key leaked");
    assert!(!stderr.contains(TOKEN), "the bearer token leaked");
    assert!(!stderr.contains(WRONG_TOKEN), "a presented token leaked");
    for canary in sim.canaries() {
        assert!(!stderr.contains(&canary), "canary {canary} leaked");
    }
    assert!(
        !stderr.contains(nango_sim::CANARY_MARKER),
        "a canary marker leaked"
    );
    server.stop().await;
    sim.shutdown().await;
}
