//! End-to-end harness: a simulator on loopback, the real `nango-mcp` binary spawned over stdio, and
//! rmcp's client driving it. Stderr is captured so tests can check what the server logged.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod browser;
pub mod in_process;

use std::{
    process::Stdio,
    sync::{Arc, Mutex},
};

use nango_sim::{Sim, SimConfig};
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
    transport::TokioChildProcess,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct Harness {
    pub sim: Sim,
    pub client: RunningService<RoleClient, ()>,
    stderr: Arc<Mutex<String>>,
}

impl Harness {
    pub async fn start(config: SimConfig) -> Self {
        Self::start_with(config, &[]).await
    }

    /// Starts the binary with NANGO_SECRET_KEY/NANGO_HOST/NANGO_MANAGEMENT_MCP_URL pointing at a
    /// fresh simulator, plus `env` (which may override them).
    pub async fn start_with(config: SimConfig, env: &[(&str, &str)]) -> Self {
        let sim = Sim::start(config).await.expect("simulator starts");
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NANGO_SECRET_KEY", sim.secret_key())
            .env("NANGO_HOST", sim.base_url())
            // Sync-run logs from the simulator too, as with --demo: no test reaches past loopback.
            .env(
                "NANGO_MANAGEMENT_MCP_URL",
                format!("{}/mcp", sim.base_url()),
            )
            .env("NANGO_MCP_LOG", "debug");
        for (name, value) in env {
            command.env(name, value);
        }
        Self::spawn(sim, command).await
    }

    pub async fn spawn(sim: Sim, command: tokio::process::Command) -> Self {
        let (transport, stderr_pipe) = TokioChildProcess::builder(command)
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary spawns");
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = stderr_pipe {
            let sink = stderr.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut text = sink.lock().unwrap();
                    text.push_str(&line);
                    text.push('\n');
                }
            });
        }
        let client = ().serve(transport).await.expect("MCP handshake");
        Self {
            sim,
            client,
            stderr,
        }
    }

    pub async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments must be an object")
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
            .await
            .unwrap_or_else(|error| panic!("{tool} call failed at the protocol level: {error}"))
    }

    /// A successful call: (structured content, text content).
    pub async fn ok(&self, tool: &str, arguments: Value) -> (Value, String) {
        let result = self.call(tool, arguments.clone()).await;
        let text = text_of(&result);
        assert_ne!(
            result.is_error,
            Some(true),
            "{tool} {arguments} failed: {text}"
        );
        let structured = result
            .structured_content
            .clone()
            .expect("structured content");
        (structured, text)
    }

    /// A failed call's message.
    pub async fn err(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments.clone()).await;
        let text = text_of(&result);
        assert_eq!(
            result.is_error,
            Some(true),
            "{tool} {arguments} should fail but answered: {text}"
        );
        text
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub async fn stop(self) {
        let _ = self.client.cancel().await;
        self.sim.shutdown().await;
    }
}

pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn empty() -> Value {
    json!({})
}

/// Rough token count (bytes / 3.6). The server counts o200k tokens for real; e2e_answers
/// checks budgets with the real tokenizer.
pub fn estimate_tokens(text: &str) -> usize {
    (text.len() as f64 / 3.6).ceil() as usize
}

/// A loopback address nothing listens on (bound to port 0, then released): an upstream that
/// refuses connections at once, or a free port to hand to a child process.
pub fn unused_loopback_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
}

/// One valid call per read tool against `SimConfig::demo()`, in `tools/list` order: each tool's
/// own `EXAMPLE`, so a new tool is covered without editing this list.
pub fn valid_call_per_tool() -> Vec<(&'static str, Value)> {
    nango_mcp::tools::Registry::all()
        .entries()
        .iter()
        .map(|entry| {
            let arguments = serde_json::from_str(entry.example)
                .unwrap_or_else(|error| panic!("{} EXAMPLE is not JSON: {error}", entry.id));
            (entry.id, arguments)
        })
        .collect()
}

/// o200k tokens of `text` with the reference tokenizer: what a model's tokenizer counts.
pub fn o200k_tokens(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len()
}

/// The body of every captured Nango answer, from the real server and from a local one.
pub fn real_sample_bodies() -> Vec<Value> {
    let mut bodies = Vec::new();
    for fixture in [
        include_str!("../../../nango-api/tests/fixtures/real-server-2026-11-29.json"),
        include_str!("../../../nango-api/tests/fixtures/local-server-responses.json"),
    ] {
        let root: Value = serde_json::from_str(fixture).unwrap();
        for sample in root["samples"].as_object().unwrap().values() {
            bodies.push(sample["body"].clone());
        }
    }
    bodies
}

/// A captured body as the text it arrived as (bodies that were not JSON are stored as strings).
pub fn body_text(body: &Value) -> String {
    match body {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
