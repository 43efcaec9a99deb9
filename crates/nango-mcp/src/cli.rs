//! Command line. Every flag has an environment-variable twin; secrets are accepted only from the
//! environment or a file (arguments show in `ps`).

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "nango-mcp",
    version,
    about = "MCP server to audit a Nango instance (read-only)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one tool and print its answer for a person (or `--json` for the structured result).
    Call {
        /// Tool name, e.g. list_connections.
        tool: String,
        /// Arguments as a JSON object, e.g. '{"health":["auth_error"]}'.
        arguments: Option<String>,
        /// Print the structured result as JSON (identical to MCP structuredContent).
        #[arg(long)]
        json: bool,
        /// Confirm a write without the y/N prompt (scripts). Needs --allow-writes.
        #[arg(long)]
        yes: bool,
    },
    /// List the tools with one-line descriptions.
    Tools,
    /// Run the audit and write the connection-health dashboard as one HTML file, data embedded.
    Report {
        /// Where to write it (`-` for stdout).
        #[arg(long, value_name = "FILE", default_value = "nango-health.html")]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Serve Streamable HTTP at ADDR (e.g. 127.0.0.1:8080) instead of stdio.
    #[arg(long, env = "NANGO_MCP_HTTP", value_name = "ADDR")]
    pub http: Option<SocketAddr>,

    /// Run against a built-in sandbox Nango with sample data (no key needed).
    #[arg(long, global = true, env = "NANGO_MCP_DEMO")]
    pub demo: bool,

    /// Nango base URL (self-hosted: your server).
    #[arg(long = "nango-host", env = "NANGO_HOST", value_name = "URL")]
    pub nango_host: Option<String>,

    /// Only these tools (comma-separated).
    #[arg(long, env = "NANGO_MCP_TOOLS", value_delimiter = ',', global = true)]
    pub tools: Vec<String>,

    /// All tools but these (comma-separated).
    #[arg(
        long,
        env = "NANGO_MCP_EXCLUDE_TOOLS",
        value_delimiter = ',',
        global = true
    )]
    pub exclude_tools: Vec<String>,

    /// Only tools of these toolsets: integrations, connections, syncs, records, environment,
    /// actions (the writes; also needs --allow-writes).
    #[arg(long, env = "NANGO_MCP_TOOLSETS", value_delimiter = ',', global = true)]
    pub toolsets: Vec<String>,

    /// Add the write actions (trigger_sync, pause_sync, start_sync, create_reconnect_link), each
    /// confirmed by a person. Off by default.
    #[arg(long, env = "NANGO_MCP_ALLOW_WRITES", global = true)]
    pub allow_writes: bool,

    /// Read-only mode: the default. Writes are enabled only by --allow-writes.
    #[arg(long, env = "NANGO_MCP_READ_ONLY", default_value_t = true, value_parser = read_only_only_true)]
    pub read_only: bool,

    /// Token budget of one answer; longer lists are cut with a cursor.
    #[arg(long, env = "NANGO_MCP_TOKEN_BUDGET", default_value_t = 8_000, value_parser = clap::value_parser!(u32).range(500..=200_000), global = true)]
    pub token_budget: u32,

    /// Seconds one request to Nango may take before it is retried or reported.
    #[arg(long, env = "NANGO_MCP_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600), global = true)]
    pub request_timeout: u64,

    /// Seconds one tool call may spend waiting to retry (backoff, Retry-After, rate-limit pacing).
    #[arg(long, env = "NANGO_MCP_MAX_RETRY_WAIT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=600), global = true)]
    pub max_retry_wait: u64,

    /// Seconds list answers from Nango (connections, integrations, deployed scripts, providers)
    /// are reused, per environment; 0 turns the cache off.
    #[arg(long, env = "NANGO_MCP_CACHE_TTL", default_value_t = crate::config::DEFAULT_CACHE_TTL_SECS, value_parser = clap::value_parser!(u64).range(0..=3_600), global = true)]
    pub cache_ttl: u64,

    /// Hosts the HTTP server answers to (Host header), comma-separated; default loopback names.
    #[arg(long, env = "NANGO_MCP_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Browser origins allowed to call the HTTP server (they also get CORS answers),
    /// comma-separated; default this machine's pages (localhost, 127.0.0.1, [::1]).
    #[arg(long, env = "NANGO_MCP_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    #[command(flatten)]
    pub http_limits: crate::cli_http::HttpLimitArgs,

    #[command(flatten)]
    pub oauth: crate::cli_oauth::OAuthArgs,

    /// Where sync-run and connection-health history from Nango's webhooks is kept:
    /// sqlite://PATH or postgres://… (put a password in the variable, not the flag). Default: a
    /// SQLite file in $XDG_DATA_HOME/nango-mcp (or $NANGO_MCP_DATA_DIR), created by --http.
    #[arg(
        long,
        env = "NANGO_MCP_DATABASE_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Days of webhook history kept.
    #[arg(long, env = "NANGO_MCP_HISTORY_DAYS", default_value_t = crate::history::DEFAULT_HISTORY_DAYS, value_parser = clap::value_parser!(u32).range(1..=3_650), global = true)]
    pub history_days: u32,

    /// Serve Prometheus metrics at http://ADDR/metrics on a listener of their own (off by default).
    #[arg(long, env = "NANGO_MCP_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Valkey/Redis shared by replicas (redis://[user:password@]host:port[/db]): confirmation
    /// codes single-use across all of them.
    #[arg(
        long = "redis-url",
        env = "NANGO_MCP_REDIS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub redis_url: Option<String>,

    /// Log filter for stderr, e.g. info, debug, nango_api=debug [default: info; for `call`
    /// and `tools`, warnings and every write action].
    #[arg(long, env = "NANGO_MCP_LOG", global = true)]
    pub log: Option<String>,
}

