//! How a client talks to Nango: where, with which key, how long to wait and how to retry.

use std::time::Duration;

use super::SecretKey;

/// Everything a [`super::NangoClient`] needs. Build with [`ClientConfig::new`] and adjust fields.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Nango base URL, e.g. `https://api.nango.dev` or a self-hosted server; may carry a path
    /// prefix (reverse proxy), never a query or fragment.
    pub base_url: String,
    /// The environment's secret key (sent only in the `Authorization` header).
    pub secret_key: SecretKey,
    /// Limit for establishing a TCP/TLS connection (default 5 s).
    pub connect_timeout: Duration,
    /// Limit for one attempt, from sending to the last body byte (default 30 s).
    pub request_timeout: Duration,
    /// Retries, waits and rate-limit pacing.
    pub retry: RetryPolicy,
    /// Sent as `User-Agent` (default `nango-mcp/<version>`).
    pub user_agent: String,
    /// How long list answers (connections pages, integrations, scripts config, providers) are
    /// reused; zero (the default) turns the cache off. See [`crate::CachedList`].
    pub cache_ttl: Duration,
}

impl ClientConfig {
    /// A configuration with the defaults documented on each field.
    pub fn new(base_url: impl Into<String>, secret_key: SecretKey) -> Self {
        Self {
            base_url: base_url.into(),
            secret_key,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("nango-mcp/", env!("CARGO_PKG_VERSION")).to_owned(),
            cache_ttl: Duration::ZERO,
        }
    }
}

/// When and how long to retry. Every wait (backoff, `Retry-After`, the shared rate-limit gate)
/// counts towards `max_total_wait`, so one call can never stall longer than that plus the time
/// its attempts themselves take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first one included (default 4).
    pub max_attempts: u32,
    /// Upper bound on the time one call spends sleeping between attempts (default 30 s).
    pub max_total_wait: Duration,
    /// First backoff delay for 502/503/504 and network errors (default 250 ms).
    pub base_delay: Duration,
    /// Largest single backoff delay (default 8 s).
    pub max_delay: Duration,
    /// When `X-RateLimit-Remaining` drops to this or below, requests are spread over the rest
    /// of the window instead of spending the budget at once (default 20, a tenth of Nango's
    /// smallest plan).
    pub slow_down_below: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_total_wait: Duration::from_secs(30),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            slow_down_below: 20,
        }
    }
}
