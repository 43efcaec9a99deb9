//! Tool failures, each with a message that tells the agent what to do next. They become tool results
//! with `isError: true` (not JSON-RPC errors), so the agent reads them.

use nango_api::NangoError;

use crate::output::text::{bound_message, echo};

/// Longest error text a tool returns; Nango's own messages and lists of valid names fit easily.
pub const MAX_ERROR_CHARS: usize = 4_000;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments are wrong; the message says which and what is valid.
    #[error("invalid argument `{argument}`: {message}")]
    InvalidArgument {
        argument: &'static str,
        message: String,
    },

    /// Nothing has that id; `hint` names the tool that lists valid ids.
    #[error("{what} {} was not found{scope}. {hint}", echo(id))]
    NotFound {
        what: &'static str,
        id: String,
        scope: String,
        hint: String,
    },

    /// The id matches several things; the agent must pick one.
    #[error("{what} {} exists under several integrations: {}. Pass `integration` to choose one.", echo(id), candidates.join(", "))]
    Ambiguous {
        what: &'static str,
        id: String,
        candidates: Vec<String>,
    },

    /// An environment name that is not configured.
    #[error("unknown environment {}; configured environments: {}", echo(name), valid.join(", "))]
    UnknownEnvironment { name: String, valid: Vec<String> },

    /// A write that failed in a way the agent must handle with care; the message says how.
    #[error("{0}")]
    Write(String),

    /// Nango failed; the message is built from the error kind.
    #[error("{0}")]
    Nango(Box<NangoFailure>),

    /// nango-mcp itself failed (a panic inside the tool); the call was isolated.
    #[error(
        "This is a bug in nango-mcp, not a problem with the arguments or with Nango: the tool \
         crashed ({what}). The server is still running and other calls work; please report it \
         with the tool name and arguments."
    )]
    Bug { what: String },
}

/// A Nango error with what is needed to explain it (boxed: it is the rare, large case).
#[derive(Debug)]
pub struct NangoFailure {
    pub source: NangoError,
    /// The variable holding this environment's key, to name in 401 messages.
    pub env_var: String,
    pub host: String,
}

impl std::fmt::Display for NangoFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&nango_message(&self.source, &self.env_var, &self.host))
    }
}

impl ToolError {
    pub fn nango(source: NangoError, env_var: &str, host: &str) -> Self {
        Self::Nango(Box::new(NangoFailure {
            source,
            env_var: env_var.to_owned(),
            host: host.to_owned(),
        }))
    }

    /// The text an agent (or a person at the terminal) reads: every echoed value cut to a
    /// readable length, the whole message bounded.
    pub fn message(&self) -> String {
        bound_message(&self.to_string(), MAX_ERROR_CHARS)
    }

    pub fn invalid(argument: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            argument,
            message: message.into(),
        }
    }
}

/// `text` as a sentence: a final period added unless it already ends one.
fn sentence(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}.")
    }
}

/// `text` closing a parenthesis that ends a sentence: `…later).` rather than `…later.).`.
fn sentence_in_parens(text: &str) -> String {
    let trimmed = text.trim_end().trim_end_matches('.');
    format!("{trimmed}).")
}

