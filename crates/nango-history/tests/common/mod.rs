//! Real databases for the storage tests: a SQLite file in a temp dir, and a PostgreSQL cluster of
//! Debian's `postgresql` package started on a free loopback port (as user `postgres` when the
//! tests run as root, which PostgreSQL refuses), stopped and deleted at the end.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod pg;

use std::path::PathBuf;

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "nango-history-{tag}-{}-{}",
            std::process::id(),
            fastrand_suffix()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastrand_suffix() -> u128 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A fresh SQLite database file.
pub fn sqlite() -> (TempDir, String) {
    let dir = TempDir::new("sqlite");
    let url = nango_history::sqlite_url(&dir.0.join("history.sqlite3"));
    (dir, url)
}
