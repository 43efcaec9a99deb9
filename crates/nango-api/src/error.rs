//! One error type for every way a call to Nango can fail. Each variant carries what a person
//! needs to act (status, Nango's code and message, the host tried) and never the secret key.

use std::time::Duration;

/// A failed call to Nango.
#[derive(Debug, thiserror::Error)]
pub enum NangoError {
    /// The configured secret key cannot be valid (Nango only accepts UUID v4 keys).
    #[error("the Nango secret key is not a UUID v4 ({0}); check NANGO_SECRET_KEY")]
    InvalidKey(&'static str),

    /// The configured host is not a usable http(s) URL.
    #[error("invalid Nango host {host:?}: {reason}")]
    InvalidHost {
        /// The host as configured, without any credentials it contained.
        host: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An argument cannot be sent safely (e.g. a header value with control characters).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which argument (`connection id`, `Connection-Id`, …).
        what: &'static str,
        /// Why it cannot be sent.
        reason: String,
    },

    /// Nango answered with an error envelope (`{"error":{code,message,…}}` or legacy `{message}`).
    #[error("Nango returned {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Nango's error code (`not_found`, `forbidden`, …), or one derived from the status.
        code: String,
        /// Nango's message, or a helpful one when Nango sent none.
        message: String,
        /// Validation details (`errors[].message`, with their paths).
        details: Vec<String>,
    },

    /// Nango tried to refresh or test the connection's credentials on a read and failed (400, or
    /// 424 while it backs off): it has marked the connection `auth_error`. Only reads of one
    /// connection by a key with `connections:read_credentials` can cause this.
    #[error(
        "Nango could not refresh this connection's credentials ({status} invalid_credentials): {message}"
    )]
    InvalidCredentials {
        /// 400 for the failed attempt, 424 while Nango backs off before the next one.
        status: u16,
        /// Nango's message.
        message: String,
        /// The connection as Nango now reports it (`payload.connection`), when it sent it.
        connection: Option<Box<crate::models::ConnectionDetail>>,
    },

    /// Still rate limited (429) after the retry budget ran out, or the wait for the next
    /// window is longer than the retry policy allows (`attempts` counts requests actually sent).
    #[error("{}", rate_limited_message(*attempts, *retry_after))]
    RateLimited {
        /// Requests actually sent for this call (0 when the gate refused before sending).
        attempts: u32,
        /// How long until the window resets, as far as the client knows.
        retry_after: Option<Duration>,
    },

    /// Nango could not be reached (DNS, refused connection, TLS) after retries.
    #[error("could not reach Nango at {host}: {reason}")]
    Unreachable {
        /// The configured base URL.
        host: String,
        /// The network error and its causes.
        reason: String,
    },

    /// No answer within the request timeout, after retries.
    #[error("Nango at {host} did not answer within {timeout:?}")]
    Timeout {
        /// The configured base URL.
        host: String,
        /// The per-attempt timeout that ran out.
        timeout: Duration,
    },

    /// The body was not JSON (a self-hosted server answers unknown routes with its HTML dashboard).
    #[error(
        "Nango at {host} answered {status} with {content_type} instead of JSON; check NANGO_HOST points at the API"
    )]
    NotJson {
        /// The configured base URL.
        host: String,
        /// HTTP status of the answer.
        status: u16,
        /// The `Content-Type` it declared.
        content_type: String,
    },

    /// The body claimed to be JSON but did not parse into the expected shape.
    #[error("Nango answered {status} with a body that does not parse: {reason}")]
    InvalidBody {
        /// HTTP status of the answer.
        status: u16,
        /// What went wrong, without quoting the body.
        reason: String,
    },
}

fn rate_limited_message(attempts: u32, retry_after: Option<Duration>) -> String {
    let when = match retry_after {
        Some(wait) => format!("retry in about {} s", wait.as_secs().max(1)),
        None => "retry in a minute".to_owned(),
    };
    if attempts == 0 {
        format!("Nango rate limit budget is spent for this window (429 avoided); {when}")
    } else {
        format!("Nango rate limit reached (429) after {attempts} attempts; {when}")
    }
}

impl NangoError {
    /// HTTP status Nango answered with, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. }
            | Self::InvalidCredentials { status, .. }
            | Self::NotJson { status, .. }
            | Self::InvalidBody { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Nango's error code (`not_found`, `forbidden`, `unknown_connection`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            Self::InvalidCredentials { .. } => Some("invalid_credentials"),
            _ => None,
        }
    }

    /// The integration, connection or provider does not exist (Nango answers some of these
    /// with 400 `unknown_connection` / `unknown_provider_config`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
            || matches!(
                self.code(),
                Some("not_found" | "unknown_connection" | "unknown_provider_config")
            )
    }

    /// 403 `forbidden`: the key lacks a scope. The message names the required scope.
    pub fn is_missing_scope(&self) -> bool {
        matches!(self, Self::Api { status: 403, .. })
    }

    /// The key is malformed or unknown to Nango.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Api { status: 401, .. }) || matches!(self, Self::InvalidKey(_))
    }
}
