//! One rate-limit gate shared by every request of a client. Nango counts requests per account
//! in fixed 60 s windows; an audit fans out, so without coordination each concurrent request
//! would discover a 429 on its own. The gate keeps what the last responses said and decides,
//! before each request, whether it may go now, must be spaced out, must wait for an answer in
//! flight, or must wait for the reset.
//!
//! First contact: nothing is known about a new window, so a small burst goes out together.
//! Every answer bounds the window's budget from below (`remaining + 1`: it counted at least
//! itself), and the gate admits what that bound leaves after everything it already let go. An
//! early answer may come from a request Nango counted late, so the bound can be low for a
//! moment; then the gate waits for another answer instead of for the reset. Once the first
//! request Nango counted has answered, the bound is the budget itself and nothing is lost.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};
use tokio::sync::watch;

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

/// Requests let go together into a window nothing is known about. Small enough that a tiny
/// budget (the tests use 5) sees no 429; large enough that a first fan-out takes two round
/// trips, not one per request.
pub(crate) const FIRST_CONTACT_BURST: u32 = 4;

/// What the gate tells a request that wants to go.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send now.
    Go(Ticket),
    /// Send at this time: the budget is low, so requests are spread until the reset.
    Paced(SystemTime, Ticket),
    /// The budget is spent (or a 429 was seen): nobody sends before this time.
    Blocked(SystemTime),
    /// What is known leaves no room, but answers are on their way and may show more: ask
    /// again once the settled count differs from this one (see [`RateGate::settled`]).
    AwaitAnswer(u64),
}

/// Which count a request let go belongs to; given back when it settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket {
    epoch: u64,
}

/// What the gate knows about the current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// Answers carry no rate-limit headers (rate limiting disabled on a self-hosted server).
    Unlimited,
    Counting(Count),
}

/// The count of one window, as far as this client can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Count {
    /// When the window resets; unknown until its first answer.
    reset: Option<SystemTime>,
    /// Requests let go in this window.
    admitted: u32,
    /// The budget is at least this: the highest `remaining + 1` of the window's answers.
    floor: Option<u32>,
    /// At most this is left: the lowest `remaining` answered, less what went after it. Only
    /// binds when another client spends the same budget.
    cap: Option<u32>,
    /// Requests let go before this count began, still unanswered: Nango may count them in
    /// this window, so they are in `admitted` until an answer says otherwise.
    carried: u32,
}

impl Count {
    /// Requests that may still go in this window.
    fn room(&self) -> u32 {
        let ours = match self.floor {
            Some(floor) => floor.saturating_sub(self.admitted),
            None => FIRST_CONTACT_BURST.saturating_sub(self.admitted),
        };
        self.cap.map_or(ours, |cap| ours.min(cap))
    }

    /// A new count, holding the requests still in flight as possibly its own.
    fn carrying(in_flight: u32, reset: Option<SystemTime>) -> Self {
        Self {
            reset,
            admitted: in_flight,
            carried: in_flight,
            ..Self::default()
        }
    }

    /// A request let go before this count settled: if Nango counted it elsewhere (or nobody
    /// knows), it leaves this window's count.
    fn settle_carried(&mut self, counted_here: bool) {
        if self.carried == 0 {
            return;
        }
        self.carried -= 1;
        if !counted_here {
            self.admitted = self.admitted.saturating_sub(1);
        }
    }

    fn take_one(&mut self) {
        self.admitted += 1;
        self.cap = self.cap.map(|cap| cap.saturating_sub(1));
    }

    fn learn(&mut self, remaining: u32, too_many: bool) {
        self.cap = Some(self.cap.map_or(remaining, |cap| cap.min(remaining)));
        if too_many {
            self.cap = Some(0);
        } else {
            let floor = remaining.saturating_add(1);
            self.floor = Some(self.floor.map_or(floor, |old| old.max(floor)));
        }
    }
}

