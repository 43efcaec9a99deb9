//! The npm launcher (npm/nango-mcp/bin/nango-mcp.js) run by Node, with `/bin/sh` standing in for
//! the native binary (through NANGO_MCP_BINARY_PATH): it must pass on arguments, stdio, the exit
//! code and signals unchanged. The real binary behind the real packages is `.ci/run`'s npm step.
#![cfg(unix)]
// The helpers below are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader, Write},
    os::unix::process::ExitStatusExt,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
};

fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../npm/nango-mcp/bin/nango-mcp.js")
}

/// `node launcher ARGS` with `sh` as the binary; Node is required (CI installs it for npm).
fn spawn(args: &[&str], binary: Option<&str>) -> Child {
    let mut command = Command::new("node");
    command
        .arg(launcher())
        .args(args)
        .env_remove("NANGO_MCP_BINARY_PATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(binary) = binary {
        command.env("NANGO_MCP_BINARY_PATH", binary);
    }
    command
        .spawn()
        .expect("node must be installed to test the npm launcher")
}

fn run_sh(script: &str, extra: &[&str], stdin: &str) -> Output {
    let mut args = vec!["-c", script, "sh"];
    args.extend_from_slice(extra);
    let mut child = spawn(&args, Some("/bin/sh"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn passes_arguments_unchanged_and_returns_the_exit_code() {
    let output = run_sh(
        r#"printf '%s|' "$@"; exit 7"#,
        &["a b", "--demo", "", "ü"],
        "",
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "a b|--demo||ü|");
    assert_eq!(output.status.code(), Some(7));
}

#[test]
fn connects_stdin_stdout_and_stderr() {
    let output = run_sh(
        r#"read line; echo "out: $line"; echo "err: $line" >&2"#,
        &[],
        "{\"jsonrpc\":\"2.0\"}\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "out: {\"jsonrpc\":\"2.0\"}\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "err: {\"jsonrpc\":\"2.0\"}\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn dies_of_the_signal_that_killed_the_binary() {
    let output = run_sh("kill -TERM $$", &[], "");
    assert_eq!(output.status.signal(), Some(15), "{:?}", output.status);
}

#[test]
fn forwards_a_termination_signal_to_the_binary() {
    let mut child = spawn(
        &[
            "-c",
            // Bounded, so a launcher that fails to forward fails the test instead of hanging it.
            r#"trap 'echo stopping; exit 42' TERM; echo ready; i=0; while [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done; echo "no signal""#,
        ],
        Some("/bin/sh"),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "stopping\n", "the binary got the signal");
    assert_eq!(child.wait().unwrap().code(), Some(42));
}

#[test]
fn says_which_package_is_missing_when_npm_left_it_out() {
    // From the repository no platform package is installed next to the launcher.
    let output = spawn(&["--version"], None).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nango-mcp-"), "{stderr}");
    assert!(
        stderr.contains("is not installed") || stderr.contains("no prebuilt binary"),
        "{stderr}"
    );
}

#[test]
fn reports_a_binary_that_cannot_start() {
    let output = spawn(&[], Some("/nonexistent/nango-mcp"))
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not start /nonexistent/nango-mcp"),
        "{stderr}"
    );
}
