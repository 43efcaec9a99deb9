//! The connection-health dashboard: one self-contained HTML document (inline CSS and JS, nothing
//! fetched), served as the MCP Apps resource `ui://nango-mcp/dashboard` that hosts render with
//! `audit_connections`' result, and written by `nango-mcp report` with the audit embedded.
//!
//! Everything in it that comes from Nango is untrusted: the page only ever sets `textContent`,
//! the embedded JSON cannot close its `<script>` element, and the page's CSP lets only its own
//! script (by hash) run, so no inline handler smuggled in through data could fire either.

use std::sync::OnceLock;

use base64::{Engine, engine::general_purpose::STANDARD};
use rmcp::model::{MetaObject, Resource, ResourceContents, Tool};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The MCP Apps resource.
pub const URI: &str = "ui://nango-mcp/dashboard";
/// The MCP Apps HTML profile (SEP-1865).
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";
/// Tools whose results the dashboard renders.
pub const LINKED_TOOLS: &[&str] = &["audit_connections"];

const TEMPLATE: &str = include_str!("../assets/dashboard.html");
const HASH_SLOT: &str = "{{SCRIPT_SHA256}}";
const SCRIPT_OPEN: &str = r#"<script id="dashboard-app">"#;
const DATA_SLOT: &str = r#"<script type="application/json" id="report-data">null</script>"#;

/// The document as served: the template with its script's hash in the CSP.
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| TEMPLATE.replacen(HASH_SLOT, &script_hash(TEMPLATE), 1))
}

/// CSP source for the page's one executable script: `sha256-<base64>` of its exact text.
fn script_hash(html: &str) -> String {
    let script = html
        .split_once(SCRIPT_OPEN)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map_or("", |(body, _)| body);
    format!(
        "sha256-{}",
        STANDARD.encode(Sha256::digest(script.as_bytes()))
    )
}

/// The dashboard with `data` embedded: a report that opens in any browser without a host.
pub fn report(data: &Value) -> String {
    let slot = format!(
        r#"<script type="application/json" id="report-data">{}</script>"#,
        embed_json(data)
    );
    document().replacen(DATA_SLOT, &slot, 1)
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` only ever occur inside JSON
/// strings, where `\u003c` means the same, so `</script>` and `<!--` cannot appear. U+2028/9 are
/// escaped for older JavaScript parsers.
pub fn embed_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

fn meta(value: Value) -> MetaObject {
    match value {
        Value::Object(map) => MetaObject(map),
        _ => MetaObject(Map::new()),
    }
}

/// `_meta.ui` of the resource: no external domain of any kind, and a host-drawn border.
fn resource_meta() -> MetaObject {
    meta(json!({
        "ui": {
            "csp": {
                "connectDomains": [],
                "resourceDomains": [],
                "frameDomains": [],
                "baseUriDomains": []
            },
            "prefersBorder": true
        }
    }))
}

/// The entry in `resources/list`.
pub fn resource() -> Resource {
    Resource::new(URI, "dashboard")
        .with_title("Connection-health dashboard (MCP App)")
        .with_description(
            "Interactive view of audit_connections: health per integration, failing, stale and \
             never-run syncs, findings worst first, drill-down to broken connections.",
        )
        .with_mime_type(MIME_TYPE)
        .with_meta(resource_meta())
}

/// What `resources/read` answers for [`URI`].
pub fn contents() -> ResourceContents {
    ResourceContents::text(document(), URI)
        .with_mime_type(MIME_TYPE)
        .with_meta(resource_meta())
}

/// Links the tools in [`LINKED_TOOLS`] to the dashboard through `_meta.ui.resourceUri`.
pub fn link_tools(mut tools: Vec<Tool>) -> Vec<Tool> {
    for tool in &mut tools {
        if LINKED_TOOLS.contains(&tool.name.as_ref()) {
            let meta = tool.meta.get_or_insert_with(|| MetaObject(Map::new()));
            meta.insert(
                "ui".to_owned(),
                json!({"resourceUri": URI, "visibility": ["model", "app"]}),
            );
            // The flat key hosts read before the nested form was settled; harmless elsewhere.
            meta.insert("ui/resourceUri".to_owned(), json!(URI));
        }
    }
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_the_script_element() {
        let hostile = json!({"id": "</script><script>alert(1)</script><!-- & \u{2028}"});
        let embedded = embed_json(&hostile);
        for forbidden in ["<", ">", "&", "\u{2028}"] {
            assert!(!embedded.contains(forbidden), "{forbidden:?} in {embedded}");
        }
        let back: Value = serde_json::from_str(&embedded).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn the_csp_carries_the_hash_of_the_page_script() {
        let html = document();
        assert!(!html.contains(HASH_SLOT));
        let hash = script_hash(TEMPLATE);
        assert!(hash.len() > "sha256-".len() + 40, "{hash}");
        assert!(html.contains(&format!("script-src '{hash}'")));
        // Exactly one executable script and one data slot, so the hash covers all code.
        assert_eq!(TEMPLATE.matches("<script").count(), 2);
        assert_eq!(TEMPLATE.matches(DATA_SLOT).count(), 1);
    }

    #[test]
    fn report_embeds_data_once_in_the_slot() {
        let html = report(&json!({"audit": {"integrations": []}, "x": "<!--"}));
        assert!(!html.contains(DATA_SLOT));
        assert!(html.contains(r#"id="report-data">{"audit""#));
        assert!(!html.contains("\"<!--\""));
        assert_eq!(html.matches("</script>").count(), 2);
    }
}
