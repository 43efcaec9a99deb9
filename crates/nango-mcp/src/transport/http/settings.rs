//! What the HTTP transport is configured with, its safe defaults, and the checks that refuse an
//! unsafe configuration before a socket is opened.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::HttpError;

/// Environment variable holding the bearer token the HTTP transport requires.
pub const AUTH_TOKEN_ENV: &str = "NANGO_MCP_AUTH_TOKEN";

/// Default cap on a request body (1 MiB): MCP requests are small JSON documents.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Environment variable holding more bearer tokens, separated by whitespace: one per person or
/// agent, so that each counts as its own client when slots are shared out.
pub const AUTH_TOKENS_ENV: &str = "NANGO_MCP_AUTH_TOKENS";
/// Default number of calls running at once, all clients together. Past a few dozen, calls only
/// compete for the same CPUs and the same Nango rate limit while each holds its upstream answer
/// in memory; more callers than this wait in turn.
pub const DEFAULT_MAX_CONCURRENT: usize = 32;
/// Default number of calls one client may have running at once: by default the whole server,
/// since fair turns (not a smaller cap) are what keep one client from starving the others.
pub const DEFAULT_MAX_CONCURRENT_PER_CLIENT: usize = DEFAULT_MAX_CONCURRENT;
/// Default number of calls waiting for a slot, all clients together. A waiting call holds only
/// its connection, a few KiB.
pub const DEFAULT_MAX_QUEUED: usize = 4_096;
/// Default number of calls one client may have waiting: a team of agents on one token fits.
pub const DEFAULT_MAX_QUEUED_PER_CLIENT: usize = 1_024;
/// Default time a call waits for a slot before it is answered 429.
pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time in-flight calls get to finish once shutdown starts.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bearer token clients must present. Only its SHA-256 digest is kept, so the secret itself can
/// never end up in a log line or a debug dump.
#[derive(Clone)]
pub struct AuthToken {
    digest: [u8; 32],
}

impl AuthToken {
    /// Accepts a token of visible ASCII characters (what an HTTP header can carry), surrounding
    /// whitespace removed. Refuses an empty token: it would authenticate everyone.
    pub fn new(token: &str) -> Result<Self, HttpError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(HttpError::InvalidAuthToken("the token is empty"));
        }
        if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(HttpError::InvalidAuthToken(
                "the token must be visible ASCII characters without spaces",
            ));
        }
        Ok(Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// Reads [`AUTH_TOKEN_ENV`]. Unset gives `None`; set but empty is an error, because someone
    /// meant to require a token and would silently get none.
    pub fn from_env() -> Result<Option<Self>, HttpError> {
        match std::env::var(AUTH_TOKEN_ENV) {
            Ok(value) => Self::new(&value).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(HttpError::InvalidAuthToken(
                "NANGO_MCP_AUTH_TOKEN is not valid UTF-8",
            )),
        }
    }

    /// Reads [`AUTH_TOKENS_ENV`]: tokens separated by whitespace (tokens cannot contain any).
    /// Unset or blank gives none.
    pub fn many_from_env() -> Result<Vec<Self>, HttpError> {
        match std::env::var(AUTH_TOKENS_ENV) {
            Ok(value) => value.split_whitespace().map(Self::new).collect(),
            Err(std::env::VarError::NotPresent) => Ok(Vec::new()),
            Err(std::env::VarError::NotUnicode(_)) => Err(HttpError::InvalidAuthToken(
                "NANGO_MCP_AUTH_TOKENS is not valid UTF-8",
            )),
        }
    }

    /// A short, non-reversible identifier of the token.
    #[cfg(test)]
    pub(crate) fn fingerprint(&self) -> u64 {
        let [b0, b1, b2, b3, b4, b5, b6, b7, ..] = self.digest;
        u64::from_be_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
    }

    /// The token among `tokens` that `presented` is, if any. Every token is compared, in
    /// constant time, so timing tells neither which one matched nor how close a guess came.
    pub(crate) fn find<'a>(tokens: &'a [Self], presented: &str) -> Option<&'a Self> {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        tokens.iter().fold(None, |found, token| {
            let same: bool = presented.ct_eq(&token.digest).into();
            if same { Some(token) } else { found }
        })
    }

    /// The 1-based position among `tokens` of the token `presented` is, if any (constant time,
    /// like [`AuthToken::find`]): what names a static-token caller in logs without a secret.
    pub(crate) fn position(tokens: &[Self], presented: &str) -> Option<usize> {
        let found = Self::find(tokens, presented)?;
        tokens
            .iter()
            .position(|token| std::ptr::eq(token, found))
            .map(|index| index + 1)
    }

    /// Compares a presented token in constant time. Digests are compared rather than the raw
    /// bytes so that not even the token's length leaks through timing.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        presented.ct_eq(&self.digest).into()
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("AuthToken(<redacted>)")
    }
}

