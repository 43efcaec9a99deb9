//! `list_syncs`: sync status for one connection or a whole integration, failures first.

use std::collections::BTreeMap;

use chrono::Utc;
use nango_api::models::{ModelResult, SyncSelector, SyncStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{NangoTool, ToolContext, Toolset, resolve::Scope};
use crate::{
    args::{one_or_many, one_or_many_schema},
    errors::ToolError,
    output::{FieldSelection, OffsetPage, text},
    sync_health::{SyncHealth, sync_health},
};

pub struct ListSyncs;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Omit for every connection of integration.
    pub connection_id: Option<String>,
    /// Integration key; optional if connection_id is unique.
    pub integration: Option<String>,
    /// Sync names (default all).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub syncs: Option<Vec<String>>,
    /// Only these states.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<SyncHealth>")]
    pub state: Option<Vec<SyncHealth>>,
    /// Extra fields, added to the defaults: variant, status, next_run_at, type; or ["*"].
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub fields: Option<Vec<String>>,
    /// Max rows (default 100).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub integration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    pub total: usize,
    /// Syncs by state over every row matching the other filters.
    pub counts: BTreeMap<String, usize>,
    /// How many syncs `counts` covers, when a state filter narrowed `total` below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted: Option<usize>,
    pub shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[schemars(with = "Vec<SyncRow>")]
    pub syncs: Vec<Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncRow {
    pub connection_id: String,
    pub sync: String,
    pub state: SyncHealth,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Nango's status and the latest run's raw status.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_execution_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_run_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// Added/updated/deleted per model in the latest run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_result: Option<BTreeMap<String, RunResult>>,
    /// Records currently stored per model.
    pub records: BTreeMap<String, u64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub sync_type: Option<String>,
}

/// Records one run added, updated and deleted for a model.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunResult {
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
}

impl From<ModelResult> for RunResult {
    fn from(result: ModelResult) -> Self {
        Self {
            added: result.added,
            updated: result.updated,
            deleted: result.deleted,
        }
    }
}

const FIELDS: &[&str] = &[
    "connection_id",
    "sync",
    "state",
    "variant",
    "status",
    "latest_execution_status",
    "last_run_at",
    "next_run_at",
    "frequency",
    "last_result",
    "records",
    "type",
];
const DEFAULT_FIELDS: &[&str] = &[
    "state",
    "latest_execution_status",
    "last_run_at",
    "frequency",
    "last_result",
    "records",
];
const ALWAYS: &[&str] = &["connection_id", "sync"];
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1_000;

impl NangoTool for ListSyncs {
    const NAME: &'static str = "list_syncs";
    const TITLE: &'static str = "List syncs";
    const DESCRIPTION: &'static str = "Sync status of a connection or integration, failures first: state, last and next run, frequency, records per model.";
    const TOOLSET: Toolset = Toolset::Syncs;
    const EXAMPLE: &'static str = r#"{"connection_id": "conn-456", "integration": "hubspot-prod"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let selection = FieldSelection::parse(params.fields.as_deref(), FIELDS)?;
        let page = OffsetPage::parse(
            params.limit,
            DEFAULT_LIMIT,
            MAX_LIMIT,
            params.cursor.as_deref(),
        )?;
        let scope = Scope::resolve(
            &ctx,
            params.connection_id.as_deref(),
            params.integration.as_deref(),
        )
        .await?;
        let integration = scope.require_integration()?;
        let connection_id = scope.connection_id;
        let selector = match params.syncs.as_deref() {
            Some(names) if !names.is_empty() => SyncSelector::Named(names.to_vec()),
            _ => SyncSelector::All,
        };
        let statuses = ctx
            .client
            .sync_status(&integration, &selector, connection_id.as_deref())
            .await
            .map_err(|error| {
                if error.code() == Some("invalid_body") && connection_id.is_some() {
                    ToolError::NotFound {
                        what: "connection",
                        id: connection_id.clone().unwrap_or_default(),
                        scope: format!(
                            " in integration {}",
                            crate::output::text::echo(&integration)
                        ),
                        hint: "list_connections finds valid connection ids.".to_owned(),
                    }
                } else {
                    ctx.nango_error(error)
                }
            })?;
        let now = Utc::now();
        let mut rows: Vec<(SyncHealth, SyncStatus)> = statuses
            .into_iter()
            .map(|sync| (sync_health(&sync, now), sync))
            .collect();
        let mut counts = BTreeMap::new();
        for (state, _) in &rows {
            *counts.entry(state.as_str().to_owned()).or_insert(0) += 1;
        }
        let mut counted = None;
        if let Some(wanted) = params.state.as_deref().filter(|wanted| !wanted.is_empty()) {
            counted = Some(rows.len());
            rows.retain(|(state, _)| wanted.contains(state));
        }
        rows.sort_by(|(a, sync_a), (b, sync_b)| {
            a.cmp(b)
                .then_with(|| sync_a.connection_id.cmp(&sync_b.connection_id))
                .then_with(|| sync_a.name.cmp(&sync_b.name))
        });
        let total = rows.len();
        let to_row = |(state, sync)| selection.project(row(state, sync), DEFAULT_FIELDS, ALWAYS);
        let (syncs, next_cursor) = page.take(rows, to_row, total, ctx.budget, 512);
        Ok(Output {
            integration,
            connection_id,
            total,
            counts,
            counted,
            shown: syncs.len(),
            next_cursor,
            syncs,
        })
    }

    fn render(output: &Output) -> String {
        let scope = match &output.connection_id {
            Some(id) => format!("connection {id} ({})", output.integration),
            None => format!("integration {}", output.integration),
        };
        let counts: Vec<String> = output
            .counts
            .iter()
            .map(|(state, count)| format!("{count} {state}"))
            .collect();
        let counts = if counts.is_empty() {
            "none deployed".to_owned()
        } else {
            counts.join(", ")
        };
        let mut lines = vec![match output.counted {
            Some(counted) => format!(
                "{} syncs for {scope} match the state filter; all {counted} before it: {counts}.",
                output.total
            ),
            None => format!("{} syncs for {scope}: {counts}.", output.total),
        }];
        let now = Utc::now();
        lines.extend(output.syncs.iter().map(|row| sync_line(row, now)));
        lines.push(text::paging_line(
            output.shown,
            Some(output.total),
            output.next_cursor.as_deref(),
        ));
        lines.join("\n")
    }
}

