//! The one interface to stored history. SQLite (one person's server, no set-up) or PostgreSQL
//! (replicas share it), chosen by the URL; every statement is written once for both.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use crate::model::{AuthEvent, SyncRun};
use crate::{
    ConnectionHealth, Delivery, HealthChanges, HistoryError, RunQuery, StoredRun, migrate,
};

/// How long a statement waits for a connection before the caller is told the store is down
/// (a webhook is then answered 503 and Nango retries).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// Most rows one listing returns.
const MAX_LIMIT: u32 = 1_000;

/// Whether a delivery was new or a copy of one already kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    Duplicate,
}

/// Sync-run and connection-health history in SQLite or PostgreSQL. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct History {
    pool: AnyPool,
}

const RUN_COLUMNS: &str = "id, environment, connection_id, integration, sync_name, variant, model, sync_type, state, added, updated, deleted, error_type, error_description, started_at, ended_at, received_at";
const HEALTH_COLUMNS: &str = "environment, integration, connection_id, broken_since, last_failure_at, last_error, recovered_at";

enum Arg {
    Text(String),
    Int(i64),
}

impl History {
    /// Connects and applies the embedded migrations. `sqlite://PATH?mode=rwc` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, HistoryError> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(HistoryError::UnsupportedUrl(format!("{scheme}:…")));
        }
        if sqlite {
            ensure_parent_dir(url)?;
        }
        let options = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 10 })
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(300)));
        let options = if sqlite {
            options.after_connect(|connection, _| {
                Box::pin(async move {
                    // WAL lets readers (a stdio server) read while the HTTP server writes;
                    // synchronous=FULL makes a commit durable before the webhook is answered.
                    connection.execute("PRAGMA journal_mode = WAL").await?;
                    connection.execute("PRAGMA synchronous = FULL").await?;
                    connection.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        migrate::run(&pool).await?;
        Ok(Self { pool })
    }

    /// Keeps a delivery once: the primary key is the delivery's identity, so a second copy (a
    /// retry, the secondary URL, another replica) is a no-op the database itself enforces.
    /// Returns only once the row is committed.
    pub async fn record(&self, delivery: &Delivery) -> Result<Stored, HistoryError> {
        let mut tx = self.pool.begin().await?;
        let inserted = match delivery {
            Delivery::Sync { id, run } => {
                let inserted = insert_run(&mut *tx, id, run).await?;
                if inserted && run.state == "success" {
                    // Only a run that started after the break proves the credentials work again.
                    mark_working(
                        &mut *tx,
                        &run.environment,
                        &run.integration,
                        &run.connection_id,
                        run.run_at(),
                        false,
                    )
                    .await?;
                }
                inserted
            }
            Delivery::Auth { id, event } => {
                let inserted = insert_auth(&mut *tx, id, event).await?;
                if inserted {
                    if event.success {
                        mark_working(
                            &mut *tx,
                            &event.environment,
                            &event.integration,
                            &event.connection_id,
                            event.received_at,
                            true,
                        )
                        .await?;
                    } else {
                        mark_broken(&mut *tx, event).await?;
                    }
                }
                inserted
            }
        };
        tx.commit().await?;
        Ok(if inserted {
            Stored::New
        } else {
            Stored::Duplicate
        })
    }

    /// Inserts many runs in one transaction, 200 rows per statement (imports and the
    /// benchmark); duplicates are skipped. Health is not derived from them.
    pub async fn insert_runs(&self, runs: &[StoredRun]) -> Result<u64, HistoryError> {
        const ROWS_PER_STATEMENT: usize = 200;
        const COLUMNS: usize = 18;
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for chunk in runs.chunks(ROWS_PER_STATEMENT) {
            let mut sql = format!("INSERT INTO sync_runs ({RUN_COLUMNS}, run_at) VALUES ");
            for row in 0..chunk.len() {
                let placeholders: Vec<String> = (1..=COLUMNS)
                    .map(|column| format!("${}", row * COLUMNS + column))
                    .collect();
                if row > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("({})", placeholders.join(", ")));
            }
            sql.push_str(" ON CONFLICT (id) DO NOTHING");
            let mut statement = sqlx::query(&sql);
            for stored in chunk {
                statement = bind_run(statement, &stored.id, &stored.run);
            }
            inserted += statement.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Runs newest first (by [`crate::SyncRun::run_at`], then identity), continuing after
    /// `query.after`.
    pub async fn list_runs(&self, query: &RunQuery) -> Result<Vec<StoredRun>, HistoryError> {
        let mut args = vec![Arg::Text(query.environment.clone())];
        let mut sql = format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE environment = $1");
        let mut push = |sql: &mut String, clause: &str, arg: Arg| {
            args.push(arg);
            sql.push_str(&clause.replace('#', &format!("${}", args.len())));
        };
        if let Some(connection) = &query.connection_id {
            push(
                &mut sql,
                " AND connection_id = #",
                Arg::Text(connection.clone()),
            );
        }
        if let Some(integration) = &query.integration {
            push(
                &mut sql,
                " AND integration = #",
                Arg::Text(integration.clone()),
            );
        }
        if let Some(sync) = &query.sync_name {
            push(&mut sql, " AND sync_name = #", Arg::Text(sync.clone()));
        }
        if let Some(since) = query.since {
            push(
                &mut sql,
                " AND run_at >= #",
                Arg::Int(since.timestamp_millis()),
            );
        }
        if !query.states.is_empty() {
            sql.push_str(" AND state IN (");
            for (index, state) in query.states.iter().enumerate() {
                let clause = if index == 0 { "#" } else { ", #" };
                push(&mut sql, clause, Arg::Text(state.clone()));
            }
            sql.push(')');
        }
        if let Some(after) = &query.after {
            push(&mut sql, " AND (run_at < #", Arg::Int(after.at_ms));
            push(&mut sql, " OR (run_at = #", Arg::Int(after.at_ms));
            push(&mut sql, " AND id < #))", Arg::Text(after.id.clone()));
        }
        push(
            &mut sql,
            " ORDER BY run_at DESC, id DESC LIMIT #",
            Arg::Int(i64::from(query.limit.clamp(1, MAX_LIMIT))),
        );
        let mut statement = sqlx::query(&sql);
        for arg in args {
            statement = match arg {
                Arg::Text(text) => statement.bind(text),
                Arg::Int(number) => statement.bind(number),
            };
        }
        let rows = statement.fetch_all(&self.pool).await?;
        rows.iter().map(run_from_row).collect()
    }

    /// What is known about one connection's credentials (one row per integration it is under).
    pub async fn connection_health(
        &self,
        environment: &str,
        connection_id: &str,
    ) -> Result<Vec<ConnectionHealth>, HistoryError> {
        let sql = format!(
            "SELECT {HEALTH_COLUMNS} FROM connection_health WHERE environment = $1 AND connection_id = $2"
        );
        let rows = sqlx::query(&sql)
            .bind(environment.to_owned())
            .bind(connection_id.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(health_from_row).collect()
    }

    /// Every connection of the environment with a recorded break or recovery.
    pub async fn all_health(
        &self,
        environment: &str,
    ) -> Result<Vec<ConnectionHealth>, HistoryError> {
        let sql = format!("SELECT {HEALTH_COLUMNS} FROM connection_health WHERE environment = $1");
        let rows = sqlx::query(&sql)
            .bind(environment.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(health_from_row).collect()
    }

    /// Connections that broke (and are still broken) or recovered at or after `since`.
    pub async fn changes_since(
        &self,
        environment: &str,
        since: DateTime<Utc>,
    ) -> Result<HealthChanges, HistoryError> {
        let since = since.timestamp_millis();
        let mut changes = HealthChanges::default();
        for health in self.all_health(environment).await? {
            let at =
                |time: Option<DateTime<Utc>>| time.is_some_and(|t| t.timestamp_millis() >= since);
            if at(health.broken_since) {
                changes.broke.push(health);
            } else if health.broken_since.is_none() && at(health.recovered_at) {
                changes.recovered.push(health);
            }
        }
        Ok(changes)
    }

    /// Deletes what is older than `cutoff`: runs and events, and health rows that hold only an old
    /// recovery. A connection still broken keeps its row (its "since" stays true).
    pub async fn prune(&self, cutoff: DateTime<Utc>) -> Result<u64, HistoryError> {
        let cutoff = cutoff.timestamp_millis();
        let mut deleted = 0;
        for sql in [
            "DELETE FROM sync_runs WHERE ended_at < $1",
            "DELETE FROM auth_events WHERE received_at < $1",
            "DELETE FROM connection_health WHERE broken_since IS NULL AND updated_at < $1",
        ] {
            deleted += sqlx::query(sql)
                .bind(cutoff)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(deleted)
    }

    /// Whether the database answers (for readiness checks).
    pub async fn ping(&self) -> Result<(), HistoryError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (tests and shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn ensure_parent_dir(url: &str) -> Result<(), HistoryError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|error| HistoryError::Directory {
            path: parent.display().to_string(),
            reason: error.to_string(),
        })?;
    }
    Ok(())
}

async fn insert_run<'c, E>(executor: E, id: &str, run: &SyncRun) -> Result<bool, HistoryError>
where
    E: Executor<'c, Database = sqlx::Any>,
{
    let statement = sqlx::query(
        "INSERT INTO sync_runs (id, environment, connection_id, integration, sync_name, variant, model, sync_type, state, added, updated, deleted, error_type, error_description, started_at, ended_at, received_at, run_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (id) DO NOTHING",
    );
    let result = bind_run(statement, id, run).execute(executor).await?;
    Ok(result.rows_affected() == 1)
}

async fn insert_auth<'c, E>(executor: E, id: &str, event: &AuthEvent) -> Result<bool, HistoryError>
where
    E: Executor<'c, Database = sqlx::Any>,
{
    let result = sqlx::query(
        "INSERT INTO auth_events (id, environment, connection_id, integration, provider, operation, success, error_type, error_description, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id.to_owned())
    .bind(event.environment.clone())
    .bind(event.connection_id.clone())
    .bind(event.integration.clone())
    .bind(event.provider.clone())
    .bind(event.operation.clone())
    .bind(i64::from(event.success))
    .bind(event.error_type.clone())
    .bind(event.error_description.clone())
    .bind(event.received_at.timestamp_millis())
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A failed refresh: broken since the first failure after it last worked.
async fn mark_broken<'c, E>(executor: E, event: &AuthEvent) -> Result<(), HistoryError>
where
    E: Executor<'c, Database = sqlx::Any>,
{
    let error = match (&event.error_type, &event.error_description) {
        (Some(kind), Some(description)) => Some(format!("{kind}: {description}")),
        (kind, description) => kind.clone().or_else(|| description.clone()),
    };
    sqlx::query(
        "INSERT INTO connection_health (environment, integration, connection_id, broken_since, last_failure_at, last_error, recovered_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4, $5, NULL, $4) \
         ON CONFLICT (environment, integration, connection_id) DO UPDATE SET \
         broken_since = COALESCE(connection_health.broken_since, excluded.broken_since), \
         last_failure_at = excluded.last_failure_at, last_error = excluded.last_error, updated_at = excluded.updated_at",
    )
    .bind(event.environment.clone())
    .bind(event.integration.clone())
    .bind(event.connection_id.clone())
    .bind(event.received_at.timestamp_millis())
    .bind(error)
    .execute(executor)
    .await?;
    Ok(())
}

/// Evidence the credentials work (a successful auth event, or a successful sync run): a broken
/// connection has recovered. A sync run only updates a connection already known.
async fn mark_working<'c, E>(
    executor: E,
    environment: &str,
    integration: &str,
    connection_id: &str,
    at: DateTime<Utc>,
    create: bool,
) -> Result<(), HistoryError>
where
    E: Executor<'c, Database = sqlx::Any>,
{
    let sql = if create {
        "INSERT INTO connection_health (environment, integration, connection_id, broken_since, last_failure_at, last_error, recovered_at, updated_at) \
         VALUES ($1, $2, $3, NULL, NULL, NULL, NULL, $4) \
         ON CONFLICT (environment, integration, connection_id) DO UPDATE SET \
         recovered_at = CASE WHEN connection_health.broken_since IS NOT NULL AND connection_health.broken_since <= excluded.updated_at THEN excluded.updated_at ELSE connection_health.recovered_at END, \
         broken_since = CASE WHEN connection_health.broken_since IS NOT NULL AND connection_health.broken_since <= excluded.updated_at THEN NULL ELSE connection_health.broken_since END, \
         updated_at = excluded.updated_at"
    } else {
        "UPDATE connection_health SET recovered_at = $4, broken_since = NULL, updated_at = $4 \
         WHERE environment = $1 AND integration = $2 AND connection_id = $3 AND broken_since IS NOT NULL AND broken_since <= $4"
    };
    sqlx::query(sql)
        .bind(environment.to_owned())
        .bind(integration.to_owned())
        .bind(connection_id.to_owned())
        .bind(at.timestamp_millis())
        .execute(executor)
        .await?;
    Ok(())
}

fn time(millis: Option<i64>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis?)
}

fn required_time(row: &AnyRow, column: &str) -> Result<DateTime<Utc>, HistoryError> {
    time(Some(row.try_get::<i64, _>(column)?))
        .ok_or_else(|| HistoryError::Unavailable(format!("{column} out of range")))
}

fn run_from_row(row: &AnyRow) -> Result<StoredRun, HistoryError> {
    Ok(StoredRun {
        id: row.try_get("id")?,
        run: SyncRun {
            environment: row.try_get("environment")?,
            connection_id: row.try_get("connection_id")?,
            integration: row.try_get("integration")?,
            sync_name: row.try_get("sync_name")?,
            variant: row.try_get("variant")?,
            model: row.try_get("model")?,
            sync_type: row.try_get("sync_type")?,
            state: row.try_get("state")?,
            added: row.try_get("added")?,
            updated: row.try_get("updated")?,
            deleted: row.try_get("deleted")?,
            error_type: row.try_get("error_type")?,
            error_description: row.try_get("error_description")?,
            started_at: time(row.try_get("started_at")?),
            ended_at: required_time(row, "ended_at")?,
            received_at: required_time(row, "received_at")?,
        },
    })
}

fn health_from_row(row: &AnyRow) -> Result<ConnectionHealth, HistoryError> {
    Ok(ConnectionHealth {
        environment: row.try_get("environment")?,
        integration: row.try_get("integration")?,
        connection_id: row.try_get("connection_id")?,
        broken_since: time(row.try_get("broken_since")?),
        last_failure_at: time(row.try_get("last_failure_at")?),
        last_error: row.try_get("last_error")?,
        recovered_at: time(row.try_get("recovered_at")?),
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds one run's 18 `sync_runs` columns, in the order both inserts name them.
fn bind_run<'q>(statement: AnyQuery<'q>, id: &str, run: &SyncRun) -> AnyQuery<'q> {
    statement
        .bind(id.to_owned())
        .bind(run.environment.clone())
        .bind(run.connection_id.clone())
        .bind(run.integration.clone())
        .bind(run.sync_name.clone())
        .bind(run.variant.clone())
        .bind(run.model.clone())
        .bind(run.sync_type.clone())
        .bind(run.state.clone())
        .bind(run.added)
        .bind(run.updated)
        .bind(run.deleted)
        .bind(run.error_type.clone())
        .bind(run.error_description.clone())
        .bind(run.started_at.map(|at| at.timestamp_millis()))
        .bind(run.ended_at.timestamp_millis())
        .bind(run.received_at.timestamp_millis())
        .bind(run.run_at().timestamp_millis())
}
