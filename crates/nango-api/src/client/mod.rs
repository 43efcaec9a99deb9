//! The client: configuration, transport and one module per group of Nango endpoints.

mod backoff;
mod cache;
mod clock;
mod config;
mod count;
mod encode;
mod error_body;
mod gate;
mod key;
mod observe;
mod paging;
mod queries;
mod resources;
mod transport;

use std::fmt;
use std::sync::{Arc, OnceLock};

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

pub use cache::{CachedList, MAX_CACHED_BYTES};
pub use clock::{Clock, ManualClock, Sleep, TokioClock};
pub use config::{ClientConfig, RetryPolicy};
pub use count::count_requests;
pub use error_body::parse_error_response;
pub use gate::RateLimitStatus;
pub use key::SecretKey;
pub use observe::{
    RateLimitHeadroom, RequestFacts, RequestObserver, SPAN_TARGET, route_template,
    set_request_observer,
};
pub use queries::{
    ConnectionsQuery, DEFAULT_CONNECTIONS_PAGE, FunctionsQuery, IntegrationInclude,
    MAX_CONNECTIONS_PAGE, MAX_FUNCTIONS_PAGE, MAX_RECORDS_PAGE, RecordsQuery,
};
pub use resources::CredentialAccess;
pub use transport::{GENERIC_ERROR_SUPPORT, MAX_BODY_BYTES};

use crate::NangoError;
use cache::ResponseCache;
use gate::RateGate;
use transport::{HttpSettings, Transport};

/// A client for Nango's read API. Cheap to clone: clones share one connection pool and one
/// rate-limit gate, so concurrent calls from many tasks coordinate their use of the budget.
#[derive(Clone)]
pub struct NangoClient {
    transport: Arc<Transport>,
}

impl NangoClient {
    /// Builds a client on real (tokio) time. Fails if the host is not a plain http(s) URL.
    pub fn new(config: ClientConfig) -> Result<Self, NangoError> {
        Self::with_clock(config, Arc::new(TokioClock::new()))
    }

    /// Builds a client whose waits (retries, rate-limit gate) run on `clock`; tests pass a
    /// [`ManualClock`] to make those waits instant and measurable.
    pub fn with_clock(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, NangoError> {
        let base_url = normalize_host(&config.base_url)?;
        let mut headers = HeaderMap::new();
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", config.secret_key.expose()))
                .map_err(|_| NangoError::InvalidKey("not a valid header value"))?;
        // Keeps the value out of reqwest/hyper debug output.
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http_settings = HttpSettings {
            headers,
            user_agent: config.user_agent.clone(),
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
        };
        Ok(Self {
            transport: Arc::new(Transport {
                http: OnceLock::new(),
                http_settings,
                base_url,
                key: config.secret_key,
                gate: RateGate::new(config.retry.slow_down_below),
                shared_budget: OnceLock::new(),
                cache: ResponseCache::new(config.cache_ttl),
                retry: config.retry,
                request_timeout: config.request_timeout,
                clock,
            }),
        })
    }

    /// The normalised base URL every request goes to (no trailing slash).
    pub fn host(&self) -> &str {
        &self.transport.base_url
    }

    /// Fingerprint of the secret key (see [`SecretKey::fingerprint`]).
    pub fn key_fingerprint(&self) -> String {
        self.transport.key.fingerprint()
    }

    /// Forgets cached answers of `list` (and any still in flight), so the next read goes to
    /// Nango. Write tools call this after a write succeeds, naming what it touched.
    pub fn invalidate(&self, list: CachedList) {
        self.transport.cache.invalidate(list);
    }

    /// How long list answers are reused (zero: not at all).
    pub fn cache_ttl(&self) -> std::time::Duration {
        self.transport.cache.ttl()
    }

    /// Counts this client's requests in `windows` as well, so that replicas using the same key
    /// stay under Nango's limit together. Set once, before the first request; later calls
    /// are ignored. If the store fails, the gate decides alone.
    pub fn share_rate_budget(&self, windows: Arc<dyn nango_state::RateWindows>) {
        let _ = self.transport.shared_budget.set(windows);
    }

    /// Headroom from the newest `X-RateLimit-*` headers seen, minus requests sent since.
    pub fn rate_limit(&self) -> Option<RateLimitStatus> {
        self.transport.gate.last_seen()
    }
}

impl fmt::Debug for NangoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NangoClient")
            .field("host", &self.host())
            .field("key", &self.key_fingerprint())
            .finish_non_exhaustive()
    }
}

/// Accepts `http(s)://host[:port][/prefix]`, without credentials, query or fragment, and drops
/// trailing slashes so paths can be appended.
fn normalize_host(raw: &str) -> Result<String, NangoError> {
    let trimmed = raw.trim();
    let invalid = |host: &str, reason: &str| NangoError::InvalidHost {
        host: host.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(trimmed).map_err(|error| invalid(trimmed, &error.to_string()))?;
    // Echo the host without any userinfo: that part may be a password.
    let shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&shown, "only http and https are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(&shown, "no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            &shown,
            "credentials in the URL are not supported; the key goes in NANGO_SECRET_KEY",
        ));
    }
    if url.query().is_some() || trimmed.contains('?') {
        return Err(invalid(&shown, "must not contain a query (?...)"));
    }
    if url.fragment().is_some() || trimmed.contains('#') {
        return Err(invalid(&shown, "must not contain a fragment (#...)"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised_or_rejected() {
        assert_eq!(
            normalize_host(" https://api.nango.dev/ ").unwrap(),
            "https://api.nango.dev"
        );
        assert_eq!(
            normalize_host("http://127.0.0.1:3003/nango//").unwrap(),
            "http://127.0.0.1:3003/nango"
        );
        for bad in [
            "api.nango.dev",
            "ftp://h",
            "https://h/?x=1",
            "https://h/#f",
            "https://user:pw@h",
            "",
        ] {
            let error = normalize_host(bad).unwrap_err();
            assert!(matches!(error, NangoError::InvalidHost { .. }), "{bad}");
            assert!(!error.to_string().contains("pw"), "{error}");
        }
    }
}
