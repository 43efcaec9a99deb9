//! Request-size and concurrency limits for `/mcp`, so one client (or a runaway agent loop) cannot
//! exhaust memory or starve everyone else of upstream Nango capacity.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

use super::auth::ClientKey;
use super::error::Refusal;
use super::fair_queue::{FairQueue, Slot};

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

/// Axum middleware: each request waits for a [`FairQueue`] slot and holds it while it runs.
pub(crate) async fn limit_per_client(
    State(queue): State<Arc<FairQueue>>,
    request: Request,
    next: Next,
) -> Response {
    let key = ClientKey::of(&request);
    let slot = match queue.admit(key.clone()).await {
        Ok(slot) => slot,
        Err(refusal) => {
            tracing::warn!(client = %key, ?refusal, "refused a request: the server is at capacity");
            let message = match refusal {
                Refusal::TooManyQueued => {
                    "too many requests are waiting for this server (or from this client); retry shortly"
                }
                _ => "the server stayed at capacity for the whole wait; retry shortly",
            };
            return refusal.respond(message);
        }
    };
    hold_until_body_sent(next.run(request).await, slot)
}

/// A streamed (SSE) response is still doing work after the handler returns, so the slot is held
/// until its body is finished. A body of known length is complete already.
fn hold_until_body_sent(response: Response, slot: Slot) -> Response {
    if response.body().size_hint().exact().is_some() {
        return response;
    }
    response.map(|body| {
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let _slot_held_while_streaming = &slot;
            chunk
        }))
    })
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Caller(caller) => write!(formatter, "caller {caller}"),
            Self::Peer(ip) => write!(formatter, "peer {ip}"),
            Self::Unknown => formatter.write_str("unknown peer"),
        }
    }
}
