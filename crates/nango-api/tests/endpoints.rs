//! What goes on the wire for each endpoint: route, documented query parameters only, headers,
//! and nothing that would make Nango refresh tokens or switch rate-limit buckets.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{KEY, Reply, TestServer};
use nango_api::{
    ConnectionsQuery, FunctionKind, FunctionsQuery, IntegrationInclude, RecordAction, RecordsQuery,
    SyncSelector, Timestamp,
};
use serde_json::json;

/// Answers each route with a minimal valid body.
async fn nango_like() -> TestServer {
    TestServer::start(|seen, _| {
        let body = match seen.path.as_str() {
            "/health" => json!({"result": "ok"}),
            "/integrations" => json!({"data": [{"unique_key": "k", "provider": "p"}]}),
            "/connections" => json!({"connections": []}),
            "/sync/status" => json!({"syncs": []}),
            "/records" => json!({"next_cursor": null, "records": []}),
            "/environment-variables" => json!([{"name": "A", "value": "SECRET-VALUE"}]),
            "/scripts/config" => json!([]),
            "/providers" => json!({"data": [{"name": "github"}]}),
            path if path.ends_with("/functions") => {
                json!({"data": [], "pagination": {"total": 0, "page": 0, "limit": 100}})
            }
            path if path.starts_with("/integrations/") => {
                json!({"data": {"unique_key": "k", "provider": "p", "webhook_url": null}})
            }
            path if path.starts_with("/providers/") => json!({"data": {"name": "github"}}),
            path if path.starts_with("/connections/") => json!({
                "connection_id": "c", "provider_config_key": "k", "provider": "p", "credentials": {}
            }),
            _ => return Reply::Json(404, json!({"error": {"code": "not_found"}})),
        };
        Reply::ok(body)
    })
    .await
}

