//! Ids and keys come from an agent that may be steered by untrusted data: no input may change
//! the host, the route or the set of query parameters, and header values cannot be split.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Reply, TestServer};
use nango_api::{IntegrationInclude, NangoError, RecordsQuery};
use serde_json::json;

fn long_id() -> String {
    "a/".repeat(150)
}

/// (input, exactly what the server must see as the path segment)
fn hostile() -> Vec<(String, String)> {
    vec![
        ("../x".into(), "..%2Fx".into()),
        ("a/b".into(), "a%2Fb".into()),
        ("?x=1".into(), "%3Fx%3D1".into()),
        ("#f".into(), "%23f".into()),
        ("%2e%2e".into(), "%252e%252e".into()),
        ("..%2f..%2fadmin".into(), "..%252f..%252fadmin".into()),
        ("ünï cödé".into(), "%C3%BCn%C3%AF%20c%C3%B6d%C3%A9".into()),
        ("@evil.com".into(), "%40evil.com".into()),
        ("a\\b".into(), "a%5Cb".into()),
        ("line\r\nbreak".into(), "line%0D%0Abreak".into()),
        (long_id(), "a%2F".repeat(150)),
    ]
}

async fn echo_server() -> TestServer {
    TestServer::start(|seen, _| {
        if seen.path.starts_with("/connections/") {
            Reply::ok(json!({"connection_id": "c", "provider_config_key": "k", "provider": "p"}))
        } else if seen.path.starts_with("/providers/") {
            Reply::ok(json!({"data": {"name": "p"}}))
        } else if seen.path.ends_with("/functions") {
            Reply::ok(json!({"data": []}))
        } else {
            Reply::ok(json!({"data": {"unique_key": "k", "provider": "p"}}))
        }
    })
    .await
}

#[tokio::test]
async fn path_ids_stay_one_segment_on_the_configured_host() {
    let server = echo_server().await;
    let (client, _) = common::client(&server);
    for (input, encoded) in hostile() {
        client
            .get_connection(&input, "k&provider_config_key=evil")
            .await
            .unwrap();
        let seen = server.last();
        assert_eq!(seen.path, format!("/connections/{encoded}"), "{input:?}");
        assert_eq!(
            seen.query.as_deref(),
            Some("provider_config_key=k%26provider_config_key%3Devil"),
            "{input:?}"
        );

        client
            .get_integration(&input, IntegrationInclude::default())
            .await
            .unwrap();
        assert_eq!(
            server.last().path_and_query(),
            format!("/integrations/{encoded}")
        );

        client
            .list_functions(&input, &Default::default())
            .await
            .unwrap();
        assert_eq!(
            server.last().path,
            format!("/integrations/{encoded}/functions")
        );

        client.get_provider(&input).await.unwrap();
        assert_eq!(
            server.last().path_and_query(),
            format!("/providers/{encoded}")
        );
    }
    // Every request reached this server (not another host).
    assert_eq!(server.count(), hostile().len() * 4);
}

#[tokio::test]
async fn dot_segments_and_empty_ids_are_refused_before_sending() {
    let server = echo_server().await;
    let (client, _) = common::client(&server);
    for bad in ["", ".", ".."] {
        let error = client.get_connection(bad, "k").await.unwrap_err();
        assert!(
            matches!(error, NangoError::InvalidInput { .. }),
            "{bad:?}: {error:?}"
        );
        let error = client
            .get_integration(bad, IntegrationInclude::default())
            .await
            .unwrap_err();
        assert!(matches!(error, NangoError::InvalidInput { .. }), "{bad:?}");
    }
    let error = client.get_connection("c", "").await.unwrap_err();
    assert!(matches!(error, NangoError::InvalidInput { .. }));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn record_headers_reject_what_could_split_or_garble_them() {
    let server =
        TestServer::start(|_, _| Reply::ok(json!({"next_cursor": null, "records": []}))).await;
    let (client, _) = common::client(&server);
    let query = |connection: &str, key: &str| RecordsQuery {
        connection_id: connection.into(),
        provider_config_key: key.into(),
        model: "Model".into(),
        ..RecordsQuery::default()
    };
    for (connection, key) in [
        ("c\r\nX-Injected: 1", "k"),
        ("c", "k\nX-Injected: 1"),
        ("c\0", "k"),
        ("ünï", "k"),
        ("", "k"),
        ("c", " k"),
    ] {
        let error = client
            .records_page(&query(connection, key))
            .await
            .unwrap_err();
        let NangoError::InvalidInput { what, reason } = &error else {
            panic!("{connection:?}/{key:?}: {error:?}")
        };
        assert!(matches!(*what, "Connection-Id" | "Provider-Config-Key"));
        assert!(!reason.is_empty());
    }
    assert_eq!(server.count(), 0);

    // Safe values are sent untouched, and a hostile model stays inside its query value.
    let mut fine = query("conn/../1?x", "key#1");
    fine.model = "Model&limit=1&x=".into();
    client.records_page(&fine).await.unwrap();
    let seen = server.last();
    assert_eq!(seen.header("connection-id"), Some("conn/../1?x"));
    assert_eq!(seen.header("provider-config-key"), Some("key#1"));
    assert_eq!(
        seen.path_and_query(),
        "/records?model=Model%26limit%3D1%26x%3D"
    );
    assert!(seen.header("x-injected").is_none());
}
