//! The MCP server: `tools/list` and `tools/call` over the registry, routed to the environment the
//! call names. Stateless: everything lives in an `Arc` built once at start-up, so any number of
//! HTTP workers (or replicas) can serve any request.

use std::sync::Arc;

use rmcp::{
    ErrorData as McpError, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, CompletionInfo, ContentBlock, GetPromptRequestParams, GetPromptResponse,
        GetPromptResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
        PromptMessage, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
        Reference, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities,
        ServerConfig, Tool,
    },
    service::{RequestContext, RoleServer},
};
use serde_json::{Map, Value};

use crate::{
    catalog::ProviderCatalog,
    completion,
    config::Environments,
    dashboard,
    errors::ToolError,
    instructions,
    output::TokenBudget,
    prompts, resources,
    telemetry::{self, request::McpRequest},
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
    writes: WriteSettings,
    history: crate::history::SharedHistory,
}

/// How this server handles writes: whether they exist, and the confirmation-code keys.
#[derive(Clone)]
pub struct WriteSettings {
    pub enabled: bool,
    pub codes: Arc<crate::writes::ConfirmCodes>,
}

impl WriteSettings {
    pub fn disabled() -> Self {
        let context = crate::writes::WriteContext::disabled();
        Self {
            enabled: false,
            codes: context.codes,
        }
    }
}

impl NangoMcp {
    pub fn new(
        registry: Registry,
        environments: Environments,
        budget: TokenBudget,
        demo: bool,
    ) -> Self {
        Self::new_with_writes(
            registry,
            environments,
            budget,
            demo,
            WriteSettings::disabled(),
        )
    }

    pub fn new_with_writes(
        registry: Registry,
        environments: Environments,
        budget: TokenBudget,
        demo: bool,
        writes: WriteSettings,
    ) -> Self {
        let registry = registry.with_environments(&environments.names());
        let tools = dashboard::link_tools(registry.definitions());
        Self {
            inner: Arc::new(Inner {
                registry,
                tools,
                environments,
                budget,
                demo,
                catalog: Arc::default(),
                writes,
                history: Arc::new(crate::history::HistoryStore::disabled()),
            }),
        }
    }

