//! Admission for `/mcp`: a server-wide cap on calls running at once, and a wait queue in front of
//! it that is fair between clients.
//!
//! Why this shape: a team shares one server (and often one token), so a per-client cap would turn
//! away callers the server could serve. What is scarce is the server's (and Nango's) capacity,
//! so that is what is capped; callers beyond it wait, up to a deadline, rather than being refused.
//! When slots free up they are handed out round-robin over the clients that are waiting, so one
//! client with a thousand calls queued gets one slot per turn, like everybody else, and cannot
//! starve a client with one call.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

use super::auth::ClientKey;
use super::error::Refusal;

/// How much may run and wait.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capacity {
    /// Calls running at once, all clients together.
    pub(crate) max_running: usize,
    /// Calls running at once for one client.
    pub(crate) max_running_per_client: usize,
    /// Calls waiting for a slot, all clients together; beyond this, 429 at once.
    pub(crate) max_waiting: usize,
    /// Calls one client may have waiting; beyond this, 429 at once.
    pub(crate) max_waiting_per_client: usize,
    /// How long a call may wait before it is answered 429.
    pub(crate) wait_at_most: Duration,
}

/// One client's share: what it runs and who of it waits, oldest first.
#[derive(Default)]
struct Client {
    running: usize,
    waiting: VecDeque<Waiter>,
}

struct Waiter {
    ticket: u64,
    granted: oneshot::Sender<()>,
}

#[derive(Default)]
struct State {
    running: usize,
    waiting: usize,
    next_ticket: u64,
    clients: HashMap<ClientKey, Client>,
    /// Clients with someone waiting, in the order they get their next slot.
    turns: VecDeque<ClientKey>,
}

/// The admission queue shared by every request to `/mcp`.
pub(crate) struct FairQueue {
    capacity: Capacity,
    state: Mutex<State>,
}

/// A running slot; dropping it frees the slot and hands it to the next client in turn.
pub(crate) struct Slot {
    queue: Arc<FairQueue>,
    key: ClientKey,
}

/// Held while waiting. If the wait is abandoned (deadline, or the caller went away), dropping it
/// leaves the queue, or gives back the slot if one was granted in the meantime.
struct Waiting {
    queue: Arc<FairQueue>,
    key: ClientKey,
    ticket: u64,
    armed: bool,
}

impl FairQueue {
    pub(crate) fn new(capacity: Capacity) -> Self {
        Self {
            capacity: Capacity {
                max_running: capacity.max_running.max(1),
                max_running_per_client: capacity.max_running_per_client.max(1),
                ..capacity
            },
            state: Mutex::new(State::default()),
        }
    }

    /// A slot now, or after waiting in turn; 429-type refusals when the queue is full or the
    /// deadline passes.
    pub(crate) async fn admit(self: &Arc<Self>, key: ClientKey) -> Result<Slot, Refusal> {
        let (ticket, mut granted) = match self.enter(&key)? {
            Entry::Running => return Ok(self.slot(key)),
            Entry::Waiting(ticket, granted) => (ticket, granted),
        };
        let mut waiting = Waiting {
            queue: Arc::clone(self),
            key: key.clone(),
            ticket,
            armed: true,
        };
        let outcome = tokio::time::timeout(self.capacity.wait_at_most, &mut granted).await;
        // A grant that raced the deadline is still a slot: take it rather than refuse.
        if matches!(outcome, Ok(Ok(()))) || granted.try_recv().is_ok() {
            waiting.armed = false;
            return Ok(self.slot(key));
        }
        drop(waiting);
        Err(Refusal::QueueTimeout)
    }

