//! Why a Management MCP call failed, in words a person (or an agent) can act on. reqwest's
//! errors are read here, structurally, and never shown as they are: their text carries Rust
//! type names.

use std::error::Error as StdError;
use std::time::Duration;

/// The scope Nango's logs tools need.
pub const LOGS_SCOPE: &str = "environment:logs:read";

/// A failed Management MCP call. Every message is plain words and names what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManagementError {
    #[error("could not reach Nango's Management MCP at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Nango's Management MCP at {url} did not answer within {} s", after.as_secs())]
    TimedOut { url: String, after: Duration },
    #[error("the key lacks {scope}, which Nango's {tool} needs")]
    MissingScope { tool: String, scope: String },
    #[error("Nango's logs are disabled on this server")]
    LogsDisabled,
    #[error("Nango's Management MCP rate limit reached (429){}", retry_text(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("Nango's Management MCP refused the key (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error(
        "Nango's Management MCP at {url} has no {tool} tool (an older Nango, or not the Management MCP URL)"
    )]
    UnknownTool { url: String, tool: String },
    #[error("Nango's {tool} refused the call: {message}")]
    Refused { tool: String, message: String },
    #[error("Nango's Management MCP at {url} failed: {reason}")]
    ServerFailed { url: String, reason: String },
    #[error("Nango's {tool} answered in a shape this client does not know: {reason}")]
    Malformed { tool: String, reason: String },
}

fn retry_text(after: &Option<Duration>) -> String {
    match after {
        Some(after) => format!(", retry in {} s", after.as_secs().max(1)),
        None => ", retry in a minute".to_owned(),
    }
}

/// Third-party text is clipped: it lands in an agent's context.
const MAX_TEXT: usize = 300;

pub(super) fn clip(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_TEXT) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_owned(),
    }
}

/// The text of a tool result with `isError`, as Nango words it (see the real captures:
/// `Nango logs are disabled`, `MCP error -32602: Tool logs_list_operations disabled` for a key
/// without the scope, `MCP error -32602: Tool x not found` for a tool the server lacks).
pub(super) fn from_tool_text(tool: &str, url: &str, text: &str) -> ManagementError {
    let trimmed = text.trim();
    let bare = trimmed
        .strip_prefix("MCP error -32602: ")
        .unwrap_or(trimmed);
    if bare == "Nango logs are disabled" {
        ManagementError::LogsDisabled
    } else if bare == format!("Tool {tool} disabled") {
        ManagementError::MissingScope {
            tool: tool.to_owned(),
            scope: LOGS_SCOPE.to_owned(),
        }
    } else if bare == format!("Tool {tool} not found") {
        ManagementError::UnknownTool {
            url: url.to_owned(),
            tool: tool.to_owned(),
        }
    } else {
        ManagementError::Refused {
            tool: tool.to_owned(),
            message: clip(bare),
        }
    }
}

/// A JSON-RPC error: older servers answered a hidden or unknown tool this way.
pub(super) fn from_json_rpc(url: &str, tool: &str, message: &str) -> ManagementError {
    if message.contains("not found") || message.contains("disabled") {
        return from_tool_text(tool, url, message);
    }
    if message.contains("Not Acceptable") {
        return ManagementError::ServerFailed {
            url: url.to_owned(),
            reason: "it refused the request's Accept header (406)".to_owned(),
        };
    }
    ManagementError::Refused {
        tool: tool.to_owned(),
        message: clip(message),
    }
}