#[derive(Debug)]
struct State {
    window: Window,
    /// Requests let go whose answer (or failure) is not in yet, in any window.
    in_flight: u32,
    /// Counts begun so far; a ticket from an earlier one is a carried request.
    epoch: u64,
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
    /// Counts settled requests, so a request told to await an answer never misses one.
    settled: watch::Sender<u64>,
}

impl RateGate {
    pub(crate) fn new(slow_down_below: u32) -> Self {
        Self {
            state: Mutex::new(State {
                window: Window::Counting(Count::default()),
                in_flight: 0,
                epoch: 0,
                last_seen: None,
                blocked_until: None,
                blocked_window: None,
                next_slot: None,
            }),
            slow_down_below,
            settled: watch::Sender::new(0),
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

    /// Watches the count of settled requests (see [`Admission::AwaitAnswer`]).
    pub(crate) fn settled(&self) -> watch::Receiver<u64> {
        self.settled.subscribe()
    }

    /// Decides whether a request may go at `now`, and if so takes one unit of the budget. A
    /// request let go (`Go` or `Paced`) must be settled exactly once: [`RateGate::observe`],
    /// [`RateGate::observe_failure`] or [`RateGate::abandon`].
    pub(crate) fn admit(&self, now: SystemTime) -> Admission {
        let mut state = self.lock();
        if let Some(until) = state.blocked_until {
            if until > now {
                return Admission::Blocked(until);
            }
            state.blocked_until = None;
        }
        let ticket = Ticket { epoch: state.epoch };
        let Window::Counting(mut count) = state.window else {
            state.in_flight += 1;
            return Admission::Go(ticket);
        };
        if count.reset.is_some_and(|reset| now >= reset + RESET_SLACK) {
            count = state.begin_count(None);
        }
        let ticket = Ticket { epoch: state.epoch };
        let mut room = count.room();
        if room == 0 {
            if state.in_flight > 0 {
                state.window = Window::Counting(count);
                return Admission::AwaitAnswer(*self.settled.borrow());
            }
            match count.reset {
                Some(reset) => {
                    let until = reset + RESET_SLACK;
                    state.window = Window::Counting(count);
                    state.blocked_until = Some(until);
                    return Admission::Blocked(until);
                }
                // The burst went and nothing came back with headers (cancelled on the way):
                // nothing learnt, so first contact starts over.
                None => {
                    count = state.begin_count(None);
                    room = count.room();
                }
            }
        }
        let paced = count
            .reset
            .filter(|_| room <= self.slow_down_below)
            .map(|reset| {
                let start = state.next_slot.map_or(now, |slot| slot.max(now));
                (reset, start)
            });
        // The slots left end at the reset: a request paced past it would count in the next
        // window, which this one's budget says nothing about.
        if let Some((reset, start)) = paced
            && start >= reset
        {
            state.window = Window::Counting(count);
            return Admission::Blocked(reset + RESET_SLACK);
        }
        count.take_one();
        state.window = Window::Counting(count);
        state.in_flight += 1;
        let Some((reset, start)) = paced else {
            return Admission::Go(ticket);
        };
        // Spread what is left evenly over the rest of the window, from the next free slot.
        let left = reset.duration_since(start).unwrap_or_default();
        state.next_slot = Some(start + left / room);
        if start > now {
            Admission::Paced(start, ticket)
        } else {
            Admission::Go(ticket)
        }
    }

    /// Settles a request with its answer's headers. `too_many` is true for a 429.
    ///
    /// The freshest headers win. A 429 that arrives after an answer from a later window (it
    /// was sent before the reset, answered after) speaks of a budget already renewed: it must
    /// not mark the new window spent. And an answer from a window later than the one a 429
    /// complained about, with budget left, lifts that 429's block.
    pub(crate) fn observe(
        &self,
        ticket: Ticket,
        now: SystemTime,
        headers: &HeaderMap,
        too_many: bool,
    ) {
        let seen = read_status(now, headers);
        {
            let mut state = self.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            if ticket.epoch < state.epoch
                && let Window::Counting(mut count) = state.window
            {
                let here = seen.is_some_and(|seen| match count.reset {
                    Some(reset) => !later_window(reset, seen.reset),
                    None => now < seen.reset + RESET_SLACK,
                });
                count.settle_carried(here);
                state.window = Window::Counting(count);
            }
            state.learn(now, seen, headers, too_many);
        }
        self.settled.send_modify(|settled| *settled += 1);
    }

    /// Settles a request that failed without an answer. If nothing is known about the window
    /// yet, stop holding requests back: an unreachable server says nothing about the budget,
    /// and holding retries back would multiply the delay.
    pub(crate) fn observe_failure(&self, ticket: Ticket) {
        {
            let mut state = self.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.settle_carried_unknown(ticket);
            if let Window::Counting(count) = state.window
                && count.reset.is_none()
            {
                state.window = Window::Unlimited;
            }
        }
        self.settled.send_modify(|settled| *settled += 1);
    }

    /// Settles a request given up before its answer (its caller went away). It may have been
    /// counted: its unit of budget stays taken.
    pub(crate) fn abandon(&self, ticket: Ticket) {
        {
            let mut state = self.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.settle_carried_unknown(ticket);
        }
        self.settled.send_modify(|settled| *settled += 1);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Starts counting a new window. What is still in flight may land in it.
    fn begin_count(&mut self, reset: Option<SystemTime>) -> Count {
        self.epoch += 1;
        self.next_slot = None;
        Count::carrying(self.in_flight, reset)
    }

    /// A carried request settled without saying where Nango counted it: assume here.
    fn settle_carried_unknown(&mut self, ticket: Ticket) {
        if ticket.epoch < self.epoch
            && let Window::Counting(mut count) = self.window
        {
            count.settle_carried(true);
            self.window = Window::Counting(count);
        }
    }

    fn learn(&mut self, now: SystemTime, seen: Option<Seen>, headers: &HeaderMap, too_many: bool) {
        if too_many && seen.is_some_and(|seen| self.is_past_window(seen.reset)) {
            return;
        }
        if !too_many
            && let Some(seen) = seen
            && seen.status.remaining > 0
            && self
                .blocked_window
                .is_some_and(|blocked| later_window(seen.reset, blocked))
        {
            self.blocked_until = None;
            self.blocked_window = None;
        }
        match (seen, self.window) {
            (Some(seen), Window::Counting(mut count)) => {
                match count.reset {
                    // An answer from a window already over (sent before the reset): the
                    // window now counting owes it nothing.
                    None if now >= seen.reset + RESET_SLACK => {}
                    None => {
                        count.reset = Some(seen.reset);
                        count.learn(seen.status.remaining, too_many);
                    }
                    Some(reset) if same_window(seen.reset, reset) => {
                        count.learn(seen.status.remaining, too_many);
                    }
                    // An answer from an older window, overtaken by newer ones: ignore.
                    Some(reset) if seen.reset < reset => {}
                    // A later window began before this clock saw the reset: what went before
                    // it belongs to the old window, as far as this client can tell.
                    Some(_) => {
                        count = self.begin_count(Some(seen.reset));
                        count.learn(seen.status.remaining, too_many);
                    }
                }
                self.window = Window::Counting(count);
            }
            (Some(seen), Window::Unlimited) => {
                let mut count = self.begin_count(Some(seen.reset));
                count.learn(seen.status.remaining, too_many);
                self.window = Window::Counting(count);
            }
            (None, Window::Counting(count))
                if !too_many && count.reset.is_none() && count.floor.is_none() =>
            {
                self.window = Window::Unlimited;
            }
            (None, _) => {}
        }
        if let Some(seen) = seen
            && self
                .last_seen
                .is_none_or(|last| seen.status.reset_at >= last.reset_at)
        {
            let known = match self.window {
                Window::Counting(count) if count.floor.is_some() => count.room(),
                _ => u32::MAX,
            };
            self.last_seen = Some(RateLimitStatus {
                remaining: known.min(seen.status.remaining),
                ..seen.status
            });
        }
        if too_many {
            let retry_after = retry_after(headers).unwrap_or_default();
            let reset = seen.map_or(now, |seen| seen.reset);
            let until = (now + retry_after).max(reset) + RESET_SLACK;
            self.blocked_until = Some(self.blocked_until.map_or(until, |old| old.max(until)));
            self.blocked_window = seen.map(|seen| seen.reset);
            if let Window::Counting(mut count) = self.window {
                count.cap = Some(0);
                self.window = Window::Counting(count);
            }
        }
    }

    /// Whether `reset` belongs to a window older than the one already known.
    fn is_past_window(&self, reset: SystemTime) -> bool {
        match self.window {
            Window::Counting(Count {
                reset: Some(known), ..
            }) => later_window(known, reset),
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

    /// These tests never cross into a new count, so every ticket is of the current one.
    const ANY: Ticket = Ticket { epoch: 0 };

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
    fn first_contact_lets_a_burst_go_then_what_the_first_answer_allows() {
        let gate = RateGate::new(0);
        for _ in 0..FIRST_CONTACT_BURST {
            assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        }
        assert_eq!(gate.admit(at(1000)), Admission::AwaitAnswer(0));
        // Counted at least itself: the budget is at least 151, of which 4 went.
        gate.observe(ANY, at(1000), &headers(150, 1060, None), false);
        for _ in 0..147 {
            assert!(matches!(gate.admit(at(1001)), Admission::Go(_)));
        }
        assert_eq!(gate.admit(at(1001)), Admission::AwaitAnswer(1));
        assert_eq!(gate.last_seen().unwrap().remaining, 147);
    }

    #[test]
    fn with_nothing_in_flight_and_no_room_the_gate_blocks_until_the_reset() {
        let gate = RateGate::new(0);
        gate.observe(ANY, at(1000), &headers(1, 1060, None), false);
        assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        assert_eq!(gate.admit(at(1000)), Admission::AwaitAnswer(1));
        gate.observe(ANY, at(1000), &headers(0, 1060, None), false);
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1061)));
        assert_eq!(gate.blocked_for(at(1000)), Some(Duration::from_secs(61)));
    }

    #[test]
    fn a_cancelled_request_keeps_its_unit_taken_but_wakes_the_waiters() {
        let gate = RateGate::new(0);
        gate.observe(ANY, at(1000), &headers(1, 1060, None), false);
        assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        let waiting = gate.admit(at(1000));
        assert_eq!(waiting, Admission::AwaitAnswer(1));
        let settled = gate.settled();
        gate.abandon(ANY);
        assert!(settled.has_changed().unwrap());
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1061)));
    }

    #[test]
    fn a_request_still_in_flight_at_the_reset_may_count_in_the_next_window() {
        let gate = RateGate::new(0);
        gate.observe(ANY, at(1000), &headers(10, 1060, None), false);
        let Admission::Go(straggler) = gate.admit(at(1059)) else {
            panic!("budget left")
        };
        // The new window's burst leaves room for the straggler, which Nango may count there.
        for _ in 1..FIRST_CONTACT_BURST {
            assert!(matches!(gate.admit(at(1061)), Admission::Go(_)));
        }
        assert!(matches!(gate.admit(at(1061)), Admission::AwaitAnswer(_)));
        // It answers from the old window: its unit goes back to the new one.
        gate.observe(straggler, at(1061), &headers(9, 1060, None), false);
        assert!(matches!(gate.admit(at(1061)), Admission::Go(_)));
        assert!(matches!(gate.admit(at(1061)), Admission::AwaitAnswer(_)));
    }

    #[test]
    fn no_headers_means_unlimited() {
        let gate = RateGate::new(20);
        gate.observe(ANY, at(1000), &HeaderMap::new(), false);
        for _ in 0..100 {
            assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        }
        assert!(gate.last_seen().is_none());
    }

    #[test]
    fn spent_budget_blocks_everyone_until_the_reset() {
        let gate = RateGate::new(0);
        gate.observe(ANY, at(1000), &headers(2, 1060, None), false);
        assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        gate.observe(ANY, at(1000), &headers(1, 1060, None), false);
        gate.observe(ANY, at(1000), &headers(0, 1060, None), false);
        let blocked = Admission::Blocked(at(1061));
        assert_eq!(gate.admit(at(1000)), blocked);
        assert_eq!(gate.admit(at(1030)), blocked);
        // After the reset the window is unknown again: a first-contact burst, not a stampede.
        for _ in 0..FIRST_CONTACT_BURST {
            assert!(matches!(gate.admit(at(1061)), Admission::Go(_)));
        }
        assert_eq!(gate.admit(at(1061)), Admission::AwaitAnswer(3));
    }

    #[test]
    fn a_429_blocks_for_retry_after_or_the_reset_whichever_is_later() {
        let gate = RateGate::new(0);
        let mut answer = headers(0, 1020, None);
        answer.insert(RETRY_AFTER, HeaderValue::from(40u32));
        gate.observe(ANY, at(1000), &answer, true);
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1041)));

        let gate = RateGate::new(0);
        let mut answer = headers(0, 1050, None);
        answer.insert(RETRY_AFTER, HeaderValue::from(0u32));
        gate.observe(ANY, at(1000), &answer, true);
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1051)));
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
        gate.observe(ANY, at(1002), &headers(150, 1062, None), false);
        gate.observe(ANY, at(1002), &too_many(0, 1001, 1), true);
        assert!(matches!(gate.admit(at(1002)), Admission::Go(_)));
        assert_eq!(gate.last_seen().unwrap().remaining, 150);
    }

    #[test]
    fn an_answer_from_a_later_window_with_budget_left_lifts_the_block() {
        let gate = RateGate::new(0);
        // Retry-After says 40 s, but the window resets in 1 s.
        gate.observe(ANY, at(1000), &too_many(0, 1001, 40), true);
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1041)));
        gate.observe(ANY, at(1002), &headers(150, 1062, None), false);
        assert!(matches!(gate.admit(at(1002)), Admission::Go(_)));
    }

    #[test]
    fn a_late_answer_from_the_spent_window_does_not_lift_the_block() {
        let gate = RateGate::new(0);
        gate.observe(ANY, at(1000), &too_many(0, 1030, 30), true);
        // Sent before the 429, answered after it: its count is stale.
        gate.observe(ANY, at(1000), &headers(5, 1030, None), false);
        assert_eq!(gate.admit(at(1000)), Admission::Blocked(at(1031)));
    }

    #[test]
    fn low_budget_is_spread_until_the_reset() {
        let gate = RateGate::new(5);
        gate.observe(ANY, at(1000), &headers(4, 1040, None), false);
        // 4 left over 40 s: one every 10 s.
        assert!(matches!(gate.admit(at(1000)), Admission::Go(_)));
        assert!(matches!(gate.admit(at(1000)), Admission::Paced(slot, _) if slot == at(1010)));
        // 3 left over the 30 s from that slot to the reset: every 10 s still.
        assert!(matches!(gate.admit(at(1000)), Admission::Paced(slot, _) if slot == at(1020)));
        assert!(matches!(gate.admit(at(1000)), Admission::Paced(slot, _) if slot == at(1030)));
        // Nothing left; answers may show more, so wait for one rather than for the reset.
        assert_eq!(gate.admit(at(1000)), Admission::AwaitAnswer(1));
    }

    #[test]
    fn answers_only_lower_the_budget_within_a_window_and_skew_is_corrected() {
        let gate = RateGate::new(0);
        // Server clock is 100 s behind ours: reset 60 s after its Date means 60 s after our now.
        gate.observe(ANY, at(1100), &headers(10, 1060, Some(1000)), false);
        let status = gate.last_seen().unwrap();
        assert_eq!(status.reset_at, Timestamp(at(1160).into()));
        gate.observe(ANY, at(1101), &headers(50, 1060, Some(1000)), false);
        assert_eq!(gate.last_seen().unwrap().remaining, 10);
        // A new window replaces the count.
        gate.observe(ANY, at(1170), &headers(199, 1120, Some(1070)), false);
        assert_eq!(gate.last_seen().unwrap().remaining, 199);
    }
}