#[tokio::test]
async fn every_request_carries_auth_user_agent_and_accept_and_nothing_else_of_nangos() {
    let server = nango_like().await;
    let (client, _) = common::client(&server);
    client.health().await.unwrap();
    client.list_integrations().await.unwrap();
    client.environment_variables().await.unwrap();
    assert_eq!(server.count(), 3);
    for seen in server.seen() {
        assert_eq!(seen.method, "GET");
        assert_eq!(
            seen.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert_eq!(
            seen.header("user-agent"),
            Some(concat!("nango-mcp/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(seen.header("accept"), Some("application/json"));
        for forbidden in ["nango-is-script", "nango-is-sync", "nango-is-dry-run"] {
            assert!(seen.header(forbidden).is_none(), "{forbidden} sent");
        }
    }
}

#[tokio::test]
async fn each_endpoint_calls_its_route_with_documented_parameters() {
    let server = nango_like().await;
    let (client, _) = common::client(&server);

    client.list_integrations().await.unwrap();
    assert_eq!(server.last().path_and_query(), "/integrations");

    let detail = client
        .get_integration(
            "github-test",
            IntegrationInclude {
                webhook: true,
                credentials: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(detail.integration.unique_key, "k");
    assert_eq!(
        server.last().path_and_query(),
        "/integrations/github-test?include=webhook&include=credentials"
    );
    client
        .get_integration("github-test", IntegrationInclude::default())
        .await
        .unwrap();
    assert_eq!(server.last().path_and_query(), "/integrations/github-test");

    let query = FunctionsQuery {
        kind: Some(FunctionKind::Sync),
        search: Some("iss".into()),
        page: 1,
        limit: 50,
    };
    client.list_functions("github-test", &query).await.unwrap();
    assert_eq!(
        server.last().path_and_query(),
        "/integrations/github-test/functions?type=sync&search=iss&page=1&limit=50"
    );

    client.list_providers(Some("git hub")).await.unwrap();
    assert_eq!(
        server.last().path_and_query(),
        "/providers?search=git%20hub"
    );
    client.list_providers(None).await.unwrap();
    assert_eq!(server.last().path_and_query(), "/providers");
    let provider = client.get_provider("github").await.unwrap();
    assert_eq!(provider.name, "github");
    assert_eq!(server.last().path_and_query(), "/providers/github");

    let query = ConnectionsQuery {
        search: Some("acme".into()),
        integration_ids: vec!["a".into(), "b".into()],
        tags: BTreeMap::from([("end_user_id".into(), "u1".into())]),
        ..ConnectionsQuery::default()
    };
    client.list_connections_page(&query, 2, 50).await.unwrap();
    assert_eq!(
        server.last().path_and_query(),
        "/connections?search=acme&integrationId=a,b&tags[end_user_id]=u1&limit=50&page=2"
    );

    let connection = client
        .get_connection("conn-1", "github-test")
        .await
        .unwrap();
    assert_eq!(connection.connection.connection_id, "c");
    assert_eq!(
        server.last().path_and_query(),
        "/connections/conn-1?provider_config_key=github-test"
    );

    client
        .sync_status("github-test", &SyncSelector::All, Some("conn-1"))
        .await
        .unwrap();
    assert_eq!(
        server.last().path_and_query(),
        "/sync/status?provider_config_key=github-test&syncs=*&connection_id=conn-1"
    );
    let named = SyncSelector::Named(vec!["issues".into(), "prs::v2".into()]);
    client
        .sync_status("github-test", &named, None)
        .await
        .unwrap();
    assert_eq!(
        server.last().path_and_query(),
        "/sync/status?provider_config_key=github-test&syncs=issues,prs::v2"
    );

    let records = RecordsQuery {
        connection_id: "conn-1".into(),
        provider_config_key: "github-test".into(),
        model: "GithubIssue".into(),
        variant: Some("v2".into()),
        cursor: Some("Y3Vy+/=".into()),
        limit: Some(500),
        filter: vec![RecordAction::Updated],
        modified_after: Timestamp::parse("2026-11-01T00:00:00Z"),
        ids: vec!["1".into(), "2".into()],
    };
    client.records_page(&records).await.unwrap();
    let seen = server.last();
    assert_eq!(
        seen.path_and_query(),
        "/records?model=GithubIssue&variant=v2&cursor=Y3Vy%2B%2F%3D&limit=500&filter=updated\
         &modified_after=2026-11-01T00:00:00.000Z&ids=1&ids=2"
    );
    assert_eq!(seen.header("connection-id"), Some("conn-1"));
    assert_eq!(seen.header("provider-config-key"), Some("github-test"));

    let variables = client.environment_variables().await.unwrap();
    assert_eq!(variables.len(), 1);
    assert!(!format!("{variables:?}").contains("SECRET-VALUE"));
    assert_eq!(server.last().path_and_query(), "/environment-variables");

    client.scripts_config().await.unwrap();
    assert_eq!(server.last().path_and_query(), "/scripts/config");
    client.health().await.unwrap();
    assert_eq!(server.last().path_and_query(), "/health");
}

#[tokio::test]
async fn get_connection_never_asks_for_refresh_or_tokens() {
    let server = nango_like().await;
    let (client, _) = common::client(&server);
    client.get_connection("conn-1", "k").await.unwrap();
    let query = server.last().query.unwrap_or_default();
    for flag in [
        "force_refresh",
        "refresh_token",
        "refresh_github_app_jwt_token",
    ] {
        assert!(!query.contains(flag), "{flag} in {query}");
    }
}

#[tokio::test]
async fn a_base_url_prefix_and_trailing_slash_are_respected() {
    let server = nango_like().await;
    let (client, _) = common::client_with(common::config(&format!("{}/", server.base_url)));
    assert_eq!(client.host(), server.base_url);
    client.list_integrations().await.unwrap();
    assert_eq!(server.last().path, "/integrations");

    let (prefixed, _) = common::client_with(common::config(&format!("{}/nango/", server.base_url)));
    let _ = prefixed.list_integrations().await;
    assert_eq!(server.last().path, "/nango/integrations");
}

#[tokio::test]
async fn empty_environment_variables_body_means_none() {
    let server = TestServer::start(|_, _| Reply::text(200, "application/json", "")).await;
    let (client, _) = common::client(&server);
    assert!(client.environment_variables().await.unwrap().is_empty());
}

#[tokio::test]
async fn rate_limit_headers_are_exposed() {
    let reset = common::epoch()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 42;
    let server = TestServer::start(move |_, _| {
        Reply::json_with(
            200,
            &json!({"data": []}),
            vec![
                ("x-ratelimit-limit", "200".into()),
                ("x-ratelimit-remaining", "150".into()),
                ("x-ratelimit-reset", reset.to_string()),
                ("date", common::http_date(common::epoch())),
            ],
        )
    })
    .await;
    let (client, _) = common::client(&server);
    assert!(client.rate_limit().is_none());
    client.list_integrations().await.unwrap();
    let status = client.rate_limit().unwrap();
    assert_eq!((status.limit, status.remaining), (200, 150));
    assert_eq!(
        status.reset_at,
        Timestamp::from(chrono::DateTime::<chrono::Utc>::from(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(reset)
        ))
    );
    assert!(client.key_fingerprint().starts_with("sha256:"));
    assert!(!format!("{client:?}").contains(KEY));
}
