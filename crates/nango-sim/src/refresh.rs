//! What a credential read does to an OAuth connection, as real Nango does it: reading a
//! connection with `connections:read_credentials` refreshes a token that expires within 15
//! minutes. The simulator's tokens that had already expired when the dataset was made
//! (`conn-xyz` and the other `auth`-broken OAuth connections) cannot be refreshed: the first
//! read answers `400 invalid_credentials`, gives the connection a new `auth` error that every
//! key then sees, and reads within the next 30 s answer `424` ("backing off"). Every refresh the
//! simulator is made to try is counted, so tests can prove a client never triggers one.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::dataset::{Connection, ConnectionError};
use chrono::{DateTime, Utc};

/// Nango's `REFRESH_FAILURE_COOLDOWN_MS`.
pub const REFRESH_BACKOFF: Duration = Duration::from_secs(30);

/// Nango's `REFRESH_MARGIN_MS`: tokens expiring sooner than this are refreshed on read.
const REFRESH_MARGIN_MINUTES: i64 = 15;

/// Message of the first failed refresh (`400`).
pub const REFRESH_FAILED_MESSAGE: &str = "The external API returned an error when trying to refresh the access token. Please try again later.";

/// Message while backing off after a failed refresh (`424`).
pub const REFRESH_BACKOFF_MESSAGE: &str =
    "A recent refresh attempt failed. Backing off before retrying.";

/// What a credential read did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No refresh needed, or one that succeeded (credentials served as they are).
    Fresh,
    /// The refresh failed just now: `400 invalid_credentials`.
    Failed,
    /// A refresh failed less than [`REFRESH_BACKOFF`] ago: `424 invalid_credentials`.
    BackingOff,
}

#[derive(Clone, Debug)]
struct Failure {
    log_id: String,
    at: Instant,
    updated_at: DateTime<Utc>,
}

/// Failed refreshes per connection (by internal id) and the number of refresh attempts.
#[derive(Debug, Default)]
pub(crate) struct RefreshLedger {
    failures: Mutex<HashMap<u64, Failure>>,
    attempts: AtomicU64,
}

fn expires_at(connection: &Connection) -> Option<DateTime<Utc>> {
    let raw = connection.credentials.get("expires_at")?.as_str()?;
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// A log id shaped like the ones failed refreshes get (`1795964003852_rWfr8Lpj`).
fn new_log_id(now: DateTime<Utc>) -> String {
    let suffix: String = (0..8).map(|_| fastrand::alphanumeric()).collect();
    format!("{}_{suffix}", now.timestamp_millis())
}

impl RefreshLedger {
    /// Refreshes attempted so far (failed, backed off or succeeded).
    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Failure>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A key that can read credentials reads `connection` at `now`; `anchor` is when the
    /// dataset was made (tokens expired before it cannot be refreshed).
    pub(crate) fn read_credentials(
        &self,
        connection: &Connection,
        now: DateTime<Utc>,
        anchor: DateTime<Utc>,
        force: bool,
    ) -> Outcome {
        if connection.auth_mode != "OAUTH2" {
            return Outcome::Fresh;
        }
        let Some(expires_at) = expires_at(connection) else {
            return Outcome::Fresh;
        };
        let due = expires_at < now + chrono::Duration::minutes(REFRESH_MARGIN_MINUTES);
        if !due && !force {
            return Outcome::Fresh;
        }
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if expires_at >= anchor {
            return Outcome::Fresh;
        }
        let mut failures = self.failures();
        let backing_off = failures
            .get(&connection.id)
            .is_some_and(|failure| failure.at.elapsed() < REFRESH_BACKOFF);
        if backing_off && !force {
            return Outcome::BackingOff;
        }
        failures.insert(
            connection.id,
            Failure {
                log_id: new_log_id(now),
                at: Instant::now(),
                updated_at: now,
            },
        );
        Outcome::Failed
    }

    /// The connection as everyone sees it after failed refreshes: one `auth` error with the
    /// latest failure's log id (sync errors kept) and the update time of that failure.
    pub(crate) fn apply<'a>(&self, connection: &'a Connection) -> Cow<'a, Connection> {
        let failures = self.failures();
        let Some(failure) = failures.get(&connection.id) else {
            return Cow::Borrowed(connection);
        };
        let mut changed = connection.clone();
        changed.errors.retain(|error| error.kind != "auth");
        changed.errors.insert(
            0,
            ConnectionError {
                kind: "auth".to_owned(),
                log_id: failure.log_id.clone(),
            },
        );
        changed.updated_at = failure.updated_at;
        Cow::Owned(changed)
    }
}

/// True for an OAuth2 connection whose access token expired before `at` (e.g. the dataset
/// anchor): a credential read of it makes the simulator try, and fail, a refresh.
pub fn is_expired_oauth(connection: &Connection, at: DateTime<Utc>) -> bool {
    connection.auth_mode == "OAUTH2" && expires_at(connection).is_some_and(|time| time < at)
}
