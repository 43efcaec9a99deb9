//! The MCP server: `tools/list` and `tools/call` over the registry, routed to the environment the
//! call names. Stateless: everything lives in an `Arc` built once at start-up, so any number of
//! HTTP workers (or replicas) can serve any request.

use std::sync::Arc;

use rmcp::{
    ErrorData as McpError, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities,
        ServerConfig, Tool,
    },
    service::{RequestContext, RoleServer},
};
use serde_json::{Map, Value};

use crate::{
    catalog::ProviderCatalog,
    config::Environments,
    errors::ToolError,
    instructions,
    output::TokenBudget,
    tools::{Progress, Registry, ToolContext, ToolOutcome},
};

#[derive(Clone)]
pub struct NangoMcp {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    tools: Vec<Tool>,
    environments: Environments,
    budget: TokenBudget,
    demo: bool,
    catalog: Arc<ProviderCatalog>,
}

impl NangoMcp {
    pub fn new(
        registry: Registry,
        environments: Environments,
        budget: TokenBudget,
        demo: bool,
    ) -> Self {
        let registry = registry.with_environments(&environments.names());
        let tools = registry.definitions();
        Self {
            inner: Arc::new(Inner {
                registry,
                tools,
                environments,
                budget,
                demo,
                catalog: Arc::default(),
            }),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub fn environments(&self) -> &Environments {
        &self.inner.environments
    }

    /// Runs one tool by name: what `tools/call` and the `call` command share.
    pub async fn run_tool(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        progress: Option<Progress>,
    ) -> Result<ToolOutcome, ToolError> {
        let entry = self.inner.registry.get(name).ok_or_else(|| {
            ToolError::invalid(
                "name",
                format!(
                    "unknown tool {name:?}; available: {}",
                    self.inner.registry.names().join(", ")
                ),
            )
        })?;
        let mut arguments = arguments;
        let environment = match arguments.remove("environment") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name),
            Some(_) => return Err(ToolError::invalid("environment", "must be a string")),
        };
        let environment = self.inner.environments.get(environment.as_deref())?;
        let ctx = ToolContext {
            client: environment.client.clone(),
            environment: environment.name.clone(),
            environments: self.inner.environments.names(),
            key_variable: environment.key_variable.clone(),
            budget: self.inner.budget,
            demo: self.inner.demo,
            progress,
            catalog: self.inner.catalog.clone(),
        };
        entry.call(ctx, Value::Object(arguments)).await
    }
}

impl ServerHandler for NangoMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("nango-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("Nango audit (read-only)")
                    .with_description("Audit a Nango instance: integrations, connection health, syncs, records, environment."),
            )
            .with_instructions(instructions::text(self.inner.demo, &self.inner.environments.names()))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.inner.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if self.inner.registry.get(&request.name).is_none() {
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool {:?}; available: {}",
                    request.name,
                    self.inner.registry.names().join(", ")
                ),
                None,
            ));
        }
        let progress = progress_reporter(&context);
        let arguments = request.arguments.unwrap_or_default();
        let result = match self.run_tool(&request.name, arguments, progress).await {
            Ok(outcome) => success(outcome),
            Err(error) => {
                tracing::info!(tool = %request.name, error = %error, "tool call failed");
                CallToolResult::error(vec![ContentBlock::text(error.to_string())])
            }
        };
        Ok(result.into())
    }
}

fn success(outcome: ToolOutcome) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(outcome.text)]);
    result.structured_content = Some(outcome.structured);
    result
}

/// Progress notifications go out only when the client asked for them with a progress token.
fn progress_reporter(context: &RequestContext<RoleServer>) -> Option<Progress> {
    let token = context.meta.get_progress_token()?;
    let peer = context.peer.clone();
    Some(Arc::new(
        move |done: u64, total: Option<u64>, message: String| {
            let mut param = ProgressNotificationParam::new(token.clone(), done as f64);
            if let Some(total) = total {
                param = param.with_total(total as f64);
            }
            param.message = Some(message);
            let peer = peer.clone();
            tokio::spawn(async move {
                if let Err(error) = peer.notify_progress(param).await {
                    tracing::debug!(%error, "progress notification not delivered");
                }
            });
        },
    ))
}
