//! Shared simulator state: the dataset, keys, faults, rate limiter and the request log.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use crate::config::{SimConfig, SimKey, is_uuid_v4};
use crate::dataset::Dataset;
use crate::dataset::generate::{GenerateParams, generate};
use crate::faults::Faults;
use crate::http::ratelimit::RateLimiter;
use crate::refresh::RefreshLedger;

/// How many requests the log keeps (older ones are dropped; `request_count` keeps counting).
const REQUEST_LOG_CAPACITY: usize = 10_000;

/// Headers never written to the request log.
const UNRECORDED_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// One request as the simulator saw it (the `Authorization` header is never recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path, as sent (percent-encoded).
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers (lower-case names) except credentials.
    pub headers: Vec<(String, String)>,
    /// When the simulator received it (before any injected latency): benchmarks tell requests
    /// sent together from requests that waited for an earlier answer.
    #[serde(skip)]
    pub received_at: Instant,
}

impl RecordedRequest {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn from_parts(
        method: &str,
        uri: &axum::http::Uri,
        headers: &axum::http::HeaderMap,
    ) -> Self {
        Self {
            method: method.to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .filter(|(name, _)| !UNRECORDED_HEADERS.contains(&name.as_str()))
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            received_at: Instant::now(),
        }
    }
}

struct Inner {
    dataset: Arc<Dataset>,
    keys: Vec<SimKey>,
    faults: RwLock<Faults>,
    burst_left: AtomicU32,
    storm_left: AtomicU32,
    burst_seq: AtomicU64,
    limiter: RateLimiter,
    requests: Mutex<VecDeque<RecordedRequest>>,
    request_count: AtomicU64,
    rate_limited: AtomicU64,
    shutting_down: AtomicBool,
    sync_latency: Duration,
    records_page_max_bytes: Option<usize>,
    rng: Mutex<fastrand::Rng>,
    logs_enabled: AtomicBool,
    started: Instant,
    refresh: RefreshLedger,
    writes: crate::writes::WriteState,
}

/// State shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("keys", &self.inner.keys.len())
            .finish_non_exhaustive()
    }
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

impl SimState {
    /// Builds the dataset (or takes the fixture) and the runtime state.
    pub fn new(config: SimConfig) -> anyhow::Result<Self> {
        if config.keys.is_empty() {
            bail!("the simulator needs at least one API key");
        }
        if let Some(bad) = config.keys.iter().find(|k| !is_uuid_v4(&k.key)) {
            bail!(
                "API key {:?} is not a UUID v4 (Nango rejects such keys)",
                bad.key
            );
        }
        let dataset = match config.fixture {
            Some(dataset) => dataset,
            None => {
                let anchor: DateTime<Utc> =
                    config.anchor.unwrap_or_else(|| Utc::now().trunc_subsecs(0));
                generate(&GenerateParams {
                    seed: config.seed,
                    integrations: config.integrations,
                    connections: config.connections,
                    records_per_model: config.records_per_model,
                    overrides: &config.record_count_overrides,
                    providers: config.providers,
                    anchor,
                })
            }
        };
        let state = Self {
            inner: Arc::new(Inner {
                dataset: Arc::new(dataset),
                keys: config.keys,
                faults: RwLock::new(Faults::none()),
                burst_left: AtomicU32::new(0),
                storm_left: AtomicU32::new(0),
                burst_seq: AtomicU64::new(0),
                limiter: RateLimiter::new(config.rate_limit_per_minute),
                requests: Mutex::new(VecDeque::new()),
                request_count: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
                shutting_down: AtomicBool::new(false),
                sync_latency: config.sync_latency,
                records_page_max_bytes: config.records_page_max_bytes,
                rng: Mutex::new(fastrand::Rng::with_seed(config.seed)),
                logs_enabled: AtomicBool::new(config.logs_enabled),
                started: Instant::now(),
                refresh: RefreshLedger::default(),
                writes: crate::writes::WriteState::default(),
            }),
        };
        state.set_faults(config.faults);
        Ok(state)
    }

    /// The dataset being served.
    pub fn dataset(&self) -> Arc<Dataset> {
        Arc::clone(&self.inner.dataset)
    }

