//! `list_sync_runs`' second source: runs Nango reported by webhook and this server kept
//! (`nango-history`), merged with the runs from Nango's logs, newest first, one cursor for both.
//! A run both sources know is shown once, from the logs, with the webhook's record counts.

use chrono::{DateTime, Duration, Utc};
use nango_history::{RunCursor, RunQuery, StoredRun};
use serde::{Deserialize, Serialize};

use super::ToolContext;
use super::list_sync_runs::Run;
use crate::errors::ToolError;
use crate::output::cursor;

/// A logs row and a webhook are the same run when they agree on connection, sync and state and
/// ended this close together (the webhook is sent as the run ends).
const SAME_RUN_WITHIN_SECS: i64 = 120;

/// Where the next page starts: runs that ended strictly before this one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Position {
    /// End (or start) time, Unix milliseconds.
    t: i64,
    /// The identity of the last run shown (webhook id or log operation id).
    id: String,
}

impl Position {
    pub(super) fn decode(text: Option<&str>) -> Result<Option<Self>, ToolError> {
        text.map(cursor::decode).transpose()
    }

    pub(super) fn time(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.t)
    }
}

/// What the webhook history had to say.
#[derive(Default)]
pub(super) struct WebhookRuns {
    pub runs: Vec<Run>,
    /// A history store is configured (it may still be empty).
    pub configured: bool,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// The filter both sources apply.
pub(super) struct Filter<'a> {
    pub connection_id: Option<&'a str>,
    pub integration: Option<&'a str>,
    pub sync: Option<&'a str>,
    pub states: &'a [String],
    pub hours: u32,
    pub limit: usize,
}

pub(super) async fn webhook_runs(
    ctx: &ToolContext,
    filter: &Filter<'_>,
    after: Option<&Position>,
) -> WebhookRuns {
    let history = match ctx.history.get().await {
        Ok(Some(history)) => history,
        Ok(None) => return WebhookRuns::default(),
        Err(error) => {
            return WebhookRuns {
                configured: true,
                error: Some(error.to_string()),
                ..WebhookRuns::default()
            };
        }
    };
    let query = RunQuery {
        environment: ctx.environment.clone(),
        connection_id: filter.connection_id.map(str::to_owned),
        integration: filter.integration.map(str::to_owned),
        sync_name: filter.sync.map(str::to_owned),
        states: filter
            .states
            .iter()
            .map(|state| state.to_lowercase())
            .collect(),
        since: Some(Utc::now() - Duration::hours(i64::from(filter.hours))),
        after: after.map(|position| RunCursor {
            at_ms: position.t,
            id: position.id.clone(),
        }),
        limit: u32::try_from(filter.limit).unwrap_or(u32::MAX),
    };
    match history.list_runs(&query).await {
        Ok(stored) => WebhookRuns {
            runs: stored.into_iter().map(run_from_webhook).collect(),
            configured: true,
            error: None,
        },
        Err(error) => WebhookRuns {
            configured: true,
            error: Some(error.to_string()),
            ..WebhookRuns::default()
        },
    }
}

fn run_from_webhook(stored: StoredRun) -> Run {
    let run = stored.run;
    // A success's end is when its webhook arrived, so only a failure has a true duration.
    let duration_ms = run
        .started_at
        .filter(|_| run.state != "success")
        .and_then(|started| u64::try_from((run.ended_at - started).num_milliseconds()).ok());
    let error = match (run.error_type, run.error_description) {
        (Some(kind), Some(description)) => Some(format!("{kind}: {description}")),
        (kind, description) => kind.or(description),
    };
    Run {
        id: Some(stored.id),
        source: "webhook".to_owned(),
        connection_id: Some(run.connection_id),
        integration: Some(run.integration),
        sync: Some(run.sync_name),
        model: Some(run.model),
        state: run.state,
        started_at: run.started_at.map(|at| at.to_rfc3339()),
        ended_at: Some(run.ended_at.to_rfc3339()),
        duration_ms,
        added: run.added,
        updated: run.updated,
        deleted: run.deleted,
        error,
    }
}

