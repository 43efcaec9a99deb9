//! `nango-mcp call` and `nango-mcp tools` for a person at a terminal: plain text when piped, colours
//! on a terminal, `--json` identical to MCP structuredContent, meaningful exit codes, and the demo
//! answering the product description's example questions without a key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Output;

use common::Harness;
use nango_sim::{Sim, SimConfig};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_nango-mcp");

async fn run(args: &[&str], sim: Option<&Sim>) -> Output {
    let mut command = tokio::process::Command::new(BIN);
    command.env_clear().args(args);
    if let Some(sim) = sim {
        command
            .env("NANGO_SECRET_KEY", sim.secret_key())
            .env("NANGO_HOST", sim.base_url());
    }
    command.output().await.unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn json_output_is_the_mcp_structured_content() {
    let h = Harness::start(SimConfig::demo()).await;
    for (tool, arguments) in [
        (
            "list_connections",
            json!({"health": ["auth_error", "sync_error"]}),
        ),
        ("list_syncs", json!({"connection_id": "conn-abc"})),
        ("get_integration", json!({"integration": "hubspot-prod"})),
    ] {
        let (structured, _) = h.ok(tool, arguments.clone()).await;
        let output = run(
            &["call", tool, &arguments.to_string(), "--json"],
            Some(&h.sim),
        )
        .await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed, structured, "{tool}");
    }
    h.stop().await;
}

#[tokio::test]
async fn piped_output_is_plain_text() {
    let output = run(
        &[
            "--demo",
            "call",
            "list_connections",
            r#"{"integrations":["salesforce"]}"#,
        ],
        None,
    )
    .await;
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains("12 connections match") && text.contains("conn-xyz"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour codes when piped");
}

#[tokio::test]
async fn terminal_output_has_health_colours() {
    // `script` gives the command a pseudo-terminal, as a person's shell would.
    let command =
        format!("{BIN} --demo call list_connections '{{\"integrations\":[\"salesforce\"]}}'");
    let output = tokio::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.contains("\u{1b}[31mauth_error\u{1b}[0m"),
        "auth errors in red: {text:?}"
    );
    assert!(text.contains("\u{1b}[32mok\u{1b}[0m"), "ok in green");
}

#[tokio::test]
async fn exit_codes_and_one_line_reasons() {
    let missing = run(
        &[
            "--demo",
            "call",
            "get_connection",
            r#"{"connection_id":"conn-nope"}"#,
        ],
        None,
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    let reason = String::from_utf8_lossy(&missing.stderr);
    assert!(
        reason.starts_with("error: ") && reason.contains("conn-nope"),
        "{reason}"
    );
    assert!(missing.stdout.is_empty());
    let bad_json = run(&["--demo", "call", "list_connections", "{not json"], None).await;
    assert_eq!(bad_json.status.code(), Some(2));
    let not_object = run(&["--demo", "call", "list_connections", "[1]"], None).await;
    assert_eq!(not_object.status.code(), Some(2));
    let unknown_tool = run(&["--demo", "call", "drop_everything"], None).await;
    assert_eq!(unknown_tool.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown_tool.stderr).contains("list_connections"));
    let version = run(&["--version"], None).await;
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn tools_command_lists_every_tool_in_one_line_each() {
    let output = run(&["--demo", "tools"], None).await;
    assert!(output.status.success());
    let text = stdout(&output);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(names, nango_mcp::tools::Registry::all().names());
    assert!(text.lines().all(|line| line.len() < 260));
}

/// The product description's prompt examples, answered by the sandbox with no key at all.
#[tokio::test]
async fn demo_answers_the_example_questions() {
    let salesforce = run(
        &[
            "--demo",
            "call",
            "list_connections",
            r#"{"integrations":["salesforce"]}"#,
            "--json",
        ],
        None,
    )
    .await;
    let answer: Value = serde_json::from_slice(&salesforce.stdout).unwrap();
    assert_eq!(answer["total"], 12);
    assert_eq!(answer["counts"]["ok"], 10);

    let contacts = run(
        &[
            "--demo",
            "call",
            "list_records",
            r#"{"connection_id":"conn-456","model":"Contact","limit":50}"#,
            "--json",
        ],
        None,
    )
    .await;
    let answer: Value = serde_json::from_slice(&contacts.stdout).unwrap();
    assert_eq!(answer["shown"], 50);

    let named = run(
        &[
            "--demo",
            "call",
            "list_records",
            r#"{"connection_id":"conn-456","model":"Contact","ids":["987","654"]}"#,
        ],
        None,
    )
    .await;
    let text = stdout(&named);
    assert!(text.contains("Alex") && text.contains("Sarah"), "{text}");

    let runs = run(
        &[
            "--demo",
            "call",
            "list_sync_runs",
            r#"{"connection_id":"conn-123","limit":5}"#,
            "--json",
        ],
        None,
    )
    .await;
    assert!(
        runs.status.success(),
        "{}",
        String::from_utf8_lossy(&runs.stderr)
    );
    let answer: Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert!(
        answer["summary"]["total"].as_u64().unwrap() >= 1,
        "{answer}"
    );

    let environment = run(&["--demo", "call", "get_environment"], None).await;
    let text = stdout(&environment);
    assert!(
        text.contains("SANDBOX") && text.contains("sample data"),
        "the demo says it is a sandbox: {text}"
    );
}

/// `nango-mcp call … | head` must end quietly when the reader goes away, not panic.
#[tokio::test]
async fn a_closed_pipe_ends_quietly() {
    let command = format!(
        "{BIN} --demo call list_records '{{\"connection_id\":\"conn-456\",\"model\":\"Contact\",\"limit\":50}}' --json | head -c 100 >/dev/null; echo \"rc=${{PIPESTATUS[0]}}\""
    );
    let output = tokio::process::Command::new("bash")
        .args(["-c", &command])
        .output()
        .await
        .unwrap();
    let text = stdout(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("rc=0"), "{text} {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn tools_lists_the_tools_without_a_key() {
    let output = run(&["tools"], None).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout(&output).contains("list_records"));
}

#[tokio::test]
async fn a_cli_error_is_printed_once() {
    let output = run(&["call", "list_integrations"], None).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("no Nango secret key").count(), 1, "{stderr}");
}
