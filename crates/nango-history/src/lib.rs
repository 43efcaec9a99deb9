//! Sync-run and connection-health history that does not depend on Nango's logs: Nango's signed
//! webhooks, parsed ([`webhook`]) and kept in SQLite or PostgreSQL ([`History`]).
//!
//! Everything the server needs goes through [`History`]'s async methods; no SQL leaves this crate.

mod error;
mod location;
mod migrate;
mod model;
mod store;
pub mod webhook;

pub use error::HistoryError;
pub use location::{DATA_DIR_ENV, DEFAULT_FILE_NAME, default_database_path, sqlite_url};
pub use model::{
    AuthEvent, ConnectionHealth, Delivery, HealthChanges, RunCursor, RunQuery, StoredRun, SyncRun,
};
pub use store::{History, Stored};
