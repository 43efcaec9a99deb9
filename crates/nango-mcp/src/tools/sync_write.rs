//! What trigger_sync, pause_sync and start_sync share: resolve the target (which syncs on which
//! connections, read from `/sync/status`), say it in one sentence, pass the confirmation gate,
//! write, and log the outcome.

use std::collections::BTreeSet;

use nango_api::{
    NangoError, ScopeProbe,
    models::{SyncMode, SyncSelector, SyncState, SyncStatus, SyncTarget},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolContext, resolve::validate_id};
use crate::{
    args::{one_or_many_required, one_or_many_schema},
    errors::ToolError,
    writes::{self, Outcome, gate},
};

/// Arguments of pause_sync and start_sync (trigger_sync adds `mode`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration key (exact, e.g. hubspot-prod).
    pub integration: String,
    /// One connection; omit to act on every connection of the integration.
    pub connection_id: Option<String>,
    /// Sync names (a name or a list); list_syncs shows them.
    #[serde(deserialize_with = "one_or_many_required")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub syncs: Vec<String>,
    /// The code from this tool's preview, sent once a person agreed.
    pub confirmation: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// preview (nothing written yet), done, or declined.
    pub status: String,
    pub written: bool,
    /// Exactly what changes, in one sentence.
    pub summary: String,
    pub integration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Connections the write reaches.
    pub connections: usize,
    pub syncs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Send back as `confirmation` (same arguments) once a person agreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub next_step: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Trigger(SyncMode),
    Pause,
    Start,
}

impl Kind {
    fn tool(self) -> &'static str {
        match self {
            Self::Trigger(_) => "trigger_sync",
            Self::Pause => "pause_sync",
            Self::Start => "start_sync",
        }
    }

    fn action(self, syncs: &str) -> String {
        match self {
            Self::Trigger(SyncMode::Incremental) => format!("Run {syncs} now (incremental)"),
            Self::Trigger(SyncMode::FullRefresh) => {
                format!(
                    "Run {syncs} now as a FULL REFRESH (re-fetches everything from the provider)"
                )
            }
            Self::Pause => format!("Pause {syncs} (no scheduled runs until started again)"),
            Self::Start => format!("Start {syncs} again (restores the schedule)"),
        }
    }

    fn done(self) -> &'static str {
        match self {
            Self::Trigger(_) => {
                "Nango accepted the trigger. /sync/status does not change until the run starts; check list_syncs in a minute, then list_sync_runs for the result."
            }
            Self::Pause => {
                "Paused: list_syncs shows them paused with no next run. start_sync resumes them."
            }
            Self::Start => "Started: list_syncs shows the next scheduled run.",
        }
    }
}

/// The validated request.
struct Target {
    integration: String,
    connection_id: Option<String>,
    syncs: Vec<String>,
}

fn validate(params: &Params) -> Result<Target, ToolError> {
    let integration = validate_id("integration", &params.integration)?;
    let connection_id = params
        .connection_id
        .as_deref()
        .map(|id| validate_id("connection_id", id))
        .transpose()?;
    let names: BTreeSet<String> = params
        .syncs
        .iter()
        .map(|name| validate_id("syncs", name))
        .collect::<Result<_, _>>()?;
    if names.is_empty() {
        return Err(ToolError::invalid(
            "syncs",
            "name at least one sync; list_syncs shows the names",
        ));
    }
    Ok(Target {
        integration,
        connection_id,
        syncs: names.into_iter().collect(),
    })
}

