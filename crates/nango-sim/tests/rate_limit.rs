//! Fixed-window rate limiting with Nango's headers and 429 body.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use nango_sim::SimConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn limits_after_n_requests_and_counts_429s() {
    let sim = start(SimConfig {
        rate_limit_per_minute: 5,
        ..SimConfig::demo()
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let reply = get(&sim, "/connections?limit=1").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("5"));
        remaining.push(
            reply
                .header("x-ratelimit-remaining")
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
        let reset: u64 = reply.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            reset > now.saturating_sub(5) && reset <= now + 61,
            "reset is epoch seconds within the window"
        );
    }
    assert_eq!(remaining, [4, 3, 2, 1, 0]);
    let limited = get(
        &sim,
        "/sync/status?provider_config_key=salesforce-prod&syncs=*",
    )
    .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.json(),
        serde_json::json!({ "error": { "code": "too_many_request", "method": "GET", "path": "/sync/status" } })
    );
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after <= 60);
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    // Health and auth failures do not consume points or get limited.
    assert_eq!(
        get_with(&sim, "/health", None, &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_with(&sim, "/integrations", None, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sim.rate_limited_count(), 1);
    // Raising the limit at runtime opens a fresh window.
    sim.set_rate_limit(100);
    assert_eq!(get(&sim, "/integrations").await.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn disabled_rate_limit_sends_no_headers() {
    let sim = start(SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    })
    .await;
    let reply = get(&sim, "/integrations").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("x-ratelimit-limit").is_none());
    assert!(reply.header("x-ratelimit-remaining").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_default_is_the_free_plan_with_headers_on_every_authenticated_answer() {
    let sim = start(SimConfig::demo()).await;
    for path in ["/integrations", "/integrations/nope", "/connections?foo=1"] {
        let reply = get(&sim, path).await;
        assert_eq!(reply.header("x-ratelimit-limit"), Some("200"), "{path}");
        assert!(reply.header("x-ratelimit-remaining").is_some(), "{path}");
        assert!(reply.header("x-ratelimit-reset").is_some(), "{path}");
    }
    sim.shutdown().await;
}
