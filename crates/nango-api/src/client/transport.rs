//! Sending one request to Nango: the shared gate before it, bounded retries around it, a size cap
//! on the body after it, and one error type out of it. Reads are GETs; writes are JSON POSTs whose
//! retries depend on whether Nango may already have acted (see [`Retries`]).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::OwnedMutexGuard;
use tracing::Instrument;

use super::backoff::backoff_delay;
use super::cache::ResponseCache;
use super::clock::Clock;
use super::config::RetryPolicy;
use super::encode::QueryString;
use super::error_body::{
    describe_json_error, is_json_content_type, parse_error_response, redact_error,
};
use super::gate::{Admission, RateGate};
use super::key::SecretKey;
use super::observe::Watch;
use crate::NangoError;

/// Largest success body accepted: far above any real page (records pages are size-budgeted
/// by Nango), far below what would hurt this process.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// Nango's code for an unexpected failure, and for any route it does not have.
pub const GENERIC_ERROR_SUPPORT: &str = "generic_error_support";
/// Error bodies are small; a bigger one is cut and reported as unparseable.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// One request to make: an encoded path (starting with `/`), a query, extra headers and, for a
/// write, a JSON body.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) path: String,
    pub(crate) query: QueryString,
    pub(crate) headers: Vec<(&'static str, HeaderValue)>,
    /// `Some` makes this a `POST` with `Content-Type: application/json`.
    pub(crate) json_body: Option<Bytes>,
    pub(crate) retries: Retries,
}

/// Which failures a call may be retried after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retries {
    /// Reads and idempotent writes: 429, 502-504, timeouts and broken connections.
    Any,
    /// Non-idempotent writes (a trigger, a new session): only when Nango certainly did not act,
    /// i.e. a 429 (rejected before the handler) or a connection that was never established.
    /// A timeout or a 5xx after sending may have acted; retrying could act twice.
    UnlessSent,
}

impl Call {
    pub(crate) fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            query: QueryString::new(),
            headers: Vec::new(),
            json_body: None,
            retries: Retries::Any,
        }
    }

    /// A JSON `POST`.
    pub(crate) fn post(
        path: impl Into<String>,
        body: &serde_json::Value,
        retries: Retries,
    ) -> Self {
        let mut call = Self::new(path);
        call.json_body = Some(Bytes::from(body.to_string()));
        call.retries = retries;
        call
    }

    fn method(&self) -> &'static str {
        if self.json_body.is_some() {
            "POST"
        } else {
            "GET"
        }
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, NangoError> {
        serde_json::from_slice(&self.body).map_err(|error| NangoError::InvalidBody {
            status: self.status,
            reason: describe_json_error(&error),
        })
    }
}

/// What the client shares between clones: the HTTP connection pool, the key, the gate.
pub(crate) struct Transport {
    /// Built on first use: loading the system's TLS roots costs ~5 ms, which a server that
    /// is only asked for `tools/list` (or a `--help`) should not pay at start-up.
    pub(crate) http: OnceLock<reqwest::Client>,
    pub(crate) http_settings: HttpSettings,
    pub(crate) base_url: String,
    pub(crate) key: SecretKey,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) gate: RateGate,
    /// Where replicas count the budget together; unset, the gate's own count is all there is.
    pub(crate) shared_budget: OnceLock<Arc<dyn nango_state::RateWindows>>,
    /// Short-lived answers of list endpoints (off when its TTL is zero).
    pub(crate) cache: ResponseCache,
}

/// What the lazily built HTTP client needs.
pub(crate) struct HttpSettings {
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) user_agent: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
}

/// The one way the client's HTTP stack is configured.
pub(crate) fn build_http(settings: &HttpSettings) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .default_headers(settings.headers.clone())
        .user_agent(settings.user_agent.as_str())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        // Nango's read API never redirects; following one could carry the request (and
        // with a same-host redirect, the key) somewhere the caller did not configure.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

async fn send(
    http: &reqwest::Client,
    url: &Url,
    call: &Call,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut request = match &call.json_body {
        None => http.get(url.clone()),
        Some(body) => http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone()),
    };
    for (name, value) in &call.headers {
        request = request.header(*name, value.clone());
    }
    request.send().await
}

/// The OpenTelemetry `error.type` of a request that got no answer.
fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

/// Why an attempt failed, and whether trying again can help.
enum Failure {
    Retryable(NangoError),
    Final(NangoError),
}

impl Transport {
    /// Sends `call` and returns the 2xx answer; JSON is required unless `expect_json` is false.
    pub(crate) async fn get(&self, call: &Call, expect_json: bool) -> Result<Answer, NangoError> {
        self.get_with_retries(call, expect_json)
            .await
            .map_err(|mut error| {
                redact_error(&mut error, self.key.expose());
                error
            })
    }

