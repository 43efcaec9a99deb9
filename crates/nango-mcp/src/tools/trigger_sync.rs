//! `trigger_sync`: run syncs now, incrementally or as a full refresh. A write: only with
//! --allow-writes, and only once a person confirmed.

use nango_api::models::SyncMode;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Hints, NangoTool, ToolContext, Toolset, sync_write};
use crate::{
    args::{one_or_many_required, one_or_many_schema},
    errors::ToolError,
};

pub struct TriggerSync;

#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// From the sync's checkpoint (default).
    #[default]
    Incremental,
    /// Re-fetch everything from the provider.
    FullRefresh,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration key (exact, e.g. hubspot-prod).
    pub integration: String,
    /// One connection; omit to trigger on every connection of the integration.
    pub connection_id: Option<String>,
    /// Sync names (a name or a list); list_syncs shows them.
    #[serde(deserialize_with = "one_or_many_required")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub syncs: Vec<String>,
    /// incremental (default) or full_refresh.
    pub mode: Option<Mode>,
    /// The code from this tool's preview, sent once a person agreed.
    pub confirmation: Option<String>,
}

impl NangoTool for TriggerSync {
    const NAME: &'static str = "trigger_sync";
    const TITLE: &'static str = "Trigger syncs (write, confirmed)";
    const DESCRIPTION: &'static str = "Run syncs now (incremental, or full_refresh to re-fetch everything) for one connection, or every connection of an integration without connection_id. A person confirms first: the first call only previews (and returns a confirmation code unless the client can ask the person).";
    const TOOLSET: Toolset = Toolset::Actions;
    // A full refresh re-fetches and reconciles every record: treated as destructive.
    const HINTS: Hints = Hints {
        read_only: false,
        destructive: true,
        idempotent: false,
    };
    const EXAMPLE: &'static str =
        r#"{"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": ["deals"]}"#;

    type Params = Params;
    type Output = sync_write::Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Self::Output, ToolError> {
        let mode = match params.mode.unwrap_or_default() {
            Mode::Incremental => SyncMode::Incremental,
            Mode::FullRefresh => SyncMode::FullRefresh,
        };
        let shared = sync_write::Params {
            integration: params.integration,
            connection_id: params.connection_id,
            syncs: params.syncs,
            confirmation: params.confirmation,
        };
        sync_write::run(ctx, sync_write::Kind::Trigger(mode), shared).await
    }

    fn render(output: &Self::Output) -> String {
        sync_write::render(output)
    }
}
