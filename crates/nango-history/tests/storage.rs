//! The same storage tests against SQLite and a real PostgreSQL: identity-based dedup, restart,
//! 1,000 concurrent deliveries, cursor paging, retention, connection health over time, and the
//! database going away mid-stream.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use nango_history::webhook::{Parsed, parse};
use nango_history::{Delivery, History, RunCursor, RunQuery, Stored};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap() + Duration::minutes(minute)
}

fn keep(body: &[u8], received: DateTime<Utc>) -> Delivery {
    match parse(body, "prod", received).unwrap() {
        Parsed::Keep(delivery) => *delivery,
        Parsed::Ignored(kind) => panic!("ignored {kind}"),
    }
}

/// A distinct successful run of `sync` on `connection`, started at `minute`.
fn run(connection: &str, sync: &str, minute: i64) -> Delivery {
    let body = serde_json::json!({
        "connectionId": connection, "from": "nango", "model": "Deal",
        "modifiedAfter": at(minute).to_rfc3339(), "providerConfigKey": "hubspot-prod",
        "queryTimeStamp": at(minute).to_rfc3339(),
        "responseResults": {"added": minute, "deleted": 0, "updated": 1},
        "success": true, "syncName": sync, "syncType": "INCREMENTAL", "syncVariant": "base", "type": "sync"
    });
    keep(body.to_string().as_bytes(), at(minute + 1))
}

fn query(limit: u32) -> RunQuery {
    RunQuery {
        environment: "prod".to_owned(),
        limit,
        ..RunQuery::default()
    }
}

async fn same_delivery_is_stored_once(url: &str) {
    let history = History::open(url).await.unwrap();
    let first = keep(&fixture("sync-success.json"), at(0));
    // The copy to the secondary URL (or a retry) arrives later, maybe at another replica.
    let copy = keep(&fixture("sync-success.json"), at(3));
    assert_eq!(first.id(), copy.id());
    assert_eq!(history.record(&first).await.unwrap(), Stored::New);
    assert_eq!(history.record(&copy).await.unwrap(), Stored::Duplicate);
    let other = History::open(url).await.unwrap();
    assert_eq!(other.record(&copy).await.unwrap(), Stored::Duplicate);
    let failed = keep(&fixture("sync-error.json"), at(4));
    assert_eq!(history.record(&failed).await.unwrap(), Stored::New);
    let runs = history.list_runs(&query(10)).await.unwrap();
    assert_eq!(runs.len(), 2);
    let success = runs.iter().find(|r| r.run.state == "success").unwrap();
    assert_eq!(success.run.added, Some(12));
    assert_eq!(success.run.updated, Some(3));
    assert_eq!(success.run.deleted, Some(1));
    assert_eq!(success.run.connection_id, "conn-acme-42");
    assert_eq!(success.run.integration, "hubspot-prod");
    let failure = runs.iter().find(|r| r.run.state == "failed").unwrap();
    assert_eq!(failure.run.error_type.as_deref(), Some("script_http_error"));
    assert_eq!(
        failure.run.ended_at,
        "2026-12-07T23:41:07.512Z".parse::<DateTime<Utc>>().unwrap()
    );
    other.close().await;
    history.close().await;
}

async fn survives_a_restart(url: &str) {
    let history = History::open(url).await.unwrap();
    history.record(&run("c1", "deals", 1)).await.unwrap();
    history.close().await;
    drop(history);
    let reopened = History::open(url).await.unwrap();
    let runs = reopened.list_runs(&query(10)).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run.added, Some(1));
    reopened.close().await;
}

