//! One sync's run history on one connection. Nothing is stored: run `k` (0 = newest) is a pure
//! function of the seed, the sync's `/sync/status` row and `k`, so a history of thousands of
//! runs costs nothing until asked for, and start times fall strictly with `k`, which lets a
//! period or a cursor resolve by binary search.
//!
//! Agreement with `/sync/status`: the newest run ends at `finished_at` and fails when the
//! status is `ERROR` (every run since the data stopped arriving, `records_to`, failed the same
//! way); a `RUNNING` sync's newest run is still running; never-run syncs have no runs; paused
//! and stopped syncs have none after `finished_at`. Older runs mostly succeed, with the odd
//! rate limit, provider 500, timeout, script error or cancellation.

use chrono::{DateTime, Duration, Utc};

use super::failure::{FailureContext, FailureKind, failure};
use super::ids::{RunLocator, run_id};
use super::provider_call::sync_request_url;
use super::{LogOperation, OperationKind, RunState};
use crate::dataset::Dataset;
use crate::dataset::generate::syncs::parse_frequency;
use crate::dataset::model::{Connection, ConnectionSync, RunResult};
use crate::dataset::rng::{Rng, hash_parts};

/// How far back a history reaches from its newest run.
const HISTORY_SPAN: Duration = Duration::hours(72);
/// Nango drops logs older than this, whatever the history span.
const RETENTION: Duration = Duration::days(15);
/// The product's example: conn-123's `deals` hit a rate limit about this long ago.
const EXAMPLE_FAILURE_AGE: Duration = Duration::minutes(150);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Latest {
    Succeeded,
    Failed,
    Running,
}

/// How one run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failed(FailureKind),
    Timeout,
    Cancelled,
    Running,
}

impl Outcome {
    pub(crate) fn state(self) -> RunState {
        match self {
            Self::Success => RunState::Success,
            Self::Failed(_) => RunState::Failed,
            Self::Timeout => RunState::Timeout,
            Self::Cancelled => RunState::Cancelled,
            Self::Running => RunState::Running,
        }
    }

    fn failure_kind(self) -> Option<FailureKind> {
        match self {
            Self::Failed(kind) => Some(kind),
            Self::Timeout => Some(FailureKind::Timeout),
            _ => None,
        }
    }
}

/// The draws of one run, always taken in the same order so they never depend on branches.
struct Draws {
    jitter: i64,
    roll: u64,
    duration: u64,
    added: u64,
    updated: u64,
    deleted: u64,
}

fn plus_ms(time: DateTime<Utc>, ms: i64) -> DateTime<Utc> {
    time.checked_add_signed(Duration::milliseconds(ms))
        .unwrap_or(time)
}

/// The seeded run history of one (connection, sync) pair.
pub(crate) struct SyncHistory<'a> {
    seed: u64,
    anchor: DateTime<Utc>,
    pub(crate) connection_index: usize,
    pub(crate) sync_index: usize,
    pub(crate) connection: &'a Connection,
    pub(crate) sync: &'a ConnectionSync,
    frequency_ms: i64,
    latest: Latest,
    latest_start: DateTime<Utc>,
    latest_end: Option<DateTime<Utc>>,
    len: usize,
    streak: Option<(DateTime<Utc>, FailureKind)>,
    example_failure: Option<usize>,
    latest_id: Option<String>,
    request_url: String,
}

