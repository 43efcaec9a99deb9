//! `search_providers`: Nango's provider catalog: which services can be connected, how they
//! authenticate, their categories and docs.

use nango_api::models::Provider;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt};
use crate::{
    errors::ToolError,
    output::{OffsetPage, text},
};

pub struct SearchProviders;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Name or display name.
    pub query: Option<String>,
    /// Category, e.g. crm.
    pub category: Option<String>,
    /// Auth mode, e.g. OAUTH2.
    pub auth_mode: Option<String>,
    /// Max rows (default 25).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub total: usize,
    pub shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub providers: Vec<ProviderRow>,
    /// Catalog entries Nango sent in a shape this server does not understand (left out).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProviderRow {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_mode: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 200;

impl NangoTool for SearchProviders {
    const NAME: &'static str = "search_providers";
    const TITLE: &'static str = "Search provider catalog";
    const DESCRIPTION: &'static str =
        "Nango's catalog of ~1,000 connectable providers: name, auth mode, categories, docs.";
    const TOOLSET: Toolset = Toolset::Integrations;
    const EXAMPLE: &'static str = r#"{"query": "sales"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let page = OffsetPage::parse(
            params.limit,
            DEFAULT_LIMIT,
            MAX_LIMIT,
            params.cursor.as_deref(),
        )?;
        let catalog = ctx.catalog.providers(&ctx.client).await.or_tool(&ctx)?;
        let query = params
            .query
            .as_deref()
            .map(str::to_lowercase)
            .filter(|text| !text.trim().is_empty());
        let category = params.category.as_deref().map(str::to_lowercase);
        let auth_mode = params.auth_mode.as_deref().map(str::to_uppercase);
        let mut matching: Vec<&Provider> = catalog
            .items
            .iter()
            .filter(|provider| {
                query
                    .as_deref()
                    .is_none_or(|query| matches_text(provider, query))
            })
            .filter(|provider| {
                category.as_deref().is_none_or(|wanted| {
                    provider
                        .categories
                        .iter()
                        .any(|c| c.to_lowercase() == wanted)
                })
            })
            .filter(|provider| {
                auth_mode.as_deref().is_none_or(|wanted| {
                    provider
                        .auth_mode
                        .as_deref()
                        .is_some_and(|mode| mode.to_uppercase() == wanted)
                })
            })
            .collect();
        // Exact and prefix matches first: "hubspot" should not be buried under "hubspot-…" variants.
        if let Some(query) = query.as_deref() {
            matching.sort_by_key(|provider| rank(provider, query));
        }
        let total = matching.len();
        let (rows, next_cursor) = page.take(matching, row, total, ctx.budget, 256);
        Ok(Output {
            total,
            shown: rows.len(),
            next_cursor,
            providers: rows,
            skipped: catalog.skipped,
        })
    }

    fn render(output: &Output) -> String {
        let rows: Vec<Vec<String>> = output
            .providers
            .iter()
            .map(|row| {
                vec![
                    row.name.clone(),
                    text::clip(row.display_name.as_deref().unwrap_or("-"), 40),
                    row.auth_mode.clone().unwrap_or_else(|| "-".to_owned()),
                    row.categories.join(","),
                ]
            })
            .collect();
        let skipped = if output.skipped == 0 {
            String::new()
        } else {
            format!(
                "\n{} catalog entries were left out: Nango sent them in a shape this server does not understand.",
                output.skipped
            )
        };
        format!(
            "{} providers match\n{}\n{}{skipped}",
            output.total,
            text::table(&["name", "display name", "auth", "categories"], &rows),
            text::paging_line(
                output.shown,
                Some(output.total),
                output.next_cursor.as_deref()
            )
        )
    }
}

fn matches_text(provider: &Provider, query: &str) -> bool {
    provider.name.to_lowercase().contains(query)
        || provider
            .display_name
            .as_deref()
            .is_some_and(|name| name.to_lowercase().contains(query))
}

fn rank(provider: &Provider, query: &str) -> (u8, usize) {
    let name = provider.name.to_lowercase();
    let tier = if name == query {
        0
    } else if name.starts_with(query) {
        1
    } else {
        2
    };
    (tier, name.len())
}

fn row(provider: &Provider) -> ProviderRow {
    ProviderRow {
        name: provider.name.clone(),
        display_name: provider.display_name.clone(),
        auth_mode: provider.auth_mode.clone(),
        categories: provider.categories.clone(),
        docs: provider.docs.clone(),
    }
}
