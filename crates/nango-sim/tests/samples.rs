//! Every real-server sample whose route the simulator serves, replayed against the simulator:
//! same status, same JSON shape, same content type and rate-limit headers.
//!
//! Not replayed: write routes (POST), `/proxy`, `/mcp` (the Management MCP samples are compared
//! in `management_mcp.rs`), the orchestrator-down 500, and the
//! unknown-route 500 (the sim answers a JSON 404 there on purpose).

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use nango_sim::{Dataset, SimConfig, SimKey};
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Clone, Copy, PartialEq)]
enum Key {
    Full,
    ReadOnly,
    Missing,
    NotUuid,
    Unknown,
}

struct Case {
    sample: &'static str,
    path: &'static str,
    key: Key,
    headers: &'static [(&'static str, &'static str)],
    loose: &'static [&'static str],
}

const fn case(sample: &'static str, path: &'static str) -> Case {
    Case {
        sample,
        path,
        key: Key::Full,
        headers: &[],
        loose: &[],
    }
}

const GH2: &[(&str, &str)] = &[
    ("Connection-Id", "conn-oauth2-2"),
    ("Provider-Config-Key", "github-test"),
];
const RECORD_LOOSE: &[&str] = &["$.records[]"];
/// Maps keyed by customer data: their keys depend on the connection, not on the API.
const DATA_MAPS: &[&str] = &[
    "$.connections[].tags",
    "$.connections[].metadata",
    "$.tags",
    "$.metadata",
];

