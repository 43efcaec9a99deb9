//! The client against the Nango simulator: every endpoint over its generated dataset, the
//! secret canaries it plants, its fault injection and its real fixed-window rate limit.

// Helpers outside #[test] fns fail the test loudly, like assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use nango_api::{
    ClientConfig, ConnectionsQuery, IntegrationInclude, ManualClock, NangoClient, NangoError,
    RecordsQuery, SecretKey, SyncSelector,
};
use nango_sim::{Faults, Sim, SimConfig, SimKey};

fn config_for(sim: &Sim) -> ClientConfig {
    let mut config = ClientConfig::new(sim.base_url(), SecretKey::new(sim.secret_key()).unwrap());
    config.request_timeout = Duration::from_secs(10);
    config
}

fn client_for(sim: &Sim) -> (NangoClient, ManualClock) {
    common::client_with(config_for(sim))
}

fn assert_no_canary(canaries: &[String], text: &str) {
    for canary in canaries {
        assert!(!text.contains(canary.as_str()), "canary {canary} leaked");
    }
}

#[tokio::test]
async fn every_endpoint_reads_the_whole_dataset_without_carrying_a_secret() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let (client, _) = client_for(&sim);
    let dataset = sim.dataset();
    let canaries = sim.canaries();
    assert!(!canaries.is_empty());
    let mut printed = String::new();

    client.health().await.unwrap();

    let integrations = client.list_integrations().await.unwrap();
    assert_eq!(integrations.len(), dataset.integrations.len());
    for integration in &integrations {
        let include = IntegrationInclude {
            webhook: true,
            credentials: true,
        };
        let detail = client
            .get_integration(&integration.unique_key, include)
            .await
            .unwrap();
        assert_eq!(detail.integration.unique_key, integration.unique_key);
        let functions = client.all_functions(&integration.unique_key).await.unwrap();
        let expected = dataset
            .integration(&integration.unique_key)
            .unwrap()
            .functions
            .len();
        assert_eq!(functions.len(), expected, "{}", integration.unique_key);
        printed.push_str(&format!("{detail:?}{functions:?}"));
        if let Ok(provider) = client.get_provider(&integration.provider).await {
            printed.push_str(&format!("{provider:?}"));
        }
    }

    let connections: Vec<_> = client
        .connections(ConnectionsQuery {
            page_size: Some(7),
            ..ConnectionsQuery::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(connections.len(), dataset.connections.len());
    let expected_order: Vec<&str> = dataset
        .connections_newest_first()
        .map(|connection| connection.connection_id.as_str())
        .collect();
    let got_order: Vec<&str> = connections
        .iter()
        .map(|c| c.connection_id.as_str())
        .collect();
    assert_eq!(got_order, expected_order);
    let broken = connections.iter().filter(|c| !c.is_healthy()).count();
    let expected_broken = dataset
        .connections
        .iter()
        .filter(|c| !c.errors.is_empty())
        .count();
    assert_eq!(broken, expected_broken);
    printed.push_str(&format!("{connections:?}"));

    for connection in connections.iter().take(12) {
        let detail = client
            .get_connection(&connection.connection_id, &connection.provider_config_key)
            .await
            .unwrap();
        printed.push_str(&format!("{detail:?}"));
        let syncs = client
            .sync_status(
                &connection.provider_config_key,
                &SyncSelector::All,
                Some(&connection.connection_id),
            )
            .await
            .unwrap();
        assert_eq!(
            syncs.len(),
            dataset.syncs_for(&connection.connection_id).len()
        );
        printed.push_str(&format!("{syncs:?}"));
    }

    let with_records = dataset
        .connections
        .iter()
        .find(|connection| !connection.syncs.is_empty())
        .unwrap();
    let model = with_records.syncs[0].model.clone();
    let query = RecordsQuery {
        connection_id: with_records.connection_id.clone(),
        provider_config_key: with_records.provider_config_key.clone(),
        model: model.clone(),
        limit: Some(25),
        ..RecordsQuery::default()
    };
    let records: Vec<_> = client.records(query).try_collect().await.unwrap();
    assert_eq!(
        records.len(),
        dataset.record_count(&with_records.connection_id, &model)
    );
    printed.push_str(&format!("{records:?}"));

    let variables = client.environment_variables().await.unwrap();
    let names: Vec<String> = variables.iter().map(|v| v.name.clone()).collect();
    assert_eq!(names, dataset.environment_variable_names());
    printed.push_str(&format!("{variables:?}"));
    let scripts = client.scripts_config().await.unwrap();
    printed.push_str(&format!("{scripts:?}"));
    let providers = client.list_providers(None).await.unwrap();
    assert_eq!(providers.items.len(), dataset.providers.len());
    assert_eq!(providers.skipped, 0);

    assert_no_canary(&canaries, &printed);

    // On the wire: never Nango's script header, never a refresh flag.
    for request in sim.requests() {
        assert!(request.header("nango-is-script").is_none());
        let query = request.query.clone().unwrap_or_default();
        assert!(!query.contains("refresh"), "{query}");
        assert!(
            request
                .header("user-agent")
                .is_some_and(|ua| ua.starts_with("nango-mcp/"))
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_ids_reach_the_sim_as_one_encoded_segment() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let (client, _) = client_for(&sim);
    let integration = sim.dataset().integrations[0].unique_key.clone();
    for (input, encoded) in [
        ("../integrations", "..%2Fintegrations"),
        ("a/b?x=1#f", "a%2Fb%3Fx%3D1%23f"),
        ("%2e%2e", "%252e%252e"),
        ("ü", "%C3%BC"),
    ] {
        let error = client
            .get_connection(input, &integration)
            .await
            .unwrap_err();
        assert!(error.is_not_found(), "{input}: {error:?}");
        let last = sim.requests().pop().unwrap();
        assert_eq!(last.path, format!("/connections/{encoded}"));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_read_only_key_gets_facts_without_credentials() {
    let read_only = "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6";
    let sim = Sim::start(SimConfig::demo().with_key(SimKey::read_only(read_only)))
        .await
        .unwrap();
    let mut config = config_for(&sim);
    config.secret_key = SecretKey::new(read_only.to_owned()).unwrap();
    let (client, _) = common::client_with(config);
    let connection = &sim.dataset().connections[0];
    let detail = client
        .get_connection(&connection.connection_id, &connection.provider_config_key)
        .await
        .unwrap();
    let credentials = detail.credentials.unwrap_or_default();
    assert!(credentials.kind.is_none(), "{credentials:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn transient_faults_are_ridden_out_by_retries() {
    // Only the storm's `Retry-After: 1` under test: no per-minute window (and its reset).
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::demo()
    })
    .await
    .unwrap();
    let (client, clock) = client_for(&sim);
    sim.set_faults(Faults {
        status_burst: 3,
        ..Faults::none()
    });
    client.list_integrations().await.unwrap();
    assert_eq!(sim.request_count(), 4);
    assert_eq!(clock.sleeps().len(), 3);

    sim.set_faults(Faults {
        rate_limit_storm: 2,
        ..Faults::none()
    });
    client.list_integrations().await.unwrap();
    assert_eq!(sim.request_count(), 7);
    // Retry-After: 1 plus a second of slack, twice.
    assert_eq!(clock.sleeps()[3..], [Duration::from_secs(2); 2]);
    sim.shutdown().await;
}

#[tokio::test]
async fn broken_answers_map_to_their_errors() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let (client, _) = client_for(&sim);
    sim.set_faults(Faults {
        html_200: true,
        ..Faults::none()
    });
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(error, NangoError::NotJson { status: 200, .. }),
        "{error:?}"
    );

    sim.set_faults(Faults {
        truncated_json: true,
        ..Faults::none()
    });
    let error = client.list_integrations().await.unwrap_err();
    assert!(matches!(error, NangoError::InvalidBody { .. }), "{error:?}");

    sim.set_faults(Faults {
        status_burst: 10,
        ..Faults::none()
    });
    let error = client.list_integrations().await.unwrap_err();
    assert!(
        matches!(
            error,
            NangoError::Api {
                status: 502 | 503,
                ..
            }
        ),
        "{error:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hanging_sim_times_out() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let mut config = config_for(&sim);
    config.request_timeout = Duration::from_millis(200);
    config.retry.max_attempts = 2;
    let (client, _) = common::client_with(config);
    sim.set_faults(Faults {
        hang: true,
        ..Faults::none()
    });
    let error = client.list_integrations().await.unwrap_err();
    assert!(matches!(error, NangoError::Timeout { .. }), "{error:?}");
    sim.set_faults(Faults::none());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_against_the_sims_rate_limit_does_not_storm() {
    let sim = Sim::start(SimConfig {
        rate_limit_per_minute: 10,
        ..SimConfig::demo()
    })
    .await
    .unwrap();
    let mut config = config_for(&sim);
    // No pacing: on a virtual clock a paced sleep would move time for every caller.
    config.retry.slow_down_below = 0;
    let clock = ManualClock::new(common::epoch());
    let client = NangoClient::with_clock(config, Arc::new(clock.clone())).unwrap();
    let calls: Vec<_> = (0..30)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_integrations().await })
        })
        .collect();
    let mut succeeded = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(NangoError::RateLimited { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    // The sim's window is real time (60 s) and the wait budget 30 s: the budget is all that
    // can succeed, and the rest give up without hammering the server.
    assert_eq!(succeeded, 10);
    assert!(
        sim.rate_limited_count() <= 1,
        "{} answers were 429",
        sim.rate_limited_count()
    );
    assert!(
        sim.request_count() <= 11,
        "{} requests",
        sim.request_count()
    );
    // The limit is exact; the remaining count is the newest answer's, and thirty concurrent
    // answers arrive in any order (it read 4 or 7 instead of 0 in about one run of five), so
    // only "some of the budget was seen spent" is certain. Kept loose on purpose until the gate
    // keeps the lowest count of a window across out-of-order answers.
    let headroom = client.rate_limit().unwrap();
    assert_eq!(headroom.limit, 10);
    assert!(headroom.remaining < 10, "{headroom:?}");
    sim.shutdown().await;
}
