//! Tool failures, each with a message that tells the agent what to do next. They become tool results
//! with `isError: true` (not JSON-RPC errors), so the agent reads them.

use nango_api::NangoError;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments are wrong; the message says which and what is valid.
    #[error("invalid argument `{argument}`: {message}")]
    InvalidArgument {
        argument: &'static str,
        message: String,
    },

    /// Nothing has that id; `hint` names the tool that lists valid ids.
    #[error("{what} {id:?} was not found{scope}. {hint}")]
    NotFound {
        what: &'static str,
        id: String,
        scope: String,
        hint: String,
    },

    /// The id matches several things; the agent must pick one.
    #[error("{what} {id:?} exists under several integrations: {}. Pass `integration` to choose one.", candidates.join(", "))]
    Ambiguous {
        what: &'static str,
        id: String,
        candidates: Vec<String>,
    },

    /// An environment name that is not configured.
    #[error("unknown environment {name:?}; configured environments: {}", valid.join(", "))]
    UnknownEnvironment { name: String, valid: Vec<String> },

    /// A write that failed in a way the agent must handle with care; the message says how.
    #[error("{0}")]
    Write(String),

    /// Nango failed; the message is built from the error kind.
    #[error("{0}")]
    Nango(Box<NangoFailure>),
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

    pub fn invalid(argument: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            argument,
            message: message.into(),
        }
    }
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
            "Nango rejected the secret key (401: {message}). Check {env_var}: it must be the secret key \
             of the environment you mean, for the host {host}."
        ),
        NangoError::Api {
            status: 403,
            message,
            ..
        } => format!(
            "The secret key lacks a scope for this call (403: {message}). Add that scope to the key in \
             the Nango dashboard (Environment settings → API keys), or use a key that has it."
        ),
        NangoError::Api {
            status: 404,
            message,
            ..
        } => {
            format!("Nango found nothing at that id (404: {message}).")
        }
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
            format!("Nango answered {status} {code}: {message}.{details}{next}")
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
