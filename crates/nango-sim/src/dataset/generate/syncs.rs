//! Per-connection sync states: the `/sync/status` rows and the time window of their records.

use chrono::{DateTime, Duration, Utc};

use crate::dataset::model::{ConnectionSync, Function, RunResult, SyncScenario};
use crate::dataset::rng::Rng;

/// Parses Nango's `runs` strings (`every hour`, `every 15 minutes`, `every day`, …).
pub fn parse_frequency(runs: &str) -> Duration {
    let words: Vec<&str> = runs.split_whitespace().collect();
    let (amount, unit) = match words.as_slice() {
        ["every", unit] => (1, *unit),
        ["every", amount, unit] => (amount.parse::<i64>().unwrap_or(1), *unit),
        _ => (1, "hour"),
    };
    let unit = unit.trim_end_matches('s');
    match unit {
        "minute" | "min" => Duration::minutes(amount),
        "day" => Duration::days(amount),
        "week" => Duration::weeks(amount),
        _ => Duration::hours(amount),
    }
}

/// Records older than this would fall outside `modified_after`'s 12-month window.
const OLDEST_RECORDS_DAYS: i64 = 330;

/// What the caller decided about one sync on one connection.
pub(crate) struct SyncPlan<'a> {
    pub function: &'a Function,
    pub scenario: SyncScenario,
    pub records: usize,
    pub connection_created: DateTime<Utc>,
}

fn random_between(rng: &mut Rng, low: Duration, high: Duration) -> Duration {
    Duration::milliseconds(rng.range(
        low.num_milliseconds(),
        high.num_milliseconds().max(low.num_milliseconds()),
    ))
}

fn fresh_result(rng: &mut Rng) -> RunResult {
    RunResult {
        added: rng.below(6),
        updated: rng.below(13),
        deleted: rng.below(3),
        empty: false,
    }
}

/// Builds the sync row for one (connection, sync) pair.
pub(crate) fn connection_sync(
    seed: u64,
    owner: &str,
    plan: &SyncPlan<'_>,
    anchor: DateTime<Utc>,
) -> ConnectionSync {
    let function = plan.function;
    let mut rng = Rng::for_parts(seed, &["sync", owner, &function.name]);
    let runs = function
        .runs
        .clone()
        .unwrap_or_else(|| "every hour".to_owned());
    let frequency = parse_frequency(&runs);
    let minute = Duration::minutes(1);
    let model = function.returns.first().cloned().unwrap_or_default();
    let mut sync = ConnectionSync {
        id: rng.uuid(),
        name: function.name.clone(),
        variant: "base".to_owned(),
        model,
        frequency: runs,
        status: "SUCCESS".to_owned(),
        latest_execution_status: Some("SUCCESS".to_owned()),
        sync_type: "INCREMENTAL".to_owned(),
        finished_at: None,
        next_scheduled_sync_at: None,
        latest_result: None,
        checkpoint: None,
        scenario: plan.scenario,
        records: plan.records,
        records_from: anchor,
        records_to: anchor,
    };
    match plan.scenario {
        SyncScenario::Fresh => {
            let finished = anchor - random_between(&mut rng, minute, frequency * 9 / 10);
            sync.finished_at = Some(finished);
            sync.next_scheduled_sync_at = Some(finished + frequency);
            sync.latest_result = Some(fresh_result(&mut rng));
            sync.records_to = finished;
        }
        SyncScenario::Stale => {
            let floor = (frequency * 3).max(Duration::days(2));
            let finished =
                anchor - floor - random_between(&mut rng, Duration::hours(1), Duration::days(4));
            sync.finished_at = Some(finished);
            sync.next_scheduled_sync_at = Some(finished + frequency);
            sync.latest_result = Some(fresh_result(&mut rng));
            sync.records_to = finished;
        }
        SyncScenario::Failing => {
            let finished =
                anchor - random_between(&mut rng, Duration::minutes(4), Duration::minutes(55));
            sync.status = "ERROR".to_owned();
            sync.latest_execution_status = Some("STOPPED".to_owned());
            sync.finished_at = Some(finished);
            sync.next_scheduled_sync_at = Some(finished + frequency);
            sync.latest_result = Some(RunResult {
                empty: true,
                ..RunResult::default()
            });
            // Data stopped arriving when the failures began.
            sync.records_to =
                anchor - random_between(&mut rng, Duration::hours(26), Duration::hours(60));
        }
        SyncScenario::Running => {
            sync.status = "RUNNING".to_owned();
            sync.latest_execution_status = Some("RUNNING".to_owned());
            sync.next_scheduled_sync_at = Some(anchor + frequency);
            sync.records_to = anchor - random_between(&mut rng, minute, frequency);
        }
        SyncScenario::Paused | SyncScenario::Stopped => {
            let finished = anchor - random_between(&mut rng, Duration::days(2), Duration::days(30));
            sync.status = if plan.scenario == SyncScenario::Paused {
                "PAUSED"
            } else {
                "STOPPED"
            }
            .to_owned();
            sync.finished_at = Some(finished);
            sync.latest_result = Some(fresh_result(&mut rng));
            sync.records_to = finished;
        }
        SyncScenario::NeverRan => {
            sync.latest_execution_status = None;
            sync.sync_type = "INITIAL".to_owned();
            sync.next_scheduled_sync_at =
                Some(anchor + random_between(&mut rng, minute, Duration::minutes(15)));
            sync.records = 0;
        }
    }
    let oldest = anchor - Duration::days(OLDEST_RECORDS_DAYS);
    sync.records_from = plan.connection_created.max(oldest);
    if sync.records_to <= sync.records_from {
        sync.records_from = sync.records_to - Duration::days(1);
    }
    sync
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_parse() {
        assert_eq!(parse_frequency("every hour"), Duration::hours(1));
        assert_eq!(parse_frequency("every 15 minutes"), Duration::minutes(15));
        assert_eq!(parse_frequency("every day"), Duration::days(1));
        assert_eq!(parse_frequency("every 2 days"), Duration::days(2));
        assert_eq!(parse_frequency("every week"), Duration::weeks(1));
    }
}
