//! `list_sync_runs`: the history of sync runs for a connection and/or sync ("last 5 runs: 4
//! succeeded, 1 failed 2 h ago with a rate-limit error"). Two sources, merged
//! newest first (`sync_runs_merge`): Nango's logs, read through its Management MCP, and the runs
//! Nango reported by webhook that this server kept. Where neither has runs this says so and falls
//! back to the latest run from `/sync/status`.

use chrono::{Duration, Utc};
use nango_api::management::{
    GetOperation, ListOperations, ManagementClient, OperationFilter, OperationRow, OperationState,
    OperationsPage, Period,
};
use nango_api::models::{SyncSelector, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::sync_runs_merge::{self, Filter, Position};
use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve::Scope};
use crate::{errors::ToolError, output::text, sync_health::sync_health};

pub struct ListSyncRuns;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Connection id (recommended).
    pub connection_id: Option<String>,
    /// Integration key; optional if connection_id is unique.
    pub integration: Option<String>,
    /// Sync name.
    pub sync: Option<String>,
    /// success, failed, running, timeout, cancelled.
    pub states: Option<Vec<String>>,
    /// Look-back in hours (default 24; logs reach back 360 at most, webhook history 2160).
    pub hours: Option<u32>,
    /// Max runs (default 10).
    pub limit: Option<usize>,
    /// `next_cursor` from the previous answer, for older runs.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// "logs", "webhooks", "logs+webhooks" (full history), or "latest_status" (neither
    /// available: only the latest run is known).
    pub source: String,
    pub summary: RunSummary,
    pub runs: Vec<Run>,
    /// Pass back as `cursor` for older runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct RunSummary {
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub other: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Run {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where this run is known from: "logs", "webhook", "logs+webhook" or "latest_status".
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Records added, updated, deleted (from the webhook).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<i64>,
    /// The failure, in Nango's words (third-party text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
const DEFAULT_HOURS: u32 = 24;
/// Nango's logs are kept 15 days by default.
const MAX_LOG_HOURS: u32 = 360;
/// Webhook history is kept `NANGO_MCP_HISTORY_DAYS` (default 90).
const MAX_HOURS: u32 = 2_160;
/// Failed runs whose log messages are fetched for the error text, concurrently. Each is one
/// Management MCP POST and one point of the 40-a-minute budget shared with every REST read:
/// with the listing, a call costs at most 3.
const DETAILED_FAILURES: usize = 2;

impl NangoTool for ListSyncRuns {
    const NAME: &'static str = "list_sync_runs";
    const TITLE: &'static str = "List sync runs";
    const DESCRIPTION: &'static str = "Run history from Nango's logs and the webhooks this server kept, newest first: state, time, duration, record counts, error, summary, cursor. Without either, the latest run.";
    const TOOLSET: Toolset = Toolset::Syncs;
    const EXAMPLE: &'static str = r#"{"connection_id": "conn-abc"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let hours = params.hours.unwrap_or(DEFAULT_HOURS).clamp(1, MAX_HOURS);
        let Scope {
            connection_id,
            integration,
        } = Scope::resolve(
            &ctx,
            params.connection_id.as_deref(),
            params.integration.as_deref(),
        )
        .await?;
        let position = Position::decode(params.cursor.as_deref())?;
        let mut arguments = list_arguments(
            &params,
            connection_id.as_deref(),
            integration.as_deref(),
            hours.min(MAX_LOG_HOURS),
            limit,
        )?;
        if let (Some(period), Some(before)) = (&mut arguments.period, position.as_ref()) {
            period.to = before.time();
        }
        let states = params.states.clone().unwrap_or_default();
        let filter = Filter {
            connection_id: connection_id.as_deref(),
            integration: integration.as_deref(),
            sync: params.sync.as_deref(),
            states: &states,
            hours,
            limit,
        };
        let logs = async {
            // No Management MCP for a self-hosted Nango unless the user named one: never Cloud's.
            let Some(management) = &ctx.management else {
                return Err(not_configured_note(ctx.client.host()));
            };
            match management.list_operations(&arguments).await {
                Ok(page) => Ok((management, page)),
                Err(error) => Err(sentence(&error.to_string())),
            }
        };
        let (logs, webhooks) = tokio::join!(
            logs,
            sync_runs_merge::webhook_runs(&ctx, &filter, position.as_ref())
        );
        match logs {
            Ok((management, page)) => Ok(with_webhooks(
                from_logs(management, page, limit).await,
                webhooks,
                limit,
            )),
            Err(why) if webhooks.error.is_none() && !webhooks.runs.is_empty() => {
                Ok(from_webhooks_only(&why, webhooks, limit))
            }
            Err(why) => {
                let note = format!(
                    "{}. Showing the latest run from sync status instead.",
                    why.trim_end_matches('.')
                );
                let note = match &webhooks.error {
                    Some(history) => {
                        format!("{note} Webhook history could not be read: {history}.")
                    }
                    None if !webhooks.configured => format!(
                        "{note} Receive Nango's webhooks (README, \"Sync history from webhooks\") to keep a history that does not depend on Nango's logs."
                    ),
                    None => note,
                };
                fallback(
                    &ctx,
                    connection_id.as_deref(),
                    integration.as_deref(),
                    params.sync.as_deref(),
                    note,
                )
                .await
            }
        }
    }

    fn render(output: &Output) -> String {
        let summary = &output.summary;
        let mut lines = vec![format!(
            "{} runs ({}): {} succeeded, {} failed, {} other.",
            summary.total,
            match output.source.as_str() {
                "logs" => "from Nango's logs",
                "webhooks" => "from Nango's webhooks kept by this server",
                "logs+webhooks" => "from Nango's logs and webhooks",
                _ => "latest only; logs unavailable",
            },
            summary.succeeded,
            summary.failed,
            summary.other
        )];
        let now = Utc::now();
        for run in &output.runs {
            let when = run
                .ended_at
                .as_deref()
                .or(run.started_at.as_deref())
                .and_then(Timestamp::parse)
                .map(|at| text::relative(&at, now))
                .unwrap_or_else(|| "time unknown".to_owned());
            let mut line = format!(
                "- {} {} {}: {} ({when}",
                run.connection_id.as_deref().unwrap_or("-"),
                run.sync.as_deref().unwrap_or("-"),
                run.id.as_deref().unwrap_or(""),
                run.state.to_uppercase()
            );
            if let Some(ms) = run.duration_ms {
                line.push_str(&format!(", {} s", ms / 1_000));
            }
            if let (Some(added), Some(updated)) = (run.added, run.updated) {
                line.push_str(&format!(
                    ", +{added} ~{updated} -{}",
                    run.deleted.unwrap_or(0)
                ));
            }
            line.push_str(&format!(", {})", run.source));
            if let Some(error) = &run.error {
                line.push_str(&format!(
                    ": {}",
                    text::untrusted("nango-log", &text::clip(error, 300))
                ));
            }
            lines.push(line);
        }
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        if let Some(cursor) = &output.next_cursor {
            lines.push(format!("More: pass cursor \"{cursor}\" for older runs."));
        }
        lines.join("\n")
    }
}

