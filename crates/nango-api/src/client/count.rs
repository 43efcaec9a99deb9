//! How many requests one piece of work sent to Nango, for the caller's logs: a counter scoped
//! to a future (a task-local), so concurrent tool calls sharing one client count separately.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static REQUESTS: Arc<AtomicU64>;
}

/// Runs `work` and returns its output with the number of HTTP requests (every attempt,
/// retries included) it sent to Nango. Requests from tasks it spawns are not counted.
pub async fn count_requests<F: Future>(work: F) -> (F::Output, u64) {
    let counter = Arc::new(AtomicU64::new(0));
    let output = REQUESTS.scope(Arc::clone(&counter), work).await;
    (output, counter.load(Ordering::Relaxed))
}

/// Notes one request, when someone is counting.
pub(crate) fn note_request() {
    let _ = REQUESTS.try_with(|counter| counter.fetch_add(1, Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_the_scope() {
        note_request();
        let ((), inside) = count_requests(async {
            note_request();
            note_request();
        })
        .await;
        assert_eq!(inside, 2);
        let ((), nested_outer) = count_requests(async {
            let ((), nested) = count_requests(async { note_request() }).await;
            assert_eq!(nested, 1);
        })
        .await;
        assert_eq!(nested_outer, 0);
    }
}
