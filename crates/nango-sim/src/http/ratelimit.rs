//! Nango's rate limit: a fixed 60 s window of points per account (here: per simulator).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WINDOW: Duration = Duration::from_secs(60);

/// Outcome of charging one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Rate limiting is off: no headers.
    Disabled,
    /// Allowed; values for the `X-RateLimit-*` headers.
    Allowed {
        limit: u32,
        remaining: u32,
        reset_epoch: u64,
    },
    /// Over the limit; `retry_after` whole seconds until the window resets.
    Limited {
        limit: u32,
        reset_epoch: u64,
        retry_after: u64,
    },
}

#[derive(Debug)]
struct Window {
    started: Option<Instant>,
    reset_epoch: u64,
    used: u32,
}

/// Fixed-window limiter.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: AtomicU32,
    window: Mutex<Window>,
}

fn epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RateLimiter {
    /// `per_minute` 0 disables limiting.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: AtomicU32::new(per_minute),
            window: Mutex::new(Window {
                started: None,
                reset_epoch: 0,
                used: 0,
            }),
        }
    }

    /// Changes the limit and starts a fresh window.
    pub fn set_limit(&self, per_minute: u32) {
        self.per_minute.store(per_minute, Ordering::SeqCst);
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        window.started = None;
        window.used = 0;
    }

    /// Charges one point.
    pub fn charge(&self) -> Decision {
        let limit = self.per_minute.load(Ordering::SeqCst);
        if limit == 0 {
            return Decision::Disabled;
        }
        let now = Instant::now();
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let expired = window
            .started
            .is_none_or(|started| now.duration_since(started) >= WINDOW);
        if expired {
            window.started = Some(now);
            window.reset_epoch = epoch_seconds() + WINDOW.as_secs();
            window.used = 0;
        }
        if window.used >= limit {
            let elapsed = window
                .started
                .map_or(Duration::ZERO, |started| now.duration_since(started));
            return Decision::Limited {
                limit,
                reset_epoch: window.reset_epoch,
                retry_after: WINDOW.saturating_sub(elapsed).as_secs(),
            };
        }
        window.used += 1;
        Decision::Allowed {
            limit,
            remaining: limit - window.used,
            reset_epoch: window.reset_epoch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_after_n_points() {
        let limiter = RateLimiter::new(3);
        for expected_remaining in [2, 1, 0] {
            match limiter.charge() {
                Decision::Allowed {
                    remaining, limit, ..
                } => {
                    assert_eq!(remaining, expected_remaining);
                    assert_eq!(limit, 3);
                }
                other => panic!("expected allowed, got {other:?}"),
            }
        }
        assert!(
            matches!(limiter.charge(), Decision::Limited { retry_after, .. } if retry_after <= 60)
        );
        limiter.set_limit(0);
        assert_eq!(limiter.charge(), Decision::Disabled);
    }
}