async fn thousand_concurrent_deliveries(url: &str) {
    let history = History::open(url).await.unwrap();
    let tasks: Vec<_> = (0..1_000)
        .map(|index| {
            let history = history.clone();
            tokio::spawn(async move {
                history
                    .record(&run(&format!("conn-{}", index % 50), "deals", index))
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), Stored::New);
    }
    // Walk the whole history with the cursor: 1,000 distinct runs, newest first.
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<RunCursor> = None;
    let mut last_end = None;
    loop {
        let mut page_query = query(128);
        page_query.after = after.clone();
        let page = history.list_runs(&page_query).await.unwrap();
        let Some(tail) = page.last() else { break };
        for stored in &page {
            if let Some(previous) = last_end {
                assert!(stored.run.run_at() <= previous, "not newest first");
            }
            last_end = Some(stored.run.run_at());
            assert!(seen.insert(stored.id.clone()), "a run came twice");
        }
        after = Some(RunCursor {
            at_ms: tail.run.run_at().timestamp_millis(),
            id: tail.id.clone(),
        });
    }
    assert_eq!(seen.len(), 1_000);
    let mut one = query(100);
    one.connection_id = Some("conn-7".to_owned());
    assert_eq!(history.list_runs(&one).await.unwrap().len(), 20);
    // Bulk insert (imports, the benchmark): 450 runs in 3 statements, the duplicates skipped.
    let bulk: Vec<_> = (2_000..2_450)
        .map(|minute| match run("conn-bulk", "deals", minute) {
            Delivery::Sync { id, run } => nango_history::StoredRun { id, run },
            Delivery::Auth { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(history.insert_runs(&bulk).await.unwrap(), 450);
    assert_eq!(history.insert_runs(&bulk[..10]).await.unwrap(), 0);
    let mut bulk_query = query(1_000);
    bulk_query.connection_id = Some("conn-bulk".to_owned());
    let listed = history.list_runs(&bulk_query).await.unwrap();
    assert_eq!(listed.len(), 450);
    assert_eq!(listed[0].run, bulk[449].run);
    history.close().await;
}

async fn retention_prunes(url: &str) {
    let history = History::open(url).await.unwrap();
    for minute in [0, 10, 20, 30] {
        history.record(&run("c1", "deals", minute)).await.unwrap();
    }
    let deleted = history.prune(at(15)).await.unwrap();
    assert_eq!(deleted, 2);
    let runs = history.list_runs(&query(10)).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.run.ended_at >= at(15)));
    history.close().await;
}

async fn health_has_a_time(url: &str) {
    let history = History::open(url).await.unwrap();
    let broke = keep(&fixture("auth-refresh-error.json"), at(0));
    history.record(&broke).await.unwrap();
    // The next failed refresh, hours later, does not move "since".
    history
        .record(&keep(&fixture("auth-refresh-error.json"), at(180)))
        .await
        .unwrap();
    let health = history
        .connection_health("prod", "conn-acme-42")
        .await
        .unwrap();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].broken_since, Some(at(0)));
    assert_eq!(health[0].last_failure_at, Some(at(180)));
    assert!(
        health[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("invalid_grant")
    );
    let changes = history.changes_since("prod", at(-60)).await.unwrap();
    assert_eq!(changes.broke.len(), 1);
    assert!(changes.recovered.is_empty());
    // The user reconnects (an override succeeds): recovered.
    history
        .record(&keep(&fixture("auth-override-success.json"), at(200)))
        .await
        .unwrap();
    let health = history
        .connection_health("prod", "conn-acme-42")
        .await
        .unwrap();
    assert_eq!(health[0].broken_since, None);
    assert_eq!(health[0].recovered_at, Some(at(200)));
    let changes = history.changes_since("prod", at(190)).await.unwrap();
    assert!(changes.broke.is_empty());
    assert_eq!(changes.recovered.len(), 1);
    // Broken again, then a successful sync run of that connection proves it works.
    history
        .record(&keep(&fixture("auth-refresh-error.json"), at(300)))
        .await
        .unwrap();
    assert_eq!(
        history
            .connection_health("prod", "conn-acme-42")
            .await
            .unwrap()[0]
            .broken_since,
        Some(at(300))
    );
    // A replayed run that started before the break proves nothing.
    let mut old = run("conn-acme-42", "deals", 250);
    if let Delivery::Sync { run, .. } = &mut old {
        run.integration = "hubspot-prod".to_owned();
    }
    history.record(&old).await.unwrap();
    assert_eq!(
        history
            .connection_health("prod", "conn-acme-42")
            .await
            .unwrap()[0]
            .broken_since,
        Some(at(300))
    );
    let mut sync = run("conn-acme-42", "deals", 310);
    if let Delivery::Sync { run, .. } = &mut sync {
        run.integration = "hubspot-prod".to_owned();
    }
    history.record(&sync).await.unwrap();
    let health = history
        .connection_health("prod", "conn-acme-42")
        .await
        .unwrap();
    assert_eq!(health[0].broken_since, None);
    assert_eq!(health[0].recovered_at, Some(at(310)));
    // Other environments see nothing.
    assert!(history.all_health("dev").await.unwrap().is_empty());
    history.close().await;
}

async fn all_scenarios(mut url: impl FnMut(&str) -> String) {
    same_delivery_is_stored_once(&url("dedup")).await;
    survives_a_restart(&url("restart")).await;
    thousand_concurrent_deliveries(&url("concurrent")).await;
    retention_prunes(&url("retention")).await;
    health_has_a_time(&url("health")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_history() {
    let dir = common::TempDir::new("sqlite");
    let base = dir.0.clone();
    all_scenarios(|name| nango_history::sqlite_url(&base.join(format!("{name}.sqlite3")))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_history() {
    let Some(pg) = common::pg::start() else {
        return;
    };
    let admin = pg.url();
    let mut created = Vec::new();
    for name in ["dedup", "restart", "concurrent", "retention", "health"] {
        create_database(&admin, name).await;
        created.push(name);
    }
    all_scenarios(|name| admin.replace("/postgres", &format!("/{name}"))).await;
}

async fn create_database(admin: &str, name: &str) {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.unwrap();
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    pool.close().await;
}

/// PostgreSQL stops (as in a crash) while deliveries keep coming, then comes back: every delivery
/// that `record` acknowledged (what the webhook answers 2xx for) is there afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_going_away_loses_nothing_acknowledged() {
    let Some(mut pg) = common::pg::start() else {
        return;
    };
    let history = History::open(&pg.url()).await.unwrap();
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    // Deliveries go on until 100 are acknowledged after PostgreSQL is back, however long stopping and starting
    // it takes (a fixed count could end before the database went away).
    let restarted = Arc::new(AtomicBool::new(false));
    let sender = {
        let history = history.clone();
        let acknowledged = Arc::clone(&acknowledged);
        let refused = Arc::clone(&refused);
        let restarted = Arc::clone(&restarted);
        tokio::spawn(async move {
            let mut after_restart = 0;
            for index in 0..20_000 {
                if after_restart > 100 {
                    break;
                }
                let delivery = run("conn-1", "deals", index);
                match history.record(&delivery).await {
                    Ok(_) => {
                        acknowledged.lock().unwrap().push(delivery.id().to_owned());
                        if restarted.load(Ordering::SeqCst) {
                            after_restart += 1;
                        }
                    }
                    Err(_) => {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    tokio::task::spawn_blocking(move || {
        pg.stop_server();
        // Longer than the store's 3 s wait for a connection, so a delivery made meanwhile is
        // refused rather than held until the database is back.
        std::thread::sleep(std::time::Duration::from_secs(4));
        pg.start_server();
        restarted.store(true, Ordering::SeqCst);
        pg
    })
    .await
    .map(|pg| sender_done(sender, pg, history, acknowledged, refused))
    .unwrap()
    .await;
}

async fn sender_done(
    sender: tokio::task::JoinHandle<()>,
    pg: common::pg::Postgres,
    history: History,
    acknowledged: Arc<std::sync::Mutex<Vec<String>>>,
    refused: Arc<AtomicUsize>,
) {
    sender.await.unwrap();
    assert!(
        refused.load(Ordering::SeqCst) > 0,
        "the database never went away during the stream"
    );
    let fresh = History::open(&pg.url()).await.unwrap();
    let stored: std::collections::HashSet<String> = fresh
        .list_runs(&query(1_000))
        .await
        .unwrap()
        .into_iter()
        .map(|stored| stored.id)
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 100);
    for id in &acknowledged {
        assert!(stored.contains(id), "an acknowledged delivery was lost");
    }
    history.close().await;
    fresh.close().await;
    drop(pg);
}