    fn enter(&self, key: &ClientKey) -> Result<Entry, Refusal> {
        let capacity = self.capacity;
        let mut guard = self.lock();
        let state = &mut *guard;
        let nobody_waits = state.waiting == 0;
        let under_cap = state.running < capacity.max_running;
        let client = state.clients.entry(key.clone()).or_default();
        // A free slot goes to whoever already waits, so a newcomer only runs at once when nobody
        // is queued (and nobody of this client may overtake its own earlier callers).
        if nobody_waits && under_cap && client.running < capacity.max_running_per_client {
            client.running += 1;
            state.running += 1;
            return Ok(Entry::Running);
        }
        let queue_full = client.waiting.len() >= capacity.max_waiting_per_client
            || state.waiting >= capacity.max_waiting;
        if queue_full {
            forget_if_idle(state, key);
            return Err(Refusal::TooManyQueued);
        }
        let ticket = state.next_ticket;
        state.next_ticket = ticket.wrapping_add(1);
        let (granted, receiver) = oneshot::channel();
        if let Some(client) = state.clients.get_mut(key) {
            if client.waiting.is_empty() {
                state.turns.push_back(key.clone());
            }
            client.waiting.push_back(Waiter { ticket, granted });
        }
        state.waiting += 1;
        // Slots may be free while others wait only because those others are at their own cap;
        // then this caller's turn may come at once.
        self.hand_out(state);
        Ok(Entry::Waiting(ticket, receiver))
    }

    fn slot(self: &Arc<Self>, key: ClientKey) -> Slot {
        Slot {
            queue: Arc::clone(self),
            key,
        }
    }

    /// Frees one of `key`'s running slots and hands free slots to waiting clients in turn.
    fn release(&self, key: &ClientKey) {
        let mut state = self.lock();
        state.running = state.running.saturating_sub(1);
        if let Some(client) = state.clients.get_mut(key) {
            client.running = client.running.saturating_sub(1);
        }
        self.hand_out(&mut state);
        forget_if_idle(&mut state, key);
    }

    /// Gives free slots to the waiting clients, one per client per turn. A client at its own cap
    /// keeps its place in the rotation but is passed over.
    fn hand_out(&self, state: &mut State) {
        let mut passed_over = 0;
        while state.running < self.capacity.max_running && passed_over < state.turns.len() {
            let Some(key) = state.turns.pop_front() else {
                return;
            };
            let Some(client) = state.clients.get_mut(&key) else {
                continue;
            };
            if client.running >= self.capacity.max_running_per_client {
                state.turns.push_back(key);
                passed_over += 1;
                continue;
            }
            let Some(waiter) = client.waiting.pop_front() else {
                continue;
            };
            client.running += 1;
            let still_waiting = !client.waiting.is_empty();
            state.running += 1;
            state.waiting = state.waiting.saturating_sub(1);
            passed_over = 0;
            if still_waiting {
                state.turns.push_back(key);
            }
            // A waiter whose receiver is gone has a `Waiting` guard about to find itself
            // dequeued, and it gives this slot back.
            let _ = waiter.granted.send(());
        }
    }

    /// Leaves the queue; true when the ticket was still waiting (not granted).
    fn leave(&self, key: &ClientKey, ticket: u64) -> bool {
        let mut state = self.lock();
        let Some(client) = state.clients.get_mut(key) else {
            return false;
        };
        let Some(position) = client.waiting.iter().position(|w| w.ticket == ticket) else {
            return false;
        };
        client.waiting.remove(position);
        let now_empty = client.waiting.is_empty();
        state.waiting = state.waiting.saturating_sub(1);
        if now_empty {
            state.turns.retain(|turn| turn != key);
        }
        forget_if_idle(&mut state, key);
        true
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is updated in small steps that never panic; a poisoned lock is still sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn counts(&self) -> (usize, usize, usize) {
        let state = self.lock();
        (state.running, state.waiting, state.clients.len())
    }
}

enum Entry {
    Running,
    Waiting(u64, oneshot::Receiver<()>),
}

/// Clients with nothing running or waiting are dropped, so the map does not grow with every
/// address or token that ever called.
fn forget_if_idle(state: &mut State, key: &ClientKey) {
    if state
        .clients
        .get(key)
        .is_some_and(|client| client.running == 0 && client.waiting.is_empty())
    {
        state.clients.remove(key);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.queue.release(&self.key);
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.armed && !self.queue.leave(&self.key, self.ticket) {
            // Dequeued means granted: the slot is ours and must go back.
            self.queue.release(&self.key);
        }
    }
}

#[cfg(test)]
#[path = "fair_queue_tests.rs"]
mod tests;

/// Calls running and waiting now, for the metrics scrape.
impl crate::telemetry::QueueDepth for FairQueue {
    fn depth(&self) -> (usize, usize) {
        let state = self.lock();
        (state.running, state.waiting)
    }
}
