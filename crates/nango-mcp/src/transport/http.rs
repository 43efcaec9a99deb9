//! Streamable HTTP transport: MCP at `/mcp` (rmcp, stateless, JSON responses), `/healthz`,
//! `/readyz`, bearer auth, Host/Origin validation, body limits, a fair admission queue, and
//! graceful shutdown.
//!
//! Refusals are JSON-RPC error envelopes with a stable `error.data.reason`, so MCP clients can
//! show them and scripts can branch on them.

mod auth;
mod cors;
mod error;
mod fair_queue;
mod health;
mod host_guard;
mod limits;
pub mod oauth;
mod router;
mod server;
mod settings;
mod webhook_keys;
mod webhooks;

pub use error::HttpError;
pub use health::ReadinessCheck;
pub use server::{RunningHttp, bind, serve};
pub use settings::{
    AUTH_TOKEN_ENV, AUTH_TOKENS_ENV, AuthToken, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_CONCURRENT_PER_CLIENT, DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_CLIENT,
    DEFAULT_QUEUE_TIMEOUT, DEFAULT_SHUTDOWN_GRACE, HttpSettings, is_loopback,
};
pub use webhook_keys::{WebhookKeys, hex_hmac};
pub use webhooks::{SIGNATURE_HEADER, WEBHOOK_MAX_BODY_BYTES, WEBHOOK_PATH, WebhookReceiver};
