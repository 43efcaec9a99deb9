//! Flags of the HTTP transport's capacity: how many calls run at once, how many may wait, and
//! for how long. Each has an environment-variable twin.

use std::time::Duration;

use clap::Args;
use clap::builder::TypedValueParser;

use crate::transport::http::{
    DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_CLIENT,
    DEFAULT_QUEUE_TIMEOUT, HttpSettings,
};

/// Limits of `--http`. A client is a bearer token (see `NANGO_MCP_AUTH_TOKENS`), or the caller's
/// IP address on an unauthenticated loopback server.
#[derive(Debug, Args)]
pub struct HttpLimitArgs {
    /// HTTP: calls running at once, all clients together; more wait their turn.
    #[arg(long, env = "NANGO_MCP_MAX_CONCURRENT", default_value_t = DEFAULT_MAX_CONCURRENT, value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize))]
    pub max_concurrent: usize,

    /// HTTP: calls one client may have running at once (default: the whole --max-concurrent).
    #[arg(long, env = "NANGO_MCP_MAX_CONCURRENT_PER_CLIENT", value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize))]
    pub max_concurrent_per_client: Option<usize>,

    /// HTTP: calls waiting for a slot, all clients together; more are answered 429 at once.
    #[arg(long, env = "NANGO_MCP_MAX_QUEUED", default_value_t = DEFAULT_MAX_QUEUED, value_parser = clap::value_parser!(u32).range(0..=1_000_000).map(|n| n as usize))]
    pub max_queued: usize,

    /// HTTP: calls one client may have waiting; more are answered 429 at once.
    #[arg(long, env = "NANGO_MCP_MAX_QUEUED_PER_CLIENT", default_value_t = DEFAULT_MAX_QUEUED_PER_CLIENT, value_parser = clap::value_parser!(u32).range(0..=1_000_000).map(|n| n as usize))]
    pub max_queued_per_client: usize,

    /// HTTP: seconds a call may wait for a slot before it is answered 429 with Retry-After.
    #[arg(long, env = "NANGO_MCP_QUEUE_TIMEOUT", default_value_t = DEFAULT_QUEUE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub queue_timeout: u64,
}

impl HttpLimitArgs {
    /// Copies the limits into `settings`.
    pub fn apply(&self, settings: &mut HttpSettings) {
        settings.max_concurrent = self.max_concurrent;
        settings.max_concurrent_per_client = self
            .max_concurrent_per_client
            .unwrap_or(self.max_concurrent);
        settings.max_queued = self.max_queued;
        settings.max_queued_per_client = self.max_queued_per_client;
        settings.queue_timeout = Duration::from_secs(self.queue_timeout);
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        limits: HttpLimitArgs,
    }

    fn settings(args: &[&str]) -> HttpSettings {
        let cli =
            Cli::try_parse_from(std::iter::once("nango-mcp").chain(args.iter().copied())).unwrap();
        let mut settings = HttpSettings::new("127.0.0.1:0".parse().unwrap());
        cli.limits.apply(&mut settings);
        settings
    }

    #[test]
    fn defaults_let_one_client_use_the_whole_server() {
        let settings = settings(&[]);
        assert_eq!(settings.max_concurrent, DEFAULT_MAX_CONCURRENT);
        assert_eq!(settings.max_concurrent_per_client, DEFAULT_MAX_CONCURRENT);
        assert_eq!(settings.queue_timeout, DEFAULT_QUEUE_TIMEOUT);
    }

    #[test]
    fn flags_set_every_limit() {
        let settings = settings(&[
            "--max-concurrent",
            "8",
            "--max-concurrent-per-client",
            "2",
            "--max-queued",
            "100",
            "--max-queued-per-client",
            "10",
            "--queue-timeout",
            "5",
        ]);
        assert_eq!(settings.max_concurrent, 8);
        assert_eq!(settings.max_concurrent_per_client, 2);
        assert_eq!(settings.max_queued, 100);
        assert_eq!(settings.max_queued_per_client, 10);
        assert_eq!(settings.queue_timeout, Duration::from_secs(5));
    }

    #[test]
    fn zero_running_slots_is_refused() {
        assert!(Cli::try_parse_from(["nango-mcp", "--max-concurrent", "0"]).is_err());
        assert!(Cli::try_parse_from(["nango-mcp", "--queue-timeout", "0"]).is_err());
    }
}
