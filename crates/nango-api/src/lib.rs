//! Typed async client for Nango's read API.
//!
//! Knows nothing of MCP: it turns Nango's REST endpoints into typed calls with paging, retries,
//! rate-limit handling and one error type. Credentials never leave it in clear (see
//! [`models::ConnectionCredentials`]).

pub mod error;
pub mod models;

pub use error::NangoError;
