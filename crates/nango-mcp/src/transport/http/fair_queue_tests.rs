use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;

use super::*;

type Admission = Pin<Box<dyn Future<Output = Result<Slot, Refusal>>>>;

fn peer(last: u8) -> ClientKey {
    ClientKey::Peer(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
}

fn queue(max_running: usize, per_client: usize, waiting: usize) -> Arc<FairQueue> {
    Arc::new(FairQueue::new(Capacity {
        max_running,
        max_running_per_client: per_client,
        max_waiting: waiting,
        max_waiting_per_client: waiting,
        wait_at_most: Duration::from_secs(3600),
    }))
}

/// Starts an admission and polls it once, so it has taken its place in the queue.
async fn queued(queue: &Arc<FairQueue>, key: ClientKey) -> Admission {
    let queue = Arc::clone(queue);
    // Unconstrained: this test polls hundreds of admissions in one go, past tokio's per-task
    // budget, which would otherwise report a granted slot as pending.
    let mut admission: Admission =
        Box::pin(tokio::task::unconstrained(
            async move { queue.admit(key).await },
        ));
    assert!(
        futures::poll!(&mut admission).is_pending(),
        "expected to wait"
    );
    admission
}

async fn is_admitted(admission: &mut Admission) -> Option<Slot> {
    match futures::poll!(admission) {
        std::task::Poll::Ready(Ok(slot)) => Some(slot),
        std::task::Poll::Ready(Err(refusal)) => panic!("refused: {refusal:?}"),
        std::task::Poll::Pending => None,
    }
}

#[tokio::test]
async fn a_team_on_one_key_waits_its_turn_instead_of_being_refused() {
    let queue = queue(2, 2, 500);
    let mut running = vec![
        queue.admit(peer(1)).await.unwrap(),
        queue.admit(peer(1)).await.unwrap(),
    ];
    let mut waiting = Vec::new();
    for _ in 0..200 {
        waiting.push(Some(queued(&queue, peer(1)).await));
    }
    assert_eq!(queue.counts(), (2, 200, 1));
    let mut admitted = 0;
    while let Some(slot) = running.pop() {
        drop(slot);
        for entry in &mut waiting {
            let Some(admission) = entry else { continue };
            if let Some(slot) = is_admitted(admission).await {
                running.push(slot);
                admitted += 1;
                *entry = None;
            }
        }
    }
    assert_eq!(admitted, 200, "every waiting caller ran in the end");
    assert_eq!(
        queue.counts(),
        (0, 0, 0),
        "nothing left running, waiting or tracked"
    );
}

#[tokio::test]
async fn a_flooding_client_gets_one_slot_per_turn_like_everyone_else() {
    let queue = queue(1, 1, 2_000);
    let first = queue.admit(peer(1)).await.unwrap();
    let mut flood = Vec::new();
    for _ in 0..1_000 {
        flood.push(queued(&queue, peer(1)).await);
    }
    let mut other = queued(&queue, peer(2)).await;

    drop(first);
    let flooder_turn = is_admitted(&mut flood[0])
        .await
        .expect("the flooder's turn");
    assert!(is_admitted(&mut other).await.is_none());
    drop(flooder_turn);
    let other_turn = is_admitted(&mut other).await;
    assert!(
        other_turn.is_some(),
        "the other client runs after one flooder call, not after a thousand"
    );
    assert!(is_admitted(&mut flood[1]).await.is_none());
}

#[tokio::test]
async fn a_client_at_its_own_cap_waits_while_others_run() {
    let queue = queue(4, 1, 10);
    let _running = queue.admit(peer(1)).await.unwrap();
    let mut second = queued(&queue, peer(1)).await;
    let other = queue.admit(peer(2)).await;
    assert!(
        other.is_ok(),
        "a free slot and another client: runs at once"
    );
    assert!(is_admitted(&mut second).await.is_none());
}

#[tokio::test]
async fn a_full_queue_is_refused_at_once() {
    let queue = queue(1, 1, 1);
    let _running = queue.admit(peer(1)).await.unwrap();
    let _waiting = queued(&queue, peer(1)).await;
    let refused = queue.admit(peer(1)).await.err();
    assert!(matches!(refused, Some(Refusal::TooManyQueued)));
    let also_refused = queue.admit(peer(2)).await.err();
    assert!(
        matches!(also_refused, Some(Refusal::TooManyQueued)),
        "the server-wide queue is full too"
    );
}

#[tokio::test]
async fn waiting_past_the_deadline_is_refused_and_leaves_the_queue() {
    let queue = Arc::new(FairQueue::new(Capacity {
        max_running: 1,
        max_running_per_client: 1,
        max_waiting: 10,
        max_waiting_per_client: 10,
        wait_at_most: Duration::from_millis(20),
    }));
    let running = queue.admit(peer(1)).await.unwrap();
    let refused = queue.admit(peer(2)).await.err();
    assert!(matches!(refused, Some(Refusal::QueueTimeout)));
    assert_eq!(queue.counts(), (1, 0, 1));
    drop(running);
    assert_eq!(queue.counts(), (0, 0, 0));
}

#[tokio::test]
async fn an_abandoned_wait_gives_back_its_place_or_its_slot() {
    let queue = queue(1, 1, 10);
    let running = queue.admit(peer(1)).await.unwrap();
    let abandoned = queued(&queue, peer(2)).await;
    drop(abandoned);
    assert_eq!(queue.counts(), (1, 0, 1), "the caller left the queue");

    let granted_then_abandoned = queued(&queue, peer(3)).await;
    drop(running);
    assert_eq!(queue.counts(), (1, 0, 1), "the slot went to the waiter");
    drop(granted_then_abandoned);
    assert_eq!(queue.counts(), (0, 0, 0), "and came back when it left");
    assert!(queue.admit(peer(4)).await.is_ok());
}