    /// GETs a JSON list endpoint and decodes it, reusing an answer for the cache's TTL. Only
    /// answers that decode are kept: a cut or malformed body is never served twice. Only for
    /// endpoints that never return credentials.
    pub(crate) async fn get_cached<T: DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<T, NangoError> {
        let miss = match self.cache.lookup(call, self.clock.now()) {
            Ok(answer) => {
                tracing::debug!(path = %call.path, "answered from the cache");
                return answer.decode();
            }
            Err(miss) => miss,
        };
        let answer = self.get(call, true).await?;
        let decoded = answer.decode()?;
        if let Some(miss) = miss {
            self.cache.store(miss, &answer, self.clock.now());
        }
        Ok(decoded)
    }

    /// The shared HTTP client, built on the first request.
    fn http(&self) -> Result<&reqwest::Client, NangoError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let built = build_http(&self.http_settings).map_err(|error| NangoError::InvalidHost {
            host: self.base_url.clone(),
            reason: format!("cannot build an HTTP client: {error}"),
        })?;
        Ok(self.http.get_or_init(|| built))
    }

    async fn get_with_retries(&self, call: &Call, expect_json: bool) -> Result<Answer, NangoError> {
        let url = self.url(call)?;
        let http = self.http()?;
        let policy = &self.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        loop {
            let probe = self.admit(&mut waited, attempt).await?;
            attempt += 1;
            super::count::note_request();
            let watch = Watch::start(call.method(), &call.path, attempt);
            let sent = send(http, &url, call).instrument(watch.span()).await;
            watch.finish(
                sent.as_ref()
                    .map(reqwest::Response::headers)
                    .map_err(failure_kind),
                sent.as_ref()
                    .ok()
                    .map(|response| response.status().as_u16()),
            );
            let now = self.clock.now();
            match &sent {
                Ok(response) => self.gate.observe(
                    now,
                    response.headers(),
                    response.status() == StatusCode::TOO_MANY_REQUESTS,
                ),
                Err(_) => self.gate.observe_failure(),
            }
            drop(probe);
            let failure = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    tracing::debug!(method = call.method(), path = %call.path, status, attempt, "nango answered");
                    match status {
                        200..=299 => match self.read_success(response, expect_json).await {
                            Ok(answer) => return Ok(answer),
                            Err(Failure::Final(error)) => return Err(error),
                            // Nango acted: the body broke, the action did not.
                            Err(Failure::Retryable(error))
                                if call.retries == Retries::UnlessSent =>
                            {
                                return Err(error);
                            }
                            Err(Failure::Retryable(error)) => error,
                        },
                        429 => {
                            if attempt >= max_attempts {
                                return Err(NangoError::RateLimited {
                                    attempts: attempt,
                                    retry_after: self.gate.blocked_for(self.clock.now()),
                                });
                            }
                            // The gate now blocks every request until the reset; the next
                            // admission waits for it (or gives up if that exceeds the budget).
                            continue;
                        }
                        502..=504 if call.retries == Retries::Any => {
                            self.read_error(response).await
                        }
                        _ => return Err(self.read_error(response).await),
                    }
                }
                Err(error) => {
                    tracing::debug!(method = call.method(), path = %call.path, attempt, %error, "nango request failed");
                    if call.retries == Retries::UnlessSent && !error.is_connect() {
                        return Err(self.transport_error(&error));
                    }
                    self.transport_error(&error)
                }
            };
            if attempt >= max_attempts {
                return Err(failure);
            }
            let delay = backoff_delay(policy, attempt);
            if waited + delay > policy.max_total_wait {
                return Err(failure);
            }
            tracing::debug!(path = %call.path, attempt, ?delay, "retrying nango request");
            self.sleep_for(delay).await;
            waited += delay;
        }
    }

    /// Waits until the gate lets this request go. Returns the probe lock when this request is
    /// the one finding out the state of a new window; it must be held until the answer is seen.
    async fn admit(
        &self,
        waited: &mut Duration,
        attempts_so_far: u32,
    ) -> Result<Option<OwnedMutexGuard<()>>, NangoError> {
        let max_total_wait = self.retry.max_total_wait;
        let mut probe = None;
        loop {
            let now = self.clock.now();
            match self.gate.admit(now, probe.is_some()) {
                Admission::Go => return Ok(probe),
                Admission::Paced(at) => {
                    let wait = until(now, at);
                    // Pacing is a courtesy: if it would blow the wait budget, go now and let
                    // the gate's hard limit (remaining == 0) protect the window.
                    if *waited + wait <= max_total_wait {
                        self.clock.sleep_until(at).await;
                        *waited += wait;
                    }
                    return Ok(probe);
                }
                Admission::Blocked(at) => {
                    // Never hold the probe lock while sleeping: others must see the block too.
                    probe = None;
                    let wait = until(now, at);
                    if *waited + wait > max_total_wait {
                        return Err(NangoError::RateLimited {
                            attempts: attempts_so_far,
                            retry_after: Some(wait),
                        });
                    }
                    tracing::debug!(?wait, "waiting for the Nango rate-limit window to reset");
                    self.clock.sleep_until(at).await;
                    *waited += wait;
                }
                Admission::Probe => {
                    probe = Some(Arc::clone(&self.gate.probe).lock_owned().await);
                }
            }
        }
    }

    async fn read_success(
        &self,
        response: reqwest::Response,
        expect_json: bool,
    ) -> Result<Answer, Failure> {
        let status = response.status().as_u16();
        if expect_json
            && let Some(content_type) = content_type(&response)
            && !is_json_content_type(&content_type)
        {
            return Err(Failure::Final(NangoError::NotJson {
                host: self.base_url.clone(),
                status,
                content_type,
            }));
        }
        match read_capped(response, MAX_BODY_BYTES).await {
            Ok(Some(body)) => Ok(Answer { status, body }),
            Ok(None) => Err(Failure::Final(NangoError::InvalidBody {
                status,
                reason: format!("body larger than {} MiB", MAX_BODY_BYTES / (1024 * 1024)),
            })),
            Err(error) if error.is_timeout() => Err(Failure::Retryable(self.timeout())),
            Err(error) => Err(Failure::Retryable(NangoError::InvalidBody {
                status,
                reason: format!(
                    "connection broke before the body was complete: {}",
                    chain(&error)
                ),
            })),
        }
    }

    async fn read_error(&self, response: reqwest::Response) -> NangoError {
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            return self.redirect_error(&response);
        }
        let content_type = content_type(&response);
        let mut tried = response.url().clone();
        tried.set_query(None);
        let body = match read_capped(response, MAX_ERROR_BODY_BYTES).await {
            Ok(Some(body)) => body,
            // Too big or broken: parse nothing rather than half a body.
            Ok(None) | Err(_) => Bytes::new(),
        };
        let mut error =
            parse_error_response(&self.base_url, status, content_type.as_deref(), &body);
        // Nango answers every route it does not have with this code: the URL is the clue.
        if let NangoError::Api { code, details, .. } = &mut error
            && code == GENERIC_ERROR_SUPPORT
        {
            details.push(format!("URL tried: {tried}"));
        }
        error
    }

    /// Most often `http://` answered by a redirect to `https://`: say where it points.
    fn redirect_error(&self, response: &reqwest::Response) -> NangoError {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("an unnamed location");
        let shown: String = location.chars().take(200).collect();
        NangoError::Api {
            status: response.status().as_u16(),
            code: "redirect".to_owned(),
            message: format!(
                "Nango answered with a redirect to {shown}; redirects are not followed, so point \
                 NANGO_HOST at the address the API is served from"
            ),
            details: Vec::new(),
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> NangoError {
        if error.is_timeout() {
            self.timeout()
        } else {
            NangoError::Unreachable {
                host: self.base_url.clone(),
                reason: chain(error),
            }
        }
    }

    fn timeout(&self) -> NangoError {
        NangoError::Timeout {
            host: self.base_url.clone(),
            timeout: self.request_timeout,
        }
    }

    async fn sleep_for(&self, delay: Duration) {
        let deadline = self.clock.now() + delay;
        self.clock.sleep_until(deadline).await;
    }

    fn url(&self, call: &Call) -> Result<Url, NangoError> {
        let query = call.query.as_str();
        let mut text =
            String::with_capacity(self.base_url.len() + call.path.len() + query.len() + 1);
        text.push_str(&self.base_url);
        text.push_str(&call.path);
        if !query.is_empty() {
            text.push('?');
            text.push_str(query);
        }
        Url::parse(&text).map_err(|error| NangoError::InvalidInput {
            what: "request URL",
            reason: error.to_string(),
        })
    }
}

fn until(now: SystemTime, at: SystemTime) -> Duration {
    at.duration_since(now).unwrap_or_default()
}

fn content_type(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Reads at most `cap` bytes; `Ok(None)` when the body is larger.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Option<Bytes>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Ok(None);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// The error and its causes, `outer: inner: root`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
