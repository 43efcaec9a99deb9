//! `POST /webhooks/nango`: Nango's signed webhooks, kept as history. Authenticated by Nango's
//! signature (not a bearer token). Answered 2xx only once the delivery is durably stored, so
//! Nango retries whatever this server could not keep.

use std::fmt;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nango_history::Stored;
use nango_history::webhook::{ParseError, Parsed, parse};
use serde_json::json;

use super::webhook_keys::WebhookKeys;
use crate::history::SharedHistory;

/// The path Nango is pointed at.
pub const WEBHOOK_PATH: &str = "/webhooks/nango";
/// Largest webhook body accepted (Nango's are a few hundred bytes).
pub const WEBHOOK_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The header holding the hex HMAC-SHA256 of the raw body.
pub const SIGNATURE_HEADER: &str = "x-nango-hmac-sha256";

/// What the endpoint needs: the signing keys and the store.
#[derive(Clone)]
pub struct WebhookReceiver {
    keys: WebhookKeys,
    history: SharedHistory,
}

impl WebhookReceiver {
    pub fn new(keys: WebhookKeys, history: SharedHistory) -> Arc<Self> {
        Arc::new(Self { keys, history })
    }
}

impl fmt::Debug for WebhookReceiver {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("WebhookReceiver")
            .field("keys", &self.keys)
            .field("history", &self.history)
            .finish()
    }
}

pub(crate) async fn receive(
    State(receiver): State<Arc<WebhookReceiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (outcome, response) = deliver(&receiver, &headers, &body).await;
    crate::telemetry::webhook_delivered(outcome);
    response
}

/// The answer to one delivery, with its outcome for the deliveries metric.
async fn deliver(
    receiver: &WebhookReceiver,
    headers: &HeaderMap,
    body: &Bytes,
) -> (&'static str, Response) {
    let received_at = chrono::Utc::now();
    if receiver.keys.is_empty() {
        return (
            "unauthorized",
            answer(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this server has no webhook signing key: set NANGO_WEBHOOK_SIGNING_KEY (or NANGO_WEBHOOK_SIGNING_KEY_<ENV>)",
            ),
        );
    }
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return (
            "unauthorized",
            answer(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing X-Nango-Hmac-Sha256",
            ),
        );
    };
    let Some(environment) = receiver.keys.verify(body, signature) else {
        tracing::warn!("webhook refused: its signature matches no configured signing key");
        return (
            "unauthorized",
            answer(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "X-Nango-Hmac-Sha256 does not match the body under any configured signing key",
            ),
        );
    };
    let delivery = match parse(body, environment, received_at) {
        Ok(Parsed::Keep(delivery)) => delivery,
        Ok(Parsed::Ignored(kind)) => {
            tracing::debug!(kind = %kind, "webhook type not used; ignored");
            return (
                "ignored",
                (
                    StatusCode::OK,
                    axum::Json(json!({ "status": "ignored", "type": kind })),
                )
                    .into_response(),
            );
        }
        Err(error @ (ParseError::NotJson | ParseError::Malformed { .. })) => {
            return (
                "bad_body",
                answer(StatusCode::BAD_REQUEST, "bad_body", &error.to_string()),
            );
        }
    };
    let history = match receiver.history.get().await {
        Ok(Some(history)) => history,
        Ok(None) => {
            return (
                "unavailable",
                unavailable("no history database is configured"),
            );
        }
        Err(error) => return ("unavailable", unavailable(&error.to_string())),
    };
    match history.record(&delivery).await {
        Ok(stored) => {
            let status = if stored == Stored::New {
                "stored"
            } else {
                "duplicate"
            };
            let body = json!({ "status": status, "environment": environment });
            (status, (StatusCode::OK, axum::Json(body)).into_response())
        }
        Err(error) => ("unavailable", unavailable(&error.to_string())),
    }
}

/// 503 with Retry-After: Nango retries, and nothing is lost.
fn unavailable(reason: &str) -> Response {
    tracing::warn!(%reason, "webhook not stored; answered 503 so Nango retries");
    let mut response = answer(
        StatusCode::SERVICE_UNAVAILABLE,
        "history_unavailable",
        "the history database is unavailable; retry later",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn answer(status: StatusCode, reason: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "reason": reason, "message": message } })),
    )
        .into_response()
}
