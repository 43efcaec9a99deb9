//! The gate's first contact against every order in which Nango may count requests and answer
//! them: with one client on the key, no request may meet a spent budget (no 429 unless the budget
//! is smaller than the first-contact burst), and no unit of the budget may be lost (as many
//! requests go as the budget allows, nobody waits forever).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

use super::gate::{Admission, FIRST_CONTACT_BURST, RateGate, Ticket};

const NOW: u64 = 1_000;
const RESET: u64 = 1_060;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Waiting,
    /// Let go; Nango has not counted it yet.
    Sent(Ticket),
    /// Counted by Nango, which will answer with this `remaining` (or a 429 when `None`).
    Counted(Option<u32>, Ticket),
    Answered,
    /// The gate said the budget is spent until the reset.
    Refused,
}

struct Outcome {
    answered: u32,
    refused: u32,
    too_many: u32,
    stuck: u32,
}

fn headers(budget: u32, remaining: u32) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("x-ratelimit-limit", HeaderValue::from(budget));
    map.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    map.insert("x-ratelimit-reset", HeaderValue::from(RESET));
    map
}

/// One window: `callers` requests want to go against a budget of `budget`. Each step, `choose`
/// picks among the possible events: Nango counting one request sent, or one counted request's
/// answer arriving. Every waiting caller asks the gate again after each event.
fn run(budget: u32, callers: usize, choose: &mut dyn FnMut(usize) -> usize) -> Outcome {
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let gate = RateGate::new(0);
    let mut state = vec![Caller::Waiting; callers];
    let mut counted = 0;
    let mut too_many = 0;
    let answers: Vec<HeaderMap> = (0..=budget).map(|left| headers(budget, left)).collect();
    loop {
        ask_again(&gate, now, &mut state);
        let events: Vec<usize> = (0..callers)
            .filter(|&i| matches!(state[i], Caller::Sent(_) | Caller::Counted(..)))
            .collect();
        if events.is_empty() {
            break;
        }
        let pick = events[choose(events.len())];
        state[pick] = match state[pick] {
            Caller::Sent(ticket) if counted < budget => {
                counted += 1;
                Caller::Counted(Some(budget - counted), ticket)
            }
            Caller::Sent(ticket) => Caller::Counted(None, ticket),
            Caller::Counted(Some(remaining), ticket) => {
                gate.observe(ticket, now, &answers[remaining as usize], false);
                Caller::Answered
            }
            // Refused by Nango: the caller asks the gate again, as the client retries.
            Caller::Counted(None, ticket) => {
                too_many += 1;
                gate.observe(ticket, now, &answers[0], true);
                Caller::Waiting
            }
            other => other,
        };
    }
    let count = |wanted: Caller| state.iter().filter(|&&c| c == wanted).count() as u32;
    Outcome {
        answered: count(Caller::Answered),
        refused: count(Caller::Refused),
        too_many,
        stuck: count(Caller::Waiting),
    }
}

fn ask_again(gate: &RateGate, now: SystemTime, state: &mut [Caller]) {
    for caller in state.iter_mut().filter(|c| **c == Caller::Waiting) {
        match gate.admit(now) {
            Admission::Go(ticket) | Admission::Paced(_, ticket) => *caller = Caller::Sent(ticket),
            Admission::Blocked(_) => *caller = Caller::Refused,
            Admission::AwaitAnswer(_) => {}
        }
    }
}

fn check(budget: u32, callers: usize, outcome: &Outcome, path: &dyn std::fmt::Debug) {
    let callers = callers as u32;
    // Only a budget smaller than the first-contact burst can see 429s, one per unit missing.
    let allowed = FIRST_CONTACT_BURST.saturating_sub(budget);
    assert!(
        outcome.too_many <= allowed,
        "{} × 429 (budget {budget}, {callers} callers, {path:?})",
        outcome.too_many
    );
    assert_eq!(outcome.stuck, 0, "a caller waits forever ({path:?})");
    assert_eq!(
        outcome.answered,
        callers.min(budget),
        "budget {budget}, {callers} callers: lost units ({path:?})"
    );
    assert_eq!(outcome.answered + outcome.refused, callers);
}

/// Runs `run` down every path of choices, depth first, replaying the prefix each time.
fn every_ordering(budget: u32, callers: usize) -> usize {
    let mut prefix: Vec<(usize, usize)> = Vec::new();
    let mut paths = 0;
    loop {
        let mut taken = Vec::new();
        let mut step = 0;
        let outcome = run(budget, callers, &mut |options| {
            let choice = prefix.get(step).map_or(0, |&(choice, _)| choice);
            taken.push((choice, options));
            step += 1;
            choice
        });
        paths += 1;
        check(budget, callers, &outcome, &taken);
        // Next path: bump the deepest choice that has a sibling left.
        while let Some((choice, options)) = taken.pop() {
            if choice + 1 < options {
                taken.push((choice + 1, options));
                break;
            }
        }
        if taken.is_empty() {
            return paths;
        }
        prefix = taken;
    }
}

#[test]
fn every_order_of_counting_and_answering_uses_the_whole_budget_and_no_more() {
    let mut paths = 0;
    // Up to the burst, then one caller past a budget one larger than the burst: requests let go
    // after the first answers, and one refused once all is known.
    let mut configs: Vec<(u32, usize)> = (1..=6)
        .flat_map(|budget| (1..=4).map(move |callers| (budget, callers)))
        .collect();
    configs.push((FIRST_CONTACT_BURST + 1, FIRST_CONTACT_BURST as usize + 2));
    for (budget, callers) in configs {
        paths += every_ordering(budget, callers);
    }
    assert!(paths > 40_000, "only {paths} orderings explored");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Real Nango's budget is 40 a minute; a fan-out larger than it must use all 40.
    #[test]
    fn random_orders_against_real_sized_budgets(
        budget in 1u32..=60,
        callers in 1usize..=80,
        choices in proptest::collection::vec(any::<u32>(), 400),
    ) {
        let mut next = choices.into_iter().cycle();
        let outcome = run(budget, callers, &mut |options| {
            next.next().map_or(0, |value| value as usize % options)
        });
        check(budget, callers, &outcome, &"random");
    }
}
