//! Turning Nango's error answers into [`NangoError`]s. Nango mostly answers
//! `{"error":{code,message,errors,payload}}`, but some routes use a legacy `{"message":…}`, the
//! 429 body has no message at all, and a misconfigured host answers HTML.

use serde_json::{Map, Value};

use crate::NangoError;

/// Whether a `Content-Type` announces JSON (`application/json`, `application/problem+json`, …).
pub(crate) fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a non-success answer into the matching [`NangoError`].
///
/// `host` names the server in the error; `content_type` is the raw header, if any. JSON error
/// bodies become [`NangoError::Api`]; a declared non-JSON body becomes [`NangoError::NotJson`];
/// a body that claims JSON but is not becomes [`NangoError::InvalidBody`].
pub fn parse_error_response(
    host: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> NangoError {
    if let Some(content_type) = content_type
        && !is_json_content_type(content_type)
    {
        // A 5xx page in HTML comes from a proxy or gateway in front of Nango, not from a
        // wrong host: report the status, not a configuration problem.
        if status >= 500 {
            return api(
                status,
                fallback_code(status),
                format!(
                    "HTTP {status} with a {content_type} body (from Nango or a proxy in front of it)"
                ),
                Vec::new(),
            );
        }
        return NangoError::NotJson {
            host: host.to_owned(),
            status,
            content_type: content_type.to_owned(),
        };
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) if body.iter().all(u8::is_ascii_whitespace) => {
            let _ = error;
            return api(
                status,
                fallback_code(status),
                empty_message(status),
                Vec::new(),
            );
        }
        Err(error) => {
            return NangoError::InvalidBody {
                status,
                reason: describe_json_error(&error),
            };
        }
    };
    match value.get("error") {
        Some(Value::Object(envelope)) => from_envelope(status, envelope),
        Some(Value::String(message)) => {
            api(status, fallback_code(status), message.clone(), Vec::new())
        }
        _ => match value.get("message").and_then(Value::as_str) {
            Some(message) => api(
                status,
                fallback_code(status),
                message.to_owned(),
                Vec::new(),
            ),
            None => api(
                status,
                fallback_code(status),
                empty_message(status),
                Vec::new(),
            ),
        },
    }
}

fn from_envelope(status: u16, envelope: &Map<String, Value>) -> NangoError {
    let code = match envelope.get("code") {
        Some(Value::String(code)) => code.clone(),
        // JSON-RPC style numeric codes (Nango's /mcp routes).
        Some(Value::Number(code)) => code.to_string(),
        _ => fallback_code(status).to_owned(),
    };
    let details = envelope
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| errors.iter().filter_map(detail).collect::<Vec<_>>())
        .unwrap_or_default();
    let message = match envelope.get("message").and_then(Value::as_str) {
        Some(message) if !message.is_empty() => message.to_owned(),
        _ if status == 429 => rate_limit_message(envelope),
        _ if !details.is_empty() => format!("{}: {}", humanize(&code), details.join("; ")),
        _ => humanize(&code),
    };
    if code == "invalid_credentials" {
        return NangoError::InvalidCredentials {
            status,
            message,
            connection: envelope
                .get("payload")
                .and_then(|payload| payload.get("connection"))
                .and_then(|connection| serde_json::from_value(connection.clone()).ok())
                .map(Box::new),
        };
    }
    api(status, code, message, details)
}

/// One validation error, `path: message`, e.g. `model: Invalid string: must match pattern`.
fn detail(error: &Value) -> Option<String> {
    let message = error.get("message").and_then(Value::as_str)?;
    let path = error
        .get("path")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .map(|part| match part {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default();
    Some(if path.is_empty() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    })
}

/// Nango's 429 body is `{"error":{"code":"too_many_request","method":…,"path":…}}`.
fn rate_limit_message(envelope: &Map<String, Value>) -> String {
    let method = envelope.get("method").and_then(Value::as_str);
    let path = envelope.get("path").and_then(Value::as_str);
    let route = match (method, path) {
        (Some(method), Some(path)) => format!(" for {method} {path}"),
        _ => String::new(),
    };
    format!(
        "rate limit reached{route}: Nango counts requests per account per minute; wait for the \
         window to reset (Retry-After / X-RateLimit-Reset) or lower the request rate"
    )
}

fn humanize(code: &str) -> String {
    code.replace('_', " ")
}

fn fallback_code(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        429 => "too_many_request",
        500..=599 => "server_error",
        _ => "http_error",
    }
}

fn empty_message(status: u16) -> String {
    format!("HTTP {status} without an error message")
}

fn api(status: u16, code: impl Into<String>, message: String, details: Vec<String>) -> NangoError {
    NangoError::Api {
        status,
        code: code.into(),
        message,
        details,
    }
}

/// Describes a JSON error without quoting the input: serde_json's messages can echo string
/// values from the body (`invalid type: string "…"`), and a body may hold credentials.
pub(crate) fn describe_json_error(error: &serde_json::Error) -> String {
    let text = redact_quoted(&error.to_string());
    match error.classify() {
        serde_json::error::Category::Eof => format!("body ended early (truncated JSON): {text}"),
        serde_json::error::Category::Syntax => format!("not valid JSON: {text}"),
        serde_json::error::Category::Data => format!("unexpected shape: {text}"),
        serde_json::error::Category::Io => format!("read error: {text}"),
    }
}

