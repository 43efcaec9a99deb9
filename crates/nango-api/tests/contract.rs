//! Contract with the real Nango server: every captured success response of a read endpoint is
//! served to the client method for that endpoint and must parse; every error response must map
//! to the right error; no credential from the samples may survive into anything printable.

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

use common::{Reply, TestServer};
use nango_api::{
    ConnectionsQuery, FunctionsQuery, IntegrationInclude, NangoClient, NangoError, RecordsQuery,
    SyncSelector, parse_error_response,
};
use serde_json::Value;

/// Both captures from real Nango servers: the first read-only capture and the second one with
/// every key type, refresh failures, a real 429 and write endpoints.
const FIXTURES: [&str; 2] = [
    include_str!("fixtures/local-server-responses.json"),
    include_str!("fixtures/real-server-2026-11-29.json"),
];

/// Secret values planted in the samples; none may appear in any parsed output.
const CANARIES: [&str; 12] = [
    "gho_access_token_value",
    "ghr_refresh_value",
    "pat-secret-value",
    "csecret-456",
    "s3cret",
    // The second capture's secrets (its metadata canary is customer data, shown on purpose).
    "CANARY-REAL-apikey",
    "CANARY-REAL-envvar",
    "CANARY-REAL-ghclientsecret",
    "CANARY-REAL-ghtoken",
    "CANARY-REAL-hstoken",
    "CANARY-REAL-override",
    "CANARY-REAL-password",
];

/// Samples that are not answers of a read endpoint this client calls, with the reason.
const NOT_CLIENT_READS: [(&str, &str); 4] = [
    ("integration_create_github", "write endpoint"),
    ("connection_create_apikey", "write endpoint"),
    (
        "scripts_config_deployed_openai",
        "format=openai is not requested",
    ),
    ("provider_templates", "catalog templates are not requested"),
];

struct Sample {
    name: String,
    method: String,
    target: String,
    note: String,
    status: u16,
    content_type: Option<String>,
    body: Value,
}

fn samples() -> Vec<Sample> {
    FIXTURES
        .iter()
        .flat_map(|fixture| samples_of(fixture))
        .collect()
}

fn samples_of(fixture: &str) -> Vec<Sample> {
    let root: Value = serde_json::from_str(fixture).unwrap();
    root["samples"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, sample)| {
            let request = sample["request"].as_str().unwrap();
            let mut words = request.splitn(3, ' ');
            Sample {
                name: name.clone(),
                method: words.next().unwrap().to_owned(),
                target: words.next().unwrap().to_owned(),
                note: words.next().unwrap_or_default().to_owned(),
                status: u16::try_from(sample["status"].as_u64().unwrap()).unwrap(),
                content_type: sample["headers"]["content-type"]
                    .as_str()
                    .map(str::to_owned),
                body: sample["body"].clone(),
            }
        })
        .collect()
}

/// A server that answers whatever sample is loaded into it.
async fn sample_server() -> (TestServer, Arc<Mutex<Option<Reply>>>) {
    let next: Arc<Mutex<Option<Reply>>> = Arc::default();
    let server = TestServer::start({
        let next = Arc::clone(&next);
        move |_, _| {
            next.lock()
                .unwrap()
                .take()
                .unwrap_or(Reply::Json(599, Value::Null))
        }
    })
    .await;
    (server, next)
}

fn reply_for(sample: &Sample) -> Reply {
    let mut headers = Vec::new();
    if let Some(content_type) = &sample.content_type {
        headers.push(("content-type", content_type.clone()));
    }
    Reply::Raw {
        status: sample.status,
        headers,
        body: axum::body::Body::from(sample.body.to_string()),
    }
}

fn split_target(target: &str) -> (String, BTreeMap<String, Vec<String>>) {
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in url.query_pairs() {
        query
            .entry(key.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    (url.path().to_owned(), query)
}

fn first<'a>(query: &'a BTreeMap<String, Vec<String>>, key: &str) -> Option<&'a str> {
    query
        .get(key)
        .and_then(|values| values.first())
        .map(String::as_str)
}

/// `Connection-Id: x` from the sample's note, when it names one.
fn note_header(note: &str, name: &str) -> Option<String> {
    let start = note.find(&format!("{name}: "))? + name.len() + 2;
    let rest = note.get(start..)?;
    let end = rest.find([',', ')']).unwrap_or(rest.len());
    Some(rest[..end].trim().to_owned())
}

