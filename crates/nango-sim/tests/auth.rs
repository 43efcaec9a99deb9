//! Authentication (401 codes), scopes (403) and what each key may see.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

/// Extra request headers of a case.
type Headers<'a> = &'a [(&'a str, &'a str)];

use common::*;
use nango_sim::{SimConfig, SimKey};
use reqwest::StatusCode;

#[tokio::test]
async fn unauthenticated_requests_get_nangos_401_codes() {
    let sim = start(SimConfig::demo()).await;
    for (key, code) in [
        (None, "missing_auth_header"),
        (Some("not-a-uuid"), "invalid_secret_key_format"),
        (
            Some("5f0c8e2a-7b1d-1c3e-9a6f-2d4b8c1e7f3a"),
            "invalid_secret_key_format",
        ),
        (
            Some("9d3f1c2b-6a4e-4f8d-b1c7-2e5a9d0c3b6f"),
            "unknown_account",
        ),
    ] {
        let reply = get_with(&sim, "/integrations", key, &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(reply.json()["error"]["code"], code);
        assert!(reply.header("x-ratelimit-limit").is_none());
    }
    let health = get_with(&sim, "/health", None, &[]).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), serde_json::json!({ "result": "ok" }));
    sim.shutdown().await;
}

#[tokio::test]
async fn each_route_requires_its_scope() {
    let sim =
        start(SimConfig::demo().with_key(SimKey::with_scopes(READ_ONLY_KEY, ["environment:mcp"])))
            .await;
    let hubspot = [
        ("Connection-Id", "conn-456"),
        ("Provider-Config-Key", "hubspot-prod"),
    ];
    let cases: [(&str, &str, Headers); 9] = [
        ("/integrations", "environment:integrations:list", &[]),
        (
            "/integrations/hubspot-prod",
            "environment:integrations:read",
            &[],
        ),
        (
            "/integrations/hubspot-prod/functions",
            "environment:functions:list",
            &[],
        ),
        (
            "/scripts/config",
            "environment:integrations:list_functions",
            &[],
        ),
        ("/connections", "environment:connections:list", &[]),
        (
            "/connections/conn-456?provider_config_key=hubspot-prod",
            "environment:connections:read",
            &[],
        ),
        (
            "/sync/status?provider_config_key=hubspot-prod&syncs=*",
            "environment:syncs:read",
            &[],
        ),
        (
            "/records?model=Contact",
            "environment:records:read",
            &hubspot,
        ),
        ("/environment-variables", "environment:variables:read", &[]),
    ];
    for (path, scope, headers) in cases {
        let reply = get_with(&sim, path, Some(READ_ONLY_KEY), headers).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            reply.json()["error"]["message"],
            format!("Insufficient scope. Required: {scope}"),
            "{path}"
        );
        // Nango sends rate-limit headers on 403s too; the sim does by default (200/min).
        assert_eq!(reply.header("x-ratelimit-limit"), Some("200"), "{path}");
        let full = get_with(&sim, path, Some(&sim.secret_key()), headers).await;
        assert_eq!(full.status, StatusCode::OK, "{path} with the full key");
    }
    // Providers need a valid key but no scope.
    assert_eq!(
        get_with(&sim, "/providers?search=hub", Some(READ_ONLY_KEY), &[])
            .await
            .status,
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn read_only_key_sees_no_credentials_and_cannot_refresh() {
    let sim = start(SimConfig::demo().with_key(SimKey::read_only(READ_ONLY_KEY))).await;
    let path = "/connections/conn-abc?provider_config_key=salesforce-prod";
    let read_only = get_with(&sim, path, Some(READ_ONLY_KEY), &[]).await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert_eq!(read_only.json()["credentials"], serde_json::json!({}));
    for flag in [
        "force_refresh=true",
        "refresh_token=true",
        "refresh_github_app_jwt_token=true",
    ] {
        let reply = get_with(&sim, &format!("{path}&{flag}"), Some(READ_ONLY_KEY), &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{flag}");
    }
    assert_eq!(
        get_with(
            &sim,
            &format!("{path}&force_refresh=false"),
            Some(READ_ONLY_KEY),
            &[]
        )
        .await
        .status,
        StatusCode::OK
    );

    let full = get(&sim, path).await.json();
    assert_eq!(full["credentials"]["type"], "OAUTH2");
    assert!(
        full["credentials"].get("refresh_token").is_none(),
        "refresh token only on request"
    );
    assert!(full["credentials"]["raw"].get("refresh_token").is_none());
    let with_refresh = get(&sim, &format!("{path}&refresh_token=true"))
        .await
        .json();
    assert!(
        with_refresh["credentials"]["refresh_token"]
            .as_str()
            .unwrap()
            .contains("CANARY")
    );

    let include = "/integrations/salesforce-prod?include=credentials&include=webhook";
    let ro = get_with(&sim, include, Some(READ_ONLY_KEY), &[])
        .await
        .json();
    assert!(
        ro["data"].get("credentials").is_none(),
        "include=credentials silently dropped"
    );
    assert!(ro["data"].get("webhook_url").is_some());
    let fa = get(&sim, include).await.json();
    assert!(
        fa["data"]["credentials"]["client_secret"]
            .as_str()
            .unwrap()
            .contains("CANARY")
    );
    sim.shutdown().await;
}

#[test]
fn keys_must_be_uuid_v4() {
    let config = SimConfig {
        keys: vec![SimKey::full_access("not-a-uuid")],
        ..SimConfig::demo()
    };
    assert!(nango_sim::SimState::new(config).is_err());
    let config = SimConfig {
        keys: vec![],
        ..SimConfig::demo()
    };
    assert!(nango_sim::SimState::new(config).is_err());
}