impl<'a> SyncHistory<'a> {
    /// The history of `connections[connection_index].syncs[sync_index]`; `None` when that
    /// sync never ran or its runs are all older than the logs keep.
    pub(crate) fn new(
        dataset: &'a Dataset,
        connection_index: usize,
        sync_index: usize,
    ) -> Option<Self> {
        let connection = dataset.connections.get(connection_index)?;
        let sync = connection.syncs.get(sync_index)?;
        let latest = if sync.status == "RUNNING" {
            Latest::Running
        } else if sync.finished_at.is_none() {
            return None;
        } else if sync.status == "ERROR" {
            Latest::Failed
        } else {
            Latest::Succeeded
        };
        let frequency_ms = parse_frequency(&sync.frequency)
            .num_milliseconds()
            .max(60_000);
        let mut history = Self {
            seed: dataset.seed,
            anchor: dataset.anchor,
            connection_index,
            sync_index,
            connection,
            sync,
            frequency_ms,
            latest,
            latest_start: dataset.anchor,
            latest_end: None,
            len: 0,
            streak: None,
            example_failure: None,
            latest_id: None,
            request_url: String::new(),
        };
        if latest == Latest::Failed {
            history.streak = Some((
                sync.records_to
                    .min(sync.finished_at.unwrap_or(sync.records_to)),
                history.streak_kind(),
            ));
            history.latest_id = history.sync_error_log_id();
        }
        match (latest, sync.finished_at) {
            (Latest::Running, _) | (_, None) => {
                let most = (frequency_ms / 4).clamp(15_000, 180_000);
                let elapsed =
                    Rng::for_parts(history.seed, &history.labels("running")).range(15_000, most);
                history.latest_start = plus_ms(dataset.anchor, -elapsed);
            }
            (_, Some(end)) => {
                let duration = history.duration_ms(history.outcome(0), &history.draws(0));
                history.latest_end = Some(end);
                history.latest_start = plus_ms(end, -duration);
            }
        }
        let lower = (history.latest_start - HISTORY_SPAN)
            .max(connection.created_at)
            .max(dataset.anchor - RETENTION);
        if history.latest_start < lower {
            return None;
        }
        let span = (history.latest_start - lower).num_milliseconds();
        history.len = usize::try_from(span / frequency_ms + 1).unwrap_or(0);
        history.example_failure = history.example_failure_run();
        history.request_url = sync_request_url(dataset, connection, &sync.name);
        Some(history)
    }

