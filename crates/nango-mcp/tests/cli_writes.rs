//! `nango-mcp call` with a write: asks y/N on a terminal, `--yes` confirms in scripts, and a piped
//! stdin without `--yes` is a no. Without `--allow-writes` the write tools do not exist.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Output, Stdio};

use nango_sim::{Sim, SimConfig};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nango-mcp");
const PAUSE: &str = r#"{"integration":"hubspot-prod","connection_id":"conn-123","syncs":"deals"}"#;

async fn run(sim: &Sim, args: &[&str]) -> Output {
    tokio::process::Command::new(BIN)
        .env_clear()
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap()
}

fn pauses(sim: &Sim) -> usize {
    sim.state()
        .requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == "/sync/pause")
        .count()
}

#[tokio::test]
async fn call_confirms_with_yes_and_treats_a_pipe_as_no() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let refused = run(&sim, &["call", "pause_sync", PAUSE]).await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown tool"));

    let piped = run(
        &sim,
        &["--allow-writes", "call", "pause_sync", PAUSE, "--json"],
    )
    .await;
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let answer: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(answer["status"], "declined", "{answer}");
    assert!(String::from_utf8_lossy(&piped.stderr).contains("--yes"));
    assert_eq!(pauses(&sim), 0);

    let yes = run(
        &sim,
        &[
            "--allow-writes",
            "call",
            "pause_sync",
            PAUSE,
            "--json",
            "--yes",
        ],
    )
    .await;
    assert!(
        yes.status.success(),
        "{}",
        String::from_utf8_lossy(&yes.stderr)
    );
    let answer: Value = serde_json::from_slice(&yes.stdout).unwrap();
    assert_eq!(answer["status"], "done", "{answer}");
    assert_eq!(pauses(&sim), 1);
    sim.shutdown().await;
}

/// Issue 24 (7): the README promises every write is logged at info; `call` logged it only with
/// `NANGO_MCP_LOG=nango_mcp=info`, not by default nor with `--log info`.
#[tokio::test]
async fn call_logs_the_write_by_default_and_with_log_info() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    for extra in [&[][..], &["--log", "info"][..]] {
        let mut args = vec!["--allow-writes"];
        args.extend_from_slice(extra);
        args.extend(["call", "pause_sync", PAUSE, "--yes"]);
        let output = run(&sim, &args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        let line = stderr
            .lines()
            .find(|line| line.contains("write action asked_by=\"local\""))
            .unwrap_or_else(|| panic!("{args:?}: no write line in {stderr}"));
        assert!(
            line.contains("pause_sync") && line.contains("outcome=\"done\""),
            "{line}"
        );
    }
    // The default stays quiet otherwise: no info chatter besides the write line.
    let quiet = run(&sim, &["call", "list_integrations", "{}"]).await;
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains(" INFO "),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    sim.shutdown().await;
}
