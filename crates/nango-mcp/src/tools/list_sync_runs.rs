//! `list_sync_runs`: the history of sync runs for a connection and/or sync ("last 5 runs: 4
//! succeeded, 1 failed 2 h ago with a rate-limit error"). Nango keeps run history only in its logs,
//! read through its Management MCP; where logs are unavailable this says so and falls back to the
//! latest run from `/sync/status`.

use chrono::{Duration, Utc};
use nango_api::models::{SyncSelector, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve::Scope};
use crate::{errors::ToolError, output::text, sync_health::sync_health};

pub struct ListSyncRuns;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// A connection id (recommended).
    pub connection_id: Option<String>,
    /// Integration key; optional if connection_id is unique.
    pub integration: Option<String>,
    /// Sync name, e.g. "deals".
    pub sync: Option<String>,
    /// success, failed, running, timeout, cancelled.
    pub states: Option<Vec<String>>,
    /// Look-back in hours (default 24, max 360).
    pub hours: Option<u32>,
    /// Max runs, newest first (default 10).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// "logs" (full history) or "latest_status" (logs unavailable: only the latest run is known).
    pub source: String,
    pub summary: RunSummary,
    pub runs: Vec<Run>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The failure, in Nango's words (third-party text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
const DEFAULT_HOURS: u32 = 24;
const MAX_HOURS: u32 = 360;
/// Failed runs whose log messages are fetched for the error text.
const DETAILED_FAILURES: usize = 5;

impl NangoTool for ListSyncRuns {
    const NAME: &'static str = "list_sync_runs";
    const TITLE: &'static str = "List sync runs (history)";
    const DESCRIPTION: &'static str = "Sync run history from Nango's logs: state, time, duration and error per run, newest first, with a summary. Falls back to the latest run when logs are unavailable.";
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
        let arguments = list_arguments(
            &params,
            connection_id.as_deref(),
            integration.as_deref(),
            hours,
            limit,
        );
        match ctx.management.list_operations(arguments).await {
            Ok(result) => Ok(from_logs(&ctx, &result, limit).await),
            Err(error) => {
                let note = format!("{error}. Showing the latest run from sync status instead.");
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
            if output.source == "logs" {
                "from Nango's logs"
            } else {
                "latest only; logs unavailable"
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
            line.push(')');
            if let Some(error) = &run.error {
                line.push_str(&format!(
                    ": {}",
                    text::untrusted("nango-log", &text::clip(error, 300))
                ));
            }
            lines.push(line);
        }
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        lines.join("\n")
    }
}

fn list_arguments(
    params: &Params,
    connection: Option<&str>,
    integration: Option<&str>,
    hours: u32,
    limit: usize,
) -> Map<String, Value> {
    let now = Utc::now();
    let from = now - Duration::hours(i64::from(hours));
    let mut arguments = json!({
        "limit": limit,
        "operations": [{"type": "sync", "actions": ["run"]}],
        "period": {"from": utc(from), "to": utc(now)},
    });
    if let Some(map) = arguments.as_object_mut() {
        if let Some(connection) = connection {
            map.insert("connections".to_owned(), json!([connection]));
        }
        if let Some(integration) = integration {
            map.insert("integrations".to_owned(), json!([integration]));
        }
        if let Some(sync) = &params.sync {
            map.insert("syncs".to_owned(), json!([sync]));
        }
        if let Some(states) = params.states.as_ref().filter(|states| !states.is_empty()) {
            map.insert("states".to_owned(), json!(states));
        }
    }
    match arguments {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn from_logs(ctx: &ToolContext, result: &Value, limit: usize) -> Output {
    let rows = result
        .get("data")
        .or_else(|| result.get("operations"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut runs: Vec<Run> = rows.iter().take(limit).map(run_from_operation).collect();
    // The operation row rarely says why; its messages do. Fetch a few, not all.
    for run in runs
        .iter_mut()
        .filter(|run| run.state == "failed" && run.error.is_none())
        .take(DETAILED_FAILURES)
    {
        if let Some(id) = &run.id
            && let Ok(detail) = ctx.management.get_operation(id, 20).await
        {
            run.error = error_message(&detail);
        }
    }
    Output {
        source: "logs".to_owned(),
        summary: summarise(&runs),
        runs,
        notes: Vec::new(),
    }
}

fn run_from_operation(row: &Value) -> Run {
    let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_owned);
    Run {
        id: text("id"),
        connection_id: text("connectionName").or_else(|| text("connectionId")),
        sync: text("syncConfigName"),
        state: text("state").unwrap_or_else(|| "unknown".to_owned()),
        started_at: text("startedAt").or_else(|| text("createdAt")),
        ended_at: text("endedAt"),
        duration_ms: row.get("durationMs").and_then(Value::as_u64),
        error: row.get("error").and_then(error_text),
    }
}

/// The first error message of an operation's log messages.
fn error_message(detail: &Value) -> Option<String> {
    if let Some(error) = detail
        .get("operation")
        .and_then(|operation| operation.get("error"))
        .and_then(error_text)
    {
        return Some(error);
    }
    let messages = detail
        .get("messages")
        .and_then(|messages| messages.get("data").or(Some(messages)))
        .and_then(Value::as_array)?;
    messages.iter().find_map(|message| {
        let is_error = message.get("level").and_then(Value::as_str) == Some("error");
        message.get("error").and_then(error_text).or_else(|| {
            is_error
                .then(|| {
                    message
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .flatten()
        })
    })
}

fn error_text(error: &Value) -> Option<String> {
    match error {
        Value::String(text) => Some(text.clone()),
        Value::Object(map) => map
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
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
        notes: vec![note],
    })
}

/// Nango's logs tools accept UTC times with a `Z` only.
fn utc(time: chrono::DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