fn row(state: SyncHealth, sync: SyncStatus) -> Value {
    let row = SyncRow {
        connection_id: sync.connection_id,
        sync: sync.name,
        state,
        variant: sync.variant.filter(|variant| variant != "base"),
        status: sync.status.as_str().to_owned(),
        latest_execution_status: sync
            .latest_execution_status
            .map(|status| status.as_str().to_owned()),
        last_run_at: sync.finished_at.map(|time| time.to_rfc3339()),
        next_run_at: sync.next_scheduled_sync_at.map(|time| time.to_rfc3339()),
        frequency: sync.frequency,
        last_result: sync
            .latest_result
            .filter(|result| !result.is_empty())
            .map(|result| {
                result
                    .into_iter()
                    .map(|(model, counts)| (model, counts.into()))
                    .collect()
            }),
        records: sync.record_count,
        sync_type: sync.sync_type,
    };
    serde_json::to_value(row).unwrap_or(Value::Null)
}

fn sync_line(row: &Value, now: chrono::DateTime<Utc>) -> String {
    let get = |key: &str| row.get(key).and_then(Value::as_str);
    let mut line = format!(
        "- {} / {}: {}",
        get("connection_id").unwrap_or("?"),
        get("sync").unwrap_or("?"),
        get("state").unwrap_or("?").to_uppercase()
    );
    if let Some(status) = get("latest_execution_status") {
        line.push_str(&format!(" (last run {status})"));
    }
    if let Some(at) = get("last_run_at").and_then(nango_api::models::Timestamp::parse) {
        line.push_str(&format!(", finished {}", text::relative(&at, now)));
    } else if get("state") == Some("never_ran") {
        line.push_str(", never ran");
    }
    if let Some(frequency) = get("frequency") {
        line.push_str(&format!(", {frequency}"));
    }
    if let Some(Value::Object(result)) = row.get("last_result") {
        let parts: Vec<String> = result
            .iter()
            .map(|(model, counts)| {
                let count = |key: &str| counts.get(key).and_then(Value::as_u64).unwrap_or(0);
                format!(
                    "{model} +{} ~{} -{}",
                    count("added"),
                    count("updated"),
                    count("deleted")
                )
            })
            .collect();
        line.push_str(&format!("; last run: {}", parts.join(", ")));
    }
    if let Some(Value::Object(records)) = row.get("records") {
        let parts: Vec<String> = records
            .iter()
            .map(|(model, count)| format!("{model} {count}"))
            .collect();
        if !parts.is_empty() {
            line.push_str(&format!("; stored: {}", parts.join(", ")));
        }
    }
    line
}
