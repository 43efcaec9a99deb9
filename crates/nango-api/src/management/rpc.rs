//! Reading one JSON-RPC answer from a Streamable HTTP response: Nango answers `tools/call` as
//! a one-event SSE stream (`text/event-stream`, captured), a server may also answer plain JSON.

use serde_json::Value;

/// The JSON-RPC message answering request id 1, from an SSE stream or a JSON body.
pub(super) fn answer(content_type: Option<&str>, body: &str) -> Result<Value, String> {
    let kind = content_type
        .and_then(|kind| kind.split(';').next())
        .map(|kind| kind.trim().to_ascii_lowercase());
    match kind.as_deref() {
        Some("text/event-stream") => events(body)
            .filter_map(|data| serde_json::from_str::<Value>(&data).ok())
            .find(is_the_answer)
            .ok_or_else(|| "its event stream held no answer to the call".to_owned()),
        Some("application/json") => serde_json::from_str(body)
            .map_err(|error| format!("its JSON answer does not parse: {error}")),
        other => Err(format!(
            "it answered {} instead of an MCP stream (is this Nango's Management MCP URL?)",
            other.unwrap_or("no content type")
        )),
    }
}

/// The `result` of a JSON-RPC answer, or its error's message.
pub(super) fn result(mut message: Value) -> Result<Value, String> {
    if let Some(result) = message.get_mut("result") {
        return Ok(result.take());
    }
    let text = message
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("an answer with neither result nor error");
    Err(text.to_owned())
}

fn is_the_answer(message: &Value) -> bool {
    message.get("id").and_then(Value::as_u64) == Some(1)
        && (message.get("result").is_some() || message.get("error").is_some())
}

/// The data of each event: its `data:` lines joined by newlines, per the SSE format.
fn events(body: &str) -> impl Iterator<Item = String> + '_ {
    body.split("\n\n")
        .flat_map(|block| block.split("\r\n\r\n"))
        .filter_map(|block| {
            let lines: Vec<&str> = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(|data| data.strip_prefix(' ').unwrap_or(data))
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_found_among_other_events() {
        let body = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n\
                    id: 0\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\n\
                    data: \"result\":{\"content\":[]}}\n\n";
        let message = answer(Some("text/event-stream"), body).unwrap();
        assert_eq!(result(message).unwrap(), serde_json::json!({"content": []}));
    }

    #[test]
    fn json_rpc_errors_and_other_content_types_are_reported() {
        let body =
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Tool x not found"}}"#;
        let message = answer(Some("application/json; charset=utf-8"), body).unwrap();
        assert_eq!(result(message).unwrap_err(), "Tool x not found");
        assert!(
            answer(Some("text/html"), "<html>")
                .unwrap_err()
                .contains("text/html")
        );
        assert!(answer(Some("text/event-stream"), "data: nope\n\n").is_err());
    }
}
