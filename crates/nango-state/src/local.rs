//! The in-process default: one replica, nothing shared, nothing that can be unreachable.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::{RateWindows, SharedState, SpentCodes, StoreFuture, next_count};

#[derive(Debug, Default)]
pub struct Local {
    /// Spent nonces and when they may be forgotten (their code has expired by then).
    spent: Mutex<HashMap<String, Instant>>,
    windows: Mutex<HashMap<String, (u64, u64)>>,
}

impl Local {
    pub fn new() -> Self {
        Self::default()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SpentCodes for Local {
    fn spend<'a>(&'a self, nonce: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        let mut spent = lock(&self.spent);
        spent.retain(|_, until| *until > now);
        let fresh = spent.insert(nonce.to_owned(), now + ttl).is_none();
        Box::pin(std::future::ready(Ok(fresh)))
    }
}

impl RateWindows for Local {
    fn count<'a>(&'a self, scope: &'a str, window: u64, floor: u64) -> StoreFuture<'a, u64> {
        let mut windows = lock(&self.windows);
        let (stored, count) = next_count(windows.get(scope).copied(), window, floor);
        if let Some(stored) = stored {
            windows.insert(scope.to_owned(), stored);
        }
        Box::pin(std::future::ready(Ok(count)))
    }
}

impl SharedState for Local {
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn is_shared(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_nonce_is_spent_once() {
        let local = Local::new();
        let ttl = Duration::from_secs(300);
        assert_eq!(local.spend("a", ttl).await, Ok(true));
        assert_eq!(local.spend("a", ttl).await, Ok(false));
        assert_eq!(local.spend("b", ttl).await, Ok(true));
    }

    #[tokio::test]
    async fn an_expired_nonce_is_forgotten() {
        let local = Local::new();
        assert_eq!(local.spend("a", Duration::ZERO).await, Ok(true));
        assert_eq!(local.spend("a", Duration::from_secs(1)).await, Ok(true));
    }

    #[tokio::test]
    async fn windows_are_counted_per_scope() {
        let local = Local::new();
        assert_eq!(local.count("k1", 1060, 0).await, Ok(1));
        assert_eq!(local.count("k1", 1060, 0).await, Ok(2));
        assert_eq!(local.count("k2", 1060, 0).await, Ok(1));
    }
}
