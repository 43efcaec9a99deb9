use thiserror::Error;

/// Why the history store could not do what was asked.
#[derive(Debug, Error)]
pub enum HistoryError {
    /// The database URL is not one this build understands.
    #[error("unsupported database URL (use sqlite://PATH or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// The database did not answer or refused the statement; the caller should retry later.
    #[error("history database unavailable: {0}")]
    Unavailable(String),
    /// The data directory for the default SQLite file could not be created.
    #[error("cannot create the history directory {path}: {reason}")]
    Directory { path: String, reason: String },
}

impl From<sqlx::Error> for HistoryError {
    fn from(error: sqlx::Error) -> Self {
        // sqlx's messages carry no credentials (the URL is never part of them).
        Self::Unavailable(error.to_string())
    }
}
