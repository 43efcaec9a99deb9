//! Issue 24 (11): a one-shot `call` that meets Nango's per-minute limit with the reset beyond the
//! retry budget failed at once, fine for an agent, not for a person. At a terminal it now offers
//! to wait; piped (an agent, a script) it still fails at once. The terminal is a real pty
//! (util-linux `script`); the answer here is "n", so nothing waits out a real minute.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Stdio;

use nango_sim::{Sim, SimConfig};
use tokio::io::AsyncWriteExt;

const BIN: &str = env!("CARGO_BIN_EXE_nango-mcp");
const QUESTION: &str = "Wait and try again";

/// A simulator whose one request this minute is already spent.
async fn exhausted_sim() -> Sim {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    sim.set_rate_limit(1);
    let spent = reqwest::Client::new()
        .get(format!("{}/integrations", sim.base_url()))
        .bearer_auth(sim.secret_key())
        .send()
        .await
        .unwrap();
    assert!(spent.status().is_success());
    sim
}

fn command(sim: &Sim, program: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        // Any reset is beyond a zero budget: the client gives up at once.
        .env("NANGO_MCP_MAX_RETRY_WAIT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

async fn run_with_input(mut command: tokio::process::Command, input: &[u8]) -> String {
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("finished")
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn piped_call_fails_at_once_without_asking() {
    let sim = exhausted_sim().await;
    let mut piped = command(&sim, BIN);
    piped.args(["call", "list_integrations"]);
    let output = run_with_input(piped, b"y\n").await;
    assert!(output.contains("rate limit"), "{output}");
    assert!(!output.contains(QUESTION), "{output}");
    sim.shutdown().await;
}

#[tokio::test]
async fn call_at_a_terminal_offers_to_wait() {
    let Ok(script) = which("script") else {
        assert!(
            std::env::var("NANGO_MCP_REQUIRE_CHROMIUM").is_err(),
            "CI must have util-linux `script` for the pty test"
        );
        eprintln!("\n\n!!!!! SKIPPED call_at_a_terminal_offers_to_wait: no `script` !!!!!\n\n");
        return;
    };
    let sim = exhausted_sim().await;
    let mut at_terminal = command(&sim, &script);
    at_terminal.args([
        "-q",
        "-e",
        "-c",
        &format!("{BIN} call list_integrations"),
        "/dev/null",
    ]);
    let output = run_with_input(at_terminal, b"n\n").await;
    assert!(output.contains(QUESTION), "{output}");
    assert!(output.contains("rate limit"), "{output}");
    // Declined: one attempt, no retry.
    let asked = sim
        .requests()
        .iter()
        .filter(|request| request.path == "/integrations")
        .count();
    assert_eq!(asked, 2, "the spent request and the call's one attempt");
    sim.shutdown().await;
}

fn which(program: &str) -> Result<String, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
        .ok_or(())
}