/// How the Streamable HTTP transport listens and whom it lets in.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Bearer token required on `/mcp`; mandatory when `bind` is not loopback.
    pub auth_token: Option<AuthToken>,
    /// More tokens accepted on `/mcp`; each one is its own client for the fair sharing of slots.
    pub more_auth_tokens: Vec<AuthToken>,
    /// `Host` header values accepted on `/mcp` and `/readyz`: `host` (any port), `host:port`,
    /// `[v6]` or `[v6]:port`; `*` accepts any host (only allowed together with an auth token).
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted: `scheme://host`, `scheme://host:port`, `scheme://host:*` (any
    /// port), `null`, or `*`. Requests without `Origin` (non-browser clients) are always let in.
    pub allowed_origins: Vec<String>,
    /// Largest request body accepted; bigger ones get 413.
    pub max_body_bytes: usize,
    /// Calls running at once, all clients together; more wait for a slot, served in turns.
    pub max_concurrent: usize,
    /// Calls one client (its bearer token, else its IP) may have running at once.
    pub max_concurrent_per_client: usize,
    /// Calls waiting for a slot, all clients together; beyond that they get 429 at once.
    pub max_queued: usize,
    /// Calls one client may have waiting for a slot; beyond that they get 429 at once.
    pub max_queued_per_client: usize,
    /// How long a call may wait for a slot before it gets 429.
    pub queue_timeout: Duration,
    /// How long in-flight calls may take to finish after shutdown starts.
    pub shutdown_grace: Duration,
    /// Sign-in with OAuth: accept the access tokens of this authorization server (beside the
    /// static tokens).
    pub oauth: Option<super::oauth::OAuthSettings>,
    /// Nango's webhooks at `/webhooks/nango`, kept as history; `None` leaves the path unserved.
    pub webhooks: Option<std::sync::Arc<super::webhooks::WebhookReceiver>>,
}

