//! A Nango API simulator: the read side of Nango's public REST API (routes, params, headers,
//! envelopes, status codes and quirks as captured from a real server), a seeded, scalable,
//! realistic dataset with secret canaries, a fixed-window rate limit and runtime faults.
//!
//! Default dataset (`SimConfig::demo()`, seed 42): 8 integrations (`salesforce-prod`,
//! `hubspot-prod`, `jira-prod`, `github-app-prod`, `slack-prod`, `zendesk-prod`, `airtable-pat-prod`,
//! `freshdesk-prod`), 60 connections. `salesforce-prod` has 12 connections; exactly `conn-abc`
//! (its `deals` sync fails: ERROR/STOPPED, a `sync` error) and `conn-xyz` (expired token, an
//! `auth` error) are broken. `hubspot-prod` has `conn-123` (healthy `deals`) and `conn-456`
//! (`Contact` records incl. ids `987` Alex Smith and `654` Sarah Johnson). Key:
//! [`DEMO_SECRET_KEY`] (full access); add [`SimKey::read_only`] keys as needed.
//!
//! Nango's Management MCP is served on `POST /mcp` ([`Sim::management_url`]): the logs tools
//! `logs_list_operations` / `logs_get_operation` answer from a seeded run history of every
//! sync of every connection ([`Dataset::sync_runs`], [`Dataset::log_operation`]) that agrees
//! with `/sync/status`; conn-123's last 5 `deals` runs are 4 successes and one rate-limit
//! failure about 2 h ago. [`SimConfig::logs_enabled`] `false` answers "Nango logs are disabled".
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = nango_sim::Sim::start(nango_sim::SimConfig::demo()).await?;
//! let url = format!("{}/connections?limit=10", sim.base_url());
//! // … call it with `Authorization: Bearer {sim.secret_key()}` …
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod config;
pub mod dataset;
pub mod faults;
pub mod http;
pub mod management;
pub mod refresh;
mod routes;
mod sim;
mod state;
pub mod webhooks;
pub mod writes;

pub use config::{
    DEFAULT_RATE_LIMIT_PER_MINUTE, DEMO_SECRET_KEY, READ_ONLY_SCOPES, RecordCountOverride,
    SCOPE_FULL_ACCESS, SimConfig, SimKey, is_uuid_v4,
};
pub use dataset::{CANARY_MARKER, Dataset, PROMPT_INJECTION};
pub use faults::Faults;
pub use management::{
    Failure, FailureKind, LOGS_DISABLED_MESSAGE, LogMessage, LogOperation, MANAGEMENT_SERVER_NAME,
    OperationKind, RunState,
};
pub use refresh::{REFRESH_BACKOFF_MESSAGE, REFRESH_FAILED_MESSAGE, is_expired_oauth};
pub use routes::router;
pub use sim::Sim;
pub use state::{RecordedRequest, SimState};
