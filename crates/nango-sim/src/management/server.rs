//! The MCP server behind `POST /mcp`: Nango's "Management MCP server", whose tools are shown
//! and callable only with the scope they need, and whose logs tools answer from the seeded
//! history (or say logs are disabled, as a self-hosted Nango without Elasticsearch does).

use chrono::{DateTime, Utc};
use rmcp::{
    ErrorData as McpError, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    },
    service::{RequestContext, RoleServer},
};
use serde_json::{Value, json};

use super::args::{GetArgs, get_args, list_args};
use super::cursors;
use super::listing::list;
use super::rows::{message_row, operation_row};
use super::tools::{self, GET_OPERATION, LIST_OPERATIONS};
use crate::dataset::Dataset;
use crate::http::auth::Caller;
use crate::state::SimState;

/// Nango's name for this server.
pub const MANAGEMENT_SERVER_NAME: &str = "Nango Management MCP server";
/// What a self-hosted Nango without logs answers to every logs tool.
pub const LOGS_DISABLED_MESSAGE: &str = "Nango logs are disabled";

/// One request's server (the transport is stateless: a new one per POST).
#[derive(Clone)]
pub(crate) struct ManagementServer {
    state: SimState,
}

impl ManagementServer {
    pub(crate) fn new(state: SimState) -> Self {
        Self { state }
    }
}

/// The key's scopes, put on the HTTP request by the auth middleware.
fn caller(context: &RequestContext<RoleServer>) -> Option<Caller> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>())
        .cloned()
}

fn may_use(caller: Option<&Caller>, tool: &str) -> bool {
    tools::scope_of(tool).is_some_and(|scope| caller.is_some_and(|caller| caller.has(scope)))
}

fn success(value: Value) -> CallToolResult {
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    result
}

fn failure(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

fn list_operations(
    dataset: &Dataset,
    arguments: &Value,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let args = list_args(arguments, now)?;
    let page = list(dataset, &args)?;
    let rows: Vec<Value> = page
        .operations
        .iter()
        .map(|operation| operation_row(dataset, operation))
        .collect();
    Ok(json!({
        "operations": rows,
        "pagination": { "total": page.total, "cursor": page.cursor },
    }))
}

fn get_operation(
    dataset: &Dataset,
    arguments: &Value,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let GetArgs {
        operation_id,
        limit,
        cursor,
        search,
        period,
    } = get_args(arguments, now)?;
    let operation = dataset
        .log_operation(&operation_id)
        .ok_or("Operation not found")?;
    let needle = search.map(|s| s.to_lowercase());
    let messages: Vec<_> = dataset
        .log_messages(&operation)
        .into_iter()
        .filter(|message| {
            needle
                .as_ref()
                .is_none_or(|needle| message.message.to_lowercase().contains(needle))
        })
        .filter(|message| {
            period.is_none_or(|(from, to)| message.created_at >= from && message.created_at <= to)
        })
        .collect();
    let total = messages.len();
    let offset = match cursor {
        Some(cursor) => cursors::message_offset(&messages, &cursor).ok_or("Invalid cursor")?,
        None => 0,
    };
    let page: Vec<_> = messages.iter().skip(offset).take(limit).collect();
    // Like Nango's `cursorAfter`: the last row served, whenever the page is not empty.
    let cursor = page.last().map(|message| cursors::message_cursor(message));
    let rows: Vec<Value> = page
        .into_iter()
        .map(|message| message_row(&operation, message))
        .collect();
    Ok(json!({
        "operation": operation_row(dataset, &operation),
        "messages": rows,
        "pagination": { "total": total, "cursor": cursor },
    }))
}

impl ServerHandler for ManagementServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(MANAGEMENT_SERVER_NAME, "1.0.0"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let caller = caller(&context);
        let visible = tools::all()
            .into_iter()
            .filter(|tool| may_use(caller.as_ref(), &tool.name))
            .collect();
        Ok(ListToolsResult::with_all_items(visible))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.as_ref();
        // Nango's MCP SDK answers both as a tool error (isError), not a JSON-RPC error: a tool
        // outside the key's scopes is registered but disabled, another name is unknown.
        if tools::scope_of(name).is_none() {
            return Ok(failure(format!("MCP error -32602: Tool {name} not found")).into());
        }
        if !may_use(caller(&context).as_ref(), name) {
            return Ok(failure(format!("MCP error -32602: Tool {name} disabled")).into());
        }
        if !self.state.logs_enabled() {
            return Ok(failure(LOGS_DISABLED_MESSAGE).into());
        }
        let dataset = self.state.dataset();
        let arguments = Value::Object(request.arguments.clone().unwrap_or_default());
        let now = self.state.now();
        let answer = match name {
            LIST_OPERATIONS => list_operations(&dataset, &arguments, now),
            GET_OPERATION => get_operation(&dataset, &arguments, now),
            _ => Err(format!("Tool {name} not found")),
        };
        Ok(match answer {
            Ok(value) => success(value),
            Err(message) => {
                tracing::debug!(tool = name, %message, "management tool refused the call");
                failure(message)
            }
        }
        .into())
    }
}
