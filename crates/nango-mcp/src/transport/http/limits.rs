//! Request-size and per-client concurrency limits for `/mcp`, so one client (or a runaway agent
//! loop) cannot exhaust memory or starve everyone else of upstream Nango capacity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::ClientKey;
use super::error::Refusal;

/// An oversized body is still read (and thrown away) up to this much, so the client, which is
/// usually still sending, receives the 413 instead of a connection reset.
const DRAIN_AT_MOST_BYTES: u64 = 16 * 1024 * 1024;
/// ...and for at most this long.
const DRAIN_AT_MOST_FOR: Duration = Duration::from_secs(5);

/// Axum middleware: buffers the body up to `max_body_bytes` and answers 413 beyond it, whether
/// the size is announced by `Content-Length` or only discovered while reading a chunked body.
pub(crate) async fn limit_body(
    State(max_body_bytes): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let (parts, body) = request.into_parts();
    let mut chunks = body.into_data_stream();
    if announced.is_some_and(|length| length > max_body_bytes as u64) {
        if announced.is_some_and(|length| length <= DRAIN_AT_MOST_BYTES) {
            discard_rest(&mut chunks).await;
        }
        return too_large(max_body_bytes);
    }
    let mut buffered = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            return Refusal::BodyUnreadable.respond("the request body could not be read");
        };
        if buffered.len().saturating_add(chunk.len()) > max_body_bytes {
            drop(buffered);
            discard_rest(&mut chunks).await;
            return too_large(max_body_bytes);
        }
        buffered.extend_from_slice(&chunk);
    }
    next.run(Request::from_parts(
        parts,
        Body::from(Bytes::from(buffered)),
    ))
    .await
}

async fn discard_rest(chunks: &mut BodyDataStream) {
    let drain = async {
        let mut discarded: u64 = 0;
        while let Some(Ok(chunk)) = chunks.next().await {
            discarded = discarded.saturating_add(chunk.len() as u64);
            if discarded > DRAIN_AT_MOST_BYTES {
                return;
            }
        }
    };
    // Giving up only means the client may see a reset instead of the 413.
    let _ = tokio::time::timeout(DRAIN_AT_MOST_FOR, drain).await;
}

