//! The few log lines of one operation: a start line, the provider HTTP call(s), then the
//! saved-records and finish lines, or the error line carrying the error object.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::failure::{Failure, FailureKind};
use super::ids::derived_id;
use super::{LogOperation, OperationKind, RunState};
use crate::dataset::model::RunResult;

/// An HTTP call a log line records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpCall {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Response status.
    pub status: u16,
}

/// One log line of an operation (a Nango `MessageRow`, before serialisation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogMessage {
    /// Message id.
    pub id: String,
    /// `info`, `warn` or `error`.
    pub level: &'static str,
    /// `log` or `http`.
    pub kind: &'static str,
    /// The line.
    pub message: String,
    /// The error object of a failure line.
    pub error: Option<Failure>,
    /// The call of an `http` line.
    pub http: Option<HttpCall>,
    /// Retry attempt of an `http` line that was retried.
    pub retry_attempt: Option<u32>,
    /// Records saved, with their model.
    pub persisted: Option<(String, RunResult)>,
    /// When the line was written.
    pub created_at: DateTime<Utc>,
    /// End of the call of an `http` line.
    pub ended_at: Option<DateTime<Utc>>,
}

struct Line {
    level: &'static str,
    kind: &'static str,
    message: String,
    error: Option<Failure>,
    http: Option<HttpCall>,
    retry_attempt: Option<u32>,
    persisted: Option<(String, RunResult)>,
}

impl Line {
    fn log(level: &'static str, message: String) -> Self {
        Self {
            level,
            kind: "log",
            message,
            error: None,
            http: None,
            retry_attempt: None,
            persisted: None,
        }
    }

    fn http(level: &'static str, method: &str, url: &str, status: u16) -> Self {
        Self {
            kind: "http",
            http: Some(HttpCall {
                method: method.to_owned(),
                url: url.to_owned(),
                status,
            }),
            ..Self::log(level, format!("{method} {url}"))
        }
    }
}

fn sync_lines(operation: &LogOperation) -> Vec<Line> {
    let name = operation.sync.as_deref().unwrap_or_default();
    let url = &operation.request_url;
    let mut lines = vec![Line::log("info", format!("Starting sync \"{name}\""))];
    let status = operation
        .failure
        .as_ref()
        .and_then(|failure| failure.kind.provider_status());
    match status {
        Some(status) if status != 401 => {
            // Rate limits and 5xx are retried once before the run gives up.
            lines.push(Line {
                retry_attempt: Some(1),
                ..Line::http("warn", "GET", url, status)
            });
            lines.push(Line::http("error", "GET", url, status));
        }
        Some(status) => lines.push(Line::http("error", "GET", url, status)),
        None => lines.push(Line::http("info", "GET", url, 200)),
    }
    match (operation.state, &operation.failure, &operation.result) {
        (RunState::Success, _, Some(result)) => {
            let model = operation.model.clone().unwrap_or_default();
            let saved = result.added + result.updated + result.deleted;
            lines.push(Line {
                persisted: Some((model.clone(), result.clone())),
                ..Line::log(
                    "info",
                    format!("Successfully batch saved {saved} {model} records"),
                )
            });
            lines.push(Line::log(
                "info",
                format!(
                    "Sync \"{name}\" finished: {} added, {} updated, {} deleted",
                    result.added, result.updated, result.deleted
                ),
            ));
        }
        (RunState::Cancelled, _, _) => lines.push(Line::log(
            "warn",
            format!("Sync \"{name}\" was cancelled by a user"),
        )),
        (_, Some(failure), _) => {
            if failure.kind == FailureKind::Timeout {
                lines.push(Line::log("info", "Still fetching, page 40".to_owned()));
            }
            lines.push(Line {
                error: Some(failure.clone()),
                ..Line::log("error", failure.message.clone())
            });
        }
        _ => {}
    }
    lines
}

fn refresh_lines(operation: &LogOperation) -> Vec<Line> {
    let mut lines = vec![
        Line::log("info", "Refreshing the access token".to_owned()),
        Line::http("error", "POST", &operation.request_url, 400),
    ];
    if let Some(failure) = &operation.failure {
        lines.push(Line {
            error: Some(failure.clone()),
            ..Line::log("error", failure.message.clone())
        });
    }
    lines
}

/// The operation's log lines, newest first.
pub(crate) fn messages(seed: u64, operation: &LogOperation) -> Vec<LogMessage> {
    let lines = match operation.kind {
        OperationKind::SyncRun => sync_lines(operation),
        OperationKind::TokenRefresh => refresh_lines(operation),
    };
    // Lines spread over the run; a running one has only been going a few seconds.
    let span_ms = operation
        .duration_ms()
        .unwrap_or(4_000)
        .max(i64::try_from(lines.len()).unwrap_or(1));
    let count = i64::try_from(lines.len()).unwrap_or(1).max(1);
    let mut out: Vec<LogMessage> = lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let step = i64::try_from(index).unwrap_or(0);
            let offset = if operation.ended_at.is_some() && step == count - 1 && count > 1 {
                span_ms
            } else {
                span_ms * step / count
            };
            let created_at = operation.started_at + Duration::milliseconds(offset);
            let ended_at = line
                .http
                .as_ref()
                .map(|_| created_at + Duration::milliseconds(180 + 37 * step));
            LogMessage {
                id: derived_id(seed, &["message", &operation.id, &index.to_string()]),
                level: line.level,
                kind: line.kind,
                message: line.message,
                error: line.error,
                http: line.http,
                retry_attempt: line.retry_attempt,
                persisted: line.persisted,
                created_at,
                ended_at,
            }
        })
        .collect();
    out.reverse();
    out
}
