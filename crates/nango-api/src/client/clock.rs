//! Time, injectable. Retries and the rate-limit gate sleep and compare against Nango's
//! wall-clock `X-RateLimit-Reset`; tests swap in a virtual clock so those waits are instant and
//! exactly measurable even while real sockets are involved (a paused tokio clock would also
//! fast-forward the socket timeouts, which makes such tests lie).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A boxed sleep, so [`Clock`] stays object-safe.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The client's source of time.
pub trait Clock: Send + Sync + 'static {
    /// Wall-clock now (compared with `X-RateLimit-Reset`, a Unix time).
    fn now(&self) -> SystemTime;
    /// Completes once this clock reads `deadline` or later.
    fn sleep_until(&self, deadline: SystemTime) -> Sleep;
}

/// Real time via tokio. Wall time is derived from tokio's monotonic clock anchored at creation,
/// so under `tokio::time::pause` the wall clock advances together with the sleeps.
#[derive(Clone, Debug)]
pub struct TokioClock {
    anchor_wall: SystemTime,
    anchor: tokio::time::Instant,
}

impl TokioClock {
    /// A clock anchored at the current wall time.
    pub fn new() -> Self {
        Self {
            anchor_wall: SystemTime::now(),
            anchor: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.anchor_wall + self.anchor.elapsed()
    }

    fn sleep_until(&self, deadline: SystemTime) -> Sleep {
        let duration = deadline.duration_since(self.now()).unwrap_or_default();
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time for tests and simulations: `sleep_until(t)` returns at once after moving the
/// clock to at least `t`, and records how long that sleep was. Concurrent sleepers aiming at the
/// same deadline therefore all wake at that deadline instead of adding their waits up.
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock that starts at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            inner: Arc::new(Mutex::new(ManualState {
                now: start,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves time forward without anyone sleeping.
    pub fn advance(&self, duration: Duration) {
        let mut state = self.lock();
        state.now += duration;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Sum of every sleep requested so far.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // A panic while holding this lock cannot leave the state inconsistent: recover it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.lock().now
    }

    fn sleep_until(&self, deadline: SystemTime) -> Sleep {
        {
            let mut state = self.lock();
            // Someone else's sleep may already have carried time past our deadline.
            let slept = deadline.duration_since(state.now).unwrap_or_default();
            state.sleeps.push(slept);
            state.now = state.now.max(deadline);
        }
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_wall_time_follows_a_paused_runtime() {
        let clock = TokioClock::new();
        let start = clock.now();
        clock.sleep_until(start + Duration::from_secs(90)).await;
        let elapsed = clock.now().duration_since(start).unwrap();
        assert!(elapsed >= Duration::from_secs(90) && elapsed < Duration::from_secs(91));
        // A deadline in the past does not sleep.
        clock.sleep_until(start).await;
        assert!(clock.now().duration_since(start).unwrap() < Duration::from_secs(91));
    }

    #[tokio::test]
    async fn manual_clock_sleepers_share_deadlines_instead_of_adding_up() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let clock = ManualClock::new(start);
        let deadline = start + Duration::from_secs(60);
        clock.sleep_until(deadline).await;
        clock.sleep_until(deadline).await;
        assert_eq!(clock.now(), deadline);
        assert_eq!(clock.sleeps(), [Duration::from_secs(60), Duration::ZERO]);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now(), deadline + Duration::from_secs(5));
        assert_eq!(clock.total_slept(), Duration::from_secs(60));
    }
}
