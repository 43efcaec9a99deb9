//! `start_sync`: restore the schedule of paused syncs. A write: only with
//! --allow-writes, and only once a person confirmed.

use super::{Hints, NangoTool, ToolContext, Toolset, sync_write};
use crate::errors::ToolError;

pub struct StartSync;

impl NangoTool for StartSync {
    const NAME: &'static str = "start_sync";
    const TITLE: &'static str = "Start syncs (write, confirmed)";
    const DESCRIPTION: &'static str = "Start paused syncs again (restores their schedule) for one connection, or every connection of an integration without connection_id. A person confirms first: the first call only previews (and returns a confirmation code unless the client can ask the person).";
    const TOOLSET: Toolset = Toolset::Actions;
    const HINTS: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: true,
    };
    const EXAMPLE: &'static str =
        r#"{"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"}"#;

    type Params = sync_write::Params;
    type Output = sync_write::Output;

    async fn run(ctx: ToolContext, params: Self::Params) -> Result<Self::Output, ToolError> {
        sync_write::run(ctx, sync_write::Kind::Start, params).await
    }

    fn render(output: &Self::Output) -> String {
        sync_write::render(output)
    }
}
