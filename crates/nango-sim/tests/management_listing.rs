//! `logs_list_operations` and `logs_get_operation` through rmcp's client, as nango-mcp's
//! `list_sync_runs` calls them: filters, period, limit and cursor paging against the history
//! the dataset computes, the product's conn-123 example, and failed runs' messages.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use common::*;
use nango_sim::{Dataset, LogOperation, RunState, Sim, SimConfig};
use serde_json::{Value, json};

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn anchored() -> SimConfig {
    SimConfig {
        anchor: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single(),
        ..SimConfig::demo()
    }
}

/// Every operation of one connection (runs of all its syncs, token refreshes), newest first.
fn history(dataset: &Dataset, connection_id: &str) -> Vec<LogOperation> {
    let connection = dataset.find_connection(connection_id).unwrap();
    let mut all: Vec<LogOperation> = connection
        .syncs
        .iter()
        .flat_map(|sync| dataset.sync_runs(connection_id, &sync.name))
        .collect();
    all.extend(
        connection
            .errors
            .iter()
            .filter(|error| error.kind == "auth")
            .map(|error| dataset.log_operation(&error.log_id).unwrap()),
    );
    all.sort_by_key(|op| std::cmp::Reverse(op.created_at));
    all
}

fn within(
    operations: &[LogOperation],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<LogOperation> {
    operations
        .iter()
        .filter(|op| op.created_at >= from && op.created_at <= to)
        .cloned()
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

fn total(page: &Value) -> usize {
    page["pagination"]["total"].as_u64().unwrap() as usize
}

async fn walk(client: &mcp::Client, mut arguments: Value) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut totals = Vec::new();
    loop {
        let page = mcp::call_ok(client, "logs_list_operations", arguments.clone()).await;
        all.extend(ids(&page));
        totals.push(total(&page));
        match page["pagination"]["cursor"].as_str() {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
        assert!(all.len() < 10_000, "paging terminates");
    }
    assert!(
        totals.windows(2).all(|t| t[0] == t[1]),
        "the total never changes while paging"
    );
    (all, totals[0])
}

async fn started() -> (Sim, mcp::Client) {
    let sim = start(anchored()).await;
    let client = mcp::connect(&sim, &sim.secret_key()).await;
    (sim, client)
}

#[tokio::test]
async fn conn_123_deals_example_as_list_sync_runs_asks() {
    let (sim, client) = started().await;
    let anchor = sim.dataset().anchor;
    let page = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({
            "limit": 5,
            "operations": [{"type": "sync", "actions": ["run"]}],
            "period": {"from": iso(anchor - Duration::hours(24)), "to": iso(anchor)},
            "connections": ["conn-123"],
            "integrations": ["hubspot-prod"],
            "syncs": ["deals"],
        }),
    )
    .await;
    let rows = page["operations"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let states: Vec<&str> = rows
        .iter()
        .map(|row| row["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "success").count(),
        4,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "failed").count(),
        1,
        "{states:?}"
    );
    for row in rows {
        assert_eq!(row["connectionName"], "conn-123");
        assert_eq!(row["integrationName"], "hubspot-prod");
        assert_eq!(row["syncConfigName"], "deals");
        assert_eq!(row["operation"], json!({"type": "sync", "action": "run"}));
        let started = DateTime::parse_from_rfc3339(row["startedAt"].as_str().unwrap()).unwrap();
        let ended = DateTime::parse_from_rfc3339(row["endedAt"].as_str().unwrap()).unwrap();
        assert!(ended > started);
        // Nango stamps no durationMs on operations, and writes no nulls for unset fields.
        assert!(row.get("durationMs").is_none(), "{row}");
        assert!(
            row.get("actor").is_none() && row.get("error").is_none(),
            "{row}"
        );
    }
    let failed = rows.iter().find(|row| row["state"] == "failed").unwrap();
    let ended = DateTime::parse_from_rfc3339(failed["endedAt"].as_str().unwrap()).unwrap();
    let age = anchor - ended.with_timezone(&Utc);
    assert!(
        age >= Duration::hours(2) && age < Duration::hours(3),
        "{age}"
    );
    let expected = within(
        &sim.dataset().sync_runs("conn-123", "deals"),
        anchor - Duration::hours(24),
        anchor,
    );
    assert_eq!(total(&page), expected.len());
    assert!(page["pagination"]["cursor"].is_string());

    // The failure's reason is in its messages: an error line with the error object.
    let detail = mcp::call_ok(
        &client,
        "logs_get_operation",
        json!({"operationId": failed["id"], "messages": {"limit": 20}}),
    )
    .await;
    assert_eq!(detail["operation"], *failed);
    let messages = detail["messages"].as_array().unwrap();
    assert!(messages.len() >= 3 && total(&detail) == messages.len());
    let error_line = &messages[0];
    assert_eq!(error_line["level"], "error");
    assert_eq!(error_line["parentId"], failed["id"]);
    assert_eq!(error_line["error"]["name"], "script_http_error");
    let reason = error_line["error"]["message"].as_str().unwrap();
    assert!(
        reason.contains("429") && reason.contains("rate limit"),
        "{reason}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m["type"] == "http" && m["response"]["code"] == 429)
    );
    let paged = mcp::call_ok(
        &client,
        "logs_get_operation",
        json!({"operationId": failed["id"], "messages": {"limit": 1}}),
    )
    .await;
    assert_eq!(paged["messages"][0], messages[0]);
    let rest = mcp::call_ok(
        &client,
        "logs_get_operation",
        json!({"operationId": failed["id"], "messages": {"limit": 20, "cursor": paged["pagination"]["cursor"]}}),
    )
    .await;
    assert_eq!(rest["messages"].as_array().unwrap()[..], messages[1..]);
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_and_period_filters_page_through_exactly_the_history() {
    let (sim, client) = started().await;
    let dataset = sim.dataset();
    let anchor = dataset.anchor;
    for connection in ["conn-456", "conn-xyz"] {
        let (from, to) = (anchor - Duration::hours(80), anchor - Duration::hours(2));
        let expected: Vec<String> = within(&history(&dataset, connection), from, to)
            .into_iter()
            .map(|op| op.id)
            .collect();
        assert!(!expected.is_empty(), "{connection}");
        let (served, total) = walk(
            &client,
            json!({"connections": [connection], "limit": 7, "period": {"from": iso(from), "to": iso(to)}}),
        )
        .await;
        assert_eq!(
            served, expected,
            "{connection}: every operation once, newest first"
        );
        assert_eq!(total, expected.len());
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn integration_sync_and_state_filters() {
    let (sim, client) = started().await;
    let dataset = sim.dataset();
    let anchor = dataset.anchor;
    let (from, to) = (anchor - Duration::hours(72), anchor);
    let expected: Vec<LogOperation> = dataset
        .connections_for("salesforce-prod")
        .iter()
        .flat_map(|connection| {
            within(
                &dataset.sync_runs(&connection.connection_id, "deals"),
                from,
                to,
            )
        })
        .filter(|op| matches!(op.state, RunState::Failed | RunState::Timeout))
        .collect();
    assert!(
        expected.len() > 20,
        "conn-abc's streak alone: {}",
        expected.len()
    );
    let (served, total) = walk(
        &client,
        json!({"integrations": ["salesforce-prod"], "syncs": ["deals"], "states": ["failed", "timeout"],
               "limit": 500, "period": {"from": iso(from), "to": iso(to)}}),
    )
    .await;
    assert_eq!(total, expected.len());
    let mut expected_ids: Vec<String> = expected.into_iter().map(|op| op.id).collect();
    let mut served_sorted = served.clone();
    expected_ids.sort();
    served_sorted.sort();
    assert_eq!(served_sorted, expected_ids);
    let page = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"integrations": ["salesforce-prod"], "states": ["failed"], "limit": 50,
               "period": {"from": iso(from), "to": iso(to)}}),
    )
    .await;
    for row in page["operations"].as_array().unwrap() {
        assert_eq!(row["integrationName"], "salesforce-prod");
        assert_eq!(row["state"], "failed");
        assert_eq!(row["level"], "error");
    }
    let nothing = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"connections": ["no-such-connection"]}),
    )
    .await;
    assert_eq!(
        nothing,
        json!({"operations": [], "pagination": {"total": 0, "cursor": null}})
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn operation_type_and_search_filters() {
    let (sim, client) = started().await;
    let dataset = sim.dataset();
    let anchor = dataset.anchor;
    let period = json!({"from": iso(anchor - Duration::days(14)), "to": iso(anchor)});
    let auth = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"operations": [{"type": "auth"}], "limit": 500, "period": period}),
    )
    .await;
    let expected: usize = dataset
        .connections
        .iter()
        .filter(|c| c.has_error("auth"))
        .filter(|c| {
            c.last_fetched_at
                .is_some_and(|t| t >= anchor - Duration::days(14))
        })
        .count();
    assert!(expected >= 2);
    assert_eq!(total(&auth), expected);
    for row in auth["operations"].as_array().unwrap() {
        assert_eq!(
            row["operation"],
            json!({"type": "auth", "action": "refresh_token"})
        );
        assert_eq!(row["state"], "failed");
        assert!(row["syncConfigName"].is_null());
    }
    for operations in [
        json!([{"type": "sync", "actions": ["pause"]}]),
        json!([{"type": "action"}]),
    ] {
        let page = mcp::call_ok(
            &client,
            "logs_list_operations",
            json!({"operations": operations, "period": period}),
        )
        .await;
        assert_eq!(total(&page), 0, "{operations}");
    }
    let search = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"search": "typeerror", "connections": ["conn-abc"], "limit": 500, "period": period}),
    )
    .await;
    assert!(total(&search) >= 20);
    for id in ids(&search) {
        let failure = dataset.log_operation(&id).unwrap().failure.unwrap();
        assert!(failure.message.contains("TypeError"), "{}", failure.message);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn default_period_is_the_last_24_hours_of_the_sims_clock() {
    let (sim, client) = started().await;
    let dataset = sim.dataset();
    let operations = history(&dataset, "conn-456");
    let before = sim.state().now();
    let page = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"connections": ["conn-456"], "limit": 500}),
    )
    .await;
    let after = sim.state().now();
    let surely = within(&operations, after - Duration::hours(24), before).len();
    let possibly = within(&operations, before - Duration::hours(24), after).len();
    let served = total(&page);
    assert!(
        surely <= served && served <= possibly,
        "{surely} <= {served} <= {possibly}"
    );
    assert!(surely > 24, "contacts run every 15 minutes");
    assert_eq!(ids(&page).len(), served);
    // Default limit: 25.
    let default = mcp::call_ok(
        &client,
        "logs_list_operations",
        json!({"connections": ["conn-456"]}),
    )
    .await;
    assert_eq!(ids(&default).len(), 25);
    sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_and_anchor_serve_identical_pages() {
    let (a, client_a) = started().await;
    let (b, client_b) = started().await;
    let anchor = a.dataset().anchor;
    let arguments = json!({"limit": 40, "states": ["failed", "running", "cancelled", "timeout"],
                           "period": {"from": iso(anchor - Duration::hours(48)), "to": iso(anchor)}});
    let page_a = mcp::call_ok(&client_a, "logs_list_operations", arguments.clone()).await;
    let page_b = mcp::call_ok(&client_b, "logs_list_operations", arguments).await;
    assert_eq!(page_a, page_b);
    assert_eq!(ids(&page_a).len(), 40);
    let id = ids(&page_a)[3].clone();
    let detail_a = mcp::call_ok(&client_a, "logs_get_operation", json!({"operationId": id})).await;
    let detail_b = mcp::call_ok(&client_b, "logs_get_operation", json!({"operationId": id})).await;
    assert_eq!(detail_a, detail_b);
    a.shutdown().await;
    b.shutdown().await;
}