/// What a person or agent should do about each Nango failure.
fn nango_message(error: &NangoError, env_var: &str, host: &str) -> String {
    match error {
        NangoError::InvalidKey(why) => format!(
            "The Nango secret key in {env_var} is not valid ({why}). Copy the environment's secret key \
             from the Nango dashboard (Environment settings → API keys)."
        ),
        NangoError::Api {
            status: 401,
            message,
            ..
        } => format!(
            "Nango rejected the secret key (401: {} Check {env_var}: it must be the secret key \
             of the environment you mean, for the host {host}.",
            sentence_in_parens(message)
        ),
        NangoError::Api {
            status: 403,
            message,
            ..
        } => format!(
            "The secret key lacks a scope for this call (403: {} Add that scope to the key in \
             the Nango dashboard (Environment settings → API keys), or use a key that has it.",
            sentence_in_parens(message)
        ),
        NangoError::Api {
            status: 404,
            message,
            ..
        } => {
            format!(
                "Nango found nothing at that id (404: {}",
                sentence_in_parens(message)
            )
        }
        NangoError::Api {
            status,
            code,
            message,
            details,
        } if code == nango_api::GENERIC_ERROR_SUPPORT => format!(
            "Nango answered {status} {code}: {} {} Real Nango answers this for any route it does not \
             have, so the likely cause is a wrong path in NANGO_HOST (it must be the API's base URL, e.g. \
             https://api.nango.dev or http://your-server:3003, with no /api or other path). If the URL \
             is right, Nango failed on its side: retry in a minute and quote the support id.",
            sentence(message),
            details
                .iter()
                .map(|detail| sentence(detail))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        NangoError::InvalidCredentials {
            status, message, ..
        } => format!(
            "Nango tried to refresh this connection's credentials and failed ({status} \
             invalid_credentials: {} Nango now marks the connection auth_error: the end user must \
             re-authorise it.",
            sentence_in_parens(message)
        ),
        NangoError::Api {
            status,
            code,
            message,
            details,
        } => {
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" Details: {}.", details.join("; "))
            };
            let next = if *status >= 500 {
                " Nango is failing on its side: retry in a minute; if it persists, check Nango's status \
                 (self-hosted: the server and orchestrator logs)."
            } else {
                ""
            };
            format!(
                "Nango answered {status} {code}: {}{details}{next}",
                sentence(message)
            )
        }
        NangoError::RateLimited {
            attempts,
            retry_after,
        } => {
            let wait = retry_after.map_or_else(
                || "the next minute".to_owned(),
                |wait| format!("{} s", wait.as_secs().max(1)),
            );
            let what = if *attempts == 0 {
                "this minute's budget is used up (Nango answered 429 to an earlier call)".to_owned()
            } else {
                format!("429 after {attempts} attempts")
            };
            format!(
                "Nango's rate limit is exhausted ({what}). Retry after {wait}; the limit is per account \
                 and per minute, shared by every key."
            )
        }
        NangoError::Unreachable { reason, .. } => format!(
            "Could not reach Nango at {host} ({reason}). Check NANGO_HOST and the network; \
             self-hosted servers listen on port 3003 by default."
        ),
        NangoError::Timeout { timeout, .. } => format!(
            "Nango at {host} did not answer within {} s. It may be overloaded; retry later or narrow \
             the request (one integration or connection).",
            timeout.as_secs()
        ),
        NangoError::NotJson {
            status,
            content_type,
            ..
        } => format!(
            "{host} answered {status} with {content_type} instead of JSON: NANGO_HOST probably points at \
             the dashboard rather than the API (cloud: https://api.nango.dev; self-hosted: the server URL, \
             port 3003 by default)."
        ),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(error: NangoError) -> String {
        nango_message(&error, "NANGO_SECRET_KEY", "https://nango.example.com/api")
    }

    #[test]
    fn nango_sentences_never_end_twice() {
        let refresh = message(NangoError::InvalidCredentials {
            status: 400,
            message: "The external API returned an error when trying to refresh the access token. Please try again later.".to_owned(),
            connection: None,
        });
        assert!(!refresh.contains(".."), "{refresh}");
        assert!(refresh.contains("re-authorise"), "{refresh}");
        let teapot = message(NangoError::Api {
            status: 418,
            code: "teapot".to_owned(),
            message: "Short and stout.".to_owned(),
            details: Vec::new(),
        });
        assert!(!teapot.contains(".."), "{teapot}");
    }

    #[test]
    fn generic_error_support_points_at_a_wrong_host_path() {
        let text = message(NangoError::Api {
            status: 500,
            code: "generic_error_support".to_owned(),
            message: "An error occurred. Please contact support with this unique id: \"1e93\""
                .to_owned(),
            details: vec!["URL tried: https://nango.example.com/api/integrations".to_owned()],
        });
        assert!(
            text.contains("https://nango.example.com/api/integrations"),
            "{text}"
        );
        assert!(text.contains("wrong path in NANGO_HOST"), "{text}");
        assert!(!text.contains("retry in a minute;"), "{text}");
    }
}
