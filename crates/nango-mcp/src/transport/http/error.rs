//! Why the HTTP transport could not start or stopped, and the JSON bodies it answers refusals with.

use std::net::SocketAddr;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why the HTTP transport refused to start or failed while running.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A non-loopback address without a bearer token would expose Nango data to the network.
    #[error(
        "refusing to listen on {bind} without an auth token: anyone who can reach that address \
         could read your Nango data. Set NANGO_MCP_AUTH_TOKEN, or bind a loopback address such as \
         127.0.0.1"
    )]
    InsecureBind {
        /// The address that was asked for.
        bind: SocketAddr,
    },
    /// The configured token cannot be used.
    #[error("invalid auth token: {0}")]
    InvalidAuthToken(&'static str),
    /// A setting makes the server unsafe or unusable.
    #[error("invalid HTTP settings: {0}")]
    InvalidSettings(String),
    /// The socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Installing the SIGTERM/SIGINT handlers failed.
    #[error("cannot install shutdown signal handler: {0}")]
    Signal(std::io::Error),
    /// The server loop failed or its task died.
    #[error("HTTP server failed: {0}")]
    Server(String),
}

/// Stable, machine-readable reasons a request was refused, so clients can branch on them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refusal {
    MissingHost,
    HostNotAllowed,
    OriginNotAllowed,
    Unauthorized,
    InsufficientScope,
    BodyTooLarge,
    BodyUnreadable,
    TooManyQueued,
    QueueTimeout,
    NotFound,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Self::MissingHost | Self::BodyUnreadable => StatusCode::BAD_REQUEST,
            Self::HostNotAllowed | Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            // Both mean "at capacity, come back later": 429 with Retry-After, which clients and
            // agent frameworks already retry.
            Self::TooManyQueued | Self::QueueTimeout => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Self::MissingHost => "missing_host",
            Self::HostNotAllowed => "host_not_allowed",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::Unauthorized => "unauthorized",
            Self::InsufficientScope => "insufficient_scope",
            Self::BodyTooLarge => "body_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::TooManyQueued => "too_many_requests",
            Self::QueueTimeout => "server_busy",
            Self::NotFound => "not_found",
        }
    }

    /// A JSON-RPC error envelope (id `null`, as the request was never parsed) so that MCP clients
    /// can show the message; `error.data.reason` is the stable code.
    pub(crate) fn respond(self, message: impl Into<String>) -> Response {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {
                "code": -32000,
                "message": message.into(),
                "data": { "reason": self.reason(), "status": self.status().as_u16() },
            },
        });
        let mut response = (self.status(), axum::Json(body)).into_response();
        if matches!(self, Self::TooManyQueued | Self::QueueTimeout) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