impl HttpSettings {
    /// Safe defaults for `bind`: loopback hosts and origins only, no token, 1 MiB bodies,
    /// 32 calls running at once, 10 s grace.
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            auth_token: None,
            more_auth_tokens: Vec::new(),
            allowed_hosts: default_allowed_hosts(bind),
            allowed_origins: default_allowed_origins(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            max_concurrent_per_client: DEFAULT_MAX_CONCURRENT_PER_CLIENT,
            max_queued: DEFAULT_MAX_QUEUED,
            max_queued_per_client: DEFAULT_MAX_QUEUED_PER_CLIENT,
            queue_timeout: DEFAULT_QUEUE_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            oauth: None,
            webhooks: None,
        }
    }

    /// Sets the bearer token (builder style).
    pub fn with_auth_token(mut self, token: Option<AuthToken>) -> Self {
        self.auth_token = token;
        self
    }

    /// Every token accepted on `/mcp`.
    pub fn accepted_tokens(&self) -> Vec<AuthToken> {
        self.auth_token
            .iter()
            .chain(&self.more_auth_tokens)
            .cloned()
            .collect()
    }

    /// Refuses configurations that would expose the server: a reachable address without a token,
    /// an empty host list, or "any host" on an unauthenticated server (DNS rebinding).
    pub fn validate(&self) -> Result<(), HttpError> {
        let authenticated =
            self.auth_token.is_some() || !self.more_auth_tokens.is_empty() || self.oauth.is_some();
        if !authenticated && !is_loopback(self.bind) {
            return Err(HttpError::InsecureBind { bind: self.bind });
        }
        if self.allowed_hosts.iter().all(|host| host.trim().is_empty()) {
            return Err(HttpError::InvalidSettings(
                "allowed_hosts is empty, so every request would be refused".into(),
            ));
        }
        if !authenticated && self.allowed_hosts.iter().any(|host| host.trim() == "*") {
            return Err(HttpError::InvalidSettings(
                "allowed_hosts `*` without an auth token leaves the server open to DNS rebinding; \
                 list the host names instead or set NANGO_MCP_AUTH_TOKEN"
                    .into(),
            ));
        }
        if self.max_concurrent == 0 || self.max_concurrent_per_client == 0 {
            return Err(HttpError::InvalidSettings(
                "max_concurrent and max_concurrent_per_client must be at least 1".into(),
            ));
        }
        if self.max_body_bytes == 0 {
            return Err(HttpError::InvalidSettings(
                "max_body_bytes must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// True when `addr` only accepts connections from this machine (127.0.0.0/8, `::1`, or an
/// IPv4-mapped loopback address). The unspecified address (`0.0.0.0`, `::`) is not loopback.
pub fn is_loopback(addr: SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Loopback names on any port, plus the bind address itself when it names a concrete host, so a
/// client that dials the address it was told about is let in.
fn default_allowed_hosts(bind: SocketAddr) -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
        .into_iter()
        .map(String::from)
        .collect();
    if !bind.ip().is_unspecified() && !is_loopback(bind) {
        // SocketAddr's Display already brackets IPv6 hosts.
        hosts.push(bind.to_string());
    }
    hosts
}

/// Pages served from this machine (any port, http or https); remote pages are refused.
fn default_allowed_origins() -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .into_iter()
        .flat_map(|host| ["http", "https"].map(|scheme| format!("{scheme}://{host}:*")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn loopback_addresses_are_recognised() {
        assert!(is_loopback(addr("127.0.0.1:80")));
        assert!(is_loopback(addr("127.1.2.3:80")));
        assert!(is_loopback(addr("[::1]:80")));
        assert!(is_loopback(addr("[::ffff:127.0.0.1]:80")));
        assert!(!is_loopback(addr("0.0.0.0:80")));
        assert!(!is_loopback(addr("[::]:80")));
        assert!(!is_loopback(addr("192.168.1.5:80")));
    }

    #[test]
    fn tokens_match_only_themselves() {
        let token = AuthToken::new("  s3cret-token\n").unwrap();
        assert!(token.matches("s3cret-token"));
        assert!(!token.matches("s3cret-toke"));
        assert!(!token.matches("s3cret-token2"));
        assert!(!token.matches(""));
    }

    #[test]
    fn each_of_several_tokens_is_found_and_keyed_apart() {
        let tokens: Vec<AuthToken> = ["alice-token", "bob-token"]
            .into_iter()
            .map(|token| AuthToken::new(token).unwrap())
            .collect();
        let alice = AuthToken::find(&tokens, "alice-token").unwrap();
        let bob = AuthToken::find(&tokens, "bob-token").unwrap();
        assert_ne!(alice.fingerprint(), bob.fingerprint());
        assert!(AuthToken::find(&tokens, "carol-token").is_none());
        assert!(AuthToken::find(&[], "alice-token").is_none());
    }

    #[test]
    fn unusable_tokens_are_refused() {
        assert!(AuthToken::new("").is_err());
        assert!(AuthToken::new("   ").is_err());
        assert!(AuthToken::new("two words").is_err());
        assert!(AuthToken::new("naïve").is_err());
    }

    #[test]
    fn debug_output_hides_the_token() {
        let token = AuthToken::new("hunter2hunter2").unwrap();
        let settings = HttpSettings::new(addr("127.0.0.1:0")).with_auth_token(Some(token));
        let dump = format!("{settings:?}");
        assert!(!dump.contains("hunter2"), "{dump}");
        assert!(dump.contains("<redacted>"));
    }

    #[test]
    fn reachable_bind_needs_a_token() {
        let open = HttpSettings::new(addr("0.0.0.0:8080"));
        assert!(matches!(
            open.validate(),
            Err(HttpError::InsecureBind { .. })
        ));
        let guarded = open.with_auth_token(Some(AuthToken::new("tok").unwrap()));
        assert!(guarded.validate().is_ok());
    }

    #[test]
    fn wildcard_host_needs_a_token() {
        let mut settings = HttpSettings::new(addr("127.0.0.1:0"));
        settings.allowed_hosts = vec!["*".into()];
        assert!(settings.validate().is_err());
        settings.auth_token = Some(AuthToken::new("tok").unwrap());
        assert!(settings.validate().is_ok());
        settings.allowed_hosts.clear();
        assert!(settings.validate().is_err());
    }

    #[test]
    fn defaults_cover_loopback_and_a_concrete_bind_host() {
        let loopback = HttpSettings::new(addr("127.0.0.1:8080"));
        assert_eq!(loopback.allowed_hosts, ["localhost", "127.0.0.1", "[::1]"]);
        let lan = HttpSettings::new(addr("192.168.1.5:8080"));
        assert!(lan.allowed_hosts.contains(&"192.168.1.5:8080".to_string()));
        let v6 = HttpSettings::new(addr("[fd00::1]:8080"));
        assert!(v6.allowed_hosts.contains(&"[fd00::1]:8080".to_string()));
        let any = HttpSettings::new(addr("0.0.0.0:8080"));
        assert_eq!(any.allowed_hosts.len(), 3);
        assert!(
            loopback
                .allowed_origins
                .contains(&"http://localhost:*".to_string())
        );
    }
}
