//! What the client tells an operator's instruments about each request to Nango, without knowing
//! which instruments exist: the binary installs one [`RequestObserver`] per process (Prometheus
//! counters, say), and every request also runs inside a `tracing` span of target
//! [`SPAN_TARGET`] that a tracing layer may export (OpenTelemetry CLIENT spans). Nobody installed
//! and nobody listening costs one atomic load and one disabled callsite per request.
//!
//! Nothing here ever carries an id, a query or a header value: requests are named by their route
//! template (`/connections/{id}`), which is all a metric label or span attribute may hold.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use tracing::field::Empty;

/// The `tracing` target of the per-request span; off in the stderr log, on for trace export.
pub const SPAN_TARGET: &str = "nango_otel";

/// One finished attempt (retries are separate attempts).
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path with every non-constant segment replaced, e.g. `/connections/{id}`.
    pub route: &'a str,
    /// Nango's status code; `None` when no answer came (timeout, refused connection).
    pub status: Option<u16>,
    /// Why no answer came: `timeout`, `connect` or `transport`.
    pub failure: Option<&'static str>,
    /// From sending to the response head (the body is read afterwards).
    pub duration: Duration,
}

/// Nango's rate-limit headers on one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeadroom {
    pub limit: u64,
    pub remaining: u64,
}

/// Receives facts about requests to Nango. Called on the request's task: keep it cheap.
pub trait RequestObserver: Send + Sync + 'static {
    fn request_done(&self, facts: &RequestFacts<'_>);
    fn rate_limit_seen(&self, headroom: RateLimitHeadroom);
}

static OBSERVER: OnceLock<Box<dyn RequestObserver>> = OnceLock::new();

/// Installs the process's observer. Only the first call wins; a later one returns its argument.
pub fn set_request_observer(
    observer: Box<dyn RequestObserver>,
) -> Result<(), Box<dyn RequestObserver>> {
    OBSERVER.set(observer)
}

pub(crate) fn observer() -> Option<&'static dyn RequestObserver> {
    OBSERVER.get().map(Box::as_ref)
}

pub(crate) fn headroom(headers: &HeaderMap) -> Option<RateLimitHeadroom> {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    Some(RateLimitHeadroom {
        limit: number("x-ratelimit-limit")?,
        remaining: number("x-ratelimit-remaining")?,
    })
}

/// One attempt being watched: its span (disabled unless a layer exports it) and, when anyone
/// listens, its start and route.
pub(crate) struct Watch {
    span: tracing::Span,
    method: &'static str,
    started: Option<(Instant, String)>,
}

impl Watch {
    pub(crate) fn start(method: &'static str, path: &str, attempt: u32) -> Self {
        let span = tracing::debug_span!(
            target: SPAN_TARGET,
            "nango_request",
            otel.name = Empty,
            otel.kind = "client",
            http.request.method = method,
            url.template = Empty,
            http.request.resend_count = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
        );
        if span.is_disabled() && observer().is_none() {
            return Self {
                span,
                method,
                started: None,
            };
        }
        let route = route_template(path);
        if !span.is_disabled() {
            span.record("otel.name", format!("{method} {route}"));
            span.record("url.template", route.as_str());
            if attempt > 1 {
                span.record("http.request.resend_count", attempt - 1);
            }
        }
        Self {
            span,
            method,
            started: Some((Instant::now(), route)),
        }
    }

    pub(crate) fn span(&self) -> tracing::Span {
        self.span.clone()
    }

    /// Records how the attempt ended; `error` names a failure that got no answer.
    pub(crate) fn finish(&self, answer: Result<&HeaderMap, &'static str>, status: Option<u16>) {
        let Some((started, route)) = &self.started else {
            return;
        };
        if let Some(status) = status {
            self.span.record("http.response.status_code", status);
            if status >= 400 {
                self.span.record("error.type", status.to_string());
            }
        }
        if let Err(kind) = answer {
            self.span.record("error.type", kind);
        }
        let Some(observer) = observer() else {
            return;
        };
        observer.request_done(&RequestFacts {
            method: self.method,
            route,
            status,
            failure: answer.err(),
            duration: started.elapsed(),
        });
        if let Ok(headers) = answer
            && let Some(headroom) = headroom(headers)
        {
            observer.rate_limit_seen(headroom);
        }
    }
}

/// Path segments that are part of Nango's API rather than names chosen by its users.
const CONSTANT_SEGMENTS: &[&str] = &[
    "connections",
    "integrations",
    "functions",
    "providers",
    "records",
    "sync",
    "status",
    "trigger",
    "pause",
    "start",
    "connect",
    "sessions",
    "reconnect",
    "scripts",
    "config",
    "environment-variables",
    "health",
];

/// Collections whose next segment is always a name (`/connections/status` is a connection).
const NAMED_COLLECTIONS: &[&str] = &["connections", "integrations", "providers"];

/// `/connections/abc` -> `/connections/{id}`. Any segment not known to be constant becomes
/// `{id}`, so a route Nango adds later can never put a name into a label.
pub fn route_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut route = String::with_capacity(path.len());
    let mut previous = "";
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        route.push('/');
        let names_a_thing = NAMED_COLLECTIONS.contains(&previous);
        previous = segment;
        if !names_a_thing && CONSTANT_SEGMENTS.contains(&segment) {
            route.push_str(segment);
        } else {
            route.push_str("{id}");
        }
    }
    if route.is_empty() {
        route.push('/');
    }
    route
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_become_placeholders() {
        assert_eq!(route_template("/connections"), "/connections");
        assert_eq!(
            route_template("/connections/user%40example.com"),
            "/connections/{id}"
        );
        assert_eq!(
            route_template("/integrations/github-prod/functions"),
            "/integrations/{id}/functions"
        );
        assert_eq!(route_template("/sync/trigger"), "/sync/trigger");
        assert_eq!(route_template("/providers/hubspot"), "/providers/{id}");
        assert_eq!(route_template("/connections/status"), "/connections/{id}");
        assert_eq!(route_template("/v2/secret-thing"), "/{id}/{id}");
        assert_eq!(route_template("/records?cursor=abc"), "/records");
        assert_eq!(route_template(""), "/");
    }

    #[test]
    fn headroom_needs_both_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", "100".parse().unwrap());
        assert_eq!(headroom(&headers), None);
        headers.insert("x-ratelimit-remaining", " 42".parse().unwrap());
        assert_eq!(
            headroom(&headers),
            Some(RateLimitHeadroom {
                limit: 100,
                remaining: 42
            })
        );
    }
}
