//! Paging streams: they stop at the right page, fetch lazily, and never loop forever.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{Reply, TestServer};
use futures::{StreamExt, TryStreamExt};
use nango_api::{ConnectionsQuery, NangoError, RecordsQuery};
use serde_json::{Value, json};

fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
}

/// Serves `total` connections with Nango's offset paging.
async fn connections_server(total: usize) -> TestServer {
    TestServer::start(move |seen, _| {
        let limit: usize = query_param(seen.query.as_deref(), "limit").unwrap().parse().unwrap();
        let page: usize = query_param(seen.query.as_deref(), "page").unwrap().parse().unwrap();
        let rows: Vec<Value> = (page * limit..total.min((page + 1) * limit))
            .map(|index| {
                json!({"connection_id": format!("c{index}"), "provider_config_key": "k", "provider": "p"})
            })
            .collect();
        Reply::ok(json!({ "connections": rows }))
    })
    .await
}

fn sized(page_size: u32) -> ConnectionsQuery {
    ConnectionsQuery {
        page_size: Some(page_size),
        ..ConnectionsQuery::default()
    }
}

/// Pages requested so far, sorted (a prefetched page may arrive before the one it follows).
fn pages_seen(server: &TestServer) -> Vec<usize> {
    let mut pages: Vec<usize> = server
        .seen()
        .iter()
        .map(|seen| {
            query_param(seen.query.as_deref(), "page")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    pages.sort_unstable();
    pages
}

/// Waits (bounded) until the server has seen `count` requests: a prefetched page runs on its
/// own task and may still be on its way when the stream has already ended.
async fn settle(server: &TestServer, count: usize) {
    for _ in 0..500 {
        if server.count() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The pages a listing needed, plus at most the one after them (a prefetch requested while
/// the last page was still unanswered).
fn assert_at_most_one_extra(seen: &[usize], needed: &[usize]) {
    let mut with_extra = needed.to_vec();
    with_extra.push(needed.len());
    assert!(
        seen == needed || seen == with_extra,
        "pages {seen:?}, needed {needed:?}"
    );
}

#[tokio::test]
async fn connections_stream_pages_until_a_short_page_with_one_page_prefetched() {
    for (total, page_size, needed) in [
        (0, 10, vec![0]),        // empty: one page (and the second, requested with it)
        (7, 10, vec![0]),        // short first page
        (20, 10, vec![0, 1, 2]), // exact multiple: the empty page ends it
        (25, 10, vec![0, 1, 2]),
    ] {
        let server = connections_server(total).await;
        let (client, _) = common::client(&server);
        let ids: Vec<String> = client
            .connections(sized(page_size))
            .map_ok(|connection| connection.connection_id)
            .try_collect()
            .await
            .unwrap();
        let expected: Vec<String> = (0..total).map(|index| format!("c{index}")).collect();
        assert_eq!(ids, expected, "total {total}");
        if needed == [0] {
            settle(&server, 2).await;
            assert_eq!(
                pages_seen(&server),
                [0, 1],
                "the second page goes out with the first"
            );
        } else {
            settle(&server, needed.len()).await;
            assert_at_most_one_extra(&pages_seen(&server), &needed);
        }
        for seen in server.seen() {
            assert_eq!(
                query_param(seen.query.as_deref(), "limit"),
                Some(page_size.to_string())
            );
        }
    }
}

#[tokio::test]
async fn connections_stream_stays_one_page_ahead_and_stopping_early_costs_only_that() {
    let server = connections_server(100).await;
    let (client, _) = common::client(&server);
    let stream = client.connections(sized(10));
    tokio::task::yield_now().await;
    assert_eq!(
        server.count(),
        0,
        "nothing is fetched before the first poll"
    );
    let first: Vec<_> = stream.take(10).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(first.len(), 10);
    settle(&server, 2).await;
    assert_eq!(pages_seen(&server), vec![0, 1], "one page and its prefetch");

    let eleven: Vec<_> = client.connections(sized(10)).take(11).collect().await;
    assert_eq!(eleven.len(), 11);
    settle(&server, 5).await;
    assert_eq!(pages_seen(&server), vec![0, 0, 1, 1, 2]);
}

#[tokio::test]
async fn a_lookup_of_one_connection_id_never_prefetches() {
    let server = connections_server(1).await;
    let (client, _) = common::client(&server);
    let query = ConnectionsQuery {
        connection_id: Some("c0".into()),
        ..ConnectionsQuery::default()
    };
    let found: Vec<_> = client.connections(query).try_collect().await.unwrap();
    assert_eq!(found.len(), 1);
    // Give a (wrongly) spawned prefetch every chance to arrive before counting.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn connections_page_size_defaults_to_2000_and_is_capped_at_2000() {
    let server = connections_server(0).await;
    let (client, _) = common::client(&server);
    let _: Vec<_> = client
        .connections(ConnectionsQuery::default())
        .collect()
        .await;
    assert_eq!(
        query_param(server.last().query.as_deref(), "limit").as_deref(),
        Some("2000")
    );
    let _: Vec<_> = client.connections(sized(50_000)).collect().await;
    assert_eq!(
        query_param(server.last().query.as_deref(), "limit").as_deref(),
        Some("2000")
    );
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = TestServer::start(|seen, _| {
        if query_param(seen.query.as_deref(), "page").as_deref() == Some("0") {
            let rows: Vec<Value> = (0..2)
                .map(|i| json!({"connection_id": format!("c{i}"), "provider_config_key": "k", "provider": "p"}))
                .collect();
            Reply::ok(json!({ "connections": rows }))
        } else {
            Reply::Json(403, json!({"error": {"code": "forbidden", "message": "Insufficient scope"}}))
        }
    })
    .await;
    let (client, _) = common::client(&server);
    let items: Vec<_> = client.connections(sized(2)).collect().await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert!(matches!(&items[2], Err(error) if error.is_missing_scope()));
    settle(&server, 3).await;
    assert_eq!(
        pages_seen(&server),
        vec![0, 1, 2],
        "the failing page and one prefetch"
    );
}

fn record(id: usize) -> Value {
    json!({"id": format!("r{id}"), "_nango_metadata": {
        "first_seen_at": "2026-11-27T23:39:13.147797+00:00",
        "last_modified_at": "2026-11-27T23:39:13.147797+00:00",
        "last_action": "ADDED", "deleted_at": null, "pruned_at": null, "cursor": format!("cur{id}")}})
}

/// Serves `pages` pages of `per_page` records, cursors `p1`, `p2`, … and `null` at the end.
async fn records_server(pages: usize, per_page: usize) -> TestServer {
    TestServer::start(move |seen, _| {
        let page: usize = query_param(seen.query.as_deref(), "cursor")
            .map_or(0, |cursor| cursor.trim_start_matches('p').parse().unwrap());
        let records: Vec<Value> = (0..per_page).map(|i| record(page * per_page + i)).collect();
        let next = (page + 1 < pages).then(|| format!("p{}", page + 1));
        Reply::ok(json!({ "next_cursor": next, "records": records }))
    })
    .await
}

fn records_query() -> RecordsQuery {
    RecordsQuery {
        connection_id: "c".into(),
        provider_config_key: "k".into(),
        model: "Issue".into(),
        limit: Some(3),
        ..RecordsQuery::default()
    }
}

#[tokio::test]
async fn records_stream_follows_cursors_until_null() {
    let server = records_server(4, 3).await;
    let (client, _) = common::client(&server);
    let ids: Vec<String> = client
        .records(records_query())
        .map_ok(|record| record.id().unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..12).map(|i| format!("r{i}")).collect::<Vec<_>>());
    let cursors: Vec<Option<String>> = server
        .seen()
        .iter()
        .map(|seen| query_param(seen.query.as_deref(), "cursor"))
        .collect();
    assert_eq!(
        cursors,
        [
            None,
            Some("p1".into()),
            Some("p2".into()),
            Some("p3".into())
        ]
    );
    for seen in server.seen() {
        assert_eq!(seen.header("connection-id"), Some("c"));
        assert_eq!(
            query_param(seen.query.as_deref(), "limit").as_deref(),
            Some("3")
        );
    }
}

#[tokio::test]
async fn records_stream_starts_at_the_given_cursor_and_stops_early_without_requests() {
    let server = records_server(10, 3).await;
    let (client, _) = common::client(&server);
    let mut query = records_query();
    query.cursor = Some("p5".into());
    let first: Vec<_> = client
        .records(query)
        .take(4)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(first[0].id().as_deref(), Some("r15"));
    assert_eq!(
        server.count(),
        2,
        "four records need exactly two pages of three"
    );
}

#[tokio::test]
async fn empty_records_and_pages_with_cursor_but_no_records() {
    // An empty first page with a cursor (Nango's size budget) is followed, not taken as the end.
    let server = TestServer::start(
        |seen, _| match query_param(seen.query.as_deref(), "cursor") {
            None => Reply::ok(json!({"next_cursor": "p1", "records": []})),
            Some(_) => Reply::ok(json!({"next_cursor": null, "records": [record(7)]})),
        },
    )
    .await;
    let (client, _) = common::client(&server);
    let all: Vec<_> = client
        .records(records_query())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(server.count(), 2);

    let empty = records_server(1, 0).await;
    let (client, _) = common::client(&empty);
    let none: Vec<_> = client
        .records(records_query())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(empty.count(), 1);
}

#[tokio::test]
async fn a_cursor_that_does_not_advance_stops_the_stream() {
    let server =
        TestServer::start(|_, _| Reply::ok(json!({"next_cursor": "same", "records": [record(1)]})))
            .await;
    let (client, _) = common::client(&server);
    let items: Vec<_> = client.records(records_query()).collect().await;
    assert_eq!(server.count(), 2);
    assert!(items[0].is_ok());
    assert!(matches!(
        items.last(),
        Some(Err(NangoError::InvalidBody { .. }))
    ));
}

#[tokio::test]
async fn all_functions_pages_by_100_until_the_total() {
    let server = TestServer::start(|seen, _| {
        let page: usize = query_param(seen.query.as_deref(), "page")
            .unwrap()
            .parse()
            .unwrap();
        let count = if page < 2 { 100 } else { 30 };
        let data: Vec<Value> = (0..count)
            .map(|i| json!({"name": format!("f{}", page * 100 + i), "type": "sync"}))
            .collect();
        Reply::ok(json!({"data": data, "pagination": {"total": 230, "page": page, "limit": 100}}))
    })
    .await;
    let (client, _) = common::client(&server);
    let functions = client.all_functions("github").await.unwrap();
    assert_eq!(functions.len(), 230);
    assert_eq!(server.count(), 3);
    assert_eq!(
        query_param(server.last().query.as_deref(), "limit").as_deref(),
        Some("100")
    );

    // Exactly 100: the total says there is nothing more, so no extra request.
    let exact = TestServer::start(|_, _| {
        let data: Vec<Value> = (0..100)
            .map(|i| json!({"name": format!("f{i}"), "type": "action"}))
            .collect();
        Reply::ok(json!({"data": data, "pagination": {"total": 100, "page": 0, "limit": 100}}))
    })
    .await;
    let (client, _) = common::client(&exact);
    assert_eq!(client.all_functions("github").await.unwrap().len(), 100);
    assert_eq!(exact.count(), 1);
}
