//! One rate-limit gate shared by every request of a client. Nango counts requests per account
//! in fixed 60 s windows; an audit fans out, so without coordination each concurrent request
//! would discover a 429 on its own. The gate keeps what the last responses said and decides,
//! before each request, whether it may go now, must be spaced out, or must wait for the reset.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

use crate::models::Timestamp;

/// Headroom from the last `X-RateLimit-*` headers seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Requests left in the window (`X-RateLimit-Remaining`).
    pub remaining: u32,
    /// When the window resets, on this machine's clock (Nango's `X-RateLimit-Reset` corrected
    /// by the response's `Date`, so a skewed local clock does not distort waits).
    pub reset_at: Timestamp,
}

/// Nango's reset and `Retry-After` values are whole seconds (Retry-After rounded down), so
/// waking exactly at them can be up to a second early and earn a second 429.
const RESET_SLACK: Duration = Duration::from_secs(1);

/// Resets converted through the 1 s-resolution `Date` header wobble by up to a second or so
/// between answers of the same window; windows themselves are a minute apart.
const SAME_WINDOW: Duration = Duration::from_secs(3);

/// What the gate tells a request that wants to go.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send now.
    Go,
    /// Send at this time: the budget is low, so requests are spread until the reset.
    Paced(SystemTime),
    /// The budget is spent (or a 429 was seen): nobody sends before this time.
    Blocked(SystemTime),
    /// Nothing is known about the current window: only one request at a time may go until an
    /// answer tells how much budget is left. Take the probe lock, then ask again.
    Probe,
}

/// What the gate knows about the current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// Nothing yet, or the known window is over.
    Unknown,
    /// Answers carry no rate-limit headers (rate limiting disabled on a self-hosted server).
    Unlimited,
    /// `remaining` counts down as requests are let through and is corrected by each answer.
    Known { reset: SystemTime, remaining: u32 },
}

#[derive(Debug)]
struct State {
    window: Window,
    last_seen: Option<RateLimitStatus>,
    blocked_until: Option<SystemTime>,
    /// The window a 429 complained about; an answer from a later window lifts its block.
    blocked_window: Option<SystemTime>,
    next_slot: Option<SystemTime>,
}

