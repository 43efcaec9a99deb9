//! The Redis store against a real redis-server: the same answers as the in-process store,
//! atomically across clients, and a clean failure and recovery when the server goes away.

use std::time::Duration;

use nango_state::testing::RedisServer;
use nango_state::{RateWindows, RedisStore, SharedState, SpentCodes};

const TTL: Duration = Duration::from_secs(300);

#[tokio::test]
async fn codes_are_spent_once_across_clients() {
    let server = RedisServer::start().unwrap();
    let one = RedisStore::connect_lazily(&server.url()).unwrap();
    let two = RedisStore::connect_lazily(&server.url()).unwrap();
    assert_eq!(one.spend("n1", TTL).await, Ok(true));
    assert_eq!(two.spend("n1", TTL).await, Ok(false));
    assert_eq!(one.spend("n1", TTL).await, Ok(false));
    assert_eq!(two.spend("n2", TTL).await, Ok(true));
}

#[tokio::test]
async fn concurrent_spends_of_one_code_have_one_winner() {
    let server = RedisServer::start().unwrap();
    let stores: Vec<_> = (0..4)
        .map(|_| RedisStore::connect_lazily(&server.url()).unwrap())
        .collect();
    let spends = stores
        .iter()
        .flat_map(|store| (0..8).map(move |_| store.spend("same", TTL)));
    let results = futures::future::join_all(spends).await;
    let winners = results.iter().filter(|result| **result == Ok(true)).count();
    assert_eq!(winners, 1, "{results:?}");
}

#[tokio::test]
async fn rate_windows_count_across_clients_like_the_local_store() {
    let server = RedisServer::start().unwrap();
    let one = RedisStore::connect_lazily(&server.url()).unwrap();
    let two = RedisStore::connect_lazily(&server.url()).unwrap();
    let local = nango_state::Local::new();
    let steps: [(&RedisStore, u64, u64); 6] = [
        (&one, 1060, 5),
        (&two, 1061, 2),
        (&one, 1060, 20),
        (&two, 1120, 0),
        (&one, 1060, 3),
        (&two, 1121, 0),
    ];
    for (store, window, floor) in steps {
        let shared = store.count("fp", window, floor).await.unwrap();
        let alone = local.count("fp", window, floor).await.unwrap();
        assert_eq!(shared, alone, "window {window} floor {floor}");
    }
    assert_eq!(one.count("other", 1060, 0).await, Ok(1));
    let counts = futures::future::join_all((0..50).map(|_| two.count("busy", 1060, 0))).await;
    let mut counts: Vec<u64> = counts.into_iter().map(Result::unwrap).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=50).collect::<Vec<_>>(),
        "each count given out once"
    );
}

#[tokio::test]
async fn a_stopped_store_fails_fast_and_recovers_without_a_new_client() {
    let mut server = RedisServer::start().unwrap();
    let store = RedisStore::connect_lazily(&server.url()).unwrap();
    assert_eq!(store.ping().await, Ok(()));
    assert!(store.is_shared());

    server.stop();
    let started = std::time::Instant::now();
    assert!(store.spend("n", TTL).await.is_err());
    assert!(store.ping().await.is_err());
    assert!(store.count("fp", 1060, 0).await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    server.restart().unwrap();
    // Past the quiet period, the very first call after the outage works (no ping first).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(store.spend("n", TTL).await, Ok(true));
    assert_eq!(store.count("fp", 1060, 0).await, Ok(1));
}

#[tokio::test]
async fn a_store_down_at_start_up_does_not_stop_construction() {
    let mut server = RedisServer::start().unwrap();
    server.stop();
    let store = RedisStore::connect_lazily(&server.url()).unwrap();
    assert!(store.ping().await.is_err());
    server.restart().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.ping().await.is_err() {
        assert!(std::time::Instant::now() < deadline, "never connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.spend("n", TTL).await, Ok(true));
}

#[test]
fn a_bad_url_is_refused_without_echoing_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let error = RedisStore::connect_lazily("http://user:hunter2@example").unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}