fn cases() -> Vec<Case> {
    vec![
        case("integrations_list", "/integrations"),
        case("integration_get", "/integrations/github-test"),
        case(
            "integration_get_include",
            "/integrations/github-test?include=webhook&include=credentials",
        ),
        Case {
            key: Key::ReadOnly,
            ..case(
                "ro_integration_get_include",
                "/integrations/github-test?include=credentials",
            )
        },
        case("integration_get_404", "/integrations/does-not-exist"),
        case("integrations_list_badquery", "/integrations?foo=bar"),
        case("connections_list_errors", "/connections"),
        case("connections_list_paged", "/connections?limit=1&page=1"),
        case(
            "connections_list_filter",
            "/connections?integrationId=github-test,anvil-test&tags[end_user_id]=user-2",
        ),
        case("connections_list_badquery", "/connections?foo=bar"),
        case(
            "connection_get_apikey",
            "/connections/conn-apikey-1?provider_config_key=airtable-pat-test",
        ),
        case(
            "connection_get_with_errors",
            "/connections/conn-apikey-1?provider_config_key=airtable-pat-test",
        ),
        case(
            "connection_get_basic",
            "/connections/conn-basic-1?provider_config_key=anvil-test",
        ),
        case(
            "connection_get_oauth2",
            "/connections/conn-oauth2-1?provider_config_key=github-test",
        ),
        case(
            "connection_get_oauth2_refresh_token",
            "/connections/conn-oauth2-1?provider_config_key=github-test&refresh_token=true",
        ),
        Case {
            key: Key::ReadOnly,
            ..case(
                "ro_connection_get",
                "/connections/conn-oauth2-1?provider_config_key=github-test",
            )
        },
        Case {
            key: Key::ReadOnly,
            ..case(
                "ro_connection_get_refresh",
                "/connections/conn-oauth2-1?provider_config_key=github-test&force_refresh=true",
            )
        },
        case(
            "connection_get_404",
            "/connections/nope?provider_config_key=github-test",
        ),
        case(
            "connection_get_unknown_integration",
            "/connections/nope?provider_config_key=nope",
        ),
        case("connection_get_missing_pck", "/connections/conn-oauth2-1"),
        // Captured before anything was deployed; anvil-test has nothing deployed here.
        case(
            "sync_status_all",
            "/sync/status?provider_config_key=anvil-test&syncs=*",
        ),
        case(
            "sync_status_seeded",
            "/sync/status?provider_config_key=github-test&syncs=issues&connection_id=conn-oauth2-2",
        ),
        case(
            "sync_status_seeded_conn",
            "/sync/status?provider_config_key=github-test&syncs=issues&connection_id=conn-oauth2-2",
        ),
        case(
            "sync_status_never_ran",
            "/sync/status?provider_config_key=github-test&syncs=issues&connection_id=conn-oauth2-3",
        ),
        case(
            "sync_status_missing",
            "/sync/status?provider_config_key=github-test",
        ),
        case(
            "sync_status_unknown_conn",
            "/sync/status?provider_config_key=github-test&syncs=*&connection_id=nope",
        ),
        Case {
            headers: &[
                ("Connection-Id", "conn-oauth2-1"),
                ("Provider-Config-Key", "github-test"),
            ],
            ..case("records_empty", "/records?model=GithubIssue")
        },
        Case {
            headers: GH2,
            loose: RECORD_LOOSE,
            ..case("records_all", "/records?model=GithubIssue")
        },
        Case {
            headers: GH2,
            loose: RECORD_LOOSE,
            ..case("records_page1", "/records?model=GithubIssue&limit=2")
        },
        Case {
            headers: GH2,
            loose: RECORD_LOOSE,
            ..case(
                "records_deleted",
                "/records?model=GithubIssue&filter=deleted",
            )
        },
        Case {
            headers: GH2,
            ..case("records_missing_headers", "/records?model=GithubIssue")
        }
        .without_headers(),
        Case {
            headers: GH2,
            ..case("records_bad_model", "/records?model=githubIssue")
        },
        Case {
            headers: &[
                ("Connection-Id", "nope"),
                ("Provider-Config-Key", "github-test"),
            ],
            ..case("records_unknown_conn", "/records?model=GithubIssue")
        },
        Case {
            headers: GH2,
            ..case(
                "records_bad_cursor",
                "/records?model=GithubIssue&cursor=notacursor",
            )
        },
        Case {
            headers: GH2,
            ..case(
                "records_old_modified_after",
                "/records?model=GithubIssue&modified_after=2000-01-01T00:00:00Z",
            )
        },
        case("env_vars", "/environment-variables"),
        case("scripts_config_deployed", "/scripts/config"),
        case(
            "scripts_config_deployed_openai",
            "/scripts/config?format=openai",
        ),
        case("functions_list", "/integrations/anvil-test/functions"),
        case(
            "functions_list_deployed",
            "/integrations/github-test/functions",
        ),
        case("function_get", "/integrations/github-test/functions/issues"),
        Case {
            loose: &["$.data.proxy"],
            ..case("providers_get", "/providers/github")
        },
        case("providers_search", "/providers?search=^github$"),
        case("provider_templates", "/providers/github/templates"),
        Case {
            key: Key::Missing,
            ..case("no_auth", "/integrations")
        },
        Case {
            key: Key::NotUuid,
            ..case("bad_key_format", "/integrations")
        },
        Case {
            key: Key::Unknown,
            ..case("unknown_key", "/integrations")
        },
    ]
}

impl Case {
    fn without_headers(self) -> Self {
        Self {
            headers: &[],
            ..self
        }
    }
}

async fn sample_env_sim() -> nango_sim::Sim {
    let config = SimConfig {
        rate_limit_per_minute: 100_000,
        ..SimConfig::from_fixture(sample_env_fixture()).expect("fixture loads")
    }
    .with_key(SimKey::read_only(READ_ONLY_KEY));
    start(config).await
}

fn check_headers(name: &str, sample: &Value, reply: &Reply) {
    let headers = sample["headers"].as_object().expect("sample headers");
    if let Some(content_type) = headers.get("content-type").and_then(Value::as_str) {
        assert_eq!(
            reply.header("content-type"),
            Some(content_type),
            "{name}: content type"
        );
    }
    for rate_header in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert_eq!(
            headers.contains_key(rate_header),
            reply.header(rate_header).is_some(),
            "{name}: presence of {rate_header}"
        );
    }
}