/// The shared gate. Never held across an `.await`.
#[derive(Debug)]
pub(crate) struct RateGate {
    state: Mutex<State>,
    slow_down_below: u32,
    /// Serialises requests while the window is unknown.
    pub(crate) probe: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl RateGate {
    pub(crate) fn new(slow_down_below: u32) -> Self {
        Self {
            state: Mutex::new(State {
                window: Window::Unknown,
                last_seen: None,
                blocked_until: None,
                blocked_window: None,
                next_slot: None,
            }),
            slow_down_below,
            probe: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Last headroom seen, if any answer carried rate-limit headers.
    pub(crate) fn last_seen(&self) -> Option<RateLimitStatus> {
        self.lock().last_seen
    }

    /// How long the gate will keep requests back from `now`, if it is blocking.
    pub(crate) fn blocked_for(&self, now: SystemTime) -> Option<Duration> {
        let until = self.lock().blocked_until?;
        until.duration_since(now).ok()
    }

    /// Decides whether a request may go at `now`, and if so takes one unit of the budget.
    /// `probing` is true when the caller holds the probe lock.
    pub(crate) fn admit(&self, now: SystemTime, probing: bool) -> Admission {
        let mut state = self.lock();
        if let Some(until) = state.blocked_until {
            if until > now {
                return Admission::Blocked(until);
            }
            state.blocked_until = None;
        }
        let (reset, remaining) = match state.window {
            Window::Unlimited => return Admission::Go,
            Window::Unknown => {
                return if probing {
                    Admission::Go
                } else {
                    Admission::Probe
                };
            }
            Window::Known { reset, .. } if now >= reset + RESET_SLACK => {
                state.window = Window::Unknown;
                state.next_slot = None;
                return if probing {
                    Admission::Go
                } else {
                    Admission::Probe
                };
            }
            Window::Known { reset, remaining } => (reset, remaining),
        };
        if remaining == 0 {
            let until = reset + RESET_SLACK;
            state.blocked_until = Some(until);
            return Admission::Blocked(until);
        }
        state.window = Window::Known {
            reset,
            remaining: remaining - 1,
        };
        if remaining > self.slow_down_below {
            return Admission::Go;
        }
        // Spread what is left evenly over the rest of the window.
        let left = reset.duration_since(now).unwrap_or_default();
        let interval = left / remaining;
        let start = state.next_slot.map_or(now, |slot| slot.max(now));
        state.next_slot = Some(start + interval);
        if start > now {
            Admission::Paced(start)
        } else {
            Admission::Go
        }
    }

    /// Learns from an answer's headers. `too_many` is true for a 429.
    ///
    /// The freshest headers win. A 429 that arrives after an answer from a later window (it
    /// was sent before the reset, answered after) speaks of a budget already renewed: it must
    /// not mark the new window spent. And an answer from a window later than the one a 429
    /// complained about, with budget left, lifts that 429's block.
    pub(crate) fn observe(&self, now: SystemTime, headers: &HeaderMap, too_many: bool) {
        let seen = read_status(now, headers);
        let mut state = self.lock();
        if too_many && seen.is_some_and(|seen| state.is_past_window(seen.reset)) {
            return;
        }
        if !too_many
            && let Some(seen) = seen
            && seen.status.remaining > 0
            && state
                .blocked_window
                .is_some_and(|blocked| later_window(seen.reset, blocked))
        {
            state.blocked_until = None;
            state.blocked_window = None;
        }
        match (seen, state.window) {
            (Some(seen), Window::Known { reset, remaining }) if same_window(seen.reset, reset) => {
                state.window = Window::Known {
                    reset,
                    remaining: remaining.min(seen.status.remaining),
                };
            }
            // An answer from an older window, overtaken by newer ones: ignore.
            (Some(seen), Window::Known { reset, .. }) if seen.reset < reset => {}
            (Some(seen), _) => {
                state.window = Window::Known {
                    reset: seen.reset,
                    remaining: seen.status.remaining,
                };
                state.next_slot = None;
            }
            (None, Window::Unknown) if !too_many => state.window = Window::Unlimited,
            (None, _) => {}
        }
        if let Some(seen) = seen
            && state
                .last_seen
                .is_none_or(|last| seen.status.reset_at >= last.reset_at)
        {
            state.last_seen = Some(match state.window {
                Window::Known { remaining, .. } => RateLimitStatus {
                    remaining: remaining.min(seen.status.remaining),
                    ..seen.status
                },
                _ => seen.status,
            });
        }
        if too_many {
            let retry_after = retry_after(headers).unwrap_or_default();
            let reset = seen.map_or(now, |seen| seen.reset);
            let until = (now + retry_after).max(reset) + RESET_SLACK;
            state.blocked_until = Some(state.blocked_until.map_or(until, |old| old.max(until)));
            state.blocked_window = seen.map(|seen| seen.reset);
            if let Window::Known { reset, .. } = state.window {
                state.window = Window::Known {
                    reset,
                    remaining: 0,
                };
            }
        }
    }

    /// A request failed without an answer. If it was probing, stop serialising: an unreachable
    /// server says nothing about the budget, and serialising retries would multiply the delay.
    pub(crate) fn observe_failure(&self) {
        let mut state = self.lock();
        if state.window == Window::Unknown {
            state.window = Window::Unlimited;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Whether `reset` belongs to a window older than the one already known.
    fn is_past_window(&self, reset: SystemTime) -> bool {
        match self.window {
            Window::Known { reset: known, .. } => later_window(known, reset),
            _ => false,
        }
    }
}

/// `a` is the reset of a later window than `b` (not the same one seen through a wobbly `Date`).
fn later_window(a: SystemTime, b: SystemTime) -> bool {
    a > b && !same_window(a, b)
}

fn same_window(a: SystemTime, b: SystemTime) -> bool {
    let gap = a.duration_since(b).or_else(|_| b.duration_since(a));
    gap.is_ok_and(|gap| gap < SAME_WINDOW)
}

#[derive(Clone, Copy, Debug)]
struct Seen {
    status: RateLimitStatus,
    reset: SystemTime,
}

/// Reads `X-RateLimit-*`, converting the reset to local time via the server's `Date`.
fn read_status(now: SystemTime, headers: &HeaderMap) -> Option<Seen> {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    let limit = number("x-ratelimit-limit")?;
    let remaining = number("x-ratelimit-remaining")?;
    let reset_epoch = number("x-ratelimit-reset")?;
    let server_reset = UNIX_EPOCH.checked_add(Duration::from_secs(reset_epoch))?;
    let reset = match server_date(headers) {
        Some(server_now) => match server_reset.duration_since(server_now) {
            Ok(ahead) => now + ahead,
            Err(_) => now,
        },
        None => server_reset,
    };
    Some(Seen {
        status: RateLimitStatus {
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset_at: Timestamp(reset.into()),
        },
        reset,
    })
}

fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    let text = headers.get(DATE)?.to_str().ok()?;
    let parsed = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    Some(parsed.with_timezone(&chrono::Utc).into())
}

/// `Retry-After` in whole seconds (Nango never sends the HTTP-date form); at least 1 s.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn headers(remaining: u32, reset: u64, date: Option<u64>) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("x-ratelimit-limit", HeaderValue::from(200u32));
        map.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        map.insert("x-ratelimit-reset", HeaderValue::from(reset));
        if let Some(date) = date {
            let text = chrono::DateTime::<chrono::Utc>::from(at(date)).to_rfc2822();
            map.insert(DATE, HeaderValue::from_str(&text).unwrap());
        }
        map
    }

    #[test]
    fn unknown_window_probes_one_at_a_time_then_goes() {
        let gate = RateGate::new(20);
        assert_eq!(gate.admit(at(1000), false), Admission::Probe);
        assert_eq!(gate.admit(at(1000), true), Admission::Go);
        gate.observe(at(1000), &headers(150, 1060, None), false);
        assert_eq!(gate.admit(at(1001), false), Admission::Go);
        assert_eq!(gate.last_seen().unwrap().remaining, 150);
    }

    #[test]
    fn no_headers_means_unlimited() {
        let gate = RateGate::new(20);
        gate.observe(at(1000), &HeaderMap::new(), false);
        for _ in 0..100 {
            assert_eq!(gate.admit(at(1000), false), Admission::Go);
        }
        assert!(gate.last_seen().is_none());
    }

    #[test]
    fn spent_budget_blocks_everyone_until_the_reset() {
        let gate = RateGate::new(0);
        gate.observe(at(1000), &headers(2, 1060, None), false);
        assert_eq!(gate.admit(at(1000), false), Admission::Go);
        assert_eq!(gate.admit(at(1000), false), Admission::Go);
        let blocked = Admission::Blocked(at(1061));
        assert_eq!(gate.admit(at(1000), false), blocked);
        assert_eq!(gate.admit(at(1030), false), blocked);
        // After the reset the window is unknown again: one probe, not a stampede.
        assert_eq!(gate.admit(at(1061), false), Admission::Probe);
    }

    #[test]
    fn a_429_blocks_for_retry_after_or_the_reset_whichever_is_later() {
        let gate = RateGate::new(0);
        let mut answer = headers(0, 1020, None);
        answer.insert(RETRY_AFTER, HeaderValue::from(40u32));
        gate.observe(at(1000), &answer, true);
        assert_eq!(gate.admit(at(1000), false), Admission::Blocked(at(1041)));

        let gate = RateGate::new(0);
        let mut answer = headers(0, 1050, None);
        answer.insert(RETRY_AFTER, HeaderValue::from(0u32));
        gate.observe(at(1000), &answer, true);
        assert_eq!(gate.admit(at(1000), false), Admission::Blocked(at(1051)));
    }

    fn too_many(remaining: u32, reset: u64, retry_after: u32) -> HeaderMap {
        let mut answer = headers(remaining, reset, None);
        answer.insert(RETRY_AFTER, HeaderValue::from(retry_after));
        answer
    }

    #[test]
    fn a_late_429_from_a_window_already_over_does_not_block_the_new_one() {
        let gate = RateGate::new(0);
        // The new window is known (150 left) when a 429 sent in the old one arrives.
        gate.observe(at(1002), &headers(150, 1062, None), false);
        gate.observe(at(1002), &too_many(0, 1001, 1), true);
        assert_eq!(gate.admit(at(1002), false), Admission::Go);
        assert_eq!(gate.last_seen().unwrap().remaining, 150);
    }

    #[test]
    fn an_answer_from_a_later_window_with_budget_left_lifts_the_block() {
        let gate = RateGate::new(0);
        // Retry-After says 40 s, but the window resets in 1 s.
        gate.observe(at(1000), &too_many(0, 1001, 40), true);
        assert_eq!(gate.admit(at(1000), false), Admission::Blocked(at(1041)));
        gate.observe(at(1002), &headers(150, 1062, None), false);
        assert_eq!(gate.admit(at(1002), false), Admission::Go);
    }

    #[test]
    fn a_late_answer_from_the_spent_window_does_not_lift_the_block() {
        let gate = RateGate::new(0);
        gate.observe(at(1000), &too_many(0, 1030, 30), true);
        // Sent before the 429, answered after it: its count is stale.
        gate.observe(at(1000), &headers(5, 1030, None), false);
        assert_eq!(gate.admit(at(1000), false), Admission::Blocked(at(1031)));
    }

    #[test]
    fn low_budget_is_spread_until_the_reset() {
        let gate = RateGate::new(5);
        gate.observe(at(1000), &headers(4, 1040, None), false);
        // 4 left over 40 s: one every 10 s.
        assert_eq!(gate.admit(at(1000), false), Admission::Go);
        assert_eq!(gate.admit(at(1000), false), Admission::Paced(at(1010)));
        // 3 left over the 40 s still ahead: the next slot is 40/3 s after 1010.
        let third = at(1010) + Duration::from_secs(40) / 3;
        assert_eq!(gate.admit(at(1000), false), Admission::Paced(third));
    }

    #[test]
    fn answers_only_lower_the_budget_within_a_window_and_skew_is_corrected() {
        let gate = RateGate::new(0);
        // Server clock is 100 s behind ours: reset 60 s after its Date means 60 s after our now.
        gate.observe(at(1100), &headers(10, 1060, Some(1000)), false);
        let status = gate.last_seen().unwrap();
        assert_eq!(status.reset_at, Timestamp(at(1160).into()));
        gate.observe(at(1101), &headers(50, 1060, Some(1000)), false);
        assert_eq!(gate.last_seen().unwrap().remaining, 10);
        // A new window replaces the count.
        gate.observe(at(1170), &headers(199, 1120, Some(1070)), false);
        assert_eq!(gate.last_seen().unwrap().remaining, 199);
    }
}
