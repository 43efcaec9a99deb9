//! Where the default SQLite file lives: the XDG data directory, so one person's server needs no
//! set-up.

use std::path::PathBuf;

/// Overrides the directory holding the default SQLite file.
pub const DATA_DIR_ENV: &str = "NANGO_MCP_DATA_DIR";
/// The default SQLite file's name inside the data directory.
pub const DEFAULT_FILE_NAME: &str = "history.sqlite3";

/// `$NANGO_MCP_DATA_DIR`, else `$XDG_DATA_HOME/nango-mcp`, else `~/.local/share/nango-mcp`,
/// plus [`DEFAULT_FILE_NAME`]. `None` when no home directory is known either.
pub fn default_database_path() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let dir = if let Some(dir) = non_empty(DATA_DIR_ENV) {
        PathBuf::from(dir)
    } else if let Some(data) = non_empty("XDG_DATA_HOME") {
        PathBuf::from(data).join("nango-mcp")
    } else {
        PathBuf::from(non_empty("HOME")?)
            .join(".local")
            .join("share")
            .join("nango-mcp")
    };
    Some(dir.join(DEFAULT_FILE_NAME))
}

/// The sqlx URL of a SQLite file, created if missing.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