/// The filter when the operator sets none. A server logs at info. `call` and `tools` print
/// their answer for a person, so they keep the info chatter out, but never the line each write
/// logs: the README promises every write is logged, and the first default ("warn", applied to
/// `--log info` too) hid it.
pub fn default_log_filter(one_shot_command: bool) -> &'static str {
    if one_shot_command {
        "warn,nango_mcp::writes=info"
    } else {
        "info"
    }
}

fn read_only_only_true(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        _ => Err(
            "read-only is the default; enable write actions with --allow-writes instead".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_call_and_flags() {
        let cli = Cli::try_parse_from([
            "nango-mcp",
            "call",
            "list_connections",
            "{\"limit\":5}",
            "--json",
            "--demo",
        ])
        .unwrap();
        assert!(cli.server.demo);
        assert!(matches!(
            cli.command,
            Some(Command::Call { json: true, .. })
        ));
        assert!(Cli::try_parse_from(["nango-mcp", "--read-only", "false"]).is_err());
        assert!(Cli::try_parse_from(["nango-mcp", "--token-budget", "10"]).is_err());
    }

    /// Issue 24 (8): the help listed five of the six toolsets.
    #[test]
    fn toolsets_help_names_every_toolset() {
        use clap::CommandFactory;
        let command = Cli::command();
        let help = command
            .get_arguments()
            .find(|arg| arg.get_id() == "toolsets")
            .and_then(|arg| arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        for toolset in crate::tools::Toolset::ALL {
            assert!(
                help.contains(toolset.name()),
                "{} missing: {help}",
                toolset.name()
            );
        }
    }

    /// Issue 24 (7): `call` hid the write log line unless the filter named nango_mcp.
    #[test]
    fn one_shot_commands_keep_the_write_line_by_default() {
        let filter = default_log_filter(true);
        assert!(filter.starts_with("warn"), "{filter}");
        assert!(filter.contains("nango_mcp::writes=info"), "{filter}");
        assert_eq!(default_log_filter(false), "info");
        let explicit = Cli::try_parse_from(["nango-mcp", "--log", "info", "tools"]).unwrap();
        assert_eq!(explicit.server.log.as_deref(), Some("info"));
    }
}
