//! A client of Nango's Management MCP server, the only place Nango exposes sync-run history (its
//! logs). Called with rmcp's client over Streamable HTTP and the environment's own secret key. Each
//! call opens a short stateless session: Nango's server keeps no sessions either.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use nango_api::SecretKey;
use rmcp::{
    ServiceExt,
    model::CallToolRequestParams,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Map, Value};

pub const DEFAULT_URL: &str = "https://mcp.nango.dev/mcp";

#[derive(Clone)]
pub struct ManagementMcp {
    url: String,
    key: SecretKey,
    /// One connection pool for every call, built on first use (TLS roots cost ~5 ms to load).
    http: Arc<OnceLock<reqwest::Client>>,
    /// Bound on one whole call (connect, initialise, call): the operator's request timeout.
    timeout: Duration,
}

/// Why logs could not be read; the message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ManagementError {
    #[error("Nango's logs are not available: {0}")]
    Unavailable(String),
    #[error("could not reach Nango's Management MCP at {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

impl ManagementMcp {
    pub fn new(url: String, key: SecretKey, timeout: Duration) -> Self {
        Self {
            url,
            key,
            timeout,
            http: Arc::default(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `logs_list_operations` with the given arguments; returns its structured result.
    pub async fn list_operations(
        &self,
        arguments: Map<String, Value>,
    ) -> Result<Value, ManagementError> {
        self.call("logs_list_operations", arguments).await
    }

    /// `logs_get_operation`: one operation with its log messages.
    pub async fn get_operation(
        &self,
        operation_id: &str,
        messages: usize,
    ) -> Result<Value, ManagementError> {
        let mut arguments = Map::new();
        arguments.insert("operationId".to_owned(), Value::from(operation_id));
        arguments.insert(
            "messages".to_owned(),
            serde_json::json!({ "limit": messages }),
        );
        self.call("logs_get_operation", arguments).await
    }

    async fn call(
        &self,
        tool: &'static str,
        arguments: Map<String, Value>,
    ) -> Result<Value, ManagementError> {
        tokio::time::timeout(self.timeout, self.call_once(tool, arguments))
            .await
            .map_err(|_| ManagementError::Unreachable {
                url: self.url.clone(),
                reason: format!("no answer within {} s", self.timeout.as_secs()),
            })?
    }

    async fn call_once(
        &self,
        tool: &'static str,
        arguments: Map<String, Value>,
    ) -> Result<Value, ManagementError> {
        let unreachable = |reason: String| ManagementError::Unreachable {
            url: self.url.clone(),
            reason,
        };
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.as_str())
            .auth_header(self.key.expose_for_nango_auth());
        let transport = StreamableHttpClientTransport::with_client(
            self.http.get_or_init(reqwest::Client::new).clone(),
            config,
        );
        // Errors from rmcp may echo request details; keep only their kind, never headers.
        let session = ()
            .serve(transport)
            .await
            .map_err(|error| unreachable(redact(&error.to_string(), &self.key)))?;
        let result = session
            .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
            .await
            .map_err(|error| {
                let text = redact(&error.to_string(), &self.key);
                if text.to_lowercase().contains("not found") {
                    ManagementError::Unavailable(format!(
                        "the key cannot use {tool} (it needs the environment:logs:read scope)"
                    ))
                } else {
                    unreachable(text)
                }
            });
        let _ = session.cancel().await;
        let result = result?;
        if result.is_error == Some(true) {
            let message: Vec<String> = result
                .content
                .iter()
                .filter_map(|block| block.as_text().map(|text| text.text.clone()))
                .collect();
            return Err(ManagementError::Unavailable(redact(
                &message.join(" "),
                &self.key,
            )));
        }
        Ok(result.structured_content.unwrap_or_else(|| {
            // Older servers put the JSON in the text block only.
            result
                .content
                .iter()
                .find_map(|block| {
                    block
                        .as_text()
                        .and_then(|text| serde_json::from_str(&text.text).ok())
                })
                .unwrap_or(Value::Null)
        }))
    }
}

fn redact(text: &str, key: &SecretKey) -> String {
    text.replace(key.expose_for_nango_auth(), "****")
}
