//! `GET /sync/status`: the latest state of each sync on each connection.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Lenient, Timestamp};

#[derive(Clone, Debug, Deserialize)]
pub struct SyncStatusList {
    pub syncs: Lenient<SyncStatus>,
}

/// One sync on one connection. Nango omits fields that are undefined, so most are optional.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub id: String,
    #[serde(rename = "connection_id")]
    pub connection_id: String,
    pub name: String,
    #[serde(default)]
    pub variant: Option<String>,
    pub status: SyncState,
    /// Raw status of the latest job; `STOPPED` means the run failed or was cancelled.
    #[serde(default)]
    pub latest_execution_status: Option<SyncState>,
    #[serde(default, rename = "type")]
    pub sync_type: Option<String>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    #[serde(default)]
    pub next_scheduled_sync_at: Option<Timestamp>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub latest_result: Option<BTreeMap<String, ModelResult>>,
    #[serde(default)]
    pub record_count: BTreeMap<String, u64>,
    #[serde(default)]
    pub checkpoint: Option<Value>,
}

impl SyncStatus {
    /// Nango reports a scheduled sync that never executed as `SUCCESS` without `finishedAt`.
    pub fn never_ran(&self) -> bool {
        self.finished_at.is_none()
            && self.latest_execution_status.is_none()
            && self.status != SyncState::Running
    }

    /// Nango derives `ERROR` exactly when the schedule runs and the latest job was `STOPPED`
    /// (failed or cancelled); a paused or deleted schedule is not failing.
    pub fn is_failing(&self) -> bool {
        self.status == SyncState::Error
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum SyncState {
    Running,
    Paused,
    Stopped,
    Success,
    Error,
    #[serde(untagged)]
    Other(String),
}

impl SyncState {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Running => "RUNNING",
            Self::Paused => "PAUSED",
            Self::Stopped => "STOPPED",
            Self::Success => "SUCCESS",
            Self::Error => "ERROR",
            Self::Other(other) => other,
        }
    }
}

/// Records the latest run added, updated and deleted for one model.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct ModelResult {
    #[serde(default)]
    pub added: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub deleted: u64,
}

/// Which syncs `/sync/status` reports on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncSelector {
    All,
    /// Names, optionally `name::variant`.
    Named(Vec<String>),
}

impl SyncSelector {
    pub fn query_value(&self) -> String {
        match self {
            Self::All => "*".to_owned(),
            Self::Named(names) => names.join(","),
        }
    }
}
