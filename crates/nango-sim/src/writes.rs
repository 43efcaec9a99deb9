//! What the write routes changed: per-sync overrides (paused, running) laid over the immutable
//! dataset when `/sync/status` is read, and the Connect sessions created.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// One sync of one connection: (integration, connection id, sync name, variant).
pub type SyncKey = (String, String, String, String);

/// The key of a dataset sync.
pub fn key_of(
    connection: &crate::dataset::Connection,
    sync: &crate::dataset::ConnectionSync,
) -> SyncKey {
    (
        connection.provider_config_key.clone(),
        connection.connection_id.clone(),
        sync.name.clone(),
        sync.variant.clone(),
    )
}

/// How a write left a sync.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOverride {
    /// `Some(true)` after a pause, `Some(false)` after a start.
    pub paused: Option<bool>,
    /// A trigger started a run (a paused sync is not run, as in Nango).
    pub running: bool,
    /// The next run a start scheduled.
    pub next_run: Option<DateTime<Utc>>,
}

/// A Connect session the simulator handed out (the token itself is not kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedSession {
    pub integration: String,
    pub connection_id: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct WriteState {
    syncs: Mutex<HashMap<SyncKey, SyncOverride>>,
    sessions: Mutex<Vec<CreatedSession>>,
}

impl WriteState {
    pub fn update(&self, key: SyncKey, change: impl FnOnce(&mut SyncOverride)) {
        let mut syncs = self
            .syncs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        change(syncs.entry(key).or_default());
    }

    pub fn get(&self, key: &SyncKey) -> Option<SyncOverride> {
        self.syncs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    pub fn add_session(&self, session: CreatedSession) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(session);
    }

    pub fn sessions(&self) -> Vec<CreatedSession> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Lays an override over one `/sync/status` row, the way Nango reports that state.
    pub fn apply(&self, key: &SyncKey, row: &mut Value) {
        let Some(state) = self.get(key) else { return };
        let Value::Object(map) = row else { return };
        match state.paused {
            Some(true) => {
                map.insert("status".to_owned(), json!("PAUSED"));
                map.insert("nextScheduledSyncAt".to_owned(), Value::Null);
                return;
            }
            Some(false) => {
                if map.get("status") == Some(&json!("PAUSED")) {
                    map.insert("status".to_owned(), json!("SUCCESS"));
                }
                if let Some(next) = state.next_run {
                    map.insert("nextScheduledSyncAt".to_owned(), json!(iso(next)));
                }
            }
            None => {}
        }
        if state.running {
            map.insert("status".to_owned(), json!("RUNNING"));
            map.insert("latestExecutionStatus".to_owned(), json!("RUNNING"));
        }
    }
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
