//! What a tool call has to work with: the Nango client of the chosen environment, the output
//! budget, and a way to report progress. Nothing MCP-specific, so the `call` command reuses it.

use std::sync::Arc;

use nango_api::{NangoClient, NangoError, management::ManagementClient};

use crate::{catalog::ProviderCatalog, errors::ToolError, output::TokenBudget};

/// Reports progress of long fan-outs (MCP progress notifications, or stderr for `call`).
pub type Progress = Arc<dyn Fn(u64, Option<u64>, String) + Send + Sync>;

#[derive(Clone)]
pub struct ToolContext {
    pub client: NangoClient,
    /// Nango's Management MCP (sync-run logs) for the same environment, when one is configured.
    pub management: Option<ManagementClient>,
    /// Name of the environment this call runs against.
    pub environment: String,
    /// Every configured environment name (for `get_environment`).
    pub environments: Vec<String>,
    /// The variable that holds this environment's key, named in 401 messages.
    pub key_variable: String,
    pub budget: TokenBudget,
    /// Running against the built-in sandbox (`--demo`).
    pub demo: bool,
    pub progress: Option<Progress>,
    /// Nango's provider catalog, cached across calls.
    pub catalog: Arc<ProviderCatalog>,
    /// Whether writes are enabled, and how this caller confirms them.
    pub writes: crate::writes::WriteContext,
    /// Sync runs and connection health kept from Nango's webhooks (opened on first use).
    pub history: crate::history::SharedHistory,
}

impl ToolContext {
    /// Wraps a Nango failure with what the agent needs to fix it.
    pub fn nango_error(&self, source: NangoError) -> ToolError {
        ToolError::nango(source, &self.key_variable, self.client.host())
    }

    pub fn report(&self, done: u64, total: Option<u64>, message: impl Into<String>) {
        if let Some(progress) = &self.progress {
            progress(done, total, message.into());
        }
    }
}

/// `result.or_tool(&ctx)?` turns a Nango error into a tool error with next steps.
pub trait NangoResultExt<T> {
    fn or_tool(self, ctx: &ToolContext) -> Result<T, ToolError>;
}

impl<T> NangoResultExt<T> for Result<T, NangoError> {
    fn or_tool(self, ctx: &ToolContext) -> Result<T, ToolError> {
        self.map_err(|error| ctx.nango_error(error))
    }
}
