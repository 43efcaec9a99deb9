//! Facts from the real Nango server (the 2026-11-29 capture and the real provider catalog) that
//! our own simulator once disagreed with: each test here failed before the fix it names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Reply, TestServer};
use nango_api::{
    AppCredentialsField, ConnectionErrorKind, CredentialAccess, DataEnvelope, IntegrationDetail,
    Lenient, NangoError, Provider, UrlTemplate, parse_error_response,
};
use nango_sim::{Sim, SimConfig, SimKey};
use serde_json::{Value, json};

const REAL: &str = include_str!("fixtures/real-server-2026-11-29.json");
const CATALOG: &str = include_str!("../../nango-sim/data/providers-catalog.json");

fn sample(name: &str) -> Value {
    let root: Value = serde_json::from_str(REAL).unwrap();
    let sample = root["samples"][name].clone();
    assert!(sample.is_object(), "no sample {name}");
    sample
}

/// Bug 1: `search_providers` failed on every call because `github-app-oauth`'s `token_url` is an
/// object. The whole real catalog parses, nothing skipped, and the odd URL keeps both flows.
#[test]
fn the_real_catalog_parses_whole() {
    let catalog: DataEnvelope<Lenient<Provider>> = serde_json::from_str(CATALOG).unwrap();
    assert_eq!(catalog.data.skipped, 0);
    assert_eq!(catalog.data.items.len(), 981);
    let app_oauth = catalog
        .data
        .items
        .iter()
        .find(|provider| provider.name == "github-app-oauth")
        .unwrap();
    let Some(UrlTemplate::PerAuthMode(urls)) = &app_oauth.token_url else {
        panic!("{:?}", app_oauth.token_url);
    };
    assert!(urls.contains_key("OAUTH2") && urls.contains_key("APP"));
}

/// One provider in a shape nobody foresaw is skipped and counted, never a failed catalog.
#[tokio::test]
async fn one_odd_provider_never_fails_the_catalog() {
    let server = TestServer::start(|_, _| {
        Reply::ok(json!({"data": [
            {"name": "good", "auth_mode": "OAUTH2", "categories": ["crm"]},
            {"name": "odd", "categories": {"not": "a list"}},
            {"display_name": "no name at all"},
            {"name": "fine-too", "token_url": {"A": "https://a", "B": "https://b"}}
        ]}))
    })
    .await;
    let (client, _) = common::client(&server);
    let catalog = client.list_providers(None).await.unwrap();
    let names: Vec<&str> = catalog.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["good", "fine-too"]);
    assert_eq!(catalog.skipped, 2);
}

/// Bug 2: `"credentials": null` (a full-access key on an API-key integration) was read as
/// "field absent" (a read-only key). The three cases stay apart.
#[test]
fn credentials_null_is_not_credentials_absent() {
    let parse = |name: &str| -> AppCredentialsField {
        serde_json::from_value::<DataEnvelope<IntegrationDetail>>(sample(name)["body"].clone())
            .unwrap()
            .data
            .credentials
    };
    let null = parse("integration_apikey_include_credentials_full");
    assert_eq!(null, AppCredentialsField::NoneConfigured);
    assert!(null.key_can_read());
    let absent = parse("integration_oauth2_include_credentials_ro");
    assert_eq!(absent, AppCredentialsField::NotReturned);
    assert!(!absent.key_can_read());
    let object = parse("integration_oauth2_include_credentials_full");
    assert!(object.facts().unwrap().has_client_secret);
}

/// Bug 3: fields Nango fills itself (`automated: true`) were listed as required.
#[test]
fn automated_fields_are_not_required() {
    let provider: DataEnvelope<Provider> =
        serde_json::from_value(sample("provider_salesforce_automated_fields")["body"].clone())
            .unwrap();
    let instance_url = &provider.data.connection_config["instance_url"];
    assert!(instance_url.is_automated());
    assert!(!instance_url.is_required());
}

/// Bug 4: a refresh that failed on a read surfaced as a bare failure. The error now carries the
/// connection as Nango reports it afterwards (auth error included), for 400 and 424 alike.
#[test]
fn invalid_credentials_carries_the_connection() {
    for name in [
        "connection_oauth2_expired_full_refresh_failed",
        "connection_oauth2_expired_full_backoff",
    ] {
        let sample = sample(name);
        let status = u16::try_from(sample["status"].as_u64().unwrap()).unwrap();
        let error = parse_error_response(
            "http://nango",
            status,
            Some("application/json"),
            sample["body"].to_string().as_bytes(),
        );
        let NangoError::InvalidCredentials {
            status: got,
            connection: Some(connection),
            ..
        } = &error
        else {
            panic!("{name}: {error:?}");
        };
        assert_eq!(*got, status);
        assert_eq!(connection.connection.connection_id, "sf-1");
        assert!(connection.connection.has_error(ConnectionErrorKind::Auth));
        assert_eq!(error.code(), Some("invalid_credentials"));
    }
}