    /// Reads (and, over HTTP, keeps) history in `history`. Call right after construction.
    pub fn with_history(mut self, history: crate::history::SharedHistory) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.history = history,
            None => tracing::error!("history attached after the server was shared; ignored"),
        }
        self
    }

    /// The history store tools read.
    pub fn history(&self) -> &crate::history::SharedHistory {
        &self.inner.history
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
        self.run_tool_asking(name, arguments, progress, None, None)
            .await
    }

    /// Runs one tool; a write asks the person through `ask` when given (see `writes::gate`).
    /// `caller` is who is calling over HTTP (logged, and bound into confirmation codes).
    pub async fn run_tool_asking(
        &self,
        name: &str,
        arguments: Map<String, Value>,
        progress: Option<Progress>,
        ask: Option<crate::writes::Ask>,
        caller: Option<crate::caller::Caller>,
    ) -> Result<ToolOutcome, ToolError> {
        let entry = self.inner.registry.get(name).ok_or_else(|| {
            ToolError::invalid(
                "name",
                format!(
                    "unknown tool {}; available: {}",
                    crate::output::text::echo(name),
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
            management: environment.management.clone(),
            environment: environment.name.clone(),
            environments: self.inner.environments.names(),
            key_variable: environment.key_variable.clone(),
            budget: self.inner.budget,
            demo: self.inner.demo,
            progress,
            catalog: self.inner.catalog.clone(),
            writes: crate::writes::WriteContext {
                enabled: self.inner.writes.enabled,
                codes: self.inner.writes.codes.clone(),
                ask,
                caller,
            },
            history: self.inner.history.clone(),
        };
        let environment = ctx.environment.clone();
        let caller = ctx.writes.caller_name();
        let call = entry.call(ctx, Value::Object(arguments));
        crate::tools::supervise::supervised(name, &environment, &caller, call).await
    }
}

impl ServerHandler for NangoMcp {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .build();
        capabilities.completions = Some(Map::new());
        ServerConfig::new(capabilities)
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
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self.inner.tools.clone();
        telemetry::observed(
            McpRequest::new("tools/list", &context),
            async { Ok(ListToolsResult::with_all_items(tools)) },
            telemetry::request::jsonrpc_error_type,
        )
        .await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        telemetry::observed(
            McpRequest::new("resources/list", &context),
            async {
                Ok(ListResourcesResult::with_all_items(
                    self.resource_list().await,
                ))
            },
            telemetry::request::jsonrpc_error_type,
        )
        .await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let templates = vec![
            ResourceTemplate::new(resources::INTEGRATION_TEMPLATE, "integration")
                .with_title("One integration's setup, requirements and deployed syncs")
                .with_mime_type("application/json"),
            ResourceTemplate::new(resources::CONNECTION_TEMPLATE, "connection")
                .with_title("One connection with health and credential facts")
                .with_mime_type("application/json"),
        ];
        Ok(ListResourceTemplatesResult::with_all_items(templates))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        telemetry::observed(
            McpRequest::new("resources/read", &context),
            async { Ok(self.read(&request.uri).await?.into()) },
            telemetry::request::jsonrpc_error_type,
        )
        .await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let arguments = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                (name, text)
            })
            .collect();
        let (text, description) = prompts::render(&request.name, &arguments)
            .map_err(|message| McpError::invalid_params(message, None))?;
        let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
        result.description = Some(description.to_owned());
        Ok(result.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        telemetry::observed(
            McpRequest::new("completion/complete", &context),
            self.completions(request),
            telemetry::request::jsonrpc_error_type,
        )
        .await
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let observed = McpRequest {
            method: "tools/call",
            // From our own list: a caller's unknown name never becomes a label.
            tool: self.inner.registry.get(&request.name).map(|entry| entry.id),
            context: &context,
        };
        telemetry::observed(
            observed,
            self.dispatch_call(request, &context),
            telemetry::request::call_error_type,
        )
        .await
    }
}

/// `tools/call`: reads run at once, writes go through the confirmation flow.
impl NangoMcp {
    async fn dispatch_call(
        &self,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if self.inner.registry.get(&request.name).is_none() {
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool {}; available: {}",
                    crate::output::text::echo(&request.name),
                    self.inner.registry.names().join(", ")
                ),
                None,
            ));
        }
        let is_write = self
            .inner
            .registry
            .get(&request.name)
            .is_some_and(|entry| !entry.hints.read_only);
        if is_write {
            return Ok(self.call_write(request, context).await);
        }
        let progress = progress_reporter(context);
        let arguments = request.arguments.unwrap_or_default();
        let caller = caller_of(context);
        let result = match self
            .run_tool_asking(&request.name, arguments, progress, None, caller)
            .await
        {
            Ok(outcome) => success(outcome),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.message())]),
        };
        Ok(result.into())
    }
}

/// Who is calling, as the HTTP transport's authentication recorded it on the request (rmcp hands
/// the request's parts to handlers); `None` on stdio.
fn caller_of(context: &RequestContext<RoleServer>) -> Option<crate::caller::Caller> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::caller::Caller>())
        .cloned()
}

