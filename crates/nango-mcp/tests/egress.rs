//! A key goes only where the user pointed it. The real binary runs under `strace` with `NANGO_HOST`
//! on loopback and no Management MCP URL (a self-hosted Nango), every tool is called (writes
//! included, confirmed), every resource read and every prompt fetched, and then the `report`
//! command runs too: no socket may open to an address off loopback, and no name may be looked up
//! (a DNS query would show as a connect to the resolver, or to nscd's socket).
//!
//! Needs `strace` (Debian's package); skipped without it unless NANGO_MCP_REQUIRE_STRACE is set,
//! as CI does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::{Harness, text_of};
use nango_sim::SimConfig;
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams, ReadResourceRequestParams, Tool};
use serde_json::{Map, Value, json};

const CONFIRM_SECRET: &str = "egress-test-secret";

fn strace() -> Option<PathBuf> {
    let found = ["/usr/bin/strace", "/bin/strace"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("NANGO_MCP_REQUIRE_STRACE").is_none(),
            "strace is required (NANGO_MCP_REQUIRE_STRACE is set) but not installed"
        );
        eprintln!("skipped: strace is not installed");
    }
    found
}

/// `strace -f` around a command: every connect and send with an address, to `trace`.
fn traced(strace: &Path, trace: &Path, program: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(strace);
    command
        .arg("-f")
        .arg("-qq")
        .args(["-e", "trace=connect,sendto,sendmsg,sendmmsg"])
        .arg("-o")
        .arg(trace)
        .arg(program);
    command
}

fn self_hosted_env(command: &mut tokio::process::Command, sim: &nango_sim::Sim) {
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env("NANGO_MCP_ALLOW_WRITES", "true")
        .env("NANGO_MCP_CONFIRM_SECRET", CONFIRM_SECRET)
        .env("NANGO_MCP_LOG", "debug");
}

/// Addresses the traced process reached, or tried to, that are not loopback.
fn off_loopback(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|line| line.contains("sa_family="))
        .filter(|line| !is_loopback_only(line))
        .map(str::to_owned)
        .collect()
}

fn is_loopback_only(line: &str) -> bool {
    if line.contains("sa_family=AF_UNIX") {
        // nscd answers name lookups; nothing else here talks over a Unix socket.
        return !line.contains("nscd");
    }
    let v4 = quoted_after(line, "inet_addr(\"");
    let v6 = quoted_after(line, "inet_pton(AF_INET6, \"");
    let addresses: Vec<&str> = v4.into_iter().chain(v6).collect();
    !addresses.is_empty()
        && addresses.iter().all(|address| {
            address
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
        })
        && !line.contains("AF_NETLINK")
}

