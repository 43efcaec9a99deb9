//! The sync-run and connection-health history kept from Nango's webhooks (crate `nango-history`),
//! opened lazily: a stdio server that never reads history never opens the database, and a
//! database that is down at start-up is retried on the next use instead of failing the server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nango_history::{History, HistoryError};
use tokio::sync::OnceCell;

/// Default of `NANGO_MCP_HISTORY_DAYS`.
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
/// How often an HTTP server deletes history older than the retention.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// Where history lives, opened on first use.
pub struct HistoryStore {
    target: Option<String>,
    /// For messages: the URL without credentials.
    label: String,
    retention_days: u32,
    cell: OnceCell<History>,
}

impl HistoryStore {
    /// No history (a stdio server without a configured or existing database).
    pub fn disabled() -> Self {
        Self {
            target: None,
            label: String::new(),
            retention_days: DEFAULT_HISTORY_DAYS,
            cell: OnceCell::new(),
        }
    }

    /// History at `url` (`sqlite://…` or `postgres://…`).
    pub fn at(url: String, retention_days: u32) -> Self {
        Self {
            label: redact(&url),
            target: Some(url),
            retention_days: retention_days.max(1),
            cell: OnceCell::new(),
        }
    }

    /// The store for these settings. An HTTP server (which receives webhooks) falls back to the
    /// default SQLite file and creates it; a stdio server reads that file only if it exists, so
    /// it sees what an HTTP server on the same machine recorded without creating anything.
    pub fn resolve(explicit: Option<&str>, receives_webhooks: bool, retention_days: u32) -> Self {
        if let Some(url) = explicit.map(str::trim).filter(|url| !url.is_empty()) {
            return Self::at(url.to_owned(), retention_days);
        }
        match nango_history::default_database_path() {
            Some(path) if receives_webhooks || path.exists() => {
                Self::at(nango_history::sqlite_url(&path), retention_days)
            }
            _ => Self::disabled(),
        }
    }

    /// The default file, for messages.
    pub fn default_path() -> Option<PathBuf> {
        nango_history::default_database_path()
    }

    pub fn configured(&self) -> bool {
        self.target.is_some()
    }

    /// Where it is, without credentials.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The open store, opening it (and applying migrations) on first use; `None` when no history
    /// is configured. A failed open is not remembered, so the next call tries again.
    pub async fn get(&self) -> Result<Option<&History>, HistoryError> {
        let Some(url) = &self.target else {
            return Ok(None);
        };
        let history = self
            .cell
            .get_or_try_init(|| async {
                let history = History::open(url).await?;
                tracing::info!(database = %self.label, "history database open");
                self.prune(&history).await;
                Ok::<_, HistoryError>(history)
            })
            .await?;
        Ok(Some(history))
    }

    async fn prune(&self, history: &History) {
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(self.retention_days));
        match history.prune(cutoff).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, days = self.retention_days, "history pruned"),
            Err(error) => tracing::warn!(%error, "history pruning failed; will retry"),
        }
    }

    /// For a server that receives webhooks: opens the store now (so migrations run at start and
    /// a bad URL shows in the log at once) and prunes it every hour.
    pub fn start_maintenance(self: &Arc<Self>) {
        if !self.configured() {
            return;
        }
        let store = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            loop {
                tick.tick().await;
                match store.get().await {
                    Ok(Some(history)) => store.prune(history).await,
                    Ok(None) => return,
                    Err(error) => tracing::warn!(
                        database = %store.label,
                        %error,
                        "history database unavailable; webhooks are answered 503 until it is back"
                    ),
                }
            }
        });
    }
}

impl std::fmt::Debug for HistoryStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the redacted label is shown.
        formatter
            .debug_struct("HistoryStore")
            .field("database", &self.label)
            .field("retention_days", &self.retention_days)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://host/db`; SQLite paths are kept.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split('?').next().unwrap_or_default();
    format!("{scheme}://{rest}")
}

/// Shared by every tool call and the webhook receiver.
pub type SharedHistory = Arc<HistoryStore>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_label() {
        let store = HistoryStore::at(
            "postgres://nango:canary-pw@db.internal:5432/history?sslmode=require".to_owned(),
            90,
        );
        assert_eq!(store.label(), "postgres://db.internal:5432/history");
        assert!(!format!("{store:?}").contains("canary-pw"));
    }

    #[test]
    fn explicit_url_wins() {
        let store = HistoryStore::resolve(Some(" sqlite:///tmp/x.db "), false, 90);
        assert!(store.configured());
        assert_eq!(store.label(), "sqlite:///tmp/x.db");
    }
}
