//! Why a run failed, in the words Nango's logs would use: the provider's HTTP answer for
//! rate limits, bad credentials and server errors, the script's exception, or a timeout.

use serde::{Deserialize, Serialize};

/// The kinds of failure the seeded history contains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The provider's API answered `429 Too Many Requests`.
    ProviderRateLimit,
    /// The provider rejected the credentials (`401`), or the token could not be refreshed.
    InvalidCredentials,
    /// The run exceeded its maximum execution time (operation state `timeout`).
    Timeout,
    /// The sync script threw (e.g. a `TypeError`).
    ScriptError,
    /// The provider's API answered `500 Internal Server Error`.
    ProviderServerError,
}

impl FailureKind {
    /// The HTTP status the provider answered with, for provider-side failures.
    pub fn provider_status(self) -> Option<u16> {
        match self {
            Self::ProviderRateLimit => Some(429),
            Self::InvalidCredentials => Some(401),
            Self::ProviderServerError => Some(500),
            Self::Timeout | Self::ScriptError => None,
        }
    }
}

/// A failure with the error object Nango's error log line carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// `error.name`, e.g. `script_http_error` or `TypeError`.
    pub name: String,
    /// `error.message`: the full, human-readable reason.
    pub message: String,
    /// `error.type`, Nango's error code.
    pub error_type: String,
}

/// The facts a failure message is written from.
pub(crate) struct FailureContext<'a> {
    pub provider: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub sync: &'a str,
    pub model: &'a str,
}

/// The provider's own body text for a status, where it is well known.
fn provider_says(provider: &str, status: u16) -> &'static str {
    match (provider, status) {
        ("hubspot", 429) => {
            "You have reached your ten_secondly_rolling limit. (errorType: RATE_LIMIT)"
        }
        ("salesforce", 429) => "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
        ("github" | "github-app", 429) => "API rate limit exceeded for installation.",
        ("slack", 429) => "ratelimited",
        ("jira", 429) => "Rate limit exceeded. Retry after the period in the Retry-After header.",
        ("zendesk", 429) => "Too Many Requests: rate limit of 700 requests per minute exceeded",
        ("stripe", 429) => "Too many requests hit the API too quickly (rate_limit).",
        (_, 429) => "Too Many Requests",
        ("salesforce", 401) => "INVALID_SESSION_ID: Session expired or invalid",
        ("hubspot", 401) => {
            "Authentication credentials not found. The OAuth token is expired or revoked."
        }
        ("slack", 401) => "invalid_auth",
        ("github" | "github-app", 401) => "Bad credentials",
        (_, 401) => "Unauthorized: invalid or expired access token",
        ("salesforce", 500) => {
            "UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you contact support: 1027436518-91273 (-1209312345)"
        }
        (_, 500) => "Internal Server Error",
        _ => "",
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

/// The script exception of a `ScriptError` on this model.
pub(crate) fn script_exception(ctx: &FailureContext<'_>) -> (String, String) {
    let field = match ctx.model {
        "Deal" => "Amount",
        "Contact" => "email",
        _ => "properties",
    };
    (
        "TypeError".to_owned(),
        format!(
            "Cannot read properties of undefined (reading '{field}') at fetchData ({}.ts:42:31)",
            ctx.sync
        ),
    )
}

/// Builds the failure of `kind` for one run.
pub(crate) fn failure(kind: FailureKind, ctx: &FailureContext<'_>) -> Failure {
    match kind {
        FailureKind::ProviderRateLimit
        | FailureKind::InvalidCredentials
        | FailureKind::ProviderServerError => {
            let status = kind.provider_status().unwrap_or(500);
            let reason = match kind {
                FailureKind::ProviderRateLimit => "provider rate limit exceeded",
                FailureKind::InvalidCredentials => {
                    "invalid credentials; the connection needs to be re-authorized"
                }
                _ => "the provider's API failed",
            };
            Failure {
                kind,
                name: "script_http_error".to_owned(),
                message: format!(
                    "{} {} failed with HTTP {status} {} ({reason}): {}",
                    ctx.method,
                    ctx.url,
                    status_text(status),
                    provider_says(ctx.provider, status)
                ),
                error_type: "script_http_error".to_owned(),
            }
        }
        FailureKind::Timeout => Failure {
            kind,
            name: "sync_timeout".to_owned(),
            message: format!(
                "The sync \"{}\" exceeded its maximum execution time and was stopped (timeout)",
                ctx.sync
            ),
            error_type: "script_timeout".to_owned(),
        },
        FailureKind::ScriptError => {
            let (name, message) = script_exception(ctx);
            Failure {
                kind,
                name: name.clone(),
                message: format!("{name}: {message}"),
                error_type: "script_internal_error".to_owned(),
            }
        }
    }
}

/// The failure of a token refresh rejected by the provider (an `auth` error's operation).
pub(crate) fn refresh_failure(provider: &str, token_url: &str) -> Failure {
    Failure {
        kind: FailureKind::InvalidCredentials,
        name: "refresh_token_external_error".to_owned(),
        message: format!(
            "Failed to refresh the access token for {provider}: POST {token_url} answered HTTP 400 invalid_grant (the refresh token is expired or revoked); the end user must reconnect"
        ),
        error_type: "refresh_token_external_error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> FailureContext<'static> {
        FailureContext {
            provider: "hubspot",
            method: "GET",
            url: "https://api.hubapi.com/crm/v3/objects/deals",
            sync: "deals",
            model: "Deal",
        }
    }

    #[test]
    fn messages_name_the_cause() {
        let rate = failure(FailureKind::ProviderRateLimit, &ctx());
        assert!(rate.message.contains("429") && rate.message.contains("rate limit"));
        assert!(rate.message.contains("api.hubapi.com"));
        let auth = failure(FailureKind::InvalidCredentials, &ctx());
        assert!(auth.message.contains("401") && auth.message.contains("invalid credentials"));
        let script = failure(FailureKind::ScriptError, &ctx());
        assert_eq!(script.name, "TypeError");
        assert!(
            script
                .message
                .starts_with("TypeError: Cannot read properties")
        );
        let server = failure(FailureKind::ProviderServerError, &ctx());
        assert!(server.message.contains("HTTP 500"));
        let timeout = failure(FailureKind::Timeout, &ctx());
        assert!(timeout.message.contains("timeout"));
    }
}
