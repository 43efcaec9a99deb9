//! DNS-rebinding protection: a page on `evil.example` whose DNS later points at 127.0.0.1 still
//! sends `Host: evil.example` and `Origin: http://evil.example`, so both headers are checked
//! against allow-lists before anything else runs.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri, header, uri::Authority};
use axum::middleware::Next;
use axum::response::Response;

use super::error::{HttpError, Refusal};

/// The parsed allow-lists, built once at startup so a typo fails loudly instead of per request.
#[derive(Debug)]
pub(crate) struct HostGuard {
    hosts: Vec<HostRule>,
    origins: Vec<OriginRule>,
}

#[derive(Debug, PartialEq, Eq)]
enum HostRule {
    Any,
    Exact { host: String, port: Option<u16> },
}

#[derive(Debug, PartialEq, Eq)]
enum PortRule {
    Any,
    Exact(u16),
}

#[derive(Debug, PartialEq, Eq)]
enum OriginRule {
    Any,
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: PortRule,
    },
}

/// An `Origin` header value, normalised for comparison.
#[derive(Debug, PartialEq, Eq)]
enum RequestOrigin {
    Null,
    Tuple {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
}

impl HostGuard {
    /// Parses both lists; an entry that cannot be understood is a startup error.
    pub(crate) fn new(hosts: &[String], origins: &[String]) -> Result<Self, HttpError> {
        let hosts = hosts
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                parse_host_rule(entry).ok_or_else(|| {
                    HttpError::InvalidSettings(format!("allowed host {entry:?} is not host[:port]"))
                })
            })
            .collect::<Result<_, _>>()?;
        let origins = origins
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                parse_origin_rule(entry).ok_or_else(|| {
                    HttpError::InvalidSettings(format!(
                        "allowed origin {entry:?} is not scheme://host[:port|:*], null or *"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { hosts, origins })
    }

    /// The response refusing the request, or `None` when Host and Origin are allowed.
    fn refusal(&self, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
        let Some((host, port)) = request_host(uri, headers) else {
            tracing::warn!("refused request without a usable Host header");
            return Some(Refusal::MissingHost.respond("Host header is missing or malformed"));
        };
        if !self.host_allowed(&host, port) {
            tracing::warn!(host = %host, ?port, "refused request for a Host not in the allow-list (possible DNS rebinding)");
            return Some(Refusal::HostNotAllowed.respond(format!(
                "Host {host:?} is not allowed; add it to the allowed hosts if this server is meant to answer to that name"
            )));
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            // Non-browser clients send no Origin, and browsers always do on cross-origin requests.
            return None;
        };
        if !self.origin_header_allowed(origin) {
            tracing::warn!(origin = ?origin, "refused request from an Origin not in the allow-list");
            return Some(Refusal::OriginNotAllowed.respond(format!(
                "Origin {:?} is not allowed",
                String::from_utf8_lossy(origin.as_bytes())
            )));
        }
        None
    }

    /// Whether the operator allowed any browser origin at all (CORS is answered only then).
    pub(crate) fn allows_browsers(&self) -> bool {
        !self.origins.is_empty()
    }

    /// Whether this `Origin` header value is on the allow-list.
    pub(crate) fn origin_header_allowed(&self, origin: &axum::http::HeaderValue) -> bool {
        origin
            .to_str()
            .ok()
            .and_then(parse_request_origin)
            .is_some_and(|origin| self.origin_allowed(&origin))
    }

    fn host_allowed(&self, host: &str, port: Option<u16>) -> bool {
        self.hosts.iter().any(|rule| match rule {
            HostRule::Any => true,
            HostRule::Exact {
                host: allowed,
                port: allowed_port,
            } => allowed == host && allowed_port.is_none_or(|allowed| port == Some(allowed)),
        })
    }

    fn origin_allowed(&self, origin: &RequestOrigin) -> bool {
        self.origins.iter().any(|rule| match (rule, origin) {
            (OriginRule::Any, _) | (OriginRule::Null, RequestOrigin::Null) => true,
            (
                OriginRule::Tuple { scheme, host, port },
                RequestOrigin::Tuple {
                    scheme: origin_scheme,
                    host: origin_host,
                    port: origin_port,
                },
            ) => {
                scheme == origin_scheme
                    && host == origin_host
                    && match port {
                        PortRule::Any => true,
                        PortRule::Exact(allowed) => {
                            origin_port.or_else(|| default_port(origin_scheme)) == Some(*allowed)
                        }
                    }
            }
            _ => false,
        })
    }
}

/// Axum middleware: refuses the request with 400/403 JSON unless Host and Origin are allowed.
pub(crate) async fn guard_host_and_origin(
    State(guard): State<Arc<HostGuard>>,
    request: Request,
    next: Next,
) -> Response {
    match guard.refusal(request.uri(), request.headers()) {
        None => next.run(request).await,
        Some(refusal) => refusal,
    }
}

/// Lowercase host without IPv6 brackets, so `[::1]`, `::1` and `[::1]:80` compare equal.
fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

fn parse_authority(text: &str) -> Option<(String, Option<u16>)> {
    // Userinfo has no business in a Host header or allow-list entry; refusing it avoids any
    // doubt about which part is the host.
    if text.contains('@') {
        return None;
    }
    let authority = Authority::try_from(text).ok()?;
    Some((normalize_host(authority.host()), authority.port_u16()))
}

fn parse_host_rule(entry: &str) -> Option<HostRule> {
    if entry == "*" {
        return Some(HostRule::Any);
    }
    // A bare IPv6 address ("::1") is not a valid authority, but it is unambiguous.
    if let Ok(ip @ IpAddr::V6(_)) = entry.parse::<IpAddr>() {
        return Some(HostRule::Exact {
            host: ip.to_string(),
            port: None,
        });
    }
    let (host, port) = parse_authority(entry)?;
    Some(HostRule::Exact { host, port })
}

fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<(String, Option<u16>)> {
    match headers.get(header::HOST) {
        Some(value) => parse_authority(value.to_str().ok()?),
        None => uri
            .authority()
            .map(|authority| (normalize_host(authority.host()), authority.port_u16())),
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

fn parse_request_origin(text: &str) -> Option<RequestOrigin> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("null") {
        return Some(RequestOrigin::Null);
    }
    let uri = Uri::try_from(text).ok()?;
    // An origin is scheme://host[:port] and nothing more.
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() || text.contains('@') {
        return None;
    }
    let authority = uri.authority()?;
    Some(RequestOrigin::Tuple {
        scheme: uri.scheme_str()?.to_ascii_lowercase(),
        host: normalize_host(authority.host()),
        port: authority.port_u16(),
    })
}

fn parse_origin_rule(entry: &str) -> Option<OriginRule> {
    if entry == "*" {
        return Some(OriginRule::Any);
    }
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    match parse_request_origin(base)? {
        RequestOrigin::Null if !any_port => Some(OriginRule::Null),
        RequestOrigin::Null => None,
        RequestOrigin::Tuple { port: Some(_), .. } if any_port => None,
        RequestOrigin::Tuple { scheme, host, port } => {
            let port = if any_port {
                PortRule::Any
            } else {
                // No port means the scheme's default port, as browsers serialise it.
                PortRule::Exact(port.or_else(|| default_port(&scheme))?)
            };
            Some(OriginRule::Tuple { scheme, host, port })
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn guard(hosts: &[&str], origins: &[&str]) -> HostGuard {
        let hosts: Vec<String> = hosts.iter().map(|s| s.to_string()).collect();
        let origins: Vec<String> = origins.iter().map(|s| s.to_string()).collect();
        HostGuard::new(&hosts, &origins).unwrap()
    }

    fn allows(guard: &HostGuard, host: Option<&str>, origin: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        }
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        guard.refusal(&Uri::from_static("/mcp"), &headers).is_none()
    }

    #[test]
    fn hosts_without_port_match_any_port() {
        let guard = guard(&["localhost", "127.0.0.1", "[::1]"], &[]);
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:9",
        ] {
            assert!(allows(&guard, Some(host), None), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.2",
            "localhost.evil.example",
            "user@localhost",
        ] {
            assert!(!allows(&guard, Some(host), None), "{host}");
        }
        assert!(
            !allows(&guard, None, None),
            "a request without Host is refused"
        );
    }

    #[test]
    fn hosts_with_port_match_only_that_port() {
        let guard = guard(&["api.example:8443", "::1"], &[]);
        assert!(allows(&guard, Some("api.example:8443"), None));
        assert!(!allows(&guard, Some("api.example"), None));
        assert!(!allows(&guard, Some("api.example:8444"), None));
        assert!(allows(&guard, Some("[::1]:80"), None));
    }

    #[test]
    fn origins_follow_scheme_host_and_port() {
        let guard = guard(
            &["*"],
            &[
                "http://localhost:*",
                "https://app.example",
                "http://10.0.0.1:3000",
            ],
        );
        assert!(allows(&guard, Some("x"), None), "no Origin is fine");
        assert!(allows(&guard, Some("x"), Some("http://localhost:6274")));
        assert!(allows(&guard, Some("x"), Some("https://app.example")));
        assert!(allows(&guard, Some("x"), Some("https://app.example:443")));
        assert!(allows(&guard, Some("x"), Some("http://10.0.0.1:3000")));
        for origin in [
            "https://localhost:6274",
            "http://evil.example",
            "https://app.example:8443",
            "http://app.example",
            "http://10.0.0.1:3001",
            "null",
            "not an origin",
            "http://localhost:1/path",
        ] {
            assert!(!allows(&guard, Some("x"), Some(origin)), "{origin}");
        }
    }

    #[test]
    fn null_and_wildcard_origins_are_opt_in() {
        assert!(allows(&guard(&["*"], &["null"]), Some("x"), Some("null")));
        assert!(allows(
            &guard(&["*"], &["*"]),
            Some("x"),
            Some("http://evil.example")
        ));
        assert!(!allows(
            &guard(&["*"], &[]),
            Some("x"),
            Some("http://localhost")
        ));
    }

    #[test]
    fn malformed_entries_fail_at_startup() {
        assert!(HostGuard::new(&["bad host".into()], &[]).is_err());
        assert!(HostGuard::new(&["user@host".into()], &[]).is_err());
        assert!(HostGuard::new(&[], &["localhost".into()]).is_err());
        assert!(HostGuard::new(&[], &["http://a:1:*".into()]).is_err());
        assert!(HostGuard::new(&[], &["null:*".into()]).is_err());
    }
}
