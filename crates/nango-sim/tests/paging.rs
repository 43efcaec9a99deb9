//! Offset paging of connections and cursor paging of records.

// Helpers outside `#[test]` fns fail loudly too; clippy.toml only relaxes `#[test]` bodies.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;

use common::*;
use nango_sim::{RecordCountOverride, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

fn ids(page: &Value) -> Vec<String> {
    page["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| c["connection_id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn connections_pages_cover_everything_in_created_desc_order() {
    let sim = start(SimConfig::demo()).await;
    // 60 connections: limit 20 is an exact multiple, limit 25 leaves a short last page.
    for limit in [20usize, 25, 7] {
        let mut seen = Vec::new();
        let mut page = 0;
        loop {
            let body = get_json(&sim, &format!("/connections?limit={limit}&page={page}")).await;
            let batch = ids(&body);
            assert!(batch.len() <= limit);
            let short = batch.len() < limit;
            seen.extend(batch);
            page += 1;
            if short {
                break;
            }
        }
        assert_eq!(seen.len(), 60, "limit {limit}");
        assert_eq!(
            seen.iter().collect::<HashSet<_>>().len(),
            60,
            "no duplicates with limit {limit}"
        );
        // The page after an exact multiple is empty, not an error.
        if 60 % limit == 0 {
            assert_eq!(page, 60 / limit + 1);
        }
    }
    let all = get_json(&sim, "/connections").await;
    let rows = all["connections"].as_array().expect("rows");
    assert_eq!(rows.len(), 60, "no limit = the server's 10,000 default");
    let created: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["created"].as_str().expect("created"),
                r["id"].as_u64().expect("id"),
            )
        })
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "ordered created desc, id desc"
    );
    let beyond = get_json(&sim, "/connections?limit=50&page=9").await;
    assert_eq!(beyond["connections"], serde_json::json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_filters() {
    let sim = start(SimConfig::demo()).await;
    let salesforce = get_json(&sim, "/connections?integrationId=salesforce-prod&limit=100").await;
    assert_eq!(ids(&salesforce).len(), 12);
    let two = get_json(
        &sim,
        "/connections?integrationId=salesforce-prod,hubspot-prod&limit=100",
    )
    .await;
    let dataset = sim.dataset();
    assert_eq!(
        ids(&two).len(),
        dataset.connections_for("salesforce-prod").len()
            + dataset.connections_for("hubspot-prod").len()
    );
    let exact = get_json(&sim, "/connections?connectionId=conn-abc").await;
    assert_eq!(ids(&exact), ["conn-abc"]);
    let tagged = get_json(
        &sim,
        "/connections?tags[organization_id]=org-acme-corp&limit=100",
    )
    .await;
    let tagged_ids = ids(&tagged);
    assert!(tagged_ids.contains(&"conn-abc".to_owned()));
    assert!(
        tagged["connections"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|c| c["tags"]["organization_id"] == "org-acme-corp")
    );
    // Tag keys are lower-cased by the server.
    let upper = get_json(
        &sim,
        "/connections?tags[ORGANIZATION_ID]=org-acme-corp&limit=100",
    )
    .await;
    assert_eq!(ids(&upper), tagged_ids);
    let abc = dataset.find_connection("conn-abc").expect("conn-abc");
    let email = abc.tags["end_user_email"].to_uppercase();
    let searched = get_json(&sim, &format!("/connections?search={email}")).await;
    assert!(
        ids(&searched).contains(&"conn-abc".to_owned()),
        "search is case-insensitive on end-user e-mail"
    );
    let none = get_json(&sim, "/connections?integrationId=does-not-exist").await;
    assert_eq!(ids(&none).len(), 0);
    sim.shutdown().await;
}

async fn walk(
    sim: &nango_sim::Sim,
    connection: &str,
    integration: &str,
    query: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let reply = records(sim, connection, integration, &q).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        out.extend(body["records"].as_array().expect("records").iter().cloned());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn records_cursor_walk_returns_every_record_exactly_once_in_order() {
    let config = SimConfig {
        record_count_overrides: vec![RecordCountOverride {
            connection_id: "conn-123".into(),
            model: "Deal".into(),
            count: 1_037,
        }],
        ..SimConfig::demo()
    };
    let sim = start(config).await;
    let all = walk(&sim, "conn-123", "hubspot-prod", "model=Deal&limit=100").await;
    assert_eq!(all.len(), 1_037);
    let unique: HashSet<&str> = all.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(unique.len(), 1_037);
    let stamps: Vec<&str> = all
        .iter()
        .map(|r| {
            r["_nango_metadata"]["last_modified_at"]
                .as_str()
                .expect("time")
        })
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "ordered by last_modified_at asc"
    );
    // Every record also equals what the dataset helper says, so tests can predict pages.
    assert_eq!(
        Some(all[500].clone()),
        sim.dataset().record("conn-123", "Deal", 500)
    );
    // A page exactly at the end: next_cursor is null when nothing follows.
    let exact = walk(&sim, "conn-123", "hubspot-prod", "model=Deal&limit=1037").await;
    assert_eq!(exact.len(), 1_037);
    let last_cursor = all.last().expect("last")["_nango_metadata"]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let after_last = records(
        &sim,
        "conn-123",
        "hubspot-prod",
        &format!("model=Deal&cursor={last_cursor}"),
    )
    .await
    .json();
    assert_eq!(
        after_last,
        serde_json::json!({ "next_cursor": null, "records": [] })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn record_filters_ids_and_modified_after() {
    let sim = start(SimConfig::demo()).await;
    let all = walk(&sim, "conn-456", "hubspot-prod", "model=Contact&limit=1000").await;
    let count = |action: &str| {
        all.iter()
            .filter(|r| r["_nango_metadata"]["last_action"] == action)
            .count()
    };
    let deleted = walk(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&filter=deleted&limit=7",
    )
    .await;
    assert_eq!(deleted.len(), count("DELETED"));
    assert!(
        deleted
            .iter()
            .all(|r| r["_nango_metadata"]["last_action"] == "DELETED"
                && r.as_object().expect("obj").len() == 2)
    );
    let combo = walk(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&filter=ADDED,updated&limit=9",
    )
    .await;
    assert_eq!(combo.len(), count("ADDED") + count("UPDATED"));
    assert!(
        count("DELETED") > 0 && count("ADDED") > 0 && count("UPDATED") > 0,
        "all actions present"
    );

    let picked = records(
        &sim,
        "conn-456",
        "hubspot-prod",
        "model=Contact&ids=654&ids=987&ids=missing",
    )
    .await
    .json();
    let names: Vec<(&str, &str)> = picked["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["first_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [("987", "Alex"), ("654", "Sarah")],
        "ids filter keeps storage order"
    );
    assert_eq!(picked["next_cursor"], Value::Null);

    let middle = &all[all.len() / 2]["_nango_metadata"]["last_modified_at"];
    let after = walk(
        &sim,
        "conn-456",
        "hubspot-prod",
        &format!(
            "model=Contact&limit=1000&modified_after={}",
            urlencode(middle.as_str().unwrap())
        ),
    )
    .await;
    assert_eq!(
        after.len(),
        all.len() - all.len() / 2,
        "modified_after is inclusive"
    );

    let unknown_model = records(&sim, "conn-456", "hubspot-prod", "model=Ticket")
        .await
        .json();
    assert_eq!(
        unknown_model,
        serde_json::json!({ "next_cursor": null, "records": [] })
    );
    sim.shutdown().await;
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn functions_are_paginated() {
    let sim = start(SimConfig::demo()).await;
    let first = get_json(&sim, "/integrations/salesforce-prod/functions?limit=3").await;
    assert_eq!(
        first["pagination"],
        serde_json::json!({ "total": 4, "page": 0, "limit": 3 })
    );
    assert_eq!(first["data"].as_array().unwrap().len(), 3);
    let second = get_json(
        &sim,
        "/integrations/salesforce-prod/functions?limit=3&page=1",
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    let actions = get_json(&sim, "/integrations/salesforce-prod/functions?type=action").await;
    assert_eq!(actions["data"][0]["name"], "create-deal");
    assert_eq!(actions["pagination"]["total"], 1);
    let none = get_json(&sim, "/integrations/freshdesk-prod/functions").await;
    assert_eq!(
        none,
        serde_json::json!({ "data": [], "pagination": { "total": 0, "page": 0, "limit": 20 } })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn byte_budget_shortens_pages_but_the_walk_stays_complete() {
    let sim = start(SimConfig {
        records_page_max_bytes: Some(4_000),
        ..SimConfig::demo()
    })
    .await;
    let first = records(&sim, "conn-456", "hubspot-prod", "model=Contact&limit=100")
        .await
        .json();
    let shown = first["records"].as_array().unwrap().len();
    assert!(shown > 0 && shown < 100, "page cut by the budget: {shown}");
    assert!(first["next_cursor"].is_string());
    let all = walk(&sim, "conn-456", "hubspot-prod", "model=Contact&limit=100").await;
    assert_eq!(all.len(), sim.dataset().record_count("conn-456", "Contact"));
    sim.shutdown().await;
}