fn list_arguments(
    params: &Params,
    connection: Option<&str>,
    integration: Option<&str>,
    hours: u32,
    limit: usize,
) -> Result<ListOperations, ToolError> {
    let states = params
        .states
        .iter()
        .flatten()
        .map(|state| {
            OperationState::parse(state).ok_or_else(|| {
                ToolError::invalid(
                    "states",
                    "use success, failed, running, waiting, timeout or cancelled",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let now = Utc::now();
    Ok(ListOperations {
        limit: u32::try_from(limit).ok(),
        states,
        operations: vec![OperationFilter::sync_runs()],
        connections: connection.map(str::to_owned).into_iter().collect(),
        integrations: integration.map(str::to_owned).into_iter().collect(),
        syncs: params.sync.clone().into_iter().collect(),
        period: Some(Period {
            from: now - Duration::hours(i64::from(hours)),
            to: Some(now),
        }),
        ..ListOperations::default()
    })
}

/// Why there are no logs to read for a self-hosted Nango, and how to get them.
fn not_configured_note(host: &str) -> String {
    format!(
        "Run history is read from Nango's Management MCP, and none is configured for the self-hosted Nango at {host} \
         (the Nango Cloud default is never used for a self-hosted key). To read run history, set \
         NANGO_MANAGEMENT_MCP_URL to your server's Management MCP: the URL in the Nango server's \
         NANGO_MANAGEMENT_MCP_SERVER_URL followed by /mcp (the server needs logs enabled)."
    )
}

async fn from_logs(management: &ManagementClient, page: OperationsPage, limit: usize) -> Output {
    let mut runs: Vec<Run> = page
        .operations
        .iter()
        .take(limit)
        .map(run_from_operation)
        .collect();
    // The operation row rarely says why; its messages do. Fetch a few, not all.
    let unexplained: Vec<&mut Run> = runs
        .iter_mut()
        .filter(|run| run.state == "failed" && run.error.is_none() && run.id.is_some())
        .take(DETAILED_FAILURES)
        .collect();
    let reasons = futures::future::join_all(unexplained.iter().map(|run| {
        let id = run.id.clone().unwrap_or_default();
        async move {
            management
                .get_operation(&GetOperation::with_messages(id, 20))
                .await
                .ok()
                .and_then(|detail| detail.failure_reason().map(str::to_owned))
        }
    }))
    .await;
    for (run, reason) in unexplained.into_iter().zip(reasons) {
        run.error = reason;
    }
    let mut notes = Vec::new();
    if page.skipped > 0 {
        notes.push(format!(
            "{} log row(s) from Nango were not in a shape this server understands and were left out.",
            page.skipped
        ));
    }
    Output {
        source: "logs".to_owned(),
        summary: summarise(&runs),
        runs,
        next_cursor: None,
        notes,
    }
}

/// The logs' page merged with the webhook history.
fn with_webhooks(
    mut output: Output,
    webhooks: sync_runs_merge::WebhookRuns,
    limit: usize,
) -> Output {
    if let Some(error) = webhooks.error {
        output
            .notes
            .push(format!("Webhook history could not be read: {error}."));
    }
    let had_webhooks = !webhooks.runs.is_empty();
    let more = output.runs.len() >= limit || webhooks.runs.len() >= limit;
    let (runs, next_cursor) = sync_runs_merge::merge(output.runs, webhooks.runs, limit, more);
    if had_webhooks {
        output.source = "logs+webhooks".to_owned();
    }
    output.summary = summarise(&runs);
    output.runs = runs;
    output.next_cursor = next_cursor;
    output
}

/// Logs unavailable (disabled on a self-hosted Nango, expired, the Management MCP down): the
/// webhook history alone.
fn from_webhooks_only(
    logs_error: &str,
    webhooks: sync_runs_merge::WebhookRuns,
    limit: usize,
) -> Output {
    let more = webhooks.runs.len() >= limit;
    let (runs, next_cursor) = sync_runs_merge::merge(Vec::new(), webhooks.runs, limit, more);
    Output {
        source: "webhooks".to_owned(),
        summary: summarise(&runs),
        runs,
        next_cursor,
        notes: vec![format!(
            "Nango's logs are unavailable ({}); these runs are the ones Nango reported by webhook.",
            logs_error.trim_end_matches('.')
        )],
    }
}

fn run_from_operation(row: &OperationRow) -> Run {
    Run {
        id: Some(row.id.clone()),
        source: "logs".to_owned(),
        connection_id: row.connection_name.clone(),
        integration: None,
        sync: row.sync_config_name.clone(),
        model: None,
        state: row.state.as_str().to_owned(),
        started_at: Some(row.started_at.unwrap_or(row.created_at).to_rfc3339()),
        ended_at: row.ended_at.map(|at| at.to_rfc3339()),
        duration_ms: row.duration_ms(),
        added: None,
        updated: None,
        deleted: None,
        error: row.error.as_ref().map(|error| error.message.clone()),
    }
}

fn summarise(runs: &[Run]) -> RunSummary {
    let mut summary = RunSummary {
        total: runs.len(),
        ..RunSummary::default()
    };
    for run in runs {
        match run.state.as_str() {
            "success" => summary.succeeded += 1,
            "failed" | "timeout" => summary.failed += 1,
            _ => summary.other += 1,
        }
    }
    summary
}

async fn fallback(
    ctx: &ToolContext,
    connection: Option<&str>,
    integration: Option<&str>,
    sync: Option<&str>,
    note: String,
) -> Result<Output, ToolError> {
    let Some(integration) = integration else {
        return Ok(Output {
            source: "latest_status".to_owned(),
            summary: RunSummary::default(),
            runs: Vec::new(),
            next_cursor: None,
            notes: vec![
                note,
                "Pass `connection_id` or `integration` to see the latest runs from sync status."
                    .to_owned(),
            ],
        });
    };
    let selector = sync.map_or(SyncSelector::All, |name| {
        SyncSelector::Named(vec![name.to_owned()])
    });
    let statuses = ctx
        .client
        .sync_status(integration, &selector, connection)
        .await
        .or_tool(ctx)?;
    let now = Utc::now();
    let runs: Vec<Run> = statuses
        .into_iter()
        .filter(|status| !status.never_ran())
        .map(|status| Run {
            id: None,
            source: "latest_status".to_owned(),
            integration: Some(integration.to_owned()),
            model: None,
            added: None,
            updated: None,
            deleted: None,
            state: match sync_health(&status, now) {
                crate::sync_health::SyncHealth::Failing => "failed".to_owned(),
                crate::sync_health::SyncHealth::Running => "running".to_owned(),
                _ => "success".to_owned(),
            },
            connection_id: Some(status.connection_id),
            sync: Some(status.name),
            started_at: None,
            ended_at: status.finished_at.map(|at| at.to_rfc3339()),
            duration_ms: None,
            error: None,
        })
        .collect();
    Ok(Output {
        source: "latest_status".to_owned(),
        summary: summarise(&runs),
        runs,
        next_cursor: None,
        notes: vec![note],
    })
}

/// The error's words as the start of a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
