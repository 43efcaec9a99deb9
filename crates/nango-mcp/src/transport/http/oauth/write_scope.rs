//! A write tool's `tools/call` needs the write scope too. The check reads the JSON-RPC body that
//! the body limit has already buffered (so it is bounded), and only for tokens without the write
//! scope: everyone else pays nothing. Refused means rmcp never sees the call: nothing is written.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use super::{Gatekeeper, Granted};
use crate::transport::http::error::Refusal;
use crate::writes::scopes::WRITE_TOOL_SCOPES;

#[derive(Deserialize)]
#[serde(untagged)]
enum Message {
    One(Call),
    Batch(Vec<Call>),
}

#[derive(Deserialize)]
struct Call {
    method: Option<String>,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    name: Option<String>,
}

/// Axum middleware: 403 `insufficient_scope` for a write tool's call without the write scope.
pub(crate) async fn require_write_scope(
    State(gatekeeper): State<Arc<Gatekeeper>>,
    request: Request,
    next: Next,
) -> Response {
    let needs_check = request
        .extensions()
        .get::<Granted>()
        .is_some_and(|granted| !granted.scopes.contains(gatekeeper.write_scope()));
    if !needs_check {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit ran first: this is at most the configured maximum, already in memory.
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Refusal::BodyUnreadable.respond("the request body could not be read");
    };
    if calls_a_write_tool(&bytes) {
        let caller = parts
            .extensions
            .get::<crate::caller::Caller>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::warn!(%caller, "refused a write tool call: the token lacks the write scope");
        return gatekeeper.challenges().insufficient_scope(true);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether the body is (or a batch holds) a `tools/call` of a write tool. Anything unparseable
/// is left for rmcp to refuse.
fn calls_a_write_tool(body: &[u8]) -> bool {
    let is_write = |call: &Call| {
        call.method.as_deref() == Some("tools/call")
            && call
                .params
                .as_ref()
                .and_then(|params| params.name.as_deref())
                .is_some_and(|name| WRITE_TOOL_SCOPES.iter().any(|(tool, _)| *tool == name))
    };
    match serde_json::from_slice::<Message>(body) {
        Ok(Message::One(call)) => is_write(&call),
        Ok(Message::Batch(calls)) => calls.iter().any(is_write),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_tool_calls_are_recognised() {
        let call = |name: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{name}","arguments":{{}}}}}}"#
            )
        };
        assert!(calls_a_write_tool(call("trigger_sync").as_bytes()));
        assert!(calls_a_write_tool(call("create_reconnect_link").as_bytes()));
        assert!(!calls_a_write_tool(call("list_connections").as_bytes()));
        let batch = format!("[{},{}]", call("list_syncs"), call("pause_sync"));
        assert!(calls_a_write_tool(batch.as_bytes()));
        assert!(!calls_a_write_tool(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
        ));
        assert!(!calls_a_write_tool(b"not json"));
    }
}