/// A wrong path in NANGO_HOST makes real Nango answer 500 `generic_error_support` everywhere:
/// the error names the URL that was tried.
#[tokio::test]
async fn generic_error_support_names_the_url_tried() {
    let body = sample("wrong_prefix_api_integrations")["body"].clone();
    let server = TestServer::start(move |_, _| Reply::Json(500, body.clone())).await;
    let mut config = common::config(&format!("{}/api", server.base_url));
    config.retry.max_attempts = 1;
    let (client, _) = common::client_with(config);
    let error = client.list_integrations().await.unwrap_err();
    let NangoError::Api { code, details, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(code, "generic_error_support");
    assert!(
        details
            .iter()
            .any(|detail| detail.contains("/api/integrations")),
        "{details:?}"
    );
}

const READ_ONLY: &str = "0b6f5c3e-2d7a-4e91-8c4b-5f1a2e3d4c6b";
const NARROW: &str = "7c1e9a4b-3f2d-4b8e-9d6a-1c5e7f2a3b4d";

/// The scope probe tells all three keys apart and never names a real connection or integration
/// (so Nango can have nothing to refresh).
#[tokio::test]
async fn the_credential_probe_reads_no_connection() {
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    }
    .with_key(SimKey::read_only(READ_ONLY))
    .with_key(SimKey::with_scopes(
        NARROW,
        [
            "environment:integrations:list",
            "environment:connections:list",
        ],
    ));
    let sim = Sim::start(config).await.unwrap();
    for (key, expected) in [
        (sim.secret_key(), CredentialAccess::ReadsCredentials),
        (READ_ONLY.to_owned(), CredentialAccess::ReadOnly),
        (NARROW.to_owned(), CredentialAccess::NoConnectionRead),
    ] {
        let config =
            nango_api::ClientConfig::new(sim.base_url(), nango_api::SecretKey::new(key).unwrap());
        let (client, _) = common::client_with(config);
        assert_eq!(client.probe_credential_access().await.unwrap(), expected);
    }
    let dataset = sim.dataset();
    for request in sim.requests() {
        assert!(
            request.path.contains("nango-mcp-scope-probe"),
            "{}",
            request.path
        );
        for connection in &dataset.connections {
            assert!(
                !request
                    .path
                    .ends_with(&format!("/{}", connection.connection_id))
            );
        }
    }
    sim.shutdown().await;
}

/// `find_connection` answers from the listing: one request, no detail route.
#[tokio::test]
async fn find_connection_is_one_listing_request() {
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    })
    .await
    .unwrap();
    let config = nango_api::ClientConfig::new(
        sim.base_url(),
        nango_api::SecretKey::new(sim.secret_key()).unwrap(),
    );
    let (client, _) = common::client_with(config);
    let rows = client
        .find_connection("conn-xyz", Some("salesforce-prod"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].has_error(ConnectionErrorKind::Auth));
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/connections");
    sim.shutdown().await;
}

const THIRD: &str = include_str!("../../nango-sim/tests/fixtures/real-server-2026-12-08.json");

fn third_sample(name: &str) -> Value {
    let root: Value = serde_json::from_str(THIRD).unwrap();
    let sample = root["samples"][name].clone();
    assert!(sample.is_object(), "no sample {name}");
    sample
}

/// Issue 24 (4): the catalog's BASIC entry hides an always-empty password. Every attribute that
/// decides who supplies a field is read: `hidden` and `default_value` as well as `optional` and
/// `automated`.
#[test]
fn a_hidden_defaulted_field_is_not_required() {
    let provider: DataEnvelope<Provider> =
        serde_json::from_value(third_sample("provider_anvil_basic")["body"].clone()).unwrap();
    let credentials = &provider.data.credentials;
    let password = &credentials["password"];
    assert!(password.is_hidden());
    assert_eq!(password.default_value, Some(json!("")));
    assert!(!password.is_required());
    let username = &credentials["username"];
    assert!(username.is_required() && !username.is_hidden());
}

/// Issue 24 (2): the full key's detail read after a failed refresh is a 400 with the connection
/// and empty credentials: parsed as a refresh failure, not as a key without the scope.
#[test]
fn the_full_key_read_after_a_failed_refresh_is_a_refresh_failure() {
    let sample = third_sample("connection_full_after_refresh_failure");
    let error = parse_error_response(
        "http://nango",
        400,
        Some("application/json"),
        sample["body"].to_string().as_bytes(),
    );
    let NangoError::InvalidCredentials {
        status: 400,
        connection: Some(connection),
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(connection.connection.has_error(ConnectionErrorKind::Auth));
    assert!(
        connection.credentials.is_none()
            || connection
                .credentials
                .as_ref()
                .is_some_and(|facts| facts.kind.is_none())
    );
}
