//! The tools, one file each. A tool is a typed function `Params -> Output` plus a text rendering;
//! this module turns each into an MCP tool definition and a type-erased handler, so the server,
//! the `call` command and the tests all run tools the same way.

mod context;
mod registry;
pub mod resolve;

pub mod audit_connections;
pub mod get_connection;
pub mod get_environment;
pub mod get_integration;
mod health_history;
pub mod list_connections;
pub mod list_integrations;
pub mod list_records;
pub mod list_sync_runs;
pub mod list_syncs;
pub mod search_providers;
pub mod supervise;
mod sync_runs_merge;

pub mod create_reconnect_link;
pub mod pause_sync;
pub mod start_sync;
mod sync_write;
pub mod trigger_sync;

pub use context::{Progress, ToolContext};
pub use registry::{Hints, Registry, ToolEntry, ToolOutcome, Toolset};

use std::future::Future;

use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};

use crate::errors::ToolError;

/// One tool over Nango. Adding one is its own file plus one line in [`Registry`]: the test
/// lists (annotations, arguments, faults, surface snapshot, README table) come from the registry.
pub trait NangoTool: Send + Sync + 'static {
    const NAME: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    const TOOLSET: Toolset;
    /// MCP annotations: read-only unless the tool says otherwise.
    const HINTS: Hints = Hints::READ_ONLY;
    /// A valid call against the demo sandbox (`SimConfig::demo()`), as JSON arguments.
    const EXAMPLE: &'static str;

    type Params: DeserializeOwned + JsonSchema + Send + 'static;
    type Output: Serialize + JsonSchema + Send + 'static;

    fn run(
        ctx: ToolContext,
        params: Self::Params,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;

    /// The compact text an agent reads; carries the same facts as the structured result.
    fn render(output: &Self::Output) -> String;
}
