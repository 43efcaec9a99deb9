//! Embedded schema migrations, applied in order at start. Each is idempotent (`IF NOT EXISTS`),
//! so two replicas starting together against one PostgreSQL both succeed.

use sqlx::{AnyPool, Executor};

use crate::HistoryError;

/// (version, SQL): append new migrations, never edit applied ones.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_history.sql"))];

pub(crate) async fn run(pool: &AnyPool) -> Result<(), HistoryError> {
    pool.execute(
        "CREATE TABLE IF NOT EXISTS history_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .await?;
    for (version, sql) in MIGRATIONS {
        let applied: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM history_schema WHERE version = $1")
                .bind(*version)
                .fetch_optional(pool)
                .await?;
        if applied.is_some() {
            continue;
        }
        let mut tx = pool.begin().await?;
        for statement in sql.split(';').filter(|part| !part.trim().is_empty()) {
            tx.execute(statement).await?;
        }
        sqlx::query(
            "INSERT INTO history_schema (version, applied_at) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
        )
        .bind(*version)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version, "history schema migrated");
    }
    Ok(())
}
