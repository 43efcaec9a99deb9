//! Simulator configuration: dataset size and seed, API keys with scopes, rate limit, faults.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::faults::Faults;

/// Secret key of the default full-access key (a UUID v4, as Nango requires).
pub const DEMO_SECRET_KEY: &str = "5f0c8e2a-7b1d-4c3e-9a6f-2d4b8c1e7f3a";

/// Nango's free-plan rate limit, the simulator's default.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 200;

/// Full access, Nango's "Default - Full access" key.
pub const SCOPE_FULL_ACCESS: &str = "environment:*";

/// The list/read scopes of API-NOTES §1, without any `*:read_credentials`.
pub const READ_ONLY_SCOPES: &[&str] = &[
    "environment:integrations:list",
    "environment:integrations:read",
    "environment:integrations:list_functions",
    "environment:functions:list",
    "environment:functions:read",
    "environment:connections:list",
    "environment:connections:read",
    "environment:syncs:read",
    "environment:records:read",
    "environment:variables:read",
    "environment:logs:read",
];

/// An environment API key and the scopes it grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimKey {
    /// The secret key; must be a UUID v4 string.
    pub key: String,
    /// Granted scopes, e.g. `environment:*` or `environment:connections:list`.
    pub scopes: Vec<String>,
}

impl SimKey {
    /// A key with `environment:*`.
    pub fn full_access(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            scopes: vec![SCOPE_FULL_ACCESS.to_owned()],
        }
    }

    /// A key with every list/read scope but no `*:read_credentials`.
    pub fn read_only(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            scopes: READ_ONLY_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A key with exactly these scopes.
    pub fn with_scopes<I, S>(key: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            key: key.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Give one (connection, model) pair a different number of records than `records_per_model`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCountOverride {
    /// Connection id, e.g. `conn-456`.
    pub connection_id: String,
    /// Model, e.g. `Contact`.
    pub model: String,
    /// Number of records (soft-deleted ones included).
    pub count: usize,
}

/// How to build and run a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seed of the generated dataset: same seed (and anchor) → same dataset.
    pub seed: u64,
    /// Number of integrations (default 8).
    pub integrations: usize,
    /// Number of connections (default 60).
    pub connections: usize,
    /// Records per (connection, model) (default 120).
    pub records_per_model: usize,
    /// Per-(connection, model) record counts, e.g. 100,000 on one pair for a benchmark.
    pub record_count_overrides: Vec<RecordCountOverride>,
    /// Size of the provider catalog: 0 = Nango's real 981 providers; more pads with synthetic
    /// regional variants.
    pub providers: usize,
    /// Points per fixed 60 s window (default [`DEFAULT_RATE_LIMIT_PER_MINUTE`], with
    /// `X-RateLimit-*` headers on every authenticated answer, as Nango always sends); 0
    /// disables rate limiting and its headers.
    pub rate_limit_per_minute: u32,
    /// API keys; the first one is [`crate::Sim::secret_key`].
    pub keys: Vec<SimKey>,
    /// Faults active from the start.
    pub faults: Faults,
    /// Extra latency per row of `/sync/status` (the real endpoint is slow per connection).
    pub sync_latency: Duration,
    /// Byte budget of one `/records` page (Nango's `RECORDS_MAX_RESPONSE_SIZE_BYTES`): a page
    /// stops early, with a `next_cursor`, once its records exceed it. `None` = no budget.
    pub records_page_max_bytes: Option<usize>,
    /// "Now" for generated times; `None` = the current time. Fix it for byte-identical datasets.
    pub anchor: Option<DateTime<Utc>>,
    /// Serve this dataset instead of generating one.
    pub fixture: Option<Dataset>,
    /// Whether the Management MCP's logs tools answer (default `true`). `false` makes every
    /// logs tool answer `isError` "Nango logs are disabled", like a self-hosted Nango without
    /// Elasticsearch.
    pub logs_enabled: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            integrations: 8,
            connections: 60,
            records_per_model: 120,
            record_count_overrides: Vec::new(),
            providers: 0,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            keys: vec![SimKey::full_access(DEMO_SECRET_KEY)],
            faults: Faults::none(),
            sync_latency: Duration::ZERO,
            records_page_max_bytes: None,
            anchor: None,
            fixture: None,
            logs_enabled: true,
        }
    }
}

impl SimConfig {
    /// The default dataset (the product's example ids: conn-abc, conn-xyz, conn-123, conn-456).
    pub fn demo() -> Self {
        Self::default()
    }

    /// Serve a dataset loaded from JSON (the [`Dataset`] serde shape; most fields optional).
    pub fn from_fixture(json: serde_json::Value) -> anyhow::Result<Self> {
        Ok(Self {
            fixture: Some(Dataset::from_json(json)?),
            ..Self::default()
        })
    }

    /// Adds a key.
    pub fn with_key(mut self, key: SimKey) -> Self {
        self.keys.push(key);
        self
    }
}

/// True for a UUID v4 string (case-insensitive), the only key shape Nango accepts.
pub fn is_uuid_v4(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    bytes
        .iter()
        .enumerate()
        .all(|(position, byte)| match position {
            8 | 13 | 18 | 23 => *byte == b'-',
            14 => *byte == b'4',
            19 => matches!(byte.to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b'),
            _ => byte.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_check() {
        assert!(is_uuid_v4(DEMO_SECRET_KEY));
        assert!(is_uuid_v4(&DEMO_SECRET_KEY.to_uppercase()));
        assert!(!is_uuid_v4("not-a-uuid"));
        assert!(!is_uuid_v4("5f0c8e2a-7b1d-1c3e-9a6f-2d4b8c1e7f3a"));
        assert!(!is_uuid_v4("5f0c8e2a-7b1d-4c3e-7a6f-2d4b8c1e7f3a"));
    }
}
