//! `pause_sync`: stop the schedule of syncs (Nango: PAUSED, no next run). A write: only with
//! --allow-writes, and only once a person confirmed.

use super::{Hints, NangoTool, ToolContext, Toolset, sync_write};
use crate::errors::ToolError;

pub struct PauseSync;

impl NangoTool for PauseSync {
    const NAME: &'static str = "pause_sync";
    const TITLE: &'static str = "Pause syncs (write, confirmed)";
    const DESCRIPTION: &'static str = "Pause syncs of one connection, or of every connection of an integration without connection_id: no scheduled runs until start_sync. A person confirms first: the first call only previews (and returns a confirmation code unless the client can ask the person).";
    const TOOLSET: Toolset = Toolset::Actions;
    const HINTS: Hints = Hints {
        read_only: false,
        destructive: true,
        idempotent: true,
    };
    const EXAMPLE: &'static str =
        r#"{"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"}"#;

    type Params = sync_write::Params;
    type Output = sync_write::Output;

    async fn run(ctx: ToolContext, params: Self::Params) -> Result<Self::Output, ToolError> {
        sync_write::run(ctx, sync_write::Kind::Pause, params).await
    }

    fn render(output: &Self::Output) -> String {
        sync_write::render(output)
    }
}