/// Calls the client method for a read sample; `Debug` of the parsed value, or `None` if this
/// sample has no client method.
async fn call_for(client: &NangoClient, sample: &Sample) -> Option<Result<String, NangoError>> {
    let (path, query) = split_target(&sample.target);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let debug = |value: &dyn std::fmt::Debug| format!("{value:?}");
    let result = match segments.as_slice() {
        ["integrations"] => client.list_integrations().await.map(|v| debug(&v)),
        ["integrations", key] => {
            let include = query.get("include").cloned().unwrap_or_default();
            let include = IntegrationInclude {
                webhook: include.iter().any(|value| value == "webhook"),
                credentials: include.iter().any(|value| value == "credentials"),
            };
            client
                .get_integration(key, include)
                .await
                .map(|v| debug(&v))
        }
        ["integrations", key, "functions"] => client
            .list_functions(key, &FunctionsQuery::default())
            .await
            .map(|v| debug(&v)),
        ["connections"] => {
            let query_spec = ConnectionsQuery {
                integration_ids: first(&query, "integrationId")
                    .map(|ids| ids.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
                tags: query
                    .iter()
                    .filter_map(|(key, values)| {
                        let tag = key.strip_prefix("tags[")?.strip_suffix(']')?;
                        Some((tag.to_owned(), values.first()?.clone()))
                    })
                    .collect(),
                ..ConnectionsQuery::default()
            };
            let page = first(&query, "page").map_or(0, |page| page.parse().unwrap());
            let limit = first(&query, "limit").map_or(1000, |limit| limit.parse().unwrap());
            client
                .list_connections_page(&query_spec, page, limit)
                .await
                .map(|v| debug(&v))
        }
        ["connections", id] => {
            let pck = first(&query, "provider_config_key").unwrap_or("github-test");
            client.get_connection(id, pck).await.map(|v| debug(&v))
        }
        ["sync", "status"] => {
            let syncs = match first(&query, "syncs") {
                Some("*") | None => SyncSelector::All,
                Some(names) => SyncSelector::Named(names.split(',').map(str::to_owned).collect()),
            };
            client
                .sync_status(
                    first(&query, "provider_config_key").unwrap(),
                    &syncs,
                    first(&query, "connection_id"),
                )
                .await
                .map(|v| debug(&v))
        }
        ["records"] => {
            let records = RecordsQuery {
                connection_id: note_header(&sample.note, "Connection-Id")
                    .unwrap_or_else(|| "conn-oauth2-2".into()),
                provider_config_key: note_header(&sample.note, "Provider-Config-Key")
                    .unwrap_or_else(|| "github-test".into()),
                model: first(&query, "model").unwrap().to_owned(),
                ..RecordsQuery::default()
            };
            client.records_page(&records).await.map(|v| debug(&v))
        }
        ["environment-variables"] => client.environment_variables().await.map(|v| debug(&v)),
        ["scripts", "config"] => client.scripts_config().await.map(|v| debug(&v)),
        ["providers", name] => client.get_provider(name).await.map(|v| debug(&v)),
        ["providers"] => client
            .list_providers(first(&query, "search"))
            .await
            .map(|v| debug(&v)),
        _ => return None,
    };
    Some(result)
}

fn assert_no_canary(name: &str, text: &str) {
    for canary in CANARIES {
        assert!(
            !text.contains(canary),
            "{name}: {canary} leaked into {text}"
        );
    }
}

#[tokio::test]
async fn every_read_success_sample_parses_through_its_client_method() {
    let (server, next) = sample_server().await;
    let (client, _clock) = common::client(&server);
    let mut checked = Vec::new();
    for sample in samples() {
        let is_read = sample.method == "GET" && (200..300).contains(&sample.status);
        if !is_read
            || sample
                .content_type
                .as_deref()
                .is_none_or(|ct| !ct.contains("json"))
        {
            continue;
        }
        if NOT_CLIENT_READS
            .iter()
            .any(|(name, _)| *name == sample.name)
        {
            continue;
        }
        // Function detail is a model this crate has but no client method yet: parse directly.
        if sample.name == "function_get" {
            let parsed: nango_api::DataEnvelope<nango_api::Function> =
                serde_json::from_value(sample.body.clone()).unwrap();
            assert_eq!(parsed.data.name, "issues");
            checked.push(sample.name);
            continue;
        }
        *next.lock().unwrap() = Some(reply_for(&sample));
        let outcome = call_for(&client, &sample)
            .await
            .unwrap_or_else(|| panic!("{}: no client method for {}", sample.name, sample.target));
        let parsed = outcome.unwrap_or_else(|error| panic!("{}: {error}", sample.name));
        assert_no_canary(&sample.name, &parsed);
        // The client asked for the same route the sample was captured from.
        let (expected_path, _) = split_target(&sample.target);
        assert_eq!(server.last().path, expected_path, "{}", sample.name);
        checked.push(sample.name);
    }
    assert!(
        checked.len() >= 60,
        "only {} samples checked: {checked:?}",
        checked.len()
    );
}

#[tokio::test]
async fn parsed_samples_keep_the_facts_the_tools_need() {
    let by_name: BTreeMap<String, Sample> =
        samples().into_iter().map(|s| (s.name.clone(), s)).collect();
    let detail: nango_api::ConnectionDetail =
        serde_json::from_value(by_name["connection_get_oauth2_refresh_token"].body.clone())
            .unwrap();
    let credentials = detail.credentials.unwrap();
    assert_eq!(credentials.kind.as_deref(), Some("OAUTH2"));
    assert!(credentials.has_refresh_token);
    let list: nango_api::ConnectionList =
        serde_json::from_value(by_name["connections_list_errors"].body.clone()).unwrap();
    assert!(
        list.connections
            .items
            .iter()
            .any(|c| c.has_error(nango_api::ConnectionErrorKind::Auth))
    );
    assert!(
        list.connections
            .items
            .iter()
            .any(|c| c.has_error(nango_api::ConnectionErrorKind::Sync))
    );
    let never: nango_api::SyncStatusList =
        serde_json::from_value(by_name["sync_status_never_ran"].body.clone()).unwrap();
    assert!(never.syncs.items[0].never_ran());
    let failing: nango_api::SyncStatusList =
        serde_json::from_value(by_name["sync_status_seeded"].body.clone()).unwrap();
    assert!(failing.syncs.items[0].is_failing());
    let integration: nango_api::DataEnvelope<nango_api::IntegrationDetail> =
        serde_json::from_value(by_name["integration_get_include"].body.clone()).unwrap();
    assert!(
        integration
            .data
            .credentials
            .facts()
            .unwrap()
            .has_client_secret
    );
    let page: nango_api::RecordsPage =
        serde_json::from_value(by_name["records_page1"].body.clone()).unwrap();
    assert!(page.next_cursor.is_some() && page.records.len() == 2);
}

#[tokio::test]
async fn every_error_sample_maps_to_the_right_error() {
    let (server, next) = sample_server().await;
    let mut config = common::config(&server.base_url);
    config.retry.max_attempts = 1;
    let (client, _clock) = common::client_with(config);
    let mut checked = 0;
    // Raw-text bodies are Management MCP transport answers, checked with its client.
    for sample in samples()
        .into_iter()
        .filter(|sample| sample.status >= 400 && sample.body.is_object())
    {
        let body = sample.body.to_string();
        let parsed = parse_error_response(
            "http://nango",
            sample.status,
            sample.content_type.as_deref(),
            body.as_bytes(),
        );
        let expected_code = match &sample.body["error"]["code"] {
            Value::String(code) => code.clone(),
            other => other.to_string(),
        };
        match &parsed {
            NangoError::InvalidCredentials { status, .. } => {
                assert_eq!(*status, sample.status, "{}", sample.name);
                assert_eq!(expected_code, "invalid_credentials", "{}", sample.name);
            }
            NangoError::Api {
                status,
                code,
                message,
                details,
            } => {
                assert_eq!(*status, sample.status, "{}", sample.name);
                assert_eq!(*code, expected_code, "{}", sample.name);
                assert!(!message.is_empty(), "{}", sample.name);
                if sample.body["error"]["errors"].is_array() {
                    assert!(!details.is_empty(), "{}", sample.name);
                }
            }
            other => panic!("{}: expected Api, got {other:?}", sample.name),
        }
        assert_no_canary(&sample.name, &format!("{parsed:?} {parsed}"));

        // Through the client: the same answer gives the same error, 429 becomes RateLimited,
        // and nothing is retried (500 and 4xx never are; max_attempts is 1 for 429).
        let before = server.count();
        *next.lock().unwrap() = Some(reply_for(&sample));
        let error = client.list_integrations().await.unwrap_err();
        assert_eq!(server.count(), before + 1, "{}", sample.name);
        if sample.status == 429 {
            assert!(
                matches!(error, NangoError::RateLimited { attempts: 1, .. }),
                "{error:?}"
            );
        } else {
            assert_eq!(error.status(), Some(sample.status), "{}", sample.name);
            assert_eq!(
                error.code(),
                Some(expected_code.as_str()),
                "{}",
                sample.name
            );
        }
        checked += 1;
    }
    assert!(checked >= 50, "{checked}");
}

#[test]
fn rate_limited_sample_gets_a_message_naming_the_route() {
    let sample = samples()
        .into_iter()
        .find(|s| s.name == "rate_limited")
        .unwrap();
    let error = parse_error_response(
        "h",
        429,
        sample.content_type.as_deref(),
        sample.body.to_string().as_bytes(),
    );
    assert!(error.to_string().contains("GET /integrations"), "{error}");
}