pub async fn run(ctx: ToolContext, kind: Kind, params: Params) -> Result<Output, ToolError> {
    let target = validate(&params)?;
    // The preview reads with syncs:read and the write needs syncs:execute. When the read is
    // refused, ask about the other scope too (the probe cannot write), so a narrow key is told
    // every missing scope in one answer instead of one per attempt. Only then: a preview that
    // succeeds sends Nango no POST at all.
    let rows = match read_state(&ctx, &target).await {
        Err(error) if error.is_missing_scope() => {
            let execute = ctx.client.probe_syncs_execute_scope().await;
            let execute_missing = !matches!(execute, Ok(ScopeProbe::Granted));
            return Err(missing_scopes(kind, execute_missing));
        }
        read => current_state(&ctx, &target, read).await?,
    };
    let connections: BTreeSet<&str> = rows.iter().map(|row| row.connection_id.as_str()).collect();
    let found: BTreeSet<&str> = rows.iter().map(|row| row.name.as_str()).collect();
    let mut warnings: Vec<String> = target
        .syncs
        .iter()
        .filter(|name| !found.contains(name.as_str()))
        .map(|name| format!("No sync named {name:?} here; Nango ignores it."))
        .collect();
    let paused = rows
        .iter()
        .filter(|row| row.status == SyncState::Paused)
        .count();
    if matches!(kind, Kind::Trigger(_)) && paused > 0 {
        warnings.push(format!(
            "{paused} of these syncs are paused: Nango accepts the trigger but a paused sync stays paused and does not run. start_sync first."
        ));
    }
    let where_ = match &target.connection_id {
        Some(id) => format!("connection {id} of {}", target.integration),
        None => format!(
            "ALL {} connections of {}",
            connections.len(),
            target.integration
        ),
    };
    let summary = format!(
        "{} on {where_} (environment {}).",
        kind.action(&format!("sync {}", target.syncs.join(", "))),
        ctx.environment
    );
    let mode = match kind {
        Kind::Trigger(mode) => Some(mode.as_str().to_owned()),
        _ => None,
    };
    let binding = gate::binding(
        kind.tool(),
        &ctx.environment,
        &[
            ("integration", target.integration.clone()),
            (
                "connection",
                target
                    .connection_id
                    .clone()
                    .unwrap_or_else(|| "*".to_owned()),
            ),
            ("syncs", target.syncs.join(",")),
            ("mode", mode.clone().unwrap_or_default()),
        ],
    );
    let log = |outcome| {
        writes::log(
            &ctx.writes.caller_name(),
            kind.tool(),
            &ctx.environment,
            &target.integration,
            target.connection_id.as_deref().unwrap_or("all"),
            &target.syncs,
            outcome,
        );
    };
    let mut output = Output {
        status: String::new(),
        written: false,
        summary,
        integration: target.integration.clone(),
        connection_id: target.connection_id.clone(),
        connections: connections.len(),
        syncs: target.syncs.clone(),
        mode,
        confirmation: None,
        warnings,
        next_step: String::new(),
    };
    let gate = gate::confirm(
        &ctx,
        &binding,
        &output.summary,
        params.confirmation.as_deref(),
    )
    .await;
    if let Some(halt) = gate::settle(gate, "nothing was changed", log)? {
        output.status = halt.status.to_owned();
        output.confirmation = halt.confirmation;
        output.next_step = halt.next_step;
        return Ok(output);
    }
    let write = SyncTarget {
        provider_config_key: target.integration.clone(),
        syncs: target.syncs.clone(),
        connection_id: target.connection_id.clone(),
    };
    let result = match kind {
        Kind::Trigger(mode) => ctx.client.trigger_syncs(&write, mode).await,
        Kind::Pause => ctx.client.pause_syncs(&write).await,
        Kind::Start => ctx.client.start_syncs(&write).await,
    };
    if let Err(error) = result {
        log(Outcome::Failed);
        return Err(write_error(&ctx, kind, error));
    }
    log(Outcome::Done);
    writes::invalidate_after_write(&ctx.client, &ctx.environment, &target.integration);
    output.status = "done".to_owned();
    output.written = true;
    output.next_step = kind.done().to_owned();
    Ok(output)
}

async fn read_state(ctx: &ToolContext, target: &Target) -> Result<Vec<SyncStatus>, NangoError> {
    ctx.client
        .sync_status(
            &target.integration,
            &SyncSelector::Named(target.syncs.clone()),
            target.connection_id.as_deref(),
        )
        .await
}

/// Every scope the key lacks for this write, named in one answer; nothing was changed. Called
/// when the preview's read was refused; `execute` is whether the write scope is missing too (or
/// could not be told).
fn missing_scopes(kind: Kind, execute: bool) -> ToolError {
    let missing: Vec<&str> = [
        (
            true,
            "environment:syncs:read (to read what the write touches)",
        ),
        (execute, "environment:syncs:execute (to write)"),
    ]
    .into_iter()
    .filter_map(|(lacking, scope)| lacking.then_some(scope))
    .collect();
    ToolError::Write(format!(
        "Nothing was changed: the secret key lacks {} for {}. Add {} to the key in the Nango \
         dashboard (Environment settings → API keys), or use a key that has {}.",
        missing.join(" and "),
        kind.tool(),
        if missing.len() > 1 {
            "both scopes"
        } else {
            "that scope"
        },
        if missing.len() > 1 { "them" } else { "it" },
    ))
}

