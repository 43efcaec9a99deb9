//! The seeded log history the Management MCP serves: one operation per sync run for every
//! sync of every connection (agreeing with `/sync/status`, see `schedule.rs`), plus one
//! failed token refresh behind each connection's `auth` error. Operation ids are the ones
//! connections' `errors[].log_id` point to, so an error leads to its log.

pub(crate) mod failure;
pub(crate) mod ids;
pub(crate) mod messages;
pub(crate) mod provider_call;
pub(crate) mod schedule;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::dataset::model::RunResult;
use crate::dataset::rng::Rng;
pub use failure::{Failure, FailureKind};
pub use messages::LogMessage;
use schedule::SyncHistory;

/// Nango's operation states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Queued, not started.
    Waiting,
    /// In progress.
    Running,
    /// Finished without error.
    Success,
    /// Finished with an error.
    Failed,
    /// Stopped after exceeding its maximum execution time.
    Timeout,
    /// Cancelled by a user.
    Cancelled,
}

impl RunState {
    /// Every state, in Nango's order.
    pub const ALL: [RunState; 6] = [
        Self::Waiting,
        Self::Running,
        Self::Success,
        Self::Failed,
        Self::Timeout,
        Self::Cancelled,
    ];

    /// The wire name (`success`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

/// What an operation was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// `{"type": "sync", "action": "run"}`: one execution of a sync.
    SyncRun,
    /// `{"type": "auth", "action": "refresh_token"}`: a token refresh.
    TokenRefresh,
}

impl OperationKind {
    /// `operation.type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::SyncRun => "sync",
            Self::TokenRefresh => "auth",
        }
    }

    /// `operation.action`.
    pub fn action(self) -> &'static str {
        match self {
            Self::SyncRun => "run",
            Self::TokenRefresh => "refresh_token",
        }
    }
}

/// One log operation (a Nango `OperationRow`, before serialisation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogOperation {
    /// Operation id (20 alphanumerics).
    pub id: String,
    /// Sync run or token refresh.
    pub kind: OperationKind,
    /// Final (or current) state.
    pub state: RunState,
    /// Integration unique key (`integrationName`).
    pub integration: String,
    /// Provider (`providerName`).
    pub provider: String,
    /// Connection id (`connectionName`).
    pub connection_id: String,
    /// Sync name (`syncConfigName`) of sync runs.
    pub sync: Option<String>,
    /// Model the sync writes.
    pub model: Option<String>,
    /// Creation time (Nango orders and filters by it).
    pub created_at: DateTime<Utc>,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time; `None` while running.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it failed (`failed` and `timeout` runs).
    pub failure: Option<Failure>,
    /// Records saved by a successful run.
    pub result: Option<RunResult>,
    /// The provider URL the operation called.
    pub request_url: String,
    #[serde(skip)]
    pub(crate) connection_index: usize,
}

impl LogOperation {
    /// `endedAt - startedAt` in milliseconds, once ended.
    pub fn duration_ms(&self) -> Option<i64> {
        self.ended_at
            .map(|end| (end - self.started_at).num_milliseconds())
    }
}

/// The failed token refresh behind a connection's `auth` error (`None` without one).
pub(crate) fn token_refresh(dataset: &Dataset, connection_index: usize) -> Option<LogOperation> {
    let connection = dataset.connections.get(connection_index)?;
    let error = connection
        .errors
        .iter()
        .find(|error| error.kind == "auth")?;
    let started_at = connection
        .last_fetched_at
        .unwrap_or(dataset.anchor - Duration::hours(1));
    let mut rng = Rng::for_parts(dataset.seed, &["refresh", &error.log_id]);
    let ended_at = started_at + Duration::milliseconds(rng.range(300, 1_500));
    let url = provider_call::token_url(dataset, connection);
    Some(LogOperation {
        id: error.log_id.clone(),
        kind: OperationKind::TokenRefresh,
        state: RunState::Failed,
        integration: connection.provider_config_key.clone(),
        provider: connection.provider.clone(),
        connection_id: connection.connection_id.clone(),
        sync: None,
        model: None,
        created_at: started_at,
        started_at,
        ended_at: Some(ended_at),
        failure: Some(failure::refresh_failure(&connection.provider, &url)),
        result: None,
        request_url: url,
        connection_index,
    })
}

/// Seeded log history: what `logs_list_operations` and `logs_get_operation` serve.
impl Dataset {
    /// Every run of `sync` on `connection_id` (first connection with that id), newest first,
    /// exactly as the Management MCP serves them. Empty for unknown pairs and never-run syncs.
    pub fn sync_runs(&self, connection_id: &str, sync: &str) -> Vec<LogOperation> {
        let Some(connection_index) = self
            .connections
            .iter()
            .position(|c| c.connection_id == connection_id)
        else {
            return Vec::new();
        };
        let sync_index = self
            .connections
            .get(connection_index)
            .and_then(|c| c.syncs.iter().position(|s| s.name == sync));
        sync_index
            .and_then(|sync_index| SyncHistory::new(self, connection_index, sync_index))
            .map(|history| {
                (0..history.len())
                    .map(|run| history.operation(run))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The operation with this id: a sync run or the token refresh behind an `auth` error.
    pub fn log_operation(&self, id: &str) -> Option<LogOperation> {
        for (index, connection) in self.connections.iter().enumerate() {
            for error in connection.errors.iter().filter(|e| e.log_id == id) {
                if error.kind == "auth" {
                    return token_refresh(self, index);
                }
                // A failing sync's newest run carries its sync error's id.
                for sync_index in 0..connection.syncs.len() {
                    if let Some(history) = SyncHistory::new(self, index, sync_index)
                        && history.len() > 0
                        && history.operation(0).id == id
                    {
                        return Some(history.operation(0));
                    }
                }
            }
        }
        let locator = ids::parse_run_id(self.seed, id)?;
        let history = SyncHistory::new(
            self,
            usize::try_from(locator.connection).ok()?,
            usize::from(locator.sync),
        )?;
        let run = usize::try_from(locator.run).ok()?;
        (run < history.len())
            .then(|| history.operation(run))
            .filter(|operation| operation.id == id)
    }

    /// The log lines of an operation, newest first (a few per run; the failing one has level
    /// `error` and the error object).
    pub fn log_messages(&self, operation: &LogOperation) -> Vec<LogMessage> {
        messages::messages(self.seed, operation)
    }
}
