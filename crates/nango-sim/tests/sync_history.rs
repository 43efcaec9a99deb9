//! The seeded sync-run history behind the Management MCP: it agrees with `/sync/status`, tells
//! the product's stories (conn-123's rate-limited `deals` run, conn-abc's failing `deals`), has
//! failures of every kind, and is a pure function of the seed and anchor.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use nango_sim::dataset::{SyncScenario, parse_frequency};
use nango_sim::{Dataset, FailureKind, OperationKind, RunState, SimConfig, SimState};

fn build(config: SimConfig) -> Arc<Dataset> {
    SimState::new(config).expect("state").dataset()
}

fn anchored(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        anchor: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single(),
        ..SimConfig::demo()
    }
}

#[test]
fn every_history_agrees_with_sync_status() {
    let dataset = build(anchored(42));
    let mut scenarios_seen = BTreeSet::new();
    for connection in &dataset.connections {
        for sync in &connection.syncs {
            let runs = dataset.sync_runs(&connection.connection_id, &sync.name);
            let what = format!(
                "{}/{} ({:?})",
                connection.connection_id, sync.name, sync.scenario
            );
            scenarios_seen.insert(format!("{:?}", sync.scenario));
            match sync.scenario {
                SyncScenario::NeverRan => {
                    assert!(runs.is_empty(), "{what}: a sync that never ran has no runs");
                    continue;
                }
                SyncScenario::Running => {
                    let latest = runs.first().expect(&what);
                    assert_eq!(latest.state, RunState::Running, "{what}");
                    assert!(latest.ended_at.is_none() && latest.duration_ms().is_none());
                    assert!(latest.started_at <= dataset.anchor);
                }
                SyncScenario::Failing => {
                    let latest = runs.first().expect(&what);
                    assert_eq!(latest.state, RunState::Failed, "{what}");
                    assert_eq!(latest.ended_at, sync.finished_at, "{what}");
                    assert!(latest.failure.is_some(), "{what}");
                }
                SyncScenario::Paused | SyncScenario::Stopped | SyncScenario::Stale => {
                    // Nothing after the last run /sync/status reports (logs may have expired).
                    if let Some(latest) = runs.first() {
                        assert_eq!(latest.state, RunState::Success, "{what}");
                        assert_eq!(latest.ended_at, sync.finished_at, "{what}");
                    }
                    assert!(
                        runs.iter()
                            .all(|run| run.started_at <= sync.finished_at.unwrap())
                    );
                }
                SyncScenario::Fresh => {
                    let latest = runs.first().expect(&what);
                    assert_eq!(latest.state, RunState::Success, "{what}");
                    assert_eq!(latest.ended_at, sync.finished_at, "{what}");
                    let result = latest.result.clone().expect("success has counts");
                    assert_eq!(Some(result), sync.latest_result, "{what}");
                }
            }
            let frequency = parse_frequency(&sync.frequency);
            let Some(newest) = runs.first().map(|run| run.started_at) else {
                continue;
            };
            for pair in runs.windows(2) {
                let gap = pair[0].started_at - pair[1].started_at;
                assert!(
                    gap > frequency * 8 / 10 && gap < frequency * 12 / 10,
                    "{what}: gap {gap}"
                );
                let ended = pair[1].ended_at.expect("older runs ended");
                assert!(ended < pair[0].started_at, "{what}: runs never overlap");
            }
            for run in &runs {
                assert_eq!(run.kind, OperationKind::SyncRun);
                assert_eq!(run.connection_id, connection.connection_id);
                assert_eq!(run.sync.as_deref(), Some(sync.name.as_str()));
                assert!(
                    run.started_at >= connection.created_at - Duration::minutes(1),
                    "{what}"
                );
                assert!(
                    newest - run.started_at <= Duration::hours(72) + Duration::minutes(1),
                    "{what}: about 3 days back"
                );
                assert_eq!(
                    run.failure.is_some(),
                    matches!(run.state, RunState::Failed | RunState::Timeout)
                );
                assert_eq!(run.result.is_some(), run.state == RunState::Success);
            }
            if sync.scenario == SyncScenario::Fresh && frequency <= Duration::hours(1) {
                let span = newest - runs.last().unwrap().started_at;
                let old_enough = newest - connection.created_at > Duration::days(4);
                assert!(
                    !old_enough || span > Duration::hours(70),
                    "{what}: ~3 days of runs"
                );
            }
        }
    }
    assert!(scenarios_seen.len() >= 6, "{scenarios_seen:?}");
}

