//! `audit_connections`: one call answers "is everything healthy?" for the whole environment or chosen
//! integrations: totals, a table per integration, and findings worst first, each with a next step.
//! Sync status is fetched per integration (one call covers every connection of it), with bounded
//! concurrency; the client's rate-limit gate paces the fan-out inside the budget.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use chrono::Utc;
use futures::{StreamExt, TryStreamExt, stream};
use nango_api::{
    ConnectionsQuery, NangoError,
    models::{Connection, IntegrationScripts, SyncSelector, SyncStatus},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::health_history::{self, Changes, HealthBook};
use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve};
use crate::{
    args::{one_or_many, one_or_many_schema},
    errors::ToolError,
    health::{Health, HealthCounts, health_of},
    output::{OffsetPage, text},
    sync_health::{SyncHealth, sync_health},
};

pub struct AuditConnections;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration keys or providers (default all).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub integrations: Option<Vec<String>>,
    /// Max findings (default 100); the summary counts all.
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Also say which connections broke or recovered since then: an RFC 3339 time or a
    /// look-back like 24h or 7d (needs webhook history).
    pub changed_since: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub connections: usize,
    pub by_health: HealthCounts,
    pub syncs: BTreeMap<String, usize>,
    /// The key may not read sync status: `syncs` is unknown, not empty.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub syncs_unknown: bool,
    /// One row per integration, worst first.
    pub integrations: Vec<IntegrationSummary>,
    /// Problems worst first: auth errors, failing syncs, connections in sync_error, stale syncs,
    /// syncs that never ran.
    pub findings_total: usize,
    pub findings_shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub findings: Vec<Finding>,
    /// Connections that broke or recovered since `changed_since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct IntegrationSummary {
    pub integration: String,
    pub connections: usize,
    pub auth_error: usize,
    pub sync_error: usize,
    pub syncs_failing: usize,
    pub syncs_stale: usize,
    pub syncs_never_ran: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Finding {
    pub kind: FindingKind,
    pub integration: String,
    pub connection_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    /// Auth errors: the first failed refresh (webhook history); syncs: the last run's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    AuthError,
    SyncFailing,
    /// Nango marks the connection `sync_error`, and no failing sync of it explains why (or sync
    /// status could not be read).
    SyncError,
    SyncStale,
    SyncNeverRan,
}

impl FindingKind {
    fn next_step(self) -> &'static str {
        match self {
            Self::AuthError => "ask the end user to re-authorise (Nango Connect reconnect session)",
            Self::SyncFailing => "list_syncs for the failure, then the run's logs",
            Self::SyncError => "get_connection for the error's log id, then list_syncs",
            Self::SyncStale => "check the schedule and whether runs are stuck (list_syncs)",
            Self::SyncNeverRan => "check the sync is started and its first run is scheduled",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::AuthError => "auth_error",
            Self::SyncFailing => "sync_failing",
            Self::SyncError => "sync_error",
            Self::SyncStale => "sync_stale",
            Self::SyncNeverRan => "sync_never_ran",
        }
    }
}

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1_000;
/// Sync-status calls in flight at once; the client's gate slows them further when headroom is
/// low. Against a distant Nango each wave costs a round trip: 8 covers 40 integrations in 5.
const CONCURRENCY: usize = 8;
/// Nango's rate-limit window, and how many of them an audit may wait out.
const RATE_WINDOW: Duration = Duration::from_secs(60);
const MAX_WINDOWS_WAITED: u32 = 3;

