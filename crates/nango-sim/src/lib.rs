//! A Nango API simulator: the read side of Nango's public REST API (routes, params, headers,
//! envelopes, status codes and quirks as captured from a real server), a seeded, scalable,
//! realistic dataset with secret canaries, a fixed-window rate limit and runtime faults.
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
mod routes;
mod sim;
mod state;

pub use config::{
    DEMO_SECRET_KEY, READ_ONLY_SCOPES, RecordCountOverride, SCOPE_FULL_ACCESS, SimConfig, SimKey,
    is_uuid_v4,
};
pub use dataset::{CANARY_MARKER, Dataset, PROMPT_INJECTION};
pub use faults::Faults;
pub use routes::router;
pub use sim::Sim;
pub use state::{RecordedRequest, SimState};