#[test]
fn conn_123_deals_last_five_runs_are_four_successes_and_one_rate_limit_two_hours_ago() {
    let dataset = build(SimConfig::demo());
    let runs = dataset.sync_runs("conn-123", "deals");
    let last_five = &runs[..5];
    let failed: Vec<_> = last_five
        .iter()
        .filter(|r| r.state == RunState::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{last_five:#?}");
    assert_eq!(
        last_five
            .iter()
            .filter(|r| r.state == RunState::Success)
            .count(),
        4
    );
    let failure = failed[0].failure.as_ref().unwrap();
    assert_eq!(failure.kind, FailureKind::ProviderRateLimit);
    assert!(
        failure.message.contains("429") && failure.message.contains("rate limit"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("api.hubapi.com"),
        "{}",
        failure.message
    );
    let age = dataset.anchor - failed[0].ended_at.unwrap();
    assert!(
        age >= Duration::hours(2) && age < Duration::hours(3),
        "failed {age} ago"
    );
    // The newest run is the healthy latest run /sync/status shows.
    let status = dataset
        .syncs_for("conn-123")
        .iter()
        .find(|s| s.name == "deals")
        .unwrap();
    assert_eq!(runs[0].ended_at, status.finished_at);
}

#[test]
fn conn_abc_deals_fails_since_the_data_stopped_and_its_error_points_at_the_latest_run() {
    let dataset = build(SimConfig::demo());
    let connection = dataset.find_connection("conn-abc").unwrap();
    let sync = connection.syncs.iter().find(|s| s.name == "deals").unwrap();
    let runs = dataset.sync_runs("conn-abc", "deals");
    let error = connection.errors.iter().find(|e| e.kind == "sync").unwrap();
    assert_eq!(
        runs[0].id, error.log_id,
        "errors[].log_id leads to the failing run"
    );
    let streak: Vec<_> = runs
        .iter()
        .take_while(|r| r.state == RunState::Failed)
        .collect();
    assert!(
        streak.len() >= 20,
        "hourly failures for over a day: {}",
        streak.len()
    );
    for run in &streak {
        let failure = run.failure.as_ref().unwrap();
        assert_eq!(failure.kind, FailureKind::ScriptError);
        assert!(
            failure.message.starts_with("TypeError: "),
            "{}",
            failure.message
        );
        assert!(run.started_at > sync.records_to);
    }
    let last_success = runs.iter().find(|r| r.state == RunState::Success).unwrap();
    assert!(
        last_success.started_at <= sync.records_to,
        "the data stopped when the failures began"
    );
    assert_eq!(dataset.log_operation(&error.log_id).unwrap(), runs[0]);
}

#[test]
fn auth_errors_lead_to_failed_token_refreshes_and_invalid_credentials() {
    let dataset = build(SimConfig::demo());
    let xyz = dataset.find_connection("conn-xyz").unwrap();
    let auth = xyz.errors.iter().find(|e| e.kind == "auth").unwrap();
    let refresh = dataset
        .log_operation(&auth.log_id)
        .expect("the auth error's operation");
    assert_eq!(refresh.kind, OperationKind::TokenRefresh);
    assert_eq!(refresh.state, RunState::Failed);
    let failure = refresh.failure.as_ref().unwrap();
    assert_eq!(failure.kind, FailureKind::InvalidCredentials);
    assert!(
        failure.message.contains("invalid_grant"),
        "{}",
        failure.message
    );
    // A connection with both errors: its failing sync is refused with 401.
    let both = dataset
        .connections
        .iter()
        .find(|c| c.has_error("auth") && c.has_error("sync"))
        .expect("the demo has a connection with both errors");
    let failing = both.syncs.iter().find(|s| s.status == "ERROR").unwrap();
    let latest = &dataset.sync_runs(&both.connection_id, &failing.name)[0];
    let failure = latest.failure.as_ref().unwrap();
    assert_eq!(failure.kind, FailureKind::InvalidCredentials);
    assert!(
        failure.message.contains("HTTP 401") && failure.message.contains("invalid credentials")
    );
}

#[test]
fn history_has_every_failure_kind_and_state() {
    let dataset = build(SimConfig::demo());
    let mut kinds = HashSet::new();
    let mut states = HashSet::new();
    for connection in &dataset.connections {
        for sync in &connection.syncs {
            for run in dataset.sync_runs(&connection.connection_id, &sync.name) {
                states.insert(run.state);
                if let Some(failure) = run.failure {
                    kinds.insert(failure.kind);
                }
            }
        }
    }
    for kind in [
        FailureKind::ProviderRateLimit,
        FailureKind::InvalidCredentials,
        FailureKind::Timeout,
        FailureKind::ScriptError,
        FailureKind::ProviderServerError,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }
    for state in [
        RunState::Success,
        RunState::Failed,
        RunState::Running,
        RunState::Timeout,
        RunState::Cancelled,
    ] {
        assert!(states.contains(&state), "{state:?} missing");
    }
}

#[test]
fn failed_runs_have_an_error_line_with_the_error_object() {
    let dataset = build(SimConfig::demo());
    let runs = dataset.sync_runs("conn-123", "deals");
    let failed = runs.iter().find(|r| r.state == RunState::Failed).unwrap();
    let messages = dataset.log_messages(failed);
    assert!(messages.len() >= 3, "{messages:#?}");
    assert!(
        messages
            .windows(2)
            .all(|m| m[0].created_at >= m[1].created_at),
        "newest first"
    );
    let error_line = &messages[0];
    assert_eq!(error_line.level, "error");
    assert_eq!(error_line.error.as_ref(), failed.failure.as_ref());
    let http: Vec<_> = messages.iter().filter_map(|m| m.http.as_ref()).collect();
    assert!(http.iter().any(|call| call.status == 429), "{http:?}");
    let success = &runs[0];
    let lines = dataset.log_messages(success);
    assert!(lines.iter().all(|m| m.level == "info" && m.error.is_none()));
    let (model, saved) = lines.iter().find_map(|m| m.persisted.clone()).unwrap();
    assert_eq!(model, "Deal");
    assert_eq!(Some(saved), success.result);
}

#[test]
fn history_is_deterministic_and_ids_resolve() {
    let a = build(anchored(42));
    let b = build(anchored(42));
    let c = build(anchored(43));
    for (connection, sync) in [
        ("conn-123", "deals"),
        ("conn-abc", "deals"),
        ("conn-456", "contacts"),
    ] {
        let runs = a.sync_runs(connection, sync);
        assert!(!runs.is_empty());
        assert_eq!(runs, b.sync_runs(connection, sync), "{connection}/{sync}");
        assert_ne!(
            runs,
            c.sync_runs(connection, sync),
            "another seed, another history"
        );
        let ids: HashSet<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), runs.len(), "unique ids");
        for run in runs.iter().step_by(7) {
            assert_eq!(run.id.len(), 20);
            assert!(run.id.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(a.log_operation(&run.id).as_ref(), Some(run));
            assert_eq!(
                c.log_operation(&run.id),
                None,
                "ids of one seed mean nothing to another"
            );
            assert_eq!(a.log_messages(run), b.log_messages(run));
        }
    }
    assert_eq!(a.log_operation("aAbBcCdDeEfFgGhH0002"), None);
    assert!(a.sync_runs("conn-123", "no-such-sync").is_empty());
    assert!(a.sync_runs("no-such-connection", "deals").is_empty());
}
