//! A distant Nango costs a round trip per request: the server keeps its connections to Nango open
//! across calls, reuses list answers for the cache TTL, and hands out cursors that any replica,
//! cached or not, can continue.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::Harness;
use nango_sim::{Sim, SimConfig};
use serde_json::{Value, json};

/// Waits (bounded) until the simulator's request count stops moving: a prefetched page runs on
/// its own task and may land just after the answer that did not need it.
async fn settled_request_count(sim: &Sim) -> u64 {
    let mut last = sim.request_count();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = sim.request_count();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

fn ids(answer: &Value) -> Vec<String> {
    answer["connections"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|row| row["connection_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn nango_connections_are_reused_across_tool_calls() {
    let h = Harness::start_with(SimConfig::demo(), &[("NANGO_MCP_CACHE_TTL", "0")]).await;
    for _ in 0..3 {
        h.ok("list_integrations", json!({})).await;
        h.ok("list_connections", json!({"health": ["auth_error"]}))
            .await;
        h.ok("list_syncs", json!({"connection_id": "conn-abc"}))
            .await;
    }
    let requests = settled_request_count(&h.sim).await;
    let accepted = h.sim.connections_accepted();
    assert!(requests >= 15, "every call read Nango: {requests} requests");
    // One connection per request in flight at once: a call and its prefetched page, plus a
    // prefetch that may still be finishing when the next call starts. Never one per request.
    assert!(
        accepted <= 3,
        "{accepted} TCP connections for {requests} requests"
    );
    h.stop().await;
}

#[tokio::test]
async fn paging_within_the_ttl_reads_no_list_again() {
    let h = Harness::start(SimConfig::demo()).await;
    let (first, _) = h.ok("list_connections", json!({"limit": 10})).await;
    let after_first = settled_request_count(&h.sim).await;
    assert_eq!(
        after_first, 2,
        "one page of up to 2,000 and the prefetched next one"
    );
    let mut seen: BTreeSet<String> = ids(&first).into_iter().collect();
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let (page, _) = h
            .ok("list_connections", json!({"limit": 10, "cursor": next}))
            .await;
        for id in ids(&page) {
            assert!(seen.insert(id), "a connection came twice");
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 60, "the whole listing");
    h.ok("list_integrations", json!({})).await;
    h.ok("list_integrations", json!({})).await;
    assert_eq!(
        settled_request_count(&h.sim).await,
        after_first + 1,
        "five more pages from the cache, integrations read once"
    );
    h.stop().await;
}

#[tokio::test]
async fn without_the_cache_every_call_reads_nango() {
    let h = Harness::start_with(SimConfig::demo(), &[("NANGO_MCP_CACHE_TTL", "0")]).await;
    h.ok("list_integrations", json!({})).await;
    h.ok("list_integrations", json!({})).await;
    assert_eq!(settled_request_count(&h.sim).await, 2);
    h.stop().await;
}

/// Same seed and anchor: two simulators serving the same data, like one Nango behind two
/// replicas of nango-mcp.
fn same_nango() -> SimConfig {
    SimConfig {
        anchor: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).single(),
        ..SimConfig::demo()
    }
}

#[tokio::test]
async fn a_cursor_continues_on_a_replica_without_the_cache() {
    let cached = Harness::start(same_nango()).await;
    let uncached = Harness::start_with(same_nango(), &[("NANGO_MCP_CACHE_TTL", "0")]).await;
    let (whole, _) = cached.ok("list_connections", json!({"limit": 1000})).await;
    let expected = ids(&whole);
    assert_eq!(expected.len(), 60);
    let mut walked = Vec::new();
    let mut arguments = json!({"limit": 7});
    for page in 0.. {
        // Alternate replicas: the cursor alone says where the listing stands.
        let replica = if page % 2 == 0 { &cached } else { &uncached };
        let (answer, _) = replica.ok("list_connections", arguments.clone()).await;
        walked.extend(ids(&answer));
        match answer["next_cursor"].as_str() {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => break,
        }
    }
    assert_eq!(walked, expected, "same rows, same order, none twice");
    cached.stop().await;
    uncached.stop().await;
}
