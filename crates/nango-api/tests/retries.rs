//! Retry behaviour on a virtual clock: which answers are retried, how long the client waits,
//! and that the total wait stays within the policy's bound.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::{Reply, TestServer};
use nango_api::NangoError;
use serde_json::json;

fn ok() -> Reply {
    Reply::ok(json!({"data": []}))
}

fn too_many(retry_after: Option<u64>, reset: Option<u64>) -> Reply {
    let mut headers = vec![("date", common::http_date(common::epoch()))];
    if let Some(seconds) = retry_after {
        headers.push(("retry-after", seconds.to_string()));
    }
    if let Some(reset) = reset {
        headers.push(("x-ratelimit-limit", "200".into()));
        headers.push(("x-ratelimit-remaining", "0".into()));
        headers.push(("x-ratelimit-reset", reset.to_string()));
    }
    Reply::json_with(
        429,
        &json!({"error": {"code": "too_many_request", "method": "GET", "path": "/integrations"}}),
        headers,
    )
}

fn epoch_secs() -> u64 {
    common::epoch()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn transient_gateway_errors_are_retried_with_growing_jittered_backoff() {
    let server = TestServer::start(|_, index| match index {
        0 => Reply::Json(502, json!({"error": {"code": "bad_gateway"}})),
        1 => Reply::text(503, "text/html", "<html>maintenance</html>"),
        2 => Reply::Json(504, json!({})),
        _ => ok(),
    })
    .await;
    let (client, clock) = common::client(&server);
    client.list_integrations().await.unwrap();
    assert_eq!(server.count(), 4);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    // base 250 ms, doubling, half of each delay jittered.
    let bounds = [(125, 250), (250, 500), (500, 1000)];
    for (sleep, (low, high)) in sleeps.iter().zip(bounds) {
        assert!(
            *sleep >= Duration::from_millis(low) && *sleep <= Duration::from_millis(high),
            "{sleeps:?}"
        );
    }
}

#[tokio::test]
async fn persistent_gateway_errors_give_up_after_max_attempts() {
    let server = TestServer::start(|_, _| {
        Reply::Json(
            503,
            json!({"error": {"code": "unavailable", "message": "down"}}),
        )
    })
    .await;
    let (client, clock) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(error, NangoError::Api { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 4);
    assert!(clock.total_slept() <= Duration::from_secs(30));
}

#[tokio::test]
async fn the_total_wait_bound_cuts_retries_short() {
    let server = TestServer::start(|_, _| Reply::Json(502, json!({}))).await;
    let mut config = common::config(&server.base_url);
    config.retry = common::policy(10, Duration::from_millis(400));
    let (client, clock) = common::client_with(config);
    let error = client.list_integrations().await.unwrap_err();
    assert_eq!(error.status(), Some(502));
    assert!(
        clock.total_slept() <= Duration::from_millis(400),
        "{:?}",
        clock.sleeps()
    );
    // 125..250 ms, then 250..500 ms: the third delay can never fit.
    assert!(server.count() <= 3, "{}", server.count());
    assert!(server.count() >= 2, "{}", server.count());
}

#[tokio::test]
async fn retry_after_is_honoured_with_a_second_of_slack_for_rounding() {
    let server = TestServer::start(|_, index| {
        if index == 0 {
            too_many(Some(5), None)
        } else {
            ok()
        }
    })
    .await;
    let (client, clock) = common::client(&server);
    client.list_integrations().await.unwrap();
    assert_eq!(server.count(), 2);
    // Nango rounds Retry-After down, so the client waits it plus one second.
    assert_eq!(clock.sleeps(), [Duration::from_secs(6)]);
}

#[tokio::test]
async fn retry_after_zero_still_waits_at_least_a_second() {
    let server = TestServer::start(|_, index| {
        if index == 0 {
            too_many(Some(0), None)
        } else {
            ok()
        }
    })
    .await;
    let (client, clock) = common::client(&server);
    client.list_integrations().await.unwrap();
    assert!(
        clock.total_slept() >= Duration::from_secs(1),
        "{:?}",
        clock.sleeps()
    );
    assert!(
        clock.total_slept() <= Duration::from_secs(2),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn a_later_reset_header_wins_over_retry_after() {
    let reset = epoch_secs() + 20;
    let server = TestServer::start(move |_, index| {
        if index == 0 {
            too_many(Some(3), Some(reset))
        } else {
            ok()
        }
    })
    .await;
    let (client, clock) = common::client(&server);
    client.list_integrations().await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_secs(21)]);
}

#[tokio::test]
async fn a_wait_longer_than_the_budget_fails_at_once_with_the_wait() {
    let server = TestServer::start(|_, _| too_many(Some(45), None)).await;
    let (client, clock) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    let NangoError::RateLimited {
        attempts,
        retry_after,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(attempts, 1);
    assert_eq!(retry_after, Some(Duration::from_secs(46)));
    let error = NangoError::RateLimited {
        attempts,
        retry_after,
    };
    assert_eq!(server.count(), 1);
    assert_eq!(clock.total_slept(), Duration::ZERO);
    assert!(error.to_string().contains("retry in about 46 s"), "{error}");
}

#[tokio::test]
async fn persistent_429_ends_as_rate_limited_within_the_bounds() {
    let server = TestServer::start(|_, _| too_many(Some(2), None)).await;
    let (client, clock) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(
            error,
            NangoError::RateLimited {
                attempts: 4,
                retry_after: Some(_)
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.count(), 4);
    assert_eq!(clock.sleeps(), [Duration::from_secs(3); 3]);
    assert!(error.to_string().contains("429"));
}

#[tokio::test]
async fn one_attempt_policy_never_retries() {
    let server = TestServer::start(|_, _| Reply::Json(503, json!({}))).await;
    let mut config = common::config(&server.base_url);
    config.retry.max_attempts = 1;
    let (client, clock) = common::client_with(config);
    assert!(client.list_integrations().await.is_err());
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());
}
