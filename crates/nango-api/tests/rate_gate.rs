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

/// The real server's rate-limit samples (DEFAULT_RATE_LIMIT_PER_MIN=40, no `Date` header kept,
/// so resets are read against the client's clock).
const REAL: &str = include_str!("fixtures/real-server-2026-11-29.json");

fn real_sample(name: &str) -> serde_json::Value {
    let root: serde_json::Value = serde_json::from_str(REAL).unwrap();
    root["samples"][name].clone()
}

/// A reply with the sample's status, rate-limit headers and body, dated `now` (the capture
/// kept no `Date`; without one hyper would stamp today's); `body_of` lends another sample's
/// body (the samples that carry the right headers are not all `/integrations`).
fn real_reply(now: SystemTime, name: &str, body_of: &str) -> Reply {
    let sample = real_sample(name);
    let mut headers: Vec<(&'static str, String)> = sample["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(header, _)| header.starts_with("x-ratelimit") || *header == "retry-after")
        .map(|(header, value)| {
            let header: &'static str = Box::leak(header.clone().into_boxed_str());
            (header, value.as_str().unwrap().to_owned())
        })
        .collect();
    headers.push(("date", common::http_date(now)));
    let status = u16::try_from(sample["status"].as_u64().unwrap()).unwrap();
    Reply::json_with(status, &real_sample(body_of)["body"], headers)
}

/// 1795964124 is the reset of the captured 429 (Retry-After 34, floored): it was answered
/// between 1795964089 and 1795964089.8 (waiting Retry-After + 0.2 s still got a 429).
fn real_429_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_795_964_089_500)
}

const REAL_RESET: u64 = 1_795_964_124;

#[tokio::test]
async fn after_a_real_429_the_client_waits_for_the_reset_not_just_retry_after() {
    let clock = ManualClock::new(real_429_time());
    let arrivals: Arc<Mutex<Vec<SystemTime>>> = Arc::default();
    let server = TestServer::start({
        let clock = clock.clone();
        let arrivals = Arc::clone(&arrivals);
        move |_, index| {
            let now = clock.now();
            arrivals.lock().unwrap().push(now);
            let reset = UNIX_EPOCH + Duration::from_secs(REAL_RESET);
            match index {
                0 => real_reply(now, "rate_limited_429", "rate_limited_429"),
                // What the real server answered to a client that waited only Retry-After.
                _ if now < reset => real_reply(
                    now,
                    "rate_limit_after_waiting_retry_after",
                    "rate_limit_after_waiting_retry_after",
                ),
                _ => real_reply(
                    now,
                    "rate_limit_after_waiting_reset",
                    "rate_limit_after_waiting_reset",
                ),
            }
        }
    })
    .await;
    let client = paced_client_on(&server, &clock, Duration::from_secs(60), 0);
    let integrations = client.list_integrations().await.unwrap();
    assert!(!integrations.is_empty());
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(
        arrivals.len(),
        2,
        "one 429, then one request after the reset"
    );
    assert!(arrivals[1] >= UNIX_EPOCH + Duration::from_secs(REAL_RESET + 1));
    assert_eq!(client.rate_limit().unwrap().remaining, 39);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_429_from_an_earlier_window_does_not_block_the_next_one() {
    let clock = ManualClock::new(real_429_time());
    let release = Arc::new(tokio::sync::Notify::new());
    let server = TestServer::start({
        let release = Arc::clone(&release);
        let clock = clock.clone();
        move |_, index| {
            let now = clock.now();
            match index {
                // The answer just before the tight loop: 17 left in the window resetting at 124.
                0 => real_reply(
                    now,
                    "connection_mcp_tools_list",
                    "rate_limit_last_ok_before_429",
                ),
                // Sent in that window, answered only after the next window's first answer.
                1 => Reply::Held(
                    Arc::clone(&release),
                    Box::new(real_reply(now, "rate_limited_429", "rate_limited_429")),
                ),
                _ => real_reply(
                    now,
                    "rate_limit_after_waiting_reset",
                    "rate_limit_after_waiting_reset",
                ),
            }
        }
    })
    .await;
    let client = paced_client_on(&server, &clock, Duration::from_secs(30), 0);
    client.list_integrations().await.unwrap();
    let late = tokio::spawn({
        let client = client.clone();
        async move { client.list_integrations().await }
    });
    while server.count() < 2 {
        tokio::task::yield_now().await;
    }
    // The window of the held request resets; a new request sees the new window (39 left).
    clock.advance(Duration::from_secs(36));
    client.list_integrations().await.unwrap();
    release.notify_one();
    let late = late.await.unwrap();
    assert!(
        late.is_ok(),
        "the late 429 blocked the new window: {late:?}"
    );
    let before = clock.now();
    client.list_integrations().await.unwrap();
    assert_eq!(clock.now(), before, "nobody waited after the stale 429");
    assert_eq!(server.count(), 5);
    assert!(client.rate_limit().unwrap().remaining > 30);
}
