//! Beyond the seed: the audit at scale inside Nango's rate limit, progress notifications, and the
//! MCP resources, resource templates, completions and prompts — all through rmcp's client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use common::Harness;
use nango_sim::SimConfig;
use rmcp::{
    ClientHandler, ServiceExt,
    model::{
        CallToolRequestParams, GetPromptRequestParams, NumberOrString, ProgressNotificationParam,
        ProgressToken, ReadResourceRequestParams, RequestMetaObject, ResourceContents,
    },
    service::{NotificationContext, RoleClient},
};

/// A client that records the progress notifications it receives.
#[derive(Clone)]
struct ProgressClient {
    seen: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for ProgressClient {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.seen
            .lock()
            .unwrap()
            .push(params.message.unwrap_or_default());
    }
}
use serde_json::{Value, json};

fn large() -> SimConfig {
    SimConfig {
        connections: 2_000,
        integrations: 40,
        records_per_model: 5,
        rate_limit_per_minute: 200,
        ..SimConfig::demo()
    }
}

#[tokio::test]
async fn audit_of_2000_connections_matches_and_stays_inside_the_rate_limit() {
    let h = Harness::start(large()).await;
    let dataset = h.sim.dataset();
    assert_eq!(dataset.connections.len(), 2_000);
    let (answer, text) = h.ok("audit_connections", json!({})).await;
    assert_eq!(answer["connections"], 2_000);
    assert_eq!(
        answer["by_health"]["auth_error"],
        dataset.connections_with_error("auth").len()
    );
    assert_eq!(
        answer["by_health"]["sync_error"],
        dataset.connections_with_error("sync").len()
    );
    assert_eq!(
        answer["integrations"].as_array().unwrap().len(),
        dataset
            .integrations
            .iter()
            .filter(|i| !dataset.connections_for(&i.unique_key).is_empty())
            .count()
    );
    // Every failing sync in the dataset is a finding, across pages.
    let expected_failing: usize = dataset
        .connections
        .iter()
        .flat_map(|c| &c.syncs)
        .filter(|s| s.status == "ERROR")
        .count();
    assert_eq!(
        answer["syncs"]["failing"].as_u64().unwrap_or(0) as usize,
        expected_failing
    );
    let mut findings = 0;
    let mut arguments = json!({"limit": 500});
    loop {
        let (page, _) = h.ok("audit_connections", arguments.clone()).await;
        findings += page["findings"].as_array().unwrap().len();
        match page.get("next_cursor").and_then(Value::as_str) {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    assert_eq!(
        findings,
        answer["findings_total"].as_u64().unwrap() as usize
    );
    assert_eq!(
        h.sim.rate_limited_count(),
        0,
        "the client paced itself: no 429 at all"
    );
    assert!(
        common::estimate_tokens(&text) < 8_000,
        "the summary fits the budget"
    );
    h.stop().await;
}

#[tokio::test]
async fn auth_error_question_over_2000_connections_is_complete_and_small() {
    let h = Harness::start(large()).await;
    let expected: BTreeSet<String> = h
        .sim
        .dataset()
        .connections_with_error("auth")
        .iter()
        .map(|c| c.connection_id.clone())
        .collect();
    let (answer, text) = h
        .ok(
            "list_connections",
            json!({"health": ["auth_error"], "limit": 1000}),
        )
        .await;
    let got: BTreeSet<String> = answer["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["connection_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected, "complete in one answer");
    assert!(answer.get("next_cursor").is_none());
    println!(
        "auth-error answer over 2,000 connections: {} rows, ~{} tokens text, ~{} tokens structured",
        got.len(),
        common::estimate_tokens(&text),
        common::estimate_tokens(&answer.to_string())
    );
    h.stop().await;
}

#[tokio::test]
async fn audit_reports_progress_when_asked() {
    let h = Harness::start(SimConfig::demo()).await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
    command
        .env_clear()
        .env("NANGO_SECRET_KEY", h.sim.secret_key())
        .env("NANGO_HOST", h.sim.base_url());
    let (transport, _) = rmcp::transport::TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = ProgressClient { seen: seen.clone() }
        .serve(transport)
        .await
        .unwrap();
    let mut request =
        CallToolRequestParams::new("audit_connections").with_arguments(serde_json::Map::new());
    request.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(
        NumberOrString::Number(7),
    )));
    let result = client.call_tool(request).await.unwrap();
    assert_ne!(result.is_error, Some(true));
    // Notifications are sent before the result; give the client a moment to dispatch them.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let _ = client.cancel().await;
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty(), "progress notifications arrived");
    assert!(
        seen.iter().any(|message| message.contains("sync status")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn resources_list_read_and_complete() {
    let h = Harness::start(SimConfig::demo()).await;
    let resources = h.client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert!(uris.contains(&"nango://integrations"));
    assert!(uris.contains(&"nango://integrations/salesforce-prod"));
    let templates = h.client.list_all_resource_templates().await.unwrap();
    let patterns: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(
        patterns,
        [
            "nango://integrations/{key}",
            "nango://connections/{integration}/{connection_id}"
        ]
    );

    let read = h
        .client
        .read_resource(ReadResourceRequestParams::new(
            "nango://connections/salesforce-prod/conn-abc",
        ))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents {
        text, mime_type, ..
    } = &read.contents[0]
    else {
        panic!("text contents")
    };
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    let connection: Value = serde_json::from_str(text).unwrap();
    assert_eq!(connection["connection_id"], "conn-abc");
    assert_eq!(connection["health"], json!(["sync_error"]));
    assert!(
        h.client
            .read_resource(ReadResourceRequestParams::new("nango://secrets/all"))
            .await
            .is_err()
    );

    let values = h
        .client
        .complete_resource_simple("nango://integrations/{key}", "key", "sales")
        .await
        .unwrap();
    assert_eq!(values, ["salesforce-prod"]);
    let values = h
        .client
        .complete_prompt_simple("debug_data_gap", "connection_id", "conn-a")
        .await
        .unwrap();
    assert!(values.contains(&"conn-abc".to_owned()), "{values:?}");
    h.stop().await;
}

#[tokio::test]
async fn prompts_name_the_tools_to_call() {
    let h = Harness::start(SimConfig::demo()).await;
    let prompts = h.client.list_all_prompts().await.unwrap();
    let names: BTreeSet<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "onboarding_audit",
            "debug_data_gap",
            "schema_verification",
            "pre_deployment_check",
            "audit_and_fix"
        ])
    );
    let mut arguments = serde_json::Map::new();
    arguments.insert("connection_id".into(), json!("conn-abc"));
    arguments.insert("model".into(), json!("Deal"));
    let prompt = h
        .client
        .get_prompt(GetPromptRequestParams::new("debug_data_gap").with_arguments(arguments))
        .await
        .unwrap();
    let text = serde_json::to_string(&prompt.messages).unwrap();
    assert!(
        text.contains("conn-abc")
            && text.contains("list_syncs")
            && text.contains("get_environment"),
        "{text}"
    );
    assert!(
        h.client
            .get_prompt(GetPromptRequestParams::new("debug_data_gap"))
            .await
            .is_err(),
        "required argument"
    );
    h.stop().await;
}

