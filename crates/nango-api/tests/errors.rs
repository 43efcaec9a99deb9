//! Every error kind the client can return, from real sockets, and the guarantee that none of
//! them carries the secret key.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use axum::body::Body;
use common::{KEY, Reply, TestServer};
use nango_api::{MAX_BODY_BYTES, NangoError};
use serde_json::json;

fn assert_no_key(error: &NangoError) {
    let texts = [format!("{error}"), format!("{error:?}")];
    for text in texts {
        assert!(
            !text.to_ascii_lowercase().contains(KEY),
            "key leaked: {text}"
        );
    }
}

#[tokio::test]
async fn html_instead_of_json_is_not_json() {
    for status in [200, 404] {
        let server = TestServer::start(move |_, _| {
            Reply::text(status, "text/html; charset=utf-8", "<!doctype html><html>")
        })
        .await;
        let (client, _) = common::client(&server);
        let error = client.list_integrations().await.unwrap_err();
        let NangoError::NotJson {
            status: seen_status,
            content_type,
            host,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(*seen_status, status);
        assert!(content_type.starts_with("text/html"));
        assert_eq!(host, &server.base_url);
        assert!(error.to_string().contains("NANGO_HOST"));
        assert_eq!(server.count(), 1, "not retried");
    }
}

#[tokio::test]
async fn truncated_or_misshapen_json_is_invalid_body_without_quoting_it() {
    let server = TestServer::start(|seen, _| {
        if seen.path == "/integrations" {
            Reply::text(
                200,
                "application/json",
                r#"{"data":[{"unique_key":"k","prov"#,
            )
        } else {
            Reply::ok(json!({"data": "gho_secret_in_wrong_place"}))
        }
    })
    .await;
    let (client, _) = common::client(&server);
    let truncated = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(&truncated, NangoError::InvalidBody { status: 200, reason } if reason.contains("truncated")),
        "{truncated:?}"
    );
    let misshapen = client.get_provider("github").await.unwrap_err();
    assert!(
        matches!(misshapen, NangoError::InvalidBody { .. }),
        "{misshapen:?}"
    );
    assert!(!misshapen.to_string().contains("gho_secret"), "{misshapen}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_not_buffered() {
    let server = TestServer::start(|_, _| {
        // Streamed without Content-Length, so the cap has to work while reading.
        let chunk = bytes::Bytes::from(vec![b' '; 1024 * 1024]);
        let chunks = (0..=MAX_BODY_BYTES / (1024 * 1024))
            .map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
        Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: Body::from_stream(futures::stream::iter(chunks)),
        }
    })
    .await;
    let (client, _) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(&error, NangoError::InvalidBody { reason, .. } if reason.contains("larger than")),
        "{error:?}"
    );
}

#[tokio::test]
async fn client_errors_and_500_are_never_retried() {
    for (status, code) in [
        (400, "invalid_query_params"),
        (401, "unknown_account"),
        (403, "forbidden"),
        (404, "not_found"),
        (500, "server_error"),
    ] {
        let server = TestServer::start(move |_, _| {
            Reply::Json(status, json!({"error": {"code": code, "message": "m"}}))
        })
        .await;
        let (client, clock) = common::client(&server);
        let error = client.list_integrations().await.unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.code(), Some(code));
        assert_eq!(server.count(), 1, "{status} must not be retried");
        assert_eq!(clock.total_slept(), Duration::ZERO);
    }
}

#[tokio::test]
async fn error_predicates_match_nangos_codes() {
    let cases = [
        (404, "not_found", "is_not_found"),
        (400, "unknown_connection", "is_not_found"),
        (403, "forbidden", "is_missing_scope"),
        (401, "invalid_secret_key_format", "is_unauthorized"),
    ];
    for (status, code, predicate) in cases {
        let server =
            TestServer::start(move |_, _| Reply::Json(status, json!({"error": {"code": code}})))
                .await;
        let (client, _) = common::client(&server);
        let error = client.list_integrations().await.unwrap_err();
        let holds = match predicate {
            "is_not_found" => error.is_not_found(),
            "is_missing_scope" => error.is_missing_scope(),
            _ => error.is_unauthorized(),
        };
        assert!(holds, "{status} {code} should satisfy {predicate}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = TestServer::start(|seen, _| {
        if seen.path == "/integrations" {
            Reply::Raw {
                status: 302,
                headers: vec![("location", "/elsewhere".into())],
                body: Body::empty(),
            }
        } else {
            Reply::ok(json!({"data": []}))
        }
    })
    .await;
    let (client, _) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    assert_eq!(error.status(), Some(302));
    assert_eq!(error.code(), Some("redirect"));
    assert!(error.to_string().contains("/elsewhere"), "{error}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_server_echoing_the_key_cannot_make_errors_print_it() {
    let echoed = format!("bad key {KEY} / {}", KEY.to_uppercase());
    let server = TestServer::start(move |_, _| {
        Reply::Json(
            401,
            json!({"error": {"code": "unknown_account", "message": echoed,
                   "errors": [{"message": echoed, "path": [KEY]}]}}),
        )
    })
    .await;
    let (client, _) = common::client(&server);
    let error = client.list_integrations().await.unwrap_err();
    assert_no_key(&error);
    assert!(error.to_string().contains("bad key ****"), "{error}");
}

#[tokio::test]
async fn unreachable_host_is_reported_after_bounded_retries() {
    // A port that was just free: connections are refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let (client, clock) = common::client_with(common::config(&format!("http://{address}")));
    let error = client.list_integrations().await.unwrap_err();
    let NangoError::Unreachable { host, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(host, &format!("http://{address}"));
    assert!(!reason.is_empty());
    assert_no_key(&error);
    // Four attempts: three backoff sleeps, within the total wait budget.
    assert_eq!(clock.sleeps().len(), 3, "{:?}", clock.sleeps());
    assert!(clock.total_slept() <= Duration::from_secs(30));
}

#[tokio::test]
async fn a_hanging_server_gives_timeout_after_retries() {
    let server = TestServer::start(|_, _| Reply::Hang).await;
    let mut config = common::config(&server.base_url);
    config.request_timeout = Duration::from_millis(200);
    config.retry.max_attempts = 3;
    let (client, clock) = common::client_with(config);
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(error, NangoError::Timeout { timeout, .. } if timeout == Duration::from_millis(200)),
        "{error:?}"
    );
    assert_eq!(server.count(), 3);
    assert_eq!(clock.sleeps().len(), 2);
    assert_no_key(&error);
}

#[tokio::test]
async fn bad_configuration_fails_fast() {
    let key = nango_api::SecretKey::new(KEY.to_owned()).unwrap();
    let error = nango_api::NangoClient::new(nango_api::ClientConfig::new("localhost:3003", key))
        .unwrap_err();
    assert!(matches!(error, NangoError::InvalidHost { .. }));
    let error = nango_api::SecretKey::new("sk-not-a-uuid".into()).unwrap_err();
    assert!(error.is_unauthorized());
    assert!(error.to_string().contains("NANGO_SECRET_KEY"));
}