/// Write tools over MCP: the person is asked through the client when it can elicit.
impl NangoMcp {
    async fn call_write(
        &self,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        use crate::writes::mcp;
        let mut arguments = request.arguments.clone().unwrap_or_default();
        let input_required = mcp::wants_input_required(context);
        if input_required {
            match mcp::answered(&request) {
                Some(Ok(code)) => {
                    arguments.insert("confirmation".to_owned(), Value::String(code));
                }
                Some(Err(())) => {
                    let caller = caller_of(context).map(|caller| caller.to_string());
                    tracing::info!(asked_by = caller.unwrap_or_default(), tool = %request.name, outcome = "declined", "write action");
                    let mut result = CallToolResult::success(vec![ContentBlock::text(
                        "Declined, nothing changed: the person did not confirm.",
                    )]);
                    result.structured_content =
                        Some(serde_json::json!({"status": "declined", "written": false}));
                    return result.into();
                }
                None => {}
            }
        }
        let ask = if input_required {
            None
        } else {
            mcp::inline_ask(context)
        };
        let progress = progress_reporter(context);
        match self
            .run_tool_asking(&request.name, arguments, progress, ask, caller_of(context))
            .await
        {
            Ok(outcome) => {
                let preview = outcome.structured.get("status") == Some(&Value::from("preview"));
                let code = outcome
                    .structured
                    .get("confirmation")
                    .and_then(Value::as_str);
                let summary = outcome.structured.get("summary").and_then(Value::as_str);
                if input_required
                    && preview
                    && let (Some(code), Some(summary)) = (code, summary)
                    && let Some(ask) = mcp::input_required(summary, code)
                {
                    return ask.into();
                }
                success(outcome).into()
            }
            Err(error) => {
                tracing::info!(tool = %request.name, error = %error, "tool call failed");
                CallToolResult::error(vec![ContentBlock::text(error.to_string())]).into()
            }
        }
    }
}

/// Resources, prompts and completions: thin views over the tools and the prompt plans.
impl NangoMcp {
    async fn resource_list(&self) -> Vec<Resource> {
        let mut list = vec![
            Resource::new(resources::INTEGRATIONS, "integrations")
                .with_title("Integrations with connection health counts")
                .with_mime_type("application/json"),
            dashboard::resource(),
        ];
        if let Some(environment) = self.inner.environments.default_environment()
            && let Ok(integrations) = environment.client.list_integrations().await
        {
            list.extend(integrations.into_iter().take(200).map(|item| {
                Resource::new(
                    resources::integration_uri(&item.unique_key),
                    item.unique_key.clone(),
                )
                .with_title(format!(
                    "Integration {} ({})",
                    item.unique_key, item.provider
                ))
                .with_mime_type("application/json")
            }));
        }
        list
    }

    async fn read(&self, uri: &str) -> Result<ReadResourceResult, McpError> {
        if uri == dashboard::URI {
            return Ok(ReadResourceResult::new(vec![dashboard::contents()]));
        }
        let call = resources::resolve(uri)
            .map_err(|error| McpError::invalid_params(error.to_string(), None))?;
        let outcome = self
            .run_tool(call.tool, call.arguments, None)
            .await
            .map_err(|error| McpError::resource_not_found(error.message(), None))?;
        let json = serde_json::to_string_pretty(&outcome.structured).unwrap_or_default();
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(json, uri).with_mime_type("application/json"),
        ]))
    }

    async fn completions(
        &self,
        request: CompleteRequestParams,
    ) -> Result<CompleteResult, McpError> {
        let Some(environment) = self.inner.environments.default_environment() else {
            return Ok(CompleteResult::new(CompletionInfo::default()));
        };
        let integration = request
            .context
            .as_ref()
            .and_then(|context| {
                context
                    .get_argument("integration")
                    .or_else(|| context.get_argument("key"))
            })
            .cloned();
        let known_reference = match &request.r#ref {
            Reference::Resource(reference) => {
                reference.uri == resources::INTEGRATION_TEMPLATE
                    || reference.uri == resources::CONNECTION_TEMPLATE
            }
            Reference::Prompt(reference) => prompts::PROMPTS
                .iter()
                .any(|spec| spec.name == reference.name),
            _ => false,
        };
        if !known_reference {
            return Err(McpError::invalid_params(
                "unknown completion reference",
                None,
            ));
        }
        let values = completion::values(
            &environment.client,
            &request.argument.name,
            &request.argument.value,
            integration.as_deref(),
        )
        .await;
        let info = CompletionInfo::with_all_values(values)
            .map_err(|error| McpError::internal_error(error, None))?;
        Ok(CompleteResult::new(info))
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
