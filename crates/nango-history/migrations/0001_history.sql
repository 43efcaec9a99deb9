-- Written once for both SQLite and PostgreSQL: TEXT and BIGINT only, times as Unix milliseconds.
-- run_at orders runs: the start Nango reports (modifiedAfter / startedAt), else the end.
CREATE TABLE IF NOT EXISTS sync_runs (
    id TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    integration TEXT NOT NULL,
    sync_name TEXT NOT NULL,
    variant TEXT NOT NULL,
    model TEXT NOT NULL,
    sync_type TEXT,
    state TEXT NOT NULL,
    added BIGINT,
    updated BIGINT,
    deleted BIGINT,
    error_type TEXT,
    error_description TEXT,
    started_at BIGINT,
    ended_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    run_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_runs_newest ON sync_runs (environment, run_at, id);
CREATE INDEX IF NOT EXISTS sync_runs_connection ON sync_runs (environment, connection_id, run_at, id);
CREATE TABLE IF NOT EXISTS auth_events (
    id TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    integration TEXT NOT NULL,
    provider TEXT NOT NULL,
    operation TEXT NOT NULL,
    success BIGINT NOT NULL,
    error_type TEXT,
    error_description TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_events_connection ON auth_events (environment, connection_id, received_at);
CREATE TABLE IF NOT EXISTS connection_health (
    environment TEXT NOT NULL,
    integration TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    broken_since BIGINT,
    last_failure_at BIGINT,
    last_error TEXT,
    recovered_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (environment, integration, connection_id)
)