fn unreachable(url: &str, reason: &str) -> ManagementError {
    ManagementError::Unreachable {
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
}

pub(super) fn from_request(url: &str, error: &reqwest::Error) -> ManagementError {
    unreachable(url, &reqwest_reason(error))
}

/// An answer that is not an MCP answer at all.
pub(super) fn not_mcp(url: &str, reason: String) -> ManagementError {
    ManagementError::ServerFailed {
        url: url.to_owned(),
        reason,
    }
}

/// A failed HTTP status, with Nango's `{"error": {"message", "code"}}` body when it has one.
pub(super) fn from_status(url: &str, status: reqwest::StatusCode, body: &str) -> ManagementError {
    if status == reqwest::StatusCode::NOT_ACCEPTABLE {
        return ManagementError::ServerFailed {
            url: url.to_owned(),
            reason: "it refused the request's Accept header (406)".to_owned(),
        };
    }
    let reason = status.canonical_reason().unwrap_or("");
    from_http_text(url, &format!("HTTP {} {reason}: {body}", status.as_u16()))
}

/// "HTTP 401 Unauthorized: {body}" for failures without a JSON-RPC body; Nango's body is
/// `{"error": {"message", "code"}}`.
fn from_http_text(url: &str, text: &str) -> ManagementError {
    let status = text
        .strip_prefix("HTTP ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok());
    let body = text.split_once(": ").map_or("", |(_, body)| body);
    let nango_message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(|message| message.as_str())
                .map(str::to_owned)
        });
    match status {
        Some(status @ (401 | 403)) => {
            let message = nango_message.unwrap_or_else(|| "no reason given".to_owned());
            // Older Nango: "Insufficient scope. Required: environment:mcp".
            match message.split_once("Required: ") {
                Some((_, scope)) if status == 403 => ManagementError::MissingScope {
                    tool: "Management MCP".to_owned(),
                    scope: clip(scope),
                },
                _ => ManagementError::Unauthorized {
                    status,
                    message: clip(&message),
                },
            }
        }
        Some(status) => ManagementError::ServerFailed {
            url: url.to_owned(),
            reason: match nango_message {
                Some(message) => format!("HTTP {status}: {}", clip(&message)),
                None => format!("HTTP {status}"),
            },
        },
        None => unreachable(url, &clip(text)),
    }
}

/// Words for a failed HTTP exchange: the OS's reason when there is one.
fn reqwest_reason(error: &reqwest::Error) -> String {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return io_reason(io);
        }
        source = current.source();
    }
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!("connection failed ({})", innermost(error))
    } else {
        innermost(error)
    }
}

fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset".to_owned(),
        ErrorKind::ConnectionAborted => "connection aborted".to_owned(),
        ErrorKind::TimedOut => "connection timed out".to_owned(),
        ErrorKind::NotFound => "host not found".to_owned(),
        _ => clip(&error.to_string()),
    }
}

/// The deepest cause's own words (outer layers add type names and URLs).
fn innermost(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    clip(&current.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mcp.example/mcp";

    #[test]
    fn nangos_tool_error_texts_become_words() {
        let tool = "logs_list_operations";
        assert_eq!(
            from_tool_text(tool, URL, "Nango logs are disabled"),
            ManagementError::LogsDisabled
        );
        let scope = from_tool_text(
            tool,
            URL,
            "MCP error -32602: Tool logs_list_operations disabled",
        );
        assert_eq!(
            scope.to_string(),
            "the key lacks environment:logs:read, which Nango's logs_list_operations needs"
        );
        assert!(matches!(
            from_tool_text(
                tool,
                URL,
                "MCP error -32602: Tool logs_list_operations not found"
            ),
            ManagementError::UnknownTool { .. }
        ));
        let other = from_tool_text("logs_get_operation", URL, "Operation not found");
        assert_eq!(
            other.to_string(),
            "Nango's logs_get_operation refused the call: Operation not found"
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let limited = ManagementError::RateLimited {
            retry_after: Some(Duration::from_secs(34)),
        };
        assert_eq!(
            limited.to_string(),
            "Nango's Management MCP rate limit reached (429), retry in 34 s"
        );
    }

    #[test]
    fn http_failures_without_json_rpc_use_nangos_message() {
        let no_auth = from_http_text(
            URL,
            r#"HTTP 401 Unauthorized: {"error":{"message":"Authentication failed. The request is missing the Authorization header.","code":"missing_auth_header","payload":{}}}"#,
        );
        assert!(
            no_auth
                .to_string()
                .contains("missing the Authorization header"),
            "{no_auth}"
        );
        let old_scope = from_http_text(
            URL,
            r#"HTTP 403 Forbidden: {"error":{"code":"forbidden","message":"Insufficient scope. Required: environment:mcp"}}"#,
        );
        assert!(
            old_scope
                .to_string()
                .starts_with("the key lacks environment:mcp"),
            "{old_scope}"
        );
    }

    #[test]
    fn long_third_party_text_is_clipped() {
        let long = "x".repeat(10_000);
        assert!(clip(&long).chars().count() <= MAX_TEXT + 1);
    }
}
