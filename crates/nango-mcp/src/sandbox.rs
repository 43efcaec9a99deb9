//! The built-in sandbox behind `--demo`: the simulator (nango-sim) runs in-process with sample data
//! and the server talks to it like to any Nango. It sits behind the default-on `demo` cargo feature
//! so a slimmer build can leave the simulator and its data out; `--demo` then says so.

use crate::config::{ClientTuning, Environments};

/// What `--demo` says in a build without the `demo` feature.
pub const NOT_BUILT_IN: &str = "this nango-mcp was built without the `demo` feature, so it has no \
     built-in sandbox; set NANGO_SECRET_KEY to use a real Nango, or install a build with the sandbox \
     (`npx -y nango-mcp`, or `cargo install nango-mcp` with default features)";

/// The sandbox's rate limit: Nango sends rate-limit headers on every answer, so the sandbox does
/// too, with a budget (50x the free plan's 200/min) a person never exhausts.
#[cfg(feature = "demo")]
const DEMO_RATE_LIMIT_PER_MINUTE: u32 = 10_000;

/// Keeps the in-process sandbox alive as long as the server runs.
#[derive(Default)]
pub struct Sandbox {
    #[cfg(feature = "demo")]
    _sim: Option<nango_sim::Sim>,
}

/// Starts the sandbox and the one environment (`demo`) that points at it.
#[cfg(feature = "demo")]
pub async fn start(tuning: ClientTuning) -> anyhow::Result<(Environments, Sandbox)> {
    use anyhow::Context;

    // Rate-limit headers like a real Nango, but a limit no person trying the demo reaches.
    let sim = nango_sim::Sim::start(nango_sim::SimConfig {
        rate_limit_per_minute: DEMO_RATE_LIMIT_PER_MINUTE,
        ..nango_sim::SimConfig::demo()
    })
    .await
    .context("could not start the built-in sandbox")?;
    let management_url = format!("{}/mcp", sim.base_url());
    let environment = crate::config::environment(
        "demo".to_owned(),
        "the built-in sandbox key".to_owned(),
        &sim.base_url(),
        Some(&management_url),
        sim.secret_key(),
        tuning,
    )?;
    tracing::info!(url = %sim.base_url(), "sandbox Nango started (sample data, not a real Nango)");
    Ok((
        Environments::new(vec![environment])?,
        Sandbox { _sim: Some(sim) },
    ))
}

/// Without the `demo` feature there is no sandbox to start: a clear error instead.
#[cfg(not(feature = "demo"))]
pub async fn start(_tuning: ClientTuning) -> anyhow::Result<(Environments, Sandbox)> {
    anyhow::bail!(NOT_BUILT_IN)
}

#[cfg(all(test, not(feature = "demo")))]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn demo_without_the_feature_is_a_clear_error() {
        let tuning = ClientTuning {
            request_timeout: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(0),
            ..ClientTuning::default()
        };
        let error = start(tuning).await.err().map(|error| error.to_string());
        assert_eq!(error.as_deref(), Some(NOT_BUILT_IN));
    }
}
