//! A running simulator bound to a local port.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::dataset::Dataset;
use crate::faults::Faults;
use crate::routes::router;
use crate::state::{RecordedRequest, SimState};

/// How long `shutdown` waits for in-flight requests before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A simulator serving HTTP on a local address until shut down (or dropped).
pub struct Sim {
    state: SimState,
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// Starts on `127.0.0.1` with an OS-chosen port.
    pub async fn start(config: SimConfig) -> anyhow::Result<Sim> {
        Self::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts on `addr`.
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> anyhow::Result<Sim> {
        let state = SimState::new(config)?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let accepted = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&accepted);
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "nango-sim server stopped with an error");
            }
        });
        tracing::debug!(%addr, "nango-sim listening");
        Ok(Sim {
            state,
            addr,
            accepted,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured key.
    pub fn secret_key(&self) -> String {
        self.state
            .keys()
            .first()
            .map(|k| k.key.clone())
            .unwrap_or_default()
    }

    /// The shared state (same as the one the router uses).
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// The dataset being served.
    pub fn dataset(&self) -> Arc<Dataset> {
        self.state.dataset()
    }

    /// Every secret value the simulator can return; none may ever appear in a client's output.
    pub fn canaries(&self) -> Vec<String> {
        self.state.dataset().canaries()
    }

    /// Replaces the active faults.
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Turns the Management MCP's logs tools on or off (off: "Nango logs are disabled").
    pub fn set_logs_enabled(&self, enabled: bool) {
        self.state.set_logs_enabled(enabled);
    }

    /// URL of the simulated Nango Management MCP server (`{base_url}/mcp`).
    pub fn management_url(&self) -> String {
        format!("{}/mcp", self.base_url())
    }

    /// Changes the rate limit (points per minute, 0 = off) and starts a fresh window.
    pub fn set_rate_limit(&self, per_minute: u32) {
        self.state.set_rate_limit(per_minute);
    }

    /// Requests received so far (latest 10,000), without `Authorization`.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Number of requests received (admin routes excluded).
    pub fn request_count(&self) -> u64 {
        self.state.request_count()
    }

    /// Token refreshes that credential reads made the simulator try (see [`crate::refresh`]).
    pub fn refresh_attempts(&self) -> u64 {
        self.state.refresh_attempts()
    }

    /// TCP connections accepted so far: a client that reuses its connections keeps this far
    /// below [`Self::request_count`].
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Number of `429` answers.
    pub fn rate_limited_count(&self) -> u64 {
        self.state.rate_limited_count()
    }

    /// Stops accepting, lets in-flight requests finish (hanging ones are released), then stops.
    pub async fn shutdown(mut self) {
        self.state.begin_shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.state.begin_shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
