//! Whether the key may write: for each write tool, the scope Nango requires and whether the
//! key holds it. Found by probes that cannot write (see `NangoClient::probe_syncs_execute_scope`),
//! and only when writes are enabled: a read-only server sends no POST at all.

use nango_api::{CONNECT_SESSIONS_WRITE_SCOPE, NangoClient, SYNCS_EXECUTE_SCOPE, ScopeProbe};
use schemars::JsonSchema;
use serde::Serialize;

/// The write tools and the scope each needs.
pub const WRITE_TOOL_SCOPES: [(&str, &str); 4] = [
    ("trigger_sync", SYNCS_EXECUTE_SCOPE),
    ("pause_sync", SYNCS_EXECUTE_SCOPE),
    ("start_sync", SYNCS_EXECUTE_SCOPE),
    ("create_reconnect_link", CONNECT_SESSIONS_WRITE_SCOPE),
];

#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteAccess {
    /// Whether the server was started with --allow-writes.
    pub enabled: bool,
    pub tools: Vec<WriteToolAccess>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteToolAccess {
    pub tool: String,
    pub scope: String,
    /// granted, missing, unknown, or not_checked (writes disabled).
    pub key_has_scope: String,
}

/// Probes each distinct scope once (two requests) when writes are enabled.
pub async fn write_access(client: &NangoClient, enabled: bool) -> WriteAccess {
    let (syncs, sessions) = if enabled {
        let syncs = client.probe_syncs_execute_scope().await;
        let sessions = client.probe_connect_sessions_scope().await;
        (describe(syncs), describe(sessions))
    } else {
        ("not_checked", "not_checked")
    };
    let tools = WRITE_TOOL_SCOPES
        .iter()
        .map(|(tool, scope)| WriteToolAccess {
            tool: (*tool).to_owned(),
            scope: (*scope).to_owned(),
            key_has_scope: if *scope == SYNCS_EXECUTE_SCOPE {
                syncs
            } else {
                sessions
            }
            .to_owned(),
        })
        .collect();
    WriteAccess { enabled, tools }
}

fn describe(probe: Result<ScopeProbe, nango_api::NangoError>) -> &'static str {
    match probe {
        Ok(ScopeProbe::Granted) => "granted",
        Ok(ScopeProbe::Missing) => "missing",
        Ok(ScopeProbe::Unknown) | Err(_) => "unknown",
    }
}

/// One line for get_environment's text.
pub fn render(access: &WriteAccess) -> String {
    if !access.enabled {
        return "Write actions: disabled (start with --allow-writes or NANGO_MCP_ALLOW_WRITES=true to enable trigger_sync, pause_sync, start_sync, create_reconnect_link).".to_owned();
    }
    let tools: Vec<String> = access
        .tools
        .iter()
        .map(|tool| format!("{} ({}: {})", tool.tool, tool.scope, tool.key_has_scope))
        .collect();
    format!(
        "Write actions: enabled, each confirmed by a person; key scopes: {}.",
        tools.join(", ")
    )
}