/// With a small token budget, answers are cut at row boundaries and a cursor walks the rest.
#[tokio::test]
async fn a_small_token_budget_cuts_at_row_boundaries() {
    // No rate limit here: the walk re-reads the connection list per page, which is the point.
    let config = SimConfig {
        connections: 400,
        integrations: 40,
        records_per_model: 3,
        ..SimConfig::demo()
    };
    let h = Harness::start_with(config, &[("NANGO_MCP_TOKEN_BUDGET", "1000")]).await;
    let (environment, text) = h.ok("get_environment", json!({})).await;
    assert!(
        environment["warnings"]
            .to_string()
            .contains("Deployed logic shown for"),
        "{environment}"
    );
    for answer in [environment.to_string(), text] {
        assert!(
            common::estimate_tokens(&answer) <= 1_000,
            "{} tokens",
            common::estimate_tokens(&answer)
        );
    }
    let mut seen = BTreeSet::new();
    let mut arguments = json!({"limit": 1000, "fields": ["*"]});
    let mut pages = 0;
    loop {
        let (page, text) = h.ok("list_connections", arguments.clone()).await;
        pages += 1;
        assert!(
            common::estimate_tokens(&page.to_string()) <= 1_000
                && common::estimate_tokens(&text) <= 1_000
        );
        for row in page["connections"].as_array().unwrap() {
            assert!(seen.insert(
                row["connection_id"].as_str().unwrap().to_owned()
                    + "@"
                    + row["integration"].as_str().unwrap()
            ));
        }
        match page.get("next_cursor").and_then(Value::as_str) {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        400,
        "every connection exactly once across {pages} pages"
    );
    assert!(pages > 2);
    h.stop().await;
}

/// When the minute's budget is smaller than the audit, it waits for the next window (saying so)
/// instead of failing, and still answers completely. Slow by nature: one real rate-limit window.
#[tokio::test]
async fn audit_waits_out_a_budget_smaller_than_itself() {
    let h = Harness::start_with(
        SimConfig {
            rate_limit_per_minute: 6,
            ..SimConfig::demo()
        },
        &[("NANGO_MCP_MAX_RETRY_WAIT", "2")],
    )
    .await;
    let started = std::time::Instant::now();
    let (answer, _) = h.ok("audit_connections", json!({})).await;
    assert_eq!(answer["connections"], h.sim.dataset().connections.len());
    assert!(
        answer["notes"]
            .as_array()
            .is_none_or(|notes| notes.is_empty()),
        "every integration audited: {answer}"
    );
    assert!(
        started.elapsed() > std::time::Duration::from_secs(1),
        "it had to wait for a window"
    );
    println!(
        "audit over a 6/min budget took {:?}, {} × 429 answered by the simulator",
        started.elapsed(),
        h.sim.rate_limited_count()
    );
    h.stop().await;
}
