//! What is kept: sync runs and auth events as Nango reported them, and each connection's health
//! over time derived from them. Times are UTC.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One sync run, as a sync webhook reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    pub environment: String,
    pub connection_id: String,
    pub integration: String,
    pub sync_name: String,
    pub variant: String,
    pub model: String,
    /// INITIAL, INCREMENTAL or WEBHOOK (Nango's deprecated `syncType`).
    pub sync_type: Option<String>,
    /// `success` or `failed`.
    pub state: String,
    pub added: Option<i64>,
    pub updated: Option<i64>,
    pub deleted: Option<i64>,
    pub error_type: Option<String>,
    pub error_description: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    /// A failure's `failedAt`; for a success, the time the webhook was received (Nango sends it
    /// as the run ends, but a success body carries no end time).
    pub ended_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

impl SyncRun {
    /// What runs are ordered by: the start Nango reports, else the end. Replayed or retried
    /// webhooks keep their place this way, since the start is in the body.
    pub fn run_at(&self) -> DateTime<Utc> {
        self.started_at.unwrap_or(self.ended_at)
    }
}

/// One auth event (creation, override, refresh), success or failure. Auth webhooks carry no time:
/// the time of receipt is the event's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthEvent {
    pub environment: String,
    pub connection_id: String,
    pub integration: String,
    pub provider: String,
    pub operation: String,
    pub success: bool,
    pub error_type: Option<String>,
    pub error_description: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// A delivery worth keeping, with the identity that makes a second copy a duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sync { id: String, run: SyncRun },
    Auth { id: String, event: AuthEvent },
}

impl Delivery {
    pub fn id(&self) -> &str {
        match self {
            Self::Sync { id, .. } | Self::Auth { id, .. } => id,
        }
    }
}

/// A stored run, with its identity (for cursors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRun {
    pub id: String,
    pub run: SyncRun,
}

/// Where a newest-first listing continues: strictly older than this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCursor {
    /// [`SyncRun::run_at`] in Unix milliseconds.
    pub at_ms: i64,
    pub id: String,
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    pub environment: String,
    pub connection_id: Option<String>,
    pub integration: Option<String>,
    pub sync_name: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<String>,
    /// Only runs at or after this time ([`SyncRun::run_at`]).
    pub since: Option<DateTime<Utc>>,
    pub after: Option<RunCursor>,
    pub limit: u32,
}

/// A connection's credential health over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionHealth {
    pub environment: String,
    pub integration: String,
    pub connection_id: String,
    /// The first failed refresh since it last worked; `None` when it is not known to be broken.
    pub broken_since: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Nango's words for the last failure (third-party text).
    pub last_error: Option<String>,
    /// When it last worked again after being broken.
    pub recovered_at: Option<DateTime<Utc>>,
}

/// What changed since a given time: connections that broke, and that recovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthChanges {
    pub broke: Vec<ConnectionHealth>,
    pub recovered: Vec<ConnectionHealth>,
}
