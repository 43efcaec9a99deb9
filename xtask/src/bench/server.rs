//! Starting the measured binary: over stdio driven by rmcp's client, or as an HTTP server.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};
use nango_sim::Sim;
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
    transport::TokioChildProcess,
};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

/// How long the HTTP server may take to say where it listens; only reached when it fails to start.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);

/// The binary's environment: only what it needs, pointed at `sim`. Logs at `error` so nothing but
/// real failures reaches the bench's stderr and logging costs nothing in the figures.
fn command(binary: &Path, sim: &Sim) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env("NANGO_MCP_LOG", "error")
        .kill_on_drop(true);
    command
}

/// nango-mcp on stdio with an initialised rmcp client.
pub struct StdioServer {
    /// The MCP client session.
    pub client: RunningService<RoleClient, ()>,
    /// The child's process id, for `/proc` memory readings.
    pub pid: u32,
}

impl StdioServer {
    /// Spawns the binary and completes the MCP handshake.
    pub async fn start(binary: &Path, sim: &Sim) -> Result<Self> {
        Self::start_with(binary, sim, &[]).await
    }

    /// Same, with extra environment variables (e.g. `NANGO_MCP_TOKEN_BUDGET`).
    pub async fn start_with(binary: &Path, sim: &Sim, env: &[(&str, String)]) -> Result<Self> {
        let mut command = command(binary, sim);
        for (name, value) in env {
            command.env(name, value);
        }
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {}", binary.display()))?;
        let pid = transport.id().context("the child has no process id")?;
        let client = ().serve(transport).await.context("MCP handshake over stdio")?;
        Ok(Self { client, pid })
    }

    /// One `tools/call`; protocol failures are errors, tool errors come back as `isError`.
    pub async fn call(&self, tool: &str, arguments: &Value) -> Result<CallToolResult> {
        let mut params = CallToolRequestParams::new(tool.to_owned());
        if let Value::Object(map) = arguments {
            params = params.with_arguments(map.clone());
        }
        self.client
            .call_tool(params)
            .await
            .with_context(|| format!("{tool} {arguments}"))
    }

    /// Closes stdin and waits for the child to exit (rmcp escalates to a kill if it must).
    pub async fn stop(self) {
        let _ = self.client.cancel().await;
    }
}

/// nango-mcp serving Streamable HTTP on a loopback port the OS chose.
pub struct HttpServer {
    child: tokio::process::Child,
    /// The child's process id.
    pub pid: u32,
    /// `http://127.0.0.1:PORT/mcp`.
    pub url: String,
}

impl HttpServer {
    /// Starts `--http 127.0.0.1:0` and reads the bound address from its startup log line.
    pub async fn start(binary: &Path, sim: &Sim) -> Result<Self> {
        Self::start_with(binary, sim, &[]).await
    }

    /// Same, with extra environment variables (e.g. bearer tokens, limits).
    pub async fn start_with(binary: &Path, sim: &Sim, env: &[(&str, String)]) -> Result<Self> {
        Self::start_on(binary, sim, env, 0).await
    }

    /// Same, on a given loopback port (0: any), for settings that name the server's own URL.
    pub async fn start_on(
        binary: &Path,
        sim: &Sim,
        env: &[(&str, String)],
        port: u16,
    ) -> Result<Self> {
        let mut command = command(binary, sim);
        for (name, value) in env {
            command.env(name, value);
        }
        // The listening line is logged at info; everything else stays quiet.
        command
            .env("NANGO_MCP_LOG", "error,nango_mcp::transport=info")
            .args(["--http", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .with_context(|| format!("spawning {} --http", binary.display()))?;
        let pid = child.id().context("the child has no process id")?;
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        let url = loop {
            let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
                .await
                .map_err(|_| anyhow!("the HTTP server did not log its address in time"))??
                .ok_or_else(|| anyhow!("the HTTP server exited before listening"))?;
            if let Some(url) = listening_url(&line) {
                break url;
            }
        };
        // Keep draining so a chatty server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, pid, url })
    }

    /// Kills the server (it holds no state worth a graceful stop) and reaps it.
    pub async fn stop(mut self) -> Result<()> {
        self.child
            .kill()
            .await
            .context("stopping the HTTP server")?;
        Ok(())
    }
}

/// The `url=http://…/mcp` field of the transport's "listening" log line.
fn listening_url(line: &str) -> Option<String> {
    let start = line.find("url=http://")? + "url=".len();
    let rest = line.get(start..)?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let url = rest.get(..end)?;
    url.ends_with("/mcp").then(|| url.to_owned())
}

/// Fails unless `result` answered (not `isError`), with the tool's own message.
pub fn ensure_answered(tool: &str, result: &CallToolResult) -> Result<()> {
    if result.is_error == Some(true) {
        bail!("{tool} answered with an error: {}", text_of(result));
    }
    Ok(())
}

/// The text blocks of a result, joined the way a client shows them.
pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listening_url_in_a_log_line() {
        let line = "2026-11-28T01:00:00Z  INFO nango_mcp::transport::http::server: MCP Streamable HTTP transport listening url=http://127.0.0.1:41234/mcp authenticated=false";
        assert_eq!(
            listening_url(line).as_deref(),
            Some("http://127.0.0.1:41234/mcp")
        );
        assert_eq!(listening_url("INFO serving MCP over Streamable HTTP"), None);
        assert_eq!(listening_url("url=http://127.0.0.1:1/healthz"), None);
    }
}
