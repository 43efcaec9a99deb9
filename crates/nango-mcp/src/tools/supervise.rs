//! Every tool call runs supervised: a panic becomes an `isError` result that says it is a bug
//! (the server, which may serve many HTTP clients, lives on), and one `tracing` span per call
//! records the tool, the environment, how long it took, how many requests it sent to Nango and
//! how it ended, so a slow or failing call can be found in the logs.

use std::{any::Any, future::Future, panic::AssertUnwindSafe, time::Instant};

use futures::FutureExt;
use tracing::{Instrument, field::Empty};

use crate::{errors::ToolError, output::text};

/// Runs one tool call of `tool` against `environment` for `caller` (who is calling over HTTP,
/// empty on stdio), isolated and logged.
pub async fn supervised<T>(
    tool: &str,
    environment: &str,
    caller: &str,
    work: impl Future<Output = Result<T, ToolError>>,
) -> Result<T, ToolError> {
    let span = tracing::info_span!(
        "tool_call",
        tool,
        environment,
        caller = Empty,
        duration_ms = Empty,
        upstream_requests = Empty,
        outcome = Empty,
    );
    if !caller.is_empty() {
        span.record("caller", caller);
    }
    let started = Instant::now();
    crate::memory::note_call();
    let (result, requests) = nango_api::count_requests(isolated(work))
        .instrument(span.clone())
        .await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(ToolError::Bug { .. }) => "bug",
        Err(ToolError::Nango(_)) => "nango_error",
        Err(_) => "tool_error",
    };
    span.record("duration_ms", started.elapsed().as_millis() as u64);
    span.record("upstream_requests", requests);
    span.record("outcome", outcome);
    span.in_scope(|| match &result {
        Err(error) => tracing::info!(error = %error.message(), "tool call finished"),
        Ok(_) => tracing::info!("tool call finished"),
    });
    result
}

/// A panic inside `work` becomes [`ToolError::Bug`] instead of unwinding into the server.
async fn isolated<T>(work: impl Future<Output = Result<T, ToolError>>) -> Result<T, ToolError> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let what = text::clip(&panic_message(payload.as_ref()), 200);
            tracing::error!(panic = %what, "a tool call panicked; answered isError, still serving");
            Err(ToolError::Bug { what })
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_call_is_an_error_that_says_bug_and_the_next_call_runs() {
        let crashed = supervised::<u32>("list_records", "default", "", async {
            let rows: Vec<u32> = Vec::new();
            Ok(rows[3])
        })
        .await;
        let message = crashed.unwrap_err().message();
        assert!(message.contains("bug in nango-mcp"), "{message}");
        assert!(message.contains("index out of bounds"), "{message}");
        let next = supervised("list_records", "default", "", async { Ok(7) }).await;
        assert_eq!(next.unwrap(), 7);
    }

    #[tokio::test]
    async fn errors_pass_through_unchanged() {
        let failed = supervised::<()>("list_records", "default", "", async {
            Err(ToolError::invalid("limit", "must be at least 1"))
        })
        .await;
        assert!(matches!(
            failed,
            Err(ToolError::InvalidArgument {
                argument: "limit",
                ..
            })
        ));
    }
}
