//! The client's short-lived cache of list answers: what it reuses, for how long, what it never
//! holds, and how a write makes it forget.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{Reply, TestServer};
use futures::TryStreamExt;
use nango_api::{CachedList, ConnectionsQuery, ManualClock, NangoClient};
use serde_json::json;

/// Answers every list endpoint with a small body; counts what reaches it.
async fn lists_server() -> TestServer {
    TestServer::start(|seen, _| match seen.path.as_str() {
        "/integrations" => Reply::ok(json!({"data": [
            {"unique_key": "github", "provider": "github", "display_name": "GitHub"}
        ]})),
        "/scripts/config" => Reply::ok(json!([])),
        "/providers" => Reply::ok(json!({"data": [{"name": "github", "auth_mode": "OAUTH2"}]})),
        "/connections" => Reply::ok(json!({"connections": [
            {"connection_id": "c1", "provider_config_key": "github", "provider": "github"}
        ]})),
        _ => Reply::ok(
            json!({"connection_id": "c1", "provider_config_key": "github",
            "provider": "github", "credentials": {"type": "OAUTH2", "access_token": "never-kept"}}),
        ),
    })
    .await
}

fn cached_client(server: &TestServer, ttl: Duration) -> (NangoClient, ManualClock) {
    let mut config = common::config(&server.base_url);
    config.cache_ttl = ttl;
    common::client_with(config)
}

async fn read_every_list(client: &NangoClient) {
    client.list_integrations().await.unwrap();
    client.scripts_config().await.unwrap();
    client.list_providers(None).await.unwrap();
    let _: Vec<_> = client
        .connections(ConnectionsQuery {
            connection_id: Some("c1".into()),
            ..ConnectionsQuery::default()
        })
        .try_collect()
        .await
        .unwrap();
}

#[tokio::test]
async fn lists_are_read_once_per_ttl_and_again_after_it() {
    let server = lists_server().await;
    let (client, clock) = cached_client(&server, Duration::from_secs(30));
    read_every_list(&client).await;
    assert_eq!(server.count(), 4);
    clock.advance(Duration::from_secs(29));
    read_every_list(&client).await;
    assert_eq!(server.count(), 4, "every list came from the cache");
    clock.advance(Duration::from_secs(1));
    read_every_list(&client).await;
    assert_eq!(server.count(), 8, "expired at the TTL");
}

#[tokio::test]
async fn the_cache_is_off_by_default_and_at_zero() {
    let server = lists_server().await;
    let (client, _) = common::client(&server);
    assert_eq!(client.cache_ttl(), Duration::ZERO);
    read_every_list(&client).await;
    read_every_list(&client).await;
    assert_eq!(server.count(), 8);
}

#[tokio::test]
async fn reads_that_may_carry_credentials_are_never_cached() {
    let server = lists_server().await;
    let (client, _) = cached_client(&server, Duration::from_secs(30));
    for _ in 0..2 {
        client.get_connection("c1", "github").await.unwrap();
    }
    assert_eq!(
        server.count(),
        2,
        "/connections/{{id}} goes to Nango every time"
    );
}

#[tokio::test]
async fn invalidating_a_list_rereads_it_and_only_it() {
    let server = lists_server().await;
    let (client, _) = cached_client(&server, Duration::from_secs(30));
    read_every_list(&client).await;
    client.invalidate(CachedList::Connections);
    read_every_list(&client).await;
    let paths: Vec<String> = server.seen().iter().map(|seen| seen.path.clone()).collect();
    assert_eq!(paths.len(), 5);
    assert_eq!(paths[4], "/connections");
    client.invalidate(CachedList::All);
    read_every_list(&client).await;
    assert_eq!(server.count(), 9);
}

#[tokio::test]
async fn clones_share_one_cache_and_errors_are_not_kept() {
    let failing_once = TestServer::start(|_, index| {
        if index == 0 {
            Reply::Json(400, json!({"error": {"code": "invalid", "message": "no"}}))
        } else {
            Reply::ok(json!({"data": []}))
        }
    })
    .await;
    let (client, _) = cached_client(&failing_once, Duration::from_secs(30));
    assert!(client.list_integrations().await.is_err());
    client.list_integrations().await.unwrap();
    client.clone().list_integrations().await.unwrap();
    assert_eq!(failing_once.count(), 2);
}

#[tokio::test]
async fn a_body_that_does_not_parse_is_never_served_again() {
    let cut_once = TestServer::start(|_, index| {
        if index == 0 {
            Reply::text(200, "application/json", r#"{"data": [{"unique_key": "gi"#)
        } else {
            Reply::ok(json!({"data": []}))
        }
    })
    .await;
    let (client, _) = cached_client(&cut_once, Duration::from_secs(30));
    assert!(client.list_integrations().await.is_err());
    assert!(client.list_integrations().await.unwrap().is_empty());
    assert_eq!(cut_once.count(), 2);
}
