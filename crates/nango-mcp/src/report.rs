//! `nango-mcp report`: the dashboard without an MCP Apps host. Runs the audit (plus the full
//! integration list, so integrations without connections appear too, and the broken connections
//! for the drill-down) and writes one HTML file with the data embedded.

use std::{io::IsTerminal, io::Write, path::Path, process::ExitCode, sync::Arc};

use anyhow::Context;
use serde_json::{Map, Value, json};

use crate::{dashboard, server::NangoMcp, tools::Progress};

/// The largest token budget the CLI accepts: a report is a file, not an agent's context.
pub const BUDGET: u32 = 200_000;
/// Pages of `list_integrations` followed at most (500 integrations each).
const MAX_INTEGRATION_PAGES: usize = 20;

#[allow(clippy::print_stderr)]
pub async fn run(server: &NangoMcp, out: &Path) -> anyhow::Result<ExitCode> {
    let data = collect(server).await?;
    let html = dashboard::report(&data);
    if out == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(html.as_bytes())?;
        stdout.flush()?;
    } else {
        std::fs::write(out, &html).with_context(|| format!("could not write {}", out.display()))?;
        eprintln!(
            "wrote {} ({} KB): {} integrations, {} connections, {} findings",
            out.display(),
            html.len().div_ceil(1024),
            integration_count(&data),
            count(&data, "/audit/connections"),
            count(&data, "/audit/findings_total"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything the page shows. Only the audit is required; the rest degrades to a note.
pub async fn collect(server: &NangoMcp) -> anyhow::Result<Value> {
    let progress = progress();
    let audit = server
        .run_tool(
            "audit_connections",
            object(json!({"limit": 1000})),
            Some(progress),
        )
        .await
        .map_err(|error| anyhow::anyhow!("the audit failed: {error}"))?
        .structured;
    let mut notes = Vec::new();
    let integrations = match all_integrations(server).await {
        Ok(list) => list,
        Err(error) => {
            notes.push(format!(
                "Integrations without connections may be missing: {error}"
            ));
            Value::Null
        }
    };
    let broken = match broken_connections(server).await {
        Ok(list) => {
            if list.get("next_cursor").is_some() {
                notes.push(format!(
                    "The drill-down lists the first {} of {} broken connections.",
                    count(&list, "/shown"),
                    count(&list, "/total")
                ));
            }
            list
        }
        Err(error) => {
            notes.push(format!("Broken connections unavailable: {error}"));
            Value::Null
        }
    };
    if std::io::stderr().is_terminal() {
        #[allow(clippy::print_stderr)]
        {
            eprint!("\r\x1b[2K");
        }
    }
    Ok(json!({
        "kind": "nango-mcp-report",
        "version": env!("CARGO_PKG_VERSION"),
        "generated_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "environment": server.environments().default_environment().map(|environment| environment.name.clone()),
        "audit": audit,
        "integrations": integrations,
        "broken": broken,
        "notes": notes,
    }))
}

/// Every integration with its health counts, across pages.
async fn all_integrations(server: &NangoMcp) -> Result<Value, crate::errors::ToolError> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_INTEGRATION_PAGES {
        let mut arguments = object(json!({"with_connection_counts": true, "limit": 500}));
        if let Some(cursor) = &cursor {
            arguments.insert("cursor".to_owned(), json!(cursor));
        }
        let page = server
            .run_tool("list_integrations", arguments, None)
            .await?
            .structured;
        rows.extend(
            page.get("integrations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        cursor = page
            .get("next_cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    Ok(json!({"integrations": rows}))
}

async fn broken_connections(server: &NangoMcp) -> Result<Value, crate::errors::ToolError> {
    let arguments = json!({
        "health": ["auth_error", "sync_error"],
        "fields": ["end_user", "errors"],
        "limit": 1000,
    });
    Ok(server
        .run_tool("list_connections", object(arguments), None)
        .await?
        .structured)
}

fn integration_count(data: &Value) -> usize {
    let length = |pointer| {
        data.pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let listed = length("/integrations/integrations");
    let audited = length("/audit/integrations");
    listed.max(audited)
}

fn count(value: &Value, pointer: &str) -> u64 {
    value.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn progress() -> Progress {
    Arc::new(|done, total, message| {
        if std::io::stderr().is_terminal() {
            let total = total.map(|total| format!("/{total}")).unwrap_or_default();
            #[allow(clippy::print_stderr)]
            {
                eprint!("\r\x1b[2K[{done}{total}] {message}");
            }
        }
    })
}
