//! A typed client of Nango's Management MCP server, the only place Nango exposes its logs
//! (sync-run history). It speaks MCP over Streamable HTTP, one POST per call and no handshake
//! (Nango's server is stateless and answers a bare `tools/call`), and answers in Nango's own types
//! ([`OperationRow`], [`MessageRow`], [`Pagination`]), so callers never read raw JSON.
//!
//! Kept apart from the REST client: nothing under `client/` knows MCP. Failures are
//! [`ManagementError`]s worded for people; rmcp's own error text (Rust type names) never
//! leaves this module.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use nango_api::SecretKey;
//! use nango_api::management::{ListOperations, ManagementClient, OperationFilter};
//!
//! let key = SecretKey::new(std::env::var("NANGO_SECRET_KEY")?)?;
//! let logs = ManagementClient::new("https://mcp.nango.dev/mcp", key, std::time::Duration::from_secs(30));
//! let page = logs
//!     .list_operations(&ListOperations {
//!         operations: vec![OperationFilter::sync_runs()],
//!         connections: vec!["conn-123".to_owned()],
//!         ..ListOperations::default()
//!     })
//!     .await?;
//! for run in &page.operations {
//!     println!("{} {}", run.id, run.state.as_str());
//! }
//! # Ok(()) }
//! ```

mod args;
mod error;
mod page;
mod rpc;
mod types;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use rmcp::model::{CallToolResult, JsonObject};
use serde::Serialize;
use serde_json::Value;

pub use args::{
    DEFAULT_LIMIT, GetOperation, ListOperations, MAX_LIMIT, MessagesQuery, OperationFilter, Period,
};
pub use error::{LOGS_SCOPE, ManagementError};
pub use page::{OperationDetail, OperationsPage};
pub use types::{
    HttpRequest, HttpResponse, HttpRetry, LogLevel, MessageContext, MessageError, MessageRow,
    MessageSource, MessageType, Operation, OperationActor, OperationRow, OperationState,
    OperationType, Pagination, PersistResults,
};

use crate::SecretKey;

/// Nango Cloud's Management MCP.
pub const DEFAULT_URL: &str = "https://mcp.nango.dev/mcp";

const LIST_OPERATIONS: &str = "logs_list_operations";
const GET_OPERATION: &str = "logs_get_operation";

/// The Management MCP of one environment (the environment's secret key opens it).
#[derive(Clone)]
pub struct ManagementClient {
    url: String,
    key: SecretKey,
    /// One connection pool for every call, built on first use (TLS roots cost ~5 ms to load).
    http: Arc<OnceLock<reqwest::Client>>,
    /// Bound on one whole call (connect, send, read the answer).
    timeout: Duration,
}

impl std::fmt::Debug for ManagementClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementClient")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ManagementClient {
    pub fn new(url: impl Into<String>, key: SecretKey, timeout: Duration) -> Self {
        Self {
            url: url.into(),
            key,
            timeout,
            http: Arc::default(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `logs_list_operations`: one page of operations, newest first.
    pub async fn list_operations(
        &self,
        arguments: &ListOperations,
    ) -> Result<OperationsPage, ManagementError> {
        let value = self.call(LIST_OPERATIONS, arguments).await?;
        page::operations_page(value).map_err(|error| malformed(LIST_OPERATIONS, &error))
    }

    /// `logs_get_operation`: one operation with a page of its messages.
    pub async fn get_operation(
        &self,
        arguments: &GetOperation,
    ) -> Result<OperationDetail, ManagementError> {
        let value = self.call(GET_OPERATION, arguments).await?;
        page::operation_detail(value).map_err(|error| malformed(GET_OPERATION, &error))
    }

    async fn call(
        &self,
        tool: &'static str,
        arguments: &impl Serialize,
    ) -> Result<Value, ManagementError> {
        let arguments = match serde_json::to_value(arguments) {
            Ok(Value::Object(map)) => map,
            _ => JsonObject::new(),
        };
        let result = tokio::time::timeout(self.timeout, self.call_once(tool, arguments))
            .await
            .map_err(|_| ManagementError::TimedOut {
                url: self.url.clone(),
                after: self.timeout,
            })
            .and_then(|result| result);
        if let Err(error) = &result {
            // Reported once, by the caller; here only for whoever debugs.
            tracing::debug!(tool, %error, "Management MCP call failed");
        }
        result
    }

    /// One POST, no `initialize`: Nango's Management MCP builds a new server per request and
    /// answers a bare `tools/call` (captured: `mgmt_mcp_*_without_initialize`), so a handshake
    /// would only cost two more requests and two more rate-limit points.
    async fn call_once(
        &self,
        tool: &'static str,
        arguments: JsonObject,
    ) -> Result<Value, ManagementError> {
        let request = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": { "name": tool, "arguments": arguments },
        });
        let response = self
            .http
            .get_or_init(http_client)
            .post(self.url.as_str())
            .bearer_auth(self.key.expose())
            .header(ACCEPT, "application/json, text/event-stream")
            .json(&request)
            .send()
            .await
            .map_err(|error| self.redacted(error::from_request(&self.url, &error)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|error| self.redacted(error::from_request(&self.url, &error)))?;
        if status.as_u16() == 429 {
            return Err(ManagementError::RateLimited { retry_after });
        }
        if !status.is_success() {
            return Err(self.redacted(error::from_status(&self.url, status, &body)));
        }
        let message = rpc::answer(content_type.as_deref(), &body)
            .map_err(|reason| self.redacted(error::not_mcp(&self.url, reason)))?;
        let result = rpc::result(message)
            .map_err(|message| self.redacted(error::from_json_rpc(&self.url, tool, &message)))?;
        let result: CallToolResult =
            serde_json::from_value(result).map_err(|error| malformed(tool, &error))?;
        self.content(tool, result)
    }

    fn content(
        &self,
        tool: &'static str,
        result: CallToolResult,
    ) -> Result<Value, ManagementError> {
        let text = || {
            result
                .content
                .iter()
                .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if result.is_error == Some(true) {
            return Err(self.redacted(error::from_tool_text(tool, &self.url, &text())));
        }
        if let Some(structured) = result.structured_content {
            return Ok(structured);
        }
        // Nango sends the same JSON as text too; older servers sent only that.
        serde_json::from_str(&text()).map_err(|error| malformed(tool, &error))
    }

    /// Whatever a server or library echoes, the key never leaves in clear.
    fn redacted(&self, error: ManagementError) -> ManagementError {
        let key = self.key.expose();
        let text = error.to_string();
        if key.is_empty() || !text.contains(key) {
            return error;
        }
        ManagementError::Refused {
            tool: "Management MCP".to_owned(),
            message: text.replace(key, "****"),
        }
    }
}

fn malformed(tool: &str, error: &serde_json::Error) -> ManagementError {
    ManagementError::Malformed {
        tool: tool.to_owned(),
        reason: error.to_string(),
    }
}

/// Never follows a redirect: a same-host one would carry the key to a path, and any other to a
/// host, that the user did not name.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}
