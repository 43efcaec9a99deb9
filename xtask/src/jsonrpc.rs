//! Reading a Streamable HTTP answer: a JSON body, or the `data:` lines of a short SSE stream.

use serde_json::Value;

/// The JSON-RPC message in an HTTP response body, whichever of the two framings the server chose.
pub fn message(body: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(body) {
        return Some(value);
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|value| value.get("id").is_some())
}

/// How a `tools/call` went: answered, a tool error (`isError`), or a protocol error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A result without `isError: true`.
    Answered,
    /// A result with `isError: true`.
    ToolError,
    /// A JSON-RPC error, or no message at all.
    Failed,
}

/// Classifies a `tools/call` response body.
pub fn tool_outcome(body: &str) -> Outcome {
    let Some(message) = message(body) else {
        return Outcome::Failed;
    };
    match message.get("result") {
        Some(result) if result.get("isError") == Some(&Value::Bool(true)) => Outcome::ToolError,
        Some(_) => Outcome::Answered,
        None => Outcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_json_and_sse_answers() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}"#;
        assert_eq!(tool_outcome(ok), Outcome::Answered);
        let tool_error = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}"#;
        assert_eq!(tool_outcome(tool_error), Outcome::ToolError);
        let sse = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n\
                   data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}\n\n";
        assert_eq!(tool_outcome(sse), Outcome::Answered);
        let refused = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"busy"}}"#;
        assert_eq!(tool_outcome(refused), Outcome::Failed);
        assert_eq!(tool_outcome("<html>"), Outcome::Failed);
    }
}
