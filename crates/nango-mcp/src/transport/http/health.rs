//! `/healthz` (the process is up; touches nothing upstream) and `/readyz` (the check the
//! application supplies: configuration loaded, and the shared store reachable when configured).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use serde_json::json;

/// Asks whether the server can do its work; `Err` carries a reason that is shown to the prober, so it
/// must not contain secrets.
pub type ReadinessCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// `/readyz` needs no token, so results are shared for a moment and checks never overlap:
/// probing it in a loop cannot turn into a flood of calls to what it checks.
const RESULT_REUSED_FOR: Duration = Duration::from_secs(1);
/// A hung upstream must not hang the probe, whose caller has its own (usually short) timeout.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct Readiness {
    check: ReadinessCheck,
    last: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl Readiness {
    pub(crate) fn new(check: ReadinessCheck) -> Self {
        Self {
            check,
            last: tokio::sync::Mutex::new(None),
        }
    }

    async fn current(&self) -> Result<(), String> {
        // Holding the lock across the check is what makes concurrent probes share one call.
        let mut last = self.last.lock().await;
        if let Some((at, result)) = last.as_ref()
            && at.elapsed() < RESULT_REUSED_FOR
        {
            return result.clone();
        }
        let result = match tokio::time::timeout(CHECK_TIMEOUT, (self.check)()).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "readiness check timed out after {}s",
                CHECK_TIMEOUT.as_secs()
            )),
        };
        if let Err(reason) = &result {
            tracing::warn!(%reason, "readiness check failed");
        }
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// Liveness: answers as long as the server loop runs.
pub(crate) async fn healthz() -> Response {
    (StatusCode::OK, axum::Json(json!({ "status": "ok" }))).into_response()
}

/// Readiness: 200 when the check passes, 503 with the reason otherwise.
pub(crate) async fn readyz(State(readiness): State<Arc<Readiness>>) -> Response {
    match readiness.current().await {
        Ok(()) => (StatusCode::OK, axum::Json(json!({ "status": "ready" }))).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "status": "not_ready", "reason": reason })),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_probes_share_one_check() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let readiness = Readiness::new(Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Err("nango unreachable".to_string()) })
        }));
        let results = futures::future::join_all((0..10).map(|_| readiness.current())).await;
        assert!(
            results
                .iter()
                .all(|result| *result == Err("nango unreachable".to_string()))
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