/// When a run happened, for ordering: its start, else its end (as the store orders them).
pub(super) fn run_time(run: &Run) -> Option<DateTime<Utc>> {
    run.started_at
        .as_deref()
        .or(run.ended_at.as_deref())
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
}

/// Both sources, newest first, a run known to both shown once; at most `limit`, and the cursor
/// for the rest when either source may have more.
pub(super) fn merge(
    logs: Vec<Run>,
    webhooks: Vec<Run>,
    limit: usize,
    more: bool,
) -> (Vec<Run>, Option<String>) {
    let mut merged = logs;
    for webhook in webhooks {
        match merged.iter_mut().find(|logged| same_run(logged, &webhook)) {
            Some(logged) => {
                logged.source = "logs+webhook".to_owned();
                logged.added = logged.added.or(webhook.added);
                logged.updated = logged.updated.or(webhook.updated);
                logged.deleted = logged.deleted.or(webhook.deleted);
                logged.model = logged.model.take().or(webhook.model);
                logged.integration = logged.integration.take().or(webhook.integration);
                logged.error = logged.error.take().or(webhook.error);
            }
            None => merged.push(webhook),
        }
    }
    merged.sort_by(|a, b| run_time(b).cmp(&run_time(a)).then_with(|| b.id.cmp(&a.id)));
    let full = merged.len() > limit || more;
    merged.truncate(limit);
    let next = if full {
        merged.last().and_then(|last| {
            Some(cursor::encode(&Position {
                t: run_time(last)?.timestamp_millis(),
                id: last.id.clone().unwrap_or_default(),
            }))
        })
    } else {
        None
    };
    (merged, next)
}

fn same_run(logged: &Run, webhook: &Run) -> bool {
    logged.source == "logs"
        && logged.connection_id == webhook.connection_id
        && logged.sync == webhook.sync
        && logged.state == webhook.state
        && match (run_time(logged), run_time(webhook)) {
            (Some(a), Some(b)) => (a - b).num_seconds().abs() <= SAME_RUN_WITHIN_SECS,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str, id: &str, state: &str, ended: &str) -> Run {
        Run {
            id: Some(id.to_owned()),
            source: source.to_owned(),
            connection_id: Some("c1".to_owned()),
            integration: None,
            sync: Some("deals".to_owned()),
            model: None,
            state: state.to_owned(),
            started_at: None,
            ended_at: Some(ended.to_owned()),
            duration_ms: None,
            added: (source == "webhook").then_some(5),
            updated: None,
            deleted: None,
            error: None,
        }
    }

    #[test]
    fn newest_first_and_a_run_both_know_is_shown_once() {
        let logs = vec![
            run("logs", "op-2", "success", "2026-12-07T10:00:30Z"),
            run("logs", "op-1", "failed", "2026-12-07T09:00:00Z"),
        ];
        let webhooks = vec![
            run("webhook", "w-3", "success", "2026-12-07T11:00:00Z"),
            run("webhook", "w-2", "success", "2026-12-07T10:00:31Z"),
        ];
        let (runs, next) = merge(logs, webhooks, 10, false);
        let ids: Vec<_> = runs.iter().map(|r| r.id.clone().unwrap()).collect();
        assert_eq!(ids, ["w-3", "op-2", "op-1"]);
        assert_eq!(runs[1].source, "logs+webhook");
        assert_eq!(runs[1].added, Some(5));
        assert!(next.is_none());
    }

    #[test]
    fn a_cut_page_carries_a_cursor_at_its_last_run() {
        let webhooks = (0..5)
            .map(|i| {
                run(
                    "webhook",
                    &format!("w-{i}"),
                    "success",
                    &format!("2026-12-07T10:0{i}:00Z"),
                )
            })
            .collect();
        let (runs, next) = merge(Vec::new(), webhooks, 2, false);
        assert_eq!(runs.len(), 2);
        let position: Position = cursor::decode(&next.unwrap()).unwrap();
        assert_eq!(position.id, "w-3");
        assert_eq!(
            position.time().unwrap().to_rfc3339(),
            "2026-12-07T10:03:00+00:00"
        );
    }
}