/// The rows the write will touch, as Nango reports them now.
async fn current_state(
    ctx: &ToolContext,
    target: &Target,
    read: Result<Vec<SyncStatus>, NangoError>,
) -> Result<Vec<SyncStatus>, ToolError> {
    let rows = read.map_err(|error| match (&target.connection_id, error.code()) {
        (Some(id), Some("invalid_body")) => missing_connection(id, &target.integration),
        _ => ctx.nango_error(error),
    })?;
    // Nango answers an unknown integration with no rows, like an unknown sync: tell them apart.
    if rows.is_empty() && !integration_exists(ctx, &target.integration).await? {
        return Err(ToolError::NotFound {
            what: "integration",
            id: target.integration.clone(),
            scope: String::new(),
            hint:
                "Nothing was changed. list_integrations shows the keys (writes take the exact key)."
                    .to_owned(),
        });
    }
    if rows.is_empty() {
        return Err(ToolError::NotFound {
            what: "sync",
            id: target.syncs.join(", "),
            scope: format!(" in integration {:?}", target.integration),
            hint: "list_syncs shows the deployed syncs and their names.".to_owned(),
        });
    }
    Ok(rows)
}

/// Whether the environment has an integration with exactly this key. A key that may not list
/// integrations cannot tell: it is given the benefit of the doubt (the sync message follows).
async fn integration_exists(ctx: &ToolContext, key: &str) -> Result<bool, ToolError> {
    match ctx.client.list_integrations().await {
        Ok(integrations) => Ok(integrations
            .iter()
            .any(|integration| integration.unique_key == key)),
        Err(error) if error.is_missing_scope() => Ok(true),
        Err(error) => Err(ctx.nango_error(error)),
    }
}

fn missing_connection(id: &str, integration: &str) -> ToolError {
    ToolError::NotFound {
        what: "connection",
        id: id.to_owned(),
        scope: format!(" in integration {integration:?}"),
        hint: "Nothing was changed. list_connections finds valid connection ids.".to_owned(),
    }
}

/// Nango's answer to a write, with what the agent must know before trying again.
fn write_error(ctx: &ToolContext, kind: Kind, error: NangoError) -> ToolError {
    let may_have_acted = matches!(
        error,
        NangoError::Timeout { .. } | NangoError::InvalidBody { .. }
    ) || error.status().is_some_and(|status| status >= 500);
    match error.code() {
        Some("unknown_connection") => {
            if let NangoError::Api { message, .. } = &error {
                tracing::debug!(%message, "write to a missing connection");
            }
            return ToolError::Write(
                "Nango has no such connection in this integration (404 unknown_connection); nothing was changed. list_connections finds valid ids.".to_owned(),
            );
        }
        Some("no_syncs_found") => {
            return ToolError::Write(
                "Nango found none of these syncs (400 no_syncs_found); nothing was changed. list_syncs shows the names.".to_owned(),
            );
        }
        Some("unknown_provider_config") => {
            return ToolError::Write(
                "Nango has no integration with this key (400 unknown_provider_config); nothing was changed. list_integrations shows the keys.".to_owned(),
            );
        }
        _ => {}
    }
    if may_have_acted && matches!(kind, Kind::Trigger(_)) {
        return ToolError::Write(format!(
            "{} The trigger may have reached Nango and started a run: check list_syncs (and list_sync_runs) before triggering again.",
            ctx.nango_error(error)
        ));
    }
    ctx.nango_error(error)
}

/// The text of every sync write: what happened (or will, once confirmed), warnings, next step.
pub fn render(output: &Output) -> String {
    let head = match output.status.as_str() {
        "done" => "Done:",
        "declined" => "Declined, nothing changed:",
        _ => "Preview, nothing changed yet:",
    };
    let mut lines = vec![format!("{head} {}", output.summary)];
    lines.extend(
        output
            .warnings
            .iter()
            .map(|warning| format!("Warning: {warning}")),
    );
    if output.confirmation.is_some() {
        // The code stays in structuredContent only: text is what gets shown and logged.
        lines.push("A confirmation code is in structuredContent.confirmation.".to_owned());
    }
    lines.push(output.next_step.clone());
    lines.join("\n")
}