    /// The configured keys.
    pub fn keys(&self) -> &[SimKey] {
        &self.inner.keys
    }

    /// Replaces the faults; `status_burst` / `rate_limit_storm` restart their counters.
    pub fn set_faults(&self, faults: Faults) {
        self.inner
            .burst_left
            .store(faults.status_burst, Ordering::SeqCst);
        self.inner
            .storm_left
            .store(faults.rate_limit_storm, Ordering::SeqCst);
        *self
            .inner
            .faults
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = faults;
    }

    /// Current faults, with the burst/storm fields showing what is left.
    pub fn faults(&self) -> Faults {
        let mut faults = read(&self.inner.faults);
        faults.status_burst = self.inner.burst_left.load(Ordering::SeqCst);
        faults.rate_limit_storm = self.inner.storm_left.load(Ordering::SeqCst);
        faults
    }

    /// Changes the rate limit (0 = off) and starts a new window.
    pub fn set_rate_limit(&self, per_minute: u32) {
        self.inner.limiter.set_limit(per_minute);
    }

    /// Whether the Management MCP's logs tools answer.
    pub fn logs_enabled(&self) -> bool {
        self.inner.logs_enabled.load(Ordering::SeqCst)
    }

    /// Turns the Management MCP's logs on or off.
    pub fn set_logs_enabled(&self, enabled: bool) {
        self.inner.logs_enabled.store(enabled, Ordering::SeqCst);
    }

    /// The simulator's clock: the dataset's anchor plus the time since start, so "the last 24
    /// hours" means the same thing for a dataset anchored in the past as for a live one.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.inner.started.elapsed())
            .unwrap_or(chrono::Duration::zero());
        self.inner.dataset.anchor + elapsed
    }

    pub(crate) fn refresh(&self) -> &RefreshLedger {
        &self.inner.refresh
    }

    /// Token refreshes credential reads made the simulator try (an audit client must make none).
    pub fn refresh_attempts(&self) -> u64 {
        self.inner.refresh.attempts()
    }

    /// What the write routes changed (sync overrides, Connect sessions created).
    pub fn writes(&self) -> &crate::writes::WriteState {
        &self.inner.writes
    }

    /// `len` random lowercase hex digits from the simulator's seeded generator.
    pub(crate) fn random_hex(&self, len: usize) -> String {
        let mut rng = self
            .inner
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (0..len)
            .map(|_| char::from_digit(rng.u32(0..16), 16).unwrap_or('0'))
            .collect()
    }

    pub(crate) fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub(crate) fn sync_latency(&self) -> Duration {
        self.inner.sync_latency
    }

    pub(crate) fn records_page_max_bytes(&self) -> Option<usize> {
        self.inner.records_page_max_bytes
    }

    /// Takes one request from the status burst: `Some(502|503)` while it lasts.
    pub(crate) fn take_burst(&self) -> Option<u16> {
        let taken = self
            .inner
            .burst_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        taken.then(|| {
            if self
                .inner
                .burst_seq
                .fetch_add(1, Ordering::SeqCst)
                .is_multiple_of(2)
            {
                503
            } else {
                502
            }
        })
    }

    /// Takes one request from the rate-limit storm.
    pub(crate) fn take_storm(&self) -> bool {
        self.inner
            .storm_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    /// Rolls the `error_rate` dice.
    pub(crate) fn roll(&self, rate: f64) -> bool {
        rate > 0.0
            && self
                .inner
                .rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .f64()
                < rate
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.inner.request_count.fetch_add(1, Ordering::SeqCst);
        let mut log = self
            .inner
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(request);
    }

    pub(crate) fn count_rate_limited(&self) {
        self.inner.rate_limited.fetch_add(1, Ordering::SeqCst);
    }

    /// Requests seen so far (the latest 10,000), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets the request log (counters keep running).
    pub fn clear_requests(&self) {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Requests received (admin routes excluded).
    pub fn request_count(&self) -> u64 {
        self.inner.request_count.load(Ordering::SeqCst)
    }

    /// `429` answers sent (rate limit and storm).
    pub fn rate_limited_count(&self) -> u64 {
        self.inner.rate_limited.load(Ordering::SeqCst)
    }

    pub(crate) fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }
}