    fn labels<'s>(&'s self, what: &'s str) -> [&'s str; 4] {
        [
            what,
            &self.connection.provider_config_key,
            &self.connection.connection_id,
            &self.sync.name,
        ]
    }

    fn is(&self, connection_id: &str, sync: &str) -> bool {
        self.connection.connection_id == connection_id && self.sync.name == sync
    }

    fn streak_kind(&self) -> FailureKind {
        if self.connection.has_error("auth") {
            return FailureKind::InvalidCredentials;
        }
        if self.is("conn-abc", "deals") {
            return FailureKind::ScriptError;
        }
        match hash_parts(self.seed, &self.labels("streak")) % 3 {
            0 => FailureKind::ProviderRateLimit,
            1 => FailureKind::ScriptError,
            _ => FailureKind::ProviderServerError,
        }
    }

    /// The `log_id` of the connection's `sync` error for this sync: errors are listed in the
    /// order of the failing syncs, so the n-th failing sync owns the n-th sync error.
    fn sync_error_log_id(&self) -> Option<String> {
        let position = self
            .connection
            .syncs
            .iter()
            .take(self.sync_index)
            .filter(|sync| sync.status == "ERROR")
            .count();
        self.connection
            .errors
            .iter()
            .filter(|error| error.kind == "sync")
            .nth(position)
            .map(|error| error.log_id.clone())
    }

    /// "The last 5 runs of `deals` on conn-123: 4 succeeded, 1 failed about 2 h ago with a
    /// rate-limit error": the run nearest 2.5 h before the anchor is that failure.
    fn example_failure_run(&self) -> Option<usize> {
        if !self.is("conn-123", "deals") || self.latest != Latest::Succeeded {
            return None;
        }
        let target = self.anchor - EXAMPLE_FAILURE_AGE;
        let ahead = (self.latest_start - target).num_milliseconds();
        let run = (ahead + self.frequency_ms / 2)
            .div_euclid(self.frequency_ms)
            .max(1);
        usize::try_from(run).ok().filter(|run| *run < self.len)
    }

    /// Number of runs, newest first.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn draws(&self, run: usize) -> Draws {
        let index = run.to_string();
        let [what, integration, connection, sync] = self.labels("run");
        let mut rng = Rng::for_parts(self.seed, &[what, integration, connection, sync, &index]);
        let jitter_bound = (self.frequency_ms / 20).min(30_000);
        Draws {
            jitter: rng.range(-jitter_bound, jitter_bound),
            roll: rng.below(1_000),
            duration: rng.next_u64(),
            added: rng.below(6),
            updated: rng.below(13),
            deleted: rng.below(3),
        }
    }

    /// When run `run` started (and was created): strictly decreasing in `run`.
    pub(crate) fn started_at(&self, run: usize) -> DateTime<Utc> {
        if run == 0 {
            return self.latest_start;
        }
        let steps = i64::try_from(run).unwrap_or(i64::MAX);
        let back = self.frequency_ms.saturating_mul(steps);
        plus_ms(
            self.latest_start,
            self.draws(run).jitter.saturating_sub(back),
        )
    }

    /// How run `run` ended (cheap: no strings are built).
    pub(crate) fn outcome(&self, run: usize) -> Outcome {
        if run == 0 {
            return match self.latest {
                Latest::Succeeded => Outcome::Success,
                Latest::Running => Outcome::Running,
                Latest::Failed => Outcome::Failed(
                    self.streak
                        .map_or(FailureKind::ProviderServerError, |(_, kind)| kind),
                ),
            };
        }
        if let Some(example) = self.example_failure {
            if run == example {
                return Outcome::Failed(FailureKind::ProviderRateLimit);
            }
            if run <= example + 3 {
                return Outcome::Success;
            }
        }
        if let Some((since, kind)) = self.streak
            && self.started_at(run) > since
        {
            return Outcome::Failed(kind);
        }
        match self.draws(run).roll {
            0..15 => Outcome::Failed(FailureKind::ProviderRateLimit),
            15..25 => Outcome::Failed(FailureKind::ProviderServerError),
            25..33 => Outcome::Timeout,
            33..36 => Outcome::Failed(FailureKind::ScriptError),
            36..40 => Outcome::Cancelled,
            _ => Outcome::Success,
        }
    }

    fn duration_ms(&self, outcome: Outcome, draws: &Draws) -> i64 {
        let range = |low: i64, high: i64| {
            let span = u64::try_from(high - low + 1).unwrap_or(1).max(1);
            low + i64::try_from(draws.duration % span).unwrap_or(0)
        };
        let longest = self.frequency_ms / 4;
        let duration = match outcome {
            Outcome::Success | Outcome::Running => {
                range(3_000, (self.frequency_ms / 40).clamp(20_000, 360_000))
            }
            Outcome::Failed(FailureKind::ProviderRateLimit) => range(2_000, 30_000),
            Outcome::Failed(FailureKind::InvalidCredentials) => range(400, 2_000),
            Outcome::Failed(FailureKind::ProviderServerError) => range(3_000, 45_000),
            Outcome::Failed(FailureKind::ScriptError) => range(1_000, 20_000),
            Outcome::Failed(FailureKind::Timeout) | Outcome::Timeout => longest,
            Outcome::Cancelled => range(1_000, 15_000),
        };
        duration.min(longest)
    }

    fn id(&self, run: usize) -> String {
        if run == 0
            && let Some(id) = &self.latest_id
        {
            return id.clone();
        }
        run_id(
            self.seed,
            RunLocator {
                connection: u32::try_from(self.connection_index).unwrap_or(u32::MAX),
                sync: u8::try_from(self.sync_index).unwrap_or(u8::MAX),
                run: u32::try_from(run).unwrap_or(u32::MAX),
            },
        )
    }

    /// Run `run` in full.
    pub(crate) fn operation(&self, run: usize) -> LogOperation {
        let outcome = self.outcome(run);
        let draws = self.draws(run);
        let started_at = self.started_at(run);
        let ended_at = match (run, outcome) {
            (_, Outcome::Running) => None,
            (0, _) => self.latest_end,
            _ => Some(plus_ms(started_at, self.duration_ms(outcome, &draws))),
        };
        let result = (outcome == Outcome::Success).then(|| {
            self.sync
                .latest_result
                .clone()
                .filter(|result| run == 0 && !result.empty)
                .unwrap_or(RunResult {
                    added: draws.added,
                    updated: draws.updated,
                    deleted: draws.deleted,
                    empty: false,
                })
        });
        let failure = outcome.failure_kind().map(|kind| {
            failure(
                kind,
                &FailureContext {
                    provider: &self.connection.provider,
                    method: "GET",
                    url: &self.request_url,
                    sync: &self.sync.name,
                    model: &self.sync.model,
                },
            )
        });
        LogOperation {
            id: self.id(run),
            kind: OperationKind::SyncRun,
            state: outcome.state(),
            integration: self.connection.provider_config_key.clone(),
            provider: self.connection.provider.clone(),
            connection_id: self.connection.connection_id.clone(),
            sync: Some(self.sync.name.clone()),
            model: Some(self.sync.model.clone()),
            created_at: started_at,
            started_at,
            ended_at,
            failure,
            result,
            request_url: self.request_url.clone(),
            connection_index: self.connection_index,
        }
    }
}
