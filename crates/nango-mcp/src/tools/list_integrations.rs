//! `list_integrations`: which integrations (provider configs) exist, optionally with connection
//! health counts per integration.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use nango_api::{ConnectionsQuery, models::Integration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt};
use crate::{
    errors::ToolError,
    health::{HealthCounts, health_of},
    output::{OffsetPage, text},
};

pub struct ListIntegrations;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Key, provider or display name.
    pub search: Option<String>,
    /// Add connection health counts.
    pub with_connection_counts: Option<bool>,
    /// Max rows (default 100).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub total: usize,
    pub shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub integrations: Vec<IntegrationRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IntegrationRow {
    /// The integration key (a.k.a. provider config key) other tools take as `integration`.
    pub key: String,
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<ConnectionCounts>,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct ConnectionCounts {
    pub total: usize,
    #[serde(flatten)]
    pub health: HealthCounts,
}

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

impl NangoTool for ListIntegrations {
    const NAME: &'static str = "list_integrations";
    const TITLE: &'static str = "List integrations";
    const DESCRIPTION: &'static str = "Integrations: key, provider, display name, optional health counts; other tools take these keys.";
    const TOOLSET: Toolset = Toolset::Integrations;
    const EXAMPLE: &'static str = r#"{}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let page = OffsetPage::parse(
            params.limit,
            DEFAULT_LIMIT,
            MAX_LIMIT,
            params.cursor.as_deref(),
        )?;
        let mut integrations = ctx.client.list_integrations().await.or_tool(&ctx)?;
        if let Some(search) = params.search.as_deref().map(str::to_lowercase) {
            integrations.retain(|item| matches_search(item, &search));
        }
        let total = integrations.len();
        let counts = if params.with_connection_counts.unwrap_or(false) {
            Some(connection_counts(&ctx).await?)
        } else {
            None
        };
        let (rows, next_cursor) = page.take(
            integrations,
            |item| row(item, counts.as_ref()),
            total,
            ctx.budget,
            512,
        );
        Ok(Output {
            total,
            shown: rows.len(),
            next_cursor,
            integrations: rows,
        })
    }

    fn render(output: &Output) -> String {
        let with_counts = output
            .integrations
            .iter()
            .any(|row| row.connections.is_some());
        let mut header = vec!["key", "provider", "display name"];
        if with_counts {
            header.extend(["connections", "auth_error", "sync_error"]);
        }
        let rows: Vec<Vec<String>> = output
            .integrations
            .iter()
            .map(|row| {
                let mut cells = vec![
                    row.key.clone(),
                    row.provider.clone(),
                    text::clip(row.display_name.as_deref().unwrap_or("-"), 40),
                ];
                if let Some(counts) = &row.connections {
                    cells.extend([
                        counts.total.to_string(),
                        counts.health.auth_error.to_string(),
                        counts.health.sync_error.to_string(),
                    ]);
                }
                cells
            })
            .collect();
        format!(
            "{} integrations\n{}\n{}",
            output.total,
            text::table(&header, &rows),
            text::paging_line(
                output.shown,
                Some(output.total),
                output.next_cursor.as_deref()
            )
        )
    }
}

fn matches_search(item: &Integration, search: &str) -> bool {
    item.unique_key.to_lowercase().contains(search)
        || item.provider.to_lowercase().contains(search)
        || item
            .display_name
            .as_deref()
            .is_some_and(|name| name.to_lowercase().contains(search))
}

fn row(item: Integration, counts: Option<&BTreeMap<String, ConnectionCounts>>) -> IntegrationRow {
    let connections = counts.map(|counts| {
        counts
            .get(&item.unique_key)
            .map(|found| ConnectionCounts {
                total: found.total,
                health: found.health,
            })
            .unwrap_or_default()
    });
    IntegrationRow {
        display_name: item.display_name,
        created_at: item.created_at.map(|time| time.to_rfc3339()),
        key: item.unique_key,
        provider: item.provider,
        connections,
    }
}

async fn connection_counts(
    ctx: &ToolContext,
) -> Result<BTreeMap<String, ConnectionCounts>, ToolError> {
    ctx.client
        .connections(ConnectionsQuery::default())
        .try_fold(
            BTreeMap::<String, ConnectionCounts>::new(),
            |mut counts, connection| async move {
                let entry = counts
                    .entry(connection.provider_config_key.clone())
                    .or_default();
                entry.total += 1;
                entry.health.add(&health_of(&connection));
                Ok(counts)
            },
        )
        .await
        .or_tool(ctx)
}
