//! One MCP request, measured and traced: the `mcp.server.operation.duration` histogram and a
//! SERVER span named `{mcp.method.name} {tool}`. With both off, the request runs untouched.

use std::future::Future;
use std::time::Instant;

use rmcp::service::{RequestContext, RoleServer};
use tracing::Instrument;

use super::{metrics, traces};

/// What is known of a request before it runs. `tool` must come from the server's own list
/// (never the caller's raw text), since it becomes a label.
#[derive(Clone, Copy)]
pub struct McpRequest<'a> {
    pub method: &'static str,
    pub tool: Option<&'static str>,
    pub context: &'a RequestContext<RoleServer>,
}

impl<'a> McpRequest<'a> {
    /// A request that names no tool.
    pub fn new(method: &'static str, context: &'a RequestContext<RoleServer>) -> Self {
        Self {
            method,
            tool: None,
            context,
        }
    }
}

/// Runs `work` for `request`; `error_type` names how its output failed (`tool_error` for an
/// isError result, the JSON-RPC code for an error response), `None` when it worked.
pub async fn observed<T>(
    request: McpRequest<'_>,
    work: impl Future<Output = T>,
    error_type: impl FnOnce(&T) -> Option<String>,
) -> T {
    let metrics = metrics::get();
    if metrics.is_none() && !traces::enabled() {
        return work.await;
    }
    let started = Instant::now();
    let span = traces::server_span(&request);
    let output = work.instrument(span.clone()).await;
    let error = error_type(&output);
    if let Some(error) = &error {
        span.record("error.type", error.as_str());
        span.record("otel.status_code", "error");
    }
    if let Some(metrics) = metrics {
        metrics.record_operation(
            request.method,
            request.tool,
            error.as_deref(),
            started.elapsed(),
        );
    }
    output
}

/// `error.type` of a JSON-RPC answer: the error code, as the MCP conventions ask.
pub fn jsonrpc_error_type<T>(result: &Result<T, rmcp::ErrorData>) -> Option<String> {
    result.as_ref().err().map(|error| error.code.0.to_string())
}

/// `error.type` of a `tools/call` answer: `tool_error` for an isError result.
pub fn call_error_type(
    result: &Result<rmcp::model::CallToolResponse, rmcp::ErrorData>,
) -> Option<String> {
    match result {
        Err(_) => jsonrpc_error_type(result),
        Ok(rmcp::model::CallToolResponse::Complete(done)) if done.is_error == Some(true) => {
            Some("tool_error".to_owned())
        }
        Ok(_) => None,
    }
}