fn quoted_after<'a>(line: &'a str, marker: &str) -> Vec<&'a str> {
    line.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &line[at + marker.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Plausible arguments for each tool of the demo data; anything unknown gets `{}`.
fn arguments_for(tool: &Tool) -> Map<String, Value> {
    let value = match tool.name.as_ref() {
        "get_integration" => json!({"integration": "hubspot-prod"}),
        "get_connection" => json!({"connection_id": "conn-123", "credentials": true}),
        "list_syncs" | "list_sync_runs" => {
            json!({"integration": "hubspot-prod", "connection_id": "conn-123"})
        }
        "list_records" => {
            json!({"integration": "hubspot-prod", "connection_id": "conn-123", "model": "Deal", "limit": 5})
        }
        "search_providers" => json!({"query": "hub"}),
        "trigger_sync" | "pause_sync" | "start_sync" => {
            json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"})
        }
        "create_reconnect_link" => {
            json!({"integration": "hubspot-prod", "connection_id": "conn-123"})
        }
        _ => json!({}),
    };
    value.as_object().cloned().unwrap_or_default()
}

async fn call_every_tool(harness: &Harness) -> Vec<String> {
    let tools = harness.client.list_all_tools().await.unwrap();
    assert!(
        tools.len() >= 14,
        "writes are enabled: {} tools",
        tools.len()
    );
    let mut called = Vec::new();
    for tool in &tools {
        let arguments = arguments_for(tool);
        let request = CallToolRequestParams::new(tool.name.to_string());
        let result = harness
            .client
            .call_tool(request.clone().with_arguments(arguments.clone()))
            .await
            .unwrap();
        // A write previews first; confirming it makes the write itself go out too.
        if let Some(code) = result
            .structured_content
            .as_ref()
            .and_then(|content| content.get("confirmation"))
            .and_then(Value::as_str)
        {
            let mut confirmed = arguments.clone();
            confirmed.insert("confirmation".to_owned(), json!(code));
            let done = harness
                .client
                .call_tool(request.with_arguments(confirmed))
                .await
                .unwrap();
            assert_ne!(
                done.is_error,
                Some(true),
                "{}: {}",
                tool.name,
                text_of(&done)
            );
        }
        called.push(tool.name.to_string());
    }
    called
}

async fn read_everything_else(harness: &Harness) {
    for resource in harness.client.list_all_resources().await.unwrap() {
        let _ = harness
            .client
            .read_resource(ReadResourceRequestParams::new(resource.uri.clone()))
            .await;
    }
    for prompt in harness.client.list_all_prompts().await.unwrap() {
        let _ = harness
            .client
            .get_prompt(GetPromptRequestParams::new(prompt.name.clone()))
            .await;
    }
}

#[tokio::test]
async fn a_self_hosted_key_never_leaves_loopback() {
    let Some(strace) = strace() else { return };
    let dir = std::env::temp_dir().join(format!("nango-mcp-egress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server_trace = dir.join("server.trace");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_nango-mcp"));

    let sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let mut command = traced(&strace, &server_trace, &binary);
    self_hosted_env(&mut command, &sim);
    let harness = Harness::spawn(sim, command).await;

    let called = call_every_tool(&harness).await;
    assert!(called.contains(&"list_sync_runs".to_owned()), "{called:?}");
    let runs = harness
        .call(
            "list_sync_runs",
            json!({"integration": "hubspot-prod", "connection_id": "conn-123"}),
        )
        .await;
    let runs_text = text_of(&runs);
    assert_ne!(runs.is_error, Some(true), "{runs_text}");
    assert!(
        runs_text.contains("NANGO_MANAGEMENT_MCP_URL") && !runs_text.contains("mcp.nango.dev"),
        "list_sync_runs says how to configure the Management MCP: {runs_text}"
    );
    assert_eq!(
        runs.structured_content.as_ref().unwrap()["source"],
        "latest_status"
    );
    read_everything_else(&harness).await;
    let sim_requests = harness.sim.state().requests().len();
    let report_sim_url = harness.sim.base_url();
    let secret_key = harness.sim.secret_key();
    harness.stop().await;
    assert!(
        sim_requests > called.len(),
        "the tools reached the simulator"
    );

    // `report` is a one-shot command with its own start-up: trace it too.
    let report_trace = dir.join("report.trace");
    let report_sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let mut report = traced(&strace, &report_trace, &binary);
    self_hosted_env(&mut report, &report_sim);
    let out = dir.join("report.html");
    let status = report
        .arg("report")
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success(), "report ran against {report_sim_url}");
    report_sim.shutdown().await;

    for trace in [&server_trace, &report_trace] {
        let text = std::fs::read_to_string(trace).unwrap();
        assert!(
            text.contains("inet_addr(\"127.0.0.1\")"),
            "the trace saw the loopback connections to the simulator: {}",
            trace.display()
        );
        let leaks = off_loopback(&text);
        assert!(
            leaks.is_empty(),
            "{} reached off loopback or looked a name up:\n{}",
            trace.display(),
            leaks.join("\n")
        );
        assert!(!text.contains(&secret_key));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_trace_reader_flags_what_it_must() {
    let lookup = r#"7 connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0"#;
    let cloud = r#"7 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH"#;
    let nscd =
        r#"7 connect(9, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT"#;
    let local = r#"7 connect(9, {sa_family=AF_INET, sin_port=htons(3003), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS"#;
    let local6 = r#"7 connect(9, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0"#;
    let trace = [lookup, cloud, nscd, local, local6].join("\n");
    assert_eq!(off_loopback(&trace), [lookup, cloud, nscd]);
}