/// Replaces the contents of every `"…"` span with `…`.
fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for character in text.chars() {
        if character == '"' {
            if inside {
                out.push('…');
            }
            inside = !inside;
            out.push(character);
        } else if !inside {
            out.push(character);
        }
    }
    out
}

/// Replaces every occurrence of `secret` (ASCII case-insensitive) in `text` with `****`, so a
/// server echoing the key back cannot make us print it.
pub(crate) fn redact_secret(text: &mut String, secret: &str) {
    if secret.is_empty() || text.len() < secret.len() {
        return;
    }
    let lower_text = text.to_ascii_lowercase();
    let lower_secret = secret.to_ascii_lowercase();
    if !lower_text.contains(&lower_secret) {
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = lower_text.as_str();
    let mut offset = 0;
    while let Some(position) = rest.find(&lower_secret) {
        out.push_str(text.get(offset..offset + position).unwrap_or_default());
        out.push_str("****");
        offset += position + lower_secret.len();
        rest = lower_text.get(offset..).unwrap_or_default();
    }
    out.push_str(text.get(offset..).unwrap_or_default());
    *text = out;
}

/// Applies [`redact_secret`] to every server-provided text an error carries.
pub(crate) fn redact_error(error: &mut NangoError, secret: &str) {
    match error {
        NangoError::Api {
            message, details, ..
        } => {
            redact_secret(message, secret);
            details
                .iter_mut()
                .for_each(|detail| redact_secret(detail, secret));
        }
        NangoError::InvalidCredentials { message, .. } => redact_secret(message, secret),
        NangoError::InvalidBody { reason, .. } | NangoError::Unreachable { reason, .. } => {
            redact_secret(reason, secret);
        }
        NangoError::NotJson { content_type, .. } => redact_secret(content_type, secret),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    #[test]
    fn envelope_with_validation_errors() {
        let body = br#"{"error":{"code":"invalid_query_params","errors":[{"code":"unrecognized_keys","message":"Unrecognized key: \"foo\"","path":[]},{"message":"bad","path":["tags",0]}]}}"#;
        let NangoError::Api {
            status,
            code,
            message,
            details,
        } = parse_error_response("h", 400, JSON, body)
        else {
            panic!("expected Api")
        };
        assert_eq!((status, code.as_str()), (400, "invalid_query_params"));
        assert_eq!(details, ["Unrecognized key: \"foo\"", "tags.0: bad"]);
        assert!(message.starts_with("invalid query params: Unrecognized key"));
    }

    #[test]
    fn legacy_and_string_and_empty_bodies() {
        let legacy = parse_error_response("h", 400, JSON, br#"{"message":"old style"}"#);
        assert!(matches!(legacy, NangoError::Api { ref message, .. } if message == "old style"));
        let plain = parse_error_response("h", 404, None, br#"{"error":"nope"}"#);
        assert!(
            matches!(plain, NangoError::Api { ref code, ref message, .. } if code == "not_found" && message == "nope")
        );
        let empty = parse_error_response("h", 502, JSON, b"");
        assert!(matches!(empty, NangoError::Api { status: 502, .. }));
    }

    #[test]
    fn rate_limit_body_gets_a_helpful_message() {
        let body =
            br#"{"error":{"code":"too_many_request","method":"GET","path":"/integrations"}}"#;
        let error = parse_error_response("h", 429, JSON, body);
        let NangoError::Api { message, code, .. } = error else {
            panic!()
        };
        assert_eq!(code, "too_many_request");
        assert!(message.contains("GET /integrations") && message.contains("per minute"));
    }

    #[test]
    fn html_is_not_json_and_truncated_json_is_invalid() {
        let html = parse_error_response("http://h", 404, Some("text/html"), b"<html>");
        assert!(matches!(html, NangoError::NotJson { status: 404, .. }));
        let gateway = parse_error_response("http://h", 502, Some("text/html"), b"<html>");
        assert!(matches!(gateway, NangoError::Api { status: 502, .. }));
        let truncated = parse_error_response("h", 400, JSON, br#"{"error":{"code":"x","mess"#);
        let NangoError::InvalidBody { reason, .. } = truncated else {
            panic!()
        };
        assert!(reason.contains("truncated"), "{reason}");
    }

    #[test]
    fn json_errors_do_not_quote_the_body() {
        let error = serde_json::from_str::<u32>(r#""gho_secret_token""#).unwrap_err();
        let described = describe_json_error(&error);
        assert!(!described.contains("gho_secret"), "{described}");
        assert!(described.contains("unexpected shape"), "{described}");
    }

    #[test]
    fn secrets_are_redacted_case_insensitively() {
        let mut text = "key ABC-def and abc-DEF end".to_owned();
        redact_secret(&mut text, "abc-def");
        assert_eq!(text, "key **** and **** end");
        let mut untouched = "nothing here".to_owned();
        redact_secret(&mut untouched, "abc-def");
        assert_eq!(untouched, "nothing here");
    }
}