impl NangoTool for AuditConnections {
    const NAME: &'static str = "audit_connections";
    const TITLE: &'static str = "Audit connections and syncs";
    const DESCRIPTION: &'static str = "Is everything healthy? One call: connections by health; failing, stale and never-run syncs; findings worst first with next steps.";
    const TOOLSET: Toolset = Toolset::Connections;
    const EXAMPLE: &'static str = r#"{}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let page = OffsetPage::parse(
            params.limit,
            DEFAULT_LIMIT,
            MAX_LIMIT,
            params.cursor.as_deref(),
        )?;
        let wanted =
            resolve::integration_keys(&ctx, params.integrations.as_deref().unwrap_or_default())
                .await?;
        let changed_since = params
            .changed_since
            .as_deref()
            .map(|text| health_history::parse_since(text, Utc::now()))
            .transpose()?;
        ctx.report(0, None, "listing connections");
        // Independent reads: against a distant Nango, one round trip instead of two.
        let (connections, configs, book) = futures::join!(
            ctx.client
                .connections(ConnectionsQuery {
                    integration_ids: wanted.clone(),
                    ..ConnectionsQuery::default()
                })
                .try_collect::<Vec<Connection>>(),
            ctx.client.scripts_config(),
            HealthBook::load(&ctx)
        );
        let connections = connections.or_tool(&ctx)?;
        let mut notes = Vec::new();
        let integrations = integrations_to_query(&connections, configs, &mut notes);
        let statuses = fetch_statuses(&ctx, &integrations, &mut notes).await?;
        let mut output = summarise(&connections, &statuses, notes);
        add_break_times(&mut output, &book);
        if let Some(since) = changed_since {
            match health_history::changes_since(&ctx, since).await {
                Ok(Some(changes)) => output.changes = Some(changes),
                Ok(None) => output.notes.push(
                    "What changed since then is unknown: no webhook history is kept (see the README, \"Sync history from webhooks\").".to_owned(),
                ),
                Err(error) => output
                    .notes
                    .push(format!("What changed since then is unknown: {error}.")),
            }
        }
        output.findings_total = output.findings.len();
        // The summary and per-integration table are always whole; findings page within the rest.
        let overhead = 512 + integrations_bytes(&output);
        let findings = std::mem::take(&mut output.findings);
        let (findings, next_cursor) = page.take(
            findings,
            |finding| finding,
            output.findings_total,
            ctx.budget,
            overhead,
        );
        output.findings_shown = findings.len();
        output.findings = findings;
        output.next_cursor = next_cursor;
        Ok(output)
    }

    fn render(output: &Output) -> String {
        let syncs: Vec<String> = output
            .syncs
            .iter()
            .map(|(state, count)| format!("{count} {state}"))
            .collect();
        let mut lines = vec![
            format!(
                "{} connections: {}.",
                output.connections,
                output.by_health.broken_line()
            ),
            format!(
                "Syncs: {}.",
                if output.syncs_unknown {
                    "unknown (this key may not read sync status; see the note)".to_owned()
                } else if syncs.is_empty() {
                    "none".to_owned()
                } else {
                    syncs.join(", ")
                }
            ),
        ];
        let rows: Vec<Vec<String>> = output
            .integrations
            .iter()
            .map(|row| {
                vec![
                    row.integration.clone(),
                    row.connections.to_string(),
                    row.auth_error.to_string(),
                    row.sync_error.to_string(),
                    row.syncs_failing.to_string(),
                    row.syncs_stale.to_string(),
                    row.syncs_never_ran.to_string(),
                ]
            })
            .collect();
        lines.push(text::table(
            &[
                "integration",
                "connections",
                "auth_error",
                "sync_error",
                "failing",
                "stale",
                "never_ran",
            ],
            &rows,
        ));
        lines.push(format!(
            "Findings ({} total, worst first):",
            output.findings_total
        ));
        lines.extend(grouped_findings(&output.findings));
        if let Some(changes) = &output.changes {
            lines.push(changes_line(changes));
        }
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        lines.push(text::paging_line(
            output.findings_shown,
            Some(output.findings_total),
            output.next_cursor.as_deref(),
        ));
        lines.join("\n")
    }
}

/// Findings grouped by kind and integration: "auth_error salesforce-prod (2): conn-a, conn-b → next step".
fn grouped_findings(findings: &[Finding]) -> Vec<String> {
    let mut groups: BTreeMap<(FindingKind, &str), Vec<String>> = BTreeMap::new();
    for finding in findings {
        let item = match &finding.sync {
            Some(sync) => format!("{}/{sync}", finding.connection_id),
            None => finding.connection_id.clone(),
        };
        groups
            .entry((finding.kind, finding.integration.as_str()))
            .or_default()
            .push(item);
    }
    groups
        .into_iter()
        .map(|((kind, integration), items)| {
            format!(
                "- {} {integration} ({}): {} → {}",
                kind.label(),
                items.len(),
                items.join(", "),
                kind.next_step()
            )
        })
        .collect()
}

