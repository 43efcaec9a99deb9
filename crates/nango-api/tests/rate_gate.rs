//! The shared rate-limit gate against a server that enforces Nango's fixed-window budget on
//! the same virtual clock as the client: many concurrent calls must not produce a 429 storm.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Reply, TestServer};
use nango_api::{Clock, ManualClock, NangoClient, NangoError};
use serde_json::json;

const WINDOW: u64 = 60;

#[derive(Default, Debug)]
struct WindowStats {
    answered: u32,
    too_many: u32,
}

/// A Nango-like fixed-window limiter reading time from `clock`.
async fn limited_server(
    clock: ManualClock,
    budget: u32,
) -> (
    TestServer,
    Arc<Mutex<BTreeMap<u64, WindowStats>>>,
    Arc<Mutex<Vec<SystemTime>>>,
) {
    let stats: Arc<Mutex<BTreeMap<u64, WindowStats>>> = Arc::default();
    let arrivals: Arc<Mutex<Vec<SystemTime>>> = Arc::default();
    let server = TestServer::start({
        let stats = Arc::clone(&stats);
        let arrivals = Arc::clone(&arrivals);
        move |_, _| {
            let now = clock.now();
            arrivals.lock().unwrap().push(now);
            let seconds = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
            let window = seconds / WINDOW;
            let reset = (window + 1) * WINDOW;
            let mut stats = stats.lock().unwrap();
            let entry = stats.entry(window).or_default();
            let mut headers = vec![
                ("date", common::http_date(now)),
                ("x-ratelimit-limit", budget.to_string()),
                ("x-ratelimit-reset", reset.to_string()),
            ];
            if entry.answered >= budget {
                entry.too_many += 1;
                headers.push(("x-ratelimit-remaining", "0".into()));
                headers.push(("retry-after", (reset - seconds).to_string()));
                let body = json!({"error": {"code": "too_many_request", "method": "GET", "path": "/integrations"}});
                return Reply::json_with(429, &body, headers);
            }
            entry.answered += 1;
            headers.push(("x-ratelimit-remaining", (budget - entry.answered).to_string()));
            Reply::json_with(200, &json!({"data": []}), headers)
        }
    })
    .await;
    (server, stats, arrivals)
}

fn client_on(server: &TestServer, clock: &ManualClock, max_total_wait: Duration) -> NangoClient {
    paced_client_on(server, clock, max_total_wait, 20)
}

fn paced_client_on(
    server: &TestServer,
    clock: &ManualClock,
    max_total_wait: Duration,
    slow_down_below: u32,
) -> NangoClient {
    let mut config = common::config(&server.base_url);
    config.retry = common::policy(4, max_total_wait);
    config.retry.slow_down_below = slow_down_below;
    NangoClient::with_clock(config, Arc::new(clock.clone())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_the_budget_without_a_429_storm() {
    let clock = ManualClock::new(common::epoch());
    let budget = 10;
    let (server, stats, _) = limited_server(clock.clone(), budget).await;
    let client = client_on(&server, &clock, Duration::from_secs(600));

    let calls: Vec<_> = (0..45)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_integrations().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }

    let stats = stats.lock().unwrap();
    let answered: u32 = stats.values().map(|window| window.answered).sum();
    assert_eq!(answered, 45);
    for (window, window_stats) in stats.iter() {
        assert!(
            window_stats.answered <= budget,
            "window {window}: {window_stats:?}"
        );
        assert!(
            window_stats.too_many <= 1,
            "window {window} answered 429 {} times: {stats:?}",
            window_stats.too_many
        );
    }
    let total_429: u32 = stats.values().map(|window| window.too_many).sum();
    assert!(total_429 <= 1, "{stats:?}");
    // 45 calls at 10 per minute need at least five windows.
    assert!(stats.len() >= 5, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_that_cannot_fit_the_wait_budget_fail_without_hitting_the_server() {
    let clock = ManualClock::new(common::epoch());
    let budget = 5;
    let (server, stats, _) = limited_server(clock.clone(), budget).await;
    // The default 30 s budget cannot cover the wait for the next 60 s window. Pacing is off:
    // on a virtual clock a paced sleep moves time for everyone, which would shorten the wait.
    let client = paced_client_on(&server, &clock, Duration::from_secs(30), 0);

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_integrations().await })
        })
        .collect();
    let mut succeeded = 0;
    let mut rate_limited = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(NangoError::RateLimited { retry_after, .. }) => {
                rate_limited += 1;
                assert!(retry_after.is_some_and(|wait| wait <= Duration::from_secs(61)));
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(succeeded, 5);
    assert_eq!(rate_limited, 15);
    let too_many: u32 = stats
        .lock()
        .unwrap()
        .values()
        .map(|window| window.too_many)
        .sum();
    assert!(
        too_many <= 1,
        "the gate let {too_many} requests hit a spent budget"
    );
    assert_eq!(server.count(), 5, "only the budget reaches the server");
}

#[tokio::test]
async fn a_low_budget_is_spread_over_the_window() {
    let clock = ManualClock::new(common::epoch());
    let (server, stats, arrivals) = limited_server(clock.clone(), 10).await;
    let client = client_on(&server, &clock, Duration::from_secs(600));
    // Sequential calls: with 10 left (below slow_down_below = 20) each waits its slot.
    for _ in 0..10 {
        client.list_integrations().await.unwrap();
    }
    let arrivals = arrivals.lock().unwrap().clone();
    let first = arrivals[0];
    let last = *arrivals.last().unwrap();
    let spread = last.duration_since(first).unwrap();
    assert!(spread >= Duration::from_secs(40), "spread only {spread:?}");
    assert!(arrivals.windows(2).all(|pair| pair[0] <= pair[1]));
    let stats = stats.lock().unwrap();
    assert!(
        stats.values().all(|window| window.too_many == 0),
        "{stats:?}"
    );
    let headroom = client.rate_limit().unwrap();
    assert_eq!(headroom.limit, 10);
}

#[tokio::test]
async fn without_rate_limit_headers_the_gate_stays_out_of_the_way() {
    let server = TestServer::start(|_, _| Reply::ok(json!({"data": []}))).await;
    let (client, clock) = common::client(&server);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_integrations().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.count(), 20);
    assert!(clock.sleeps().is_empty());
    assert!(client.rate_limit().is_none());
}
