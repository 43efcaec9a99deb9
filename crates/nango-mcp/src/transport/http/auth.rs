//! Bearer-token authentication for `/mcp`. The header value is never logged.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::error::Refusal;
use super::settings::AuthToken;

/// Who a request counts against for the per-client concurrency limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    /// Signed-in (or static-token) requests are keyed by who they are: fairness per person.
    Caller(crate::caller::Caller),
    /// Unauthenticated servers (loopback only) key by the peer's address.
    Peer(IpAddr),
    /// No peer address was recorded (only when the router is served without connect info).
    Unknown,
}

impl ClientKey {
    /// The key for a request: its token when authentication vouched for one, else its peer IP.
    pub(crate) fn of(request: &Request) -> Self {
        if let Some(key) = request.extensions().get::<ClientKey>() {
            return key.clone();
        }
        request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or(Self::Unknown, |ConnectInfo(peer)| Self::Peer(peer.ip()))
    }
}

/// Axum middleware: 401 with `WWW-Authenticate: Bearer` unless the request carries one of the
/// tokens; the request is then keyed to that token.
pub(crate) async fn require_bearer(
    State(tokens): State<Arc<Vec<AuthToken>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = presented_token(request.headers());
    match presented.map(|presented| AuthToken::position(&tokens, presented)) {
        Some(Some(position)) => {
            // rmcp hands the request headers to tool handlers; the secret has done its job and
            // must not be there for a handler to log.
            request.headers_mut().remove(header::AUTHORIZATION);
            let caller = crate::caller::Caller::static_token(position);
            request
                .extensions_mut()
                .insert(ClientKey::Caller(caller.clone()));
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Some(_) => {
            tracing::warn!("refused request with a wrong bearer token");
            unauthorized(
                "the bearer token is not valid",
                r#"Bearer realm="nango-mcp", error="invalid_token""#,
            )
        }
        None => {
            tracing::warn!("refused request without a bearer token");
            unauthorized(
                "this server requires `Authorization: Bearer <token>` (the value of NANGO_MCP_AUTH_TOKEN)",
                r#"Bearer realm="nango-mcp""#,
            )
        }
    }
}

fn unauthorized(message: &str, challenge: &'static str) -> Response {
    let mut response = Refusal::Unauthorized.respond(message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The credentials of an `Authorization: Bearer …` header; the scheme is case-insensitive.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|credentials| !credentials.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        headers
    }

    #[test]
    fn bearer_credentials_are_extracted() {
        assert_eq!(presented_token(&headers("Bearer abc")), Some("abc"));
        assert_eq!(presented_token(&headers("bearer   abc ")), Some("abc"));
        assert_eq!(presented_token(&headers("Basic abc")), None);
        assert_eq!(presented_token(&headers("Bearer")), None);
        assert_eq!(presented_token(&headers("Bearer ")), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