/// "Since 2026-12-07T12:00:00+00:00: 3 connections broke (…), 1 recovered (…)."
fn changes_line(changes: &Changes) -> String {
    let names = |items: &[health_history::ChangedConnection]| {
        items
            .iter()
            .map(|item| format!("{}/{}", item.integration, item.connection_id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!(
        "Since {}: {} connection{} broke",
        changes.since,
        changes.broke.len(),
        if changes.broke.len() == 1 { "" } else { "s" }
    );
    if !changes.broke.is_empty() {
        line.push_str(&format!(" ({})", names(&changes.broke)));
    }
    line.push_str(&format!(", {} recovered", changes.recovered.len()));
    if !changes.recovered.is_empty() {
        line.push_str(&format!(" ({})", names(&changes.recovered)));
    }
    line.push('.');
    line
}

/// Auth-error findings get the time of the first failed refresh, when webhooks recorded it.
fn add_break_times(output: &mut Output, book: &HealthBook) {
    for finding in &mut output.findings {
        if finding.kind == FindingKind::AuthError {
            finding.since = book
                .times(&finding.integration, &finding.connection_id, true)
                .broken_since;
        }
    }
    if let Some(note) = &book.note {
        output.notes.push(note.clone());
    }
}

fn integrations_bytes(output: &Output) -> usize {
    serde_json::to_vec(&output.integrations).map_or(0, |bytes| bytes.len())
}

/// Integrations worth a sync-status call: those with connections and deployed syncs.
fn integrations_to_query(
    connections: &[Connection],
    configs: Result<Vec<IntegrationScripts>, NangoError>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let with_connections: BTreeSet<String> = connections
        .iter()
        .map(|connection| connection.provider_config_key.clone())
        .collect();
    match configs {
        Ok(configs) => {
            let with_syncs: BTreeSet<String> = configs
                .into_iter()
                .filter(|config| !config.syncs.is_empty())
                .map(|config| config.provider_config_key)
                .collect();
            with_connections
                .intersection(&with_syncs)
                .cloned()
                .collect()
        }
        Err(error) => {
            notes.push(format!(
                "Deployed syncs unknown ({error}); querying every integration."
            ));
            with_connections.into_iter().collect()
        }
    }
}

/// Sync status per integration, and whether the key could read it at all.
#[derive(Default)]
struct SyncStatuses {
    rows: Vec<(String, SyncStatus)>,
    unknown: bool,
}

async fn fetch_statuses(
    ctx: &ToolContext,
    integrations: &[String],
    notes: &mut Vec<String>,
) -> Result<SyncStatuses, ToolError> {
    let total = integrations.len() as u64;
    let mut done = 0u64;
    let mut statuses = SyncStatuses::default();
    let mut calls = stream::iter(integrations.iter().cloned())
        .map(|key| async move {
            let result = patient_sync_status(ctx, &key).await;
            (key, result)
        })
        .buffer_unordered(CONCURRENCY);
    while let Some((key, result)) = calls.next().await {
        done += 1;
        ctx.report(done, Some(total), format!("sync status of {key}"));
        match result {
            Ok(rows) => statuses
                .rows
                .extend(rows.into_iter().map(|row| (key.clone(), row))),
            Err(error) if error.is_unauthorized() || error.status() == Some(429) => {
                return Err(ctx.nango_error(error));
            }
            // A missing scope is the same for every integration: asking the rest only spends
            // the rate-limit budget (dropping `calls` cancels the ones in flight).
            Err(error) if error.is_missing_scope() => {
                notes.push(format!(
                    "Sync status unavailable for every integration: the key lacks the scope ({error}). \
                     Connection health is complete; sync findings are not."
                ));
                statuses.unknown = true;
                break;
            }
            Err(error) => notes.push(format!("Sync status of {key} unavailable: {error}.")),
        }
    }
    Ok(statuses)
}

/// An audit is worth finishing: when Nango's minute budget runs out mid-way, wait for the next
/// window (the client alone gives up sooner, as a single call should) and say so in the progress.
async fn patient_sync_status(ctx: &ToolContext, key: &str) -> Result<Vec<SyncStatus>, NangoError> {
    let mut windows_waited = 0;
    loop {
        match ctx.client.sync_status(key, &SyncSelector::All, None).await {
            Err(NangoError::RateLimited { retry_after, .. })
                if windows_waited < MAX_WINDOWS_WAITED =>
            {
                windows_waited += 1;
                let wait = retry_after.unwrap_or(RATE_WINDOW).min(RATE_WINDOW)
                    + Duration::from_millis(250);
                ctx.report(
                    0,
                    None,
                    format!("waiting {} s for Nango's rate-limit window", wait.as_secs()),
                );
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// A connection Nango marks `sync_error` is a finding of its own unless a failing sync of it
/// already is one (the usual case when sync status could be read).
fn add_unexplained_sync_errors(connections: &[Connection], findings: &mut Vec<Finding>) {
    let explained: BTreeSet<(String, String)> = findings
        .iter()
        .filter(|finding| finding.kind == FindingKind::SyncFailing)
        .map(|finding| (finding.integration.clone(), finding.connection_id.clone()))
        .collect();
    for connection in connections {
        let key = (
            connection.provider_config_key.clone(),
            connection.connection_id.clone(),
        );
        if health_of(connection).contains(&Health::SyncError) && !explained.contains(&key) {
            findings.push(Finding {
                kind: FindingKind::SyncError,
                integration: key.0,
                connection_id: key.1,
                sync: None,
                since: None,
            });
        }
    }
}

fn summarise(connections: &[Connection], statuses: &SyncStatuses, notes: Vec<String>) -> Output {
    let now = Utc::now();
    let mut by_health = HealthCounts::default();
    let mut per_integration: BTreeMap<String, IntegrationSummary> = BTreeMap::new();
    let mut findings = Vec::new();
    for connection in connections {
        let labels = health_of(connection);
        by_health.add(&labels);
        let row = per_integration
            .entry(connection.provider_config_key.clone())
            .or_default();
        row.connections += 1;
        row.auth_error += usize::from(labels.contains(&Health::AuthError));
        row.sync_error += usize::from(labels.contains(&Health::SyncError));
        if labels.contains(&Health::AuthError) {
            findings.push(Finding {
                kind: FindingKind::AuthError,
                integration: connection.provider_config_key.clone(),
                connection_id: connection.connection_id.clone(),
                sync: None,
                since: None,
            });
        }
    }
    let mut syncs = BTreeMap::new();
    for (integration, status) in &statuses.rows {
        let state = sync_health(status, now);
        *syncs.entry(state.as_str().to_owned()).or_insert(0) += 1;
        let row = per_integration.entry(integration.clone()).or_default();
        let kind = match state {
            SyncHealth::Failing => {
                row.syncs_failing += 1;
                FindingKind::SyncFailing
            }
            SyncHealth::Stale => {
                row.syncs_stale += 1;
                FindingKind::SyncStale
            }
            SyncHealth::NeverRan => {
                row.syncs_never_ran += 1;
                FindingKind::SyncNeverRan
            }
            _ => continue,
        };
        findings.push(Finding {
            kind,
            integration: integration.clone(),
            connection_id: status.connection_id.clone(),
            sync: Some(status.name.clone()),
            since: status.finished_at.map(|time| time.to_rfc3339()),
        });
    }
    add_unexplained_sync_errors(connections, &mut findings);
    findings.sort_by(|a, b| {
        (a.kind, &a.integration, &a.connection_id, &a.sync).cmp(&(
            b.kind,
            &b.integration,
            &b.connection_id,
            &b.sync,
        ))
    });
    let mut integrations: Vec<IntegrationSummary> = per_integration
        .into_iter()
        .map(|(integration, mut row)| {
            row.integration = integration;
            row
        })
        .collect();
    integrations.sort_by_key(|row| {
        std::cmp::Reverse((
            row.auth_error,
            row.syncs_failing + row.sync_error,
            row.syncs_stale + row.syncs_never_ran,
        ))
    });
    Output {
        connections: connections.len(),
        by_health,
        syncs,
        syncs_unknown: statuses.unknown,
        integrations,
        findings_total: findings.len(),
        findings_shown: 0,
        next_cursor: None,
        findings,
        changes: None,
        notes,
    }
}
