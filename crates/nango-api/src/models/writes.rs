//! What Nango's write endpoints take and answer: `POST /sync/trigger`, `/sync/pause`,
//! `/sync/start` and `/connect/sessions/reconnect` (shapes from the real server's captures).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The scope Nango requires for trigger, pause and start.
pub const SYNCS_EXECUTE_SCOPE: &str = "environment:syncs:execute";
/// The scope Nango requires to create Connect sessions (reconnect links).
pub const CONNECT_SESSIONS_WRITE_SCOPE: &str = "environment:connect_sessions:write";

/// How a triggered sync runs: from its checkpoint, or from scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    Incremental,
    /// Re-fetches everything from the provider (records are kept and reconciled).
    FullRefresh,
}

impl SyncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incremental => "incremental",
            Self::FullRefresh => "full_refresh",
        }
    }
}

/// Which syncs of which connection(s) a sync write acts on. Without a connection id Nango acts
/// on every connection of the integration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncTarget {
    pub provider_config_key: String,
    pub syncs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
}

/// `{"success": true}`, the answer of every sync write.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct WriteAck {
    pub success: bool,
}

/// A Connect session: a short-lived link an end user opens to (re)authorise a connection.
/// The token is a bearer credential for that one session; it is also inside the link.
#[derive(Clone, Deserialize)]
pub struct ConnectSession {
    pub token: String,
    pub connect_link: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConnectSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSession")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Whether the key holds a write scope, as a probe that cannot write found out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeProbe {
    Granted,
    Missing,
    /// Nango answered something else (older server, outage): not known.
    Unknown,
}
