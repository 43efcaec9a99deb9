//! What replicas of one nango-mcp deployment must agree on, behind two small traits: which
//! confirmation codes were spent ([`SpentCodes`]) and how much of Nango's per-account rate
//! budget the current window has used ([`RateWindows`]). [`Local`] keeps both in the process
//! (one replica, the default); with the `redis` feature, [`RedisStore`] keeps them in
//! Valkey/Redis so every replica sees the same. Callers never learn which one they talk to.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

mod local;
#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "testing")]
pub mod testing;

pub use local::Local;
#[cfg(feature = "redis")]
pub use redis_store::{RedisStore, StoreUrlError};

/// A store call. Boxed so the traits stay object-safe (`Arc<dyn SpentCodes>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Unreachable>> + Send + 'a>>;

/// The shared store did not answer in time. The reason never contains the store's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the shared store is unreachable: {0}")]
pub struct Unreachable(pub String);

/// Single use of confirmation codes: the first to spend a code wins, everywhere.
pub trait SpentCodes: Send + Sync {
    /// Marks `nonce` spent for `ttl` (after which the code has expired anyway). `Ok(true)` when
    /// this call spent it, `Ok(false)` when it had been spent before.
    fn spend<'a>(&'a self, nonce: &'a str, ttl: Duration) -> StoreFuture<'a, bool>;
}

/// Nango's rate budget, counted per window across everyone using the same key.
pub trait RateWindows: Send + Sync {
    /// Counts one request into `window` (Nango's `X-RateLimit-Reset`, epoch seconds) of the
    /// budget `scope` (a key fingerprint, never the key), after raising the count to `floor`
    /// (what the caller already knows was spent: `limit - remaining` from Nango's answers).
    /// Returns the count including this request; above the limit, Nango would answer 429.
    fn count<'a>(&'a self, scope: &'a str, window: u64, floor: u64) -> StoreFuture<'a, u64>;
}

/// Both, plus a cheap reachability check for `/readyz`.
pub trait SharedState: SpentCodes + RateWindows {
    /// `Ok` when the store answers (always, in process).
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// Whether other processes see what this one writes (false for [`Local`]).
    fn is_shared(&self) -> bool;
}

/// Answers whose resets are this close belong to the same window: Nango's reset is whole
/// seconds and moves by one between answers; windows are a minute apart. The gate uses the
/// same tolerance.
pub const SAME_WINDOW_SECS: u64 = 3;

/// How long a window's count is kept: past its reset nobody asks about it.
pub const WINDOW_KEPT: Duration = Duration::from_secs(180);

/// The one rule both stores follow, so they agree: `(window, spent)` stored for a scope,
/// a request counted into `window` with `floor`. Returns the new stored pair (None: leave
/// as is) and the count to answer.
pub(crate) fn next_count(
    stored: Option<(u64, u64)>,
    window: u64,
    floor: u64,
) -> (Option<(u64, u64)>, u64) {
    match stored {
        // A request from a window already over: its answer says nothing about this one.
        Some((current, _)) if window + SAME_WINDOW_SECS <= current => (None, floor + 1),
        Some((current, spent)) if window < current + SAME_WINDOW_SECS => {
            let count = spent.max(floor) + 1;
            (Some((current, count)), count)
        }
        _ => (Some((window, floor + 1)), floor + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_up_within_a_window_and_restart_with_the_next() {
        let (stored, count) = next_count(None, 1060, 5);
        assert_eq!((stored, count), (Some((1060, 6)), 6));
        // Same window seen one second off: counts on, floor below the count is ignored.
        let (stored, count) = next_count(stored, 1061, 2);
        assert_eq!((stored, count), (Some((1060, 7)), 7));
        // A floor above the count raises it: someone else spent budget we did not count.
        let (stored, count) = next_count(stored, 1060, 20);
        assert_eq!((stored, count), (Some((1060, 21)), 21));
        // Next window: starts from the floor.
        let (stored, count) = next_count(stored, 1120, 0);
        assert_eq!((stored, count), (Some((1120, 1)), 1));
        // A late request of the old window does not disturb the new one.
        assert_eq!(next_count(stored, 1060, 3), (None, 4));
    }
}
