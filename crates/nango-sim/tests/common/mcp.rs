//! A Management MCP client for tests: rmcp's client over Streamable HTTP, as nango-mcp uses it.

use nango_sim::Sim;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;

pub type Client = RunningService<RoleClient, ()>;

/// Connects (initialize + initialized) with `key`.
pub async fn connect(sim: &Sim, key: &str) -> Client {
    try_connect(sim, key)
        .await
        .expect("management MCP handshake")
}

/// Connects, returning the handshake's error.
pub async fn try_connect(sim: &Sim, key: &str) -> Result<Client, String> {
    let config = StreamableHttpClientTransportConfig::with_uri(sim.management_url())
        .auth_header(key.to_owned());
    let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    ().serve(transport).await.map_err(|e| e.to_string())
}

/// Calls a tool with JSON object arguments.
pub async fn call(
    client: &Client,
    tool: &str,
    arguments: Value,
) -> Result<CallToolResult, ServiceError> {
    let arguments = match arguments {
        Value::Object(map) => map,
        other => panic!("arguments must be an object, got {other}"),
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
}

/// Calls a tool that must succeed; returns its `structuredContent` after checking the text
/// block carries the same JSON.
pub async fn call_ok(client: &Client, tool: &str, arguments: Value) -> Value {
    let result = call(client, tool, arguments.clone())
        .await
        .expect("tools/call answers");
    assert_ne!(
        result.is_error,
        Some(true),
        "{tool} {arguments}: {:?}",
        result.content
    );
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    let text = result
        .content
        .first()
        .and_then(|b| b.as_text())
        .map(|t| t.text.clone())
        .expect("text block");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("text is JSON"),
        structured
    );
    structured
}

/// Calls a tool that must answer `isError`; returns the text.
pub async fn call_err(client: &Client, tool: &str, arguments: Value) -> String {
    let result = call(client, tool, arguments.clone())
        .await
        .expect("tools/call answers");
    assert_eq!(
        result.is_error,
        Some(true),
        "{tool} {arguments} should fail: {:?}",
        result.structured_content
    );
    assert!(result.structured_content.is_none());
    result
        .content
        .iter()
        .filter_map(|b| b.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}
