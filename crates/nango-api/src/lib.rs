//! Typed async client for Nango's read API.
//!
//! Knows nothing of MCP: it turns Nango's REST endpoints into typed calls with paging, retries,
//! rate-limit handling and one error type. Credentials never leave it in clear (see
//! [`models::ConnectionCredentials`]), and the secret key never appears in any output.
//!
//! ```no_run
//! # async fn demo() -> Result<(), nango_api::NangoError> {
//! use futures::TryStreamExt;
//! use nango_api::{ClientConfig, ConnectionsQuery, NangoClient, SecretKey};
//!
//! let key = SecretKey::new(std::env::var("NANGO_SECRET_KEY").unwrap_or_default())?;
//! let client = NangoClient::new(ClientConfig::new("https://api.nango.dev", key))?;
//! let broken: Vec<_> = client
//!     .connections(ConnectionsQuery::default())
//!     .try_filter(|connection| std::future::ready(!connection.is_healthy()))
//!     .try_collect()
//!     .await?;
//! # let _ = broken; Ok(()) }
//! ```

mod client;
pub mod error;
pub mod management;
pub mod models;

pub use client::*;
pub use error::NangoError;
pub use models::*;