#[tokio::test]
async fn sim_reproduces_every_served_sample() {
    let samples = samples();
    let sim = sample_env_sim().await;
    let full = sim.secret_key();
    for case in cases() {
        let sample = &samples[case.sample];
        assert!(sample.is_object(), "unknown sample {}", case.sample);
        let key = match case.key {
            Key::Full => Some(full.as_str()),
            Key::ReadOnly => Some(READ_ONLY_KEY),
            Key::Missing => None,
            Key::NotUuid => Some("not-a-uuid"),
            Key::Unknown => Some("9d3f1c2b-6a4e-4f8d-b1c7-2e5a9d0c3b6f"),
        };
        let reply = get_with(&sim, case.path, key, case.headers).await;
        let expected_status = sample["status"].as_u64().expect("status");
        assert_eq!(
            u64::from(reply.status.as_u16()),
            expected_status,
            "{}: status; body {}",
            case.sample,
            reply.text
        );
        let body = reply.json();
        let loose: Vec<&str> = case.loose.iter().chain(DATA_MAPS).copied().collect();
        assert_same_shape(case.sample, &sample["body"], &body, &loose);
        check_headers(case.sample, sample, &reply);
        if case.loose == RECORD_LOOSE {
            let (Some(expected), Some(actual)) =
                (sample["body"]["records"].get(0), body["records"].get(0))
            else {
                continue;
            };
            assert!(actual["id"].is_string(), "{}: record id", case.sample);
            assert_same_shape(
                case.sample,
                &expected["_nango_metadata"],
                &actual["_nango_metadata"],
                &[],
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn records_page_two_follows_the_cursor_like_the_sample() {
    let samples = samples();
    let sim = sample_env_sim().await;
    let page1 = records(
        &sim,
        "conn-oauth2-2",
        "github-test",
        "model=GithubIssue&limit=2",
    )
    .await
    .json();
    let cursor = page1["next_cursor"].as_str().expect("page 1 has a cursor");
    let page2 = records(
        &sim,
        "conn-oauth2-2",
        "github-test",
        &format!("model=GithubIssue&limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(page2.status, StatusCode::OK);
    let body = page2.json();
    assert_same_shape(
        "records_page2",
        &samples["records_page2"]["body"],
        &body,
        RECORD_LOOSE,
    );
    assert_ne!(body["records"][0]["id"], page1["records"][0]["id"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn empty_environment_matches_the_empty_samples() {
    let samples = samples();
    let sim = start(SimConfig::from_fixture(serde_json::json!({})).expect("empty fixture")).await;
    for (sample, path) in [
        ("integrations_list_empty", "/integrations"),
        ("scripts_config", "/scripts/config"),
        ("env_vars", "/environment-variables"),
    ] {
        let reply = get(&sim, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{sample}");
        assert_eq!(reply.json(), samples[sample]["body"], "{sample}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limited_reply_matches_the_sample() {
    let samples = samples();
    let sim = start(SimConfig {
        rate_limit_per_minute: 2,
        ..SimConfig::demo()
    })
    .await;
    for _ in 0..2 {
        assert_eq!(get(&sim, "/integrations").await.status, StatusCode::OK);
    }
    let reply = get(&sim, "/integrations").await;
    let sample = &samples["rate_limited"];
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        reply.json(),
        sample["body"],
        "429 body is byte-for-byte Nango's"
    );
    check_headers("rate_limited", sample, &reply);
    assert!(reply.header("retry-after").is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_scope_matches_the_forbidden_sample_shape() {
    let samples = samples();
    let sim = start(SimConfig::demo().with_key(SimKey::with_scopes(
        READ_ONLY_KEY,
        ["environment:integrations:list"],
    )))
    .await;
    let reply = get_with(&sim, "/connections?limit=1", Some(READ_ONLY_KEY), &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_same_shape(
        "ro_proxy_forbidden",
        &samples["ro_proxy_forbidden"]["body"],
        &reply.json(),
        &[],
    );
    sim.shutdown().await;
}

/// (sample, path, request headers, loose paths).
type Check<'a> = (&'a str, String, Vec<(&'a str, String)>, &'a [&'a str]);

/// The generated default dataset, too, answers in the samples' shapes (data-keyed maps such
/// as tags or credentials' `raw` are compared by kind only).
#[tokio::test]
async fn default_dataset_answers_in_sample_shapes() {
    let samples = samples();
    let sim = start(SimConfig::demo()).await;
    let dataset: std::sync::Arc<Dataset> = sim.dataset();
    let by_mode = |mode: &str| {
        dataset
            .connections
            .iter()
            .find(|c| c.auth_mode == mode && c.errors.is_empty())
            .expect("a healthy connection of that auth mode")
    };
    let api_key = by_mode("API_KEY");
    let basic = by_mode("BASIC");
    let never_ran = dataset
        .connections
        .iter()
        .find_map(|c| {
            c.syncs
                .iter()
                .find(|s| s.latest_execution_status.is_none())
                .map(|s| (c, s))
        })
        .expect("a never-ran sync");
    let connection_loose: &[&str] = &[
        "$.tags",
        "$.metadata",
        "$.connection_config",
        "$.credentials",
    ];
    let list_loose: &[&str] = &[
        "$.connections[].tags",
        "$.connections[].metadata",
        "$.connections[].end_user",
    ];
    let sync_loose: &[&str] = &["$.syncs[].latestResult", "$.syncs[].recordCount"];
    let checks: Vec<Check<'_>> = vec![
        ("integrations_list", "/integrations".into(), vec![], &[]),
        (
            "integration_get_include",
            "/integrations/salesforce-prod?include=webhook&include=credentials".into(),
            vec![],
            &[],
        ),
        (
            "connections_list",
            "/connections?limit=5".into(),
            vec![],
            list_loose,
        ),
        (
            "connection_get_oauth2",
            "/connections/conn-123?provider_config_key=hubspot-prod".into(),
            vec![],
            connection_loose,
        ),
        (
            "connection_get_apikey",
            format!(
                "/connections/{}?provider_config_key={}",
                api_key.connection_id, api_key.provider_config_key
            ),
            vec![],
            &["$.tags", "$.metadata", "$.connection_config", "$.end_user"],
        ),
        (
            "connection_get_basic",
            format!(
                "/connections/{}?provider_config_key={}",
                basic.connection_id, basic.provider_config_key
            ),
            vec![],
            &["$.tags", "$.metadata", "$.connection_config", "$.end_user"],
        ),
        (
            "sync_status_seeded_conn",
            "/sync/status?provider_config_key=salesforce-prod&syncs=deals&connection_id=conn-abc"
                .into(),
            vec![],
            sync_loose,
        ),
        (
            "sync_status_never_ran",
            format!(
                "/sync/status?provider_config_key={}&syncs={}&connection_id={}",
                never_ran.0.provider_config_key, never_ran.1.name, never_ran.0.connection_id
            ),
            vec![],
            sync_loose,
        ),
        (
            "records_page1",
            "/records?model=Contact&limit=2".into(),
            vec![
                ("Connection-Id", "conn-456".to_owned()),
                ("Provider-Config-Key", "hubspot-prod".to_owned()),
            ],
            RECORD_LOOSE,
        ),
        (
            "functions_list_deployed",
            "/integrations/jira-prod/functions".into(),
            vec![],
            &["$.data[].json_schema"],
        ),
        (
            "scripts_config_deployed",
            "/scripts/config".into(),
            vec![],
            &["$[].actions[].json_schema", "$[].syncs[].json_schema"],
        ),
        (
            "providers_get",
            "/providers/github".into(),
            vec![],
            &["$.data.proxy"],
        ),
    ];
    for (sample, path, headers, loose) in checks {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = get_with(&sim, &path, Some(&sim.secret_key()), &headers).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{sample} via {path}: {}",
            reply.text
        );
        let expected = samples[sample]["body"].clone();
        if sample == "connection_get_oauth2" {
            // Generated OAuth connections carry a realistic `raw` token response.
            assert!(reply.json()["credentials"]["raw"]["token_type"].is_string());
        }
        assert_same_shape(sample, &expected, &reply.json(), loose);
    }
    sim.shutdown().await;
}

#[test]
fn shape_helper_detects_key_and_kind_changes() {
    let a = serde_json::json!({"x": 1, "y": [{"k": "v"}], "n": null, "m": {"free": 1}});
    let b =
        serde_json::json!({"x": "1", "y": [{"k": "v", "extra": 2}], "n": 5, "m": {"other": true}});
    let diff = shape_diff(&a, &b, &["$.m"]);
    assert_eq!(diff.len(), 2, "{diff:?}");
    assert!(shape_diff(&a, &a, &[]).is_empty());
}