fn too_large(max_body_bytes: usize) -> Response {
    tracing::warn!(max_body_bytes, "refused a request body over the size limit");
    let mut response = Refusal::BodyTooLarge.respond(format!(
        "the request body is larger than the {max_body_bytes}-byte limit"
    ));
    // Whatever was not drained is still on the wire; the connection cannot be reused.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Per-client slots: `running` bounds concurrent calls, `admitted` bounds running plus waiting.
struct ClientSlots {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// Hands out per-client slots and forgets clients once they have nothing in flight, so the map
/// does not grow with every address that ever connected.
pub(crate) struct ClientLimiter {
    clients: Mutex<HashMap<ClientKey, Arc<ClientSlots>>>,
    max_running: usize,
    max_admitted: usize,
    queue_timeout: Duration,
}

/// Held while a request runs (and while its response streams); releases the slot when dropped.
pub(crate) struct ClientPermit {
    limiter: Arc<ClientLimiter>,
    key: ClientKey,
    running: Option<OwnedSemaphorePermit>,
    admitted: Option<OwnedSemaphorePermit>,
}

impl ClientLimiter {
    pub(crate) fn new(max_running: usize, max_queued: usize, queue_timeout: Duration) -> Self {
        let max_running = max_running.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            clients: Mutex::new(HashMap::new()),
            max_running,
            max_admitted: max_running
                .saturating_add(max_queued)
                .min(Semaphore::MAX_PERMITS),
            queue_timeout,
        }
    }

    /// Waits for a slot: 429 at once when the client's queue is full, 503 when the wait times out.
    pub(crate) async fn admit(self: &Arc<Self>, key: ClientKey) -> Result<ClientPermit, Refusal> {
        let (slots, admitted) = {
            // Admission happens under the map lock so `forget_if_idle` sees a consistent count.
            let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
            let slots = Arc::clone(clients.entry(key.clone()).or_insert_with(|| {
                Arc::new(ClientSlots {
                    running: Arc::new(Semaphore::new(self.max_running)),
                    admitted: Arc::new(Semaphore::new(self.max_admitted)),
                })
            }));
            let admitted = Arc::clone(&slots.admitted).try_acquire_owned();
            (slots, admitted)
        };
        let mut permit = ClientPermit {
            limiter: Arc::clone(self),
            key,
            running: None,
            admitted: None,
        };
        permit.admitted = Some(admitted.map_err(|_| Refusal::TooManyQueued)?);
        let running = tokio::time::timeout(
            self.queue_timeout,
            Arc::clone(&slots.running).acquire_owned(),
        )
        .await;
        match running {
            Ok(Ok(running)) => {
                permit.running = Some(running);
                Ok(permit)
            }
            // The semaphores are never closed; a closed one is treated like a full queue.
            Ok(Err(_)) | Err(_) => Err(Refusal::QueueTimeout),
        }
    }

    fn forget_if_idle(&self, key: &ClientKey) {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let idle = clients
            .get(key)
            .is_some_and(|slots| slots.admitted.available_permits() == self.max_admitted);
        if idle {
            clients.remove(key);
        }
    }

    #[cfg(test)]
    fn tracked_clients(&self) -> usize {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for ClientPermit {
    fn drop(&mut self) {
        // Release both slots before the idle check, or the client would never look idle.
        self.running.take();
        self.admitted.take();
        self.limiter.forget_if_idle(&self.key);
    }
}

/// Axum middleware applying [`ClientLimiter`] to each request.
pub(crate) async fn limit_per_client(
    State(limiter): State<Arc<ClientLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let key = ClientKey::of(&request);
    let permit = match limiter.admit(key.clone()).await {
        Ok(permit) => permit,
        Err(refusal) => {
            tracing::warn!(client = %key, ?refusal, "refused a request over the per-client concurrency limit");
            let message = match refusal {
                Refusal::TooManyQueued => {
                    "too many requests from this client are running or waiting; retry shortly"
                }
                _ => "the server is busy with this client's other requests; retry shortly",
            };
            return refusal.respond(message);
        }
    };
    hold_until_body_sent(next.run(request).await, permit)
}

/// A streamed (SSE) response is still doing work after the handler returns, so the slot is held
/// until its body is finished. A body of known length is complete already.
fn hold_until_body_sent(response: Response, permit: ClientPermit) -> Response {
    if response.body().size_hint().exact().is_some() {
        return response;
    }
    response.map(|body| {
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let _slot_held_while_streaming = &permit;
            chunk
        }))
    })
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The fingerprint is not printed: it is derived from the secret.
            Self::Token(_) => formatter.write_str("bearer-token client"),
            Self::Peer(ip) => write!(formatter, "peer {ip}"),
            Self::Unknown => formatter.write_str("unknown peer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn peer(last: u8) -> ClientKey {
        ClientKey::Peer(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_and_clients_are_separate() {
        let limiter = Arc::new(ClientLimiter::new(1, 1, Duration::from_secs(3600)));
        let running = limiter.admit(peer(1)).await.unwrap();
        // One poll takes the queue slot and leaves the request waiting for the running slot.
        let mut queued = Box::pin(limiter.admit(peer(1)));
        assert!(futures::poll!(&mut queued).is_pending());
        let refused = limiter.admit(peer(1)).await.err();
        assert!(matches!(refused, Some(Refusal::TooManyQueued)));
        assert!(
            limiter.admit(peer(2)).await.is_ok(),
            "another client has its own slots"
        );
        drop(running);
        assert!(
            queued.await.is_ok(),
            "the queued request runs once the slot frees up"
        );
    }

    #[tokio::test]
    async fn waiting_too_long_is_a_timeout() {
        let limiter = Arc::new(ClientLimiter::new(1, 4, Duration::from_millis(20)));
        let _running = limiter.admit(peer(1)).await.unwrap();
        let refused = limiter.admit(peer(1)).await.err();
        assert!(matches!(refused, Some(Refusal::QueueTimeout)));
    }

    #[tokio::test]
    async fn idle_clients_are_forgotten() {
        let limiter = Arc::new(ClientLimiter::new(2, 2, Duration::from_secs(1)));
        let first = limiter.admit(peer(1)).await.unwrap();
        let second = limiter.admit(peer(1)).await.unwrap();
        let _other = limiter.admit(peer(2)).await.unwrap();
        assert_eq!(limiter.tracked_clients(), 2);
        drop(first);
        assert_eq!(
            limiter.tracked_clients(),
            2,
            "peer 1 still has a call running"
        );
        drop(second);
        assert_eq!(limiter.tracked_clients(), 1);
    }
}
