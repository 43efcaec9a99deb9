//! The connection-health dashboard: the MCP Apps resource (listed, readable, linked from
//! audit_connections), the self-contained document, `nango-mcp report` (every integration, hostile
//! Nango strings kept as data), and the report in a real headless Chromium.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::{
    Harness,
    browser::{chromium_or_skip, driver_output, file_url, headless},
};
use nango_mcp::dashboard;
use nango_sim::{Sim, SimConfig};
use rmcp::model::{ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_nango-mcp");
const HOSTILE_ID: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_NAME: &str = "</script><script>alert(2)</script><!-- Airtable";

/// The sample environment with hostile strings where Nango data goes, and one integration that
/// has no connection at all (it must still appear in the report).
fn hostile_fixture() -> SimConfig {
    let text = include_str!("../../nango-sim/tests/fixtures/sample_env.json");
    let mut dataset: Value = serde_json::from_str(text).unwrap();
    dataset["connections"][0]["connection_id"] = json!(HOSTILE_ID);
    dataset["integrations"][0]["display_name"] = json!(HOSTILE_NAME);
    dataset["integrations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"unique_key": "lonely-test", "provider": "slack", "display_name": "Nobody connected"}));
    SimConfig::from_fixture(dataset).unwrap()
}

/// Runs `nango-mcp report --out FILE` against `sim` (or `--demo` when `sim` is None).
async fn report(sim: Option<&Sim>, name: &str) -> (PathBuf, String) {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut command = tokio::process::Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    match sim {
        Some(sim) => {
            command
                .env("NANGO_SECRET_KEY", sim.secret_key())
                .env("NANGO_HOST", sim.base_url())
                .env(
                    "NANGO_MANAGEMENT_MCP_URL",
                    format!("{}/mcp", sim.base_url()),
                );
        }
        None => {
            command.arg("--demo");
        }
    }
    let output = command
        .arg("report")
        .arg("--out")
        .arg(&out)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "report failed: {stderr}");
    assert!(stderr.contains("wrote"), "{stderr}");
    (out.clone(), std::fs::read_to_string(&out).unwrap())
}

/// The JSON the report embeds, and the document around it.
fn split_report(html: &str) -> (Value, String) {
    let open = r#"<script type="application/json" id="report-data">"#;
    let (before, rest) = html.split_once(open).expect("data slot");
    let (data, after) = rest.split_once("</script>").expect("data slot closes");
    (
        serde_json::from_str(data).expect("embedded JSON parses"),
        format!("{before}{open}{after}"),
    )
}

/// Nothing in the markup or code refers to anything outside the document.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for needle in [
        "src=",
        "href=",
        "url(",
        "@import",
        "http:",
        "https:",
        "<link",
        "<iframe",
        "<img",
        "<object",
        "<embed",
        "<base",
        "fetch(",
        "xmlhttprequest",
        "websocket",
    ] {
        assert!(!lower.contains(needle), "the document contains {needle:?}");
    }
    // Nango strings are rendered as text only.
    for needle in [
        "innerhtml",
        "outerhtml",
        "insertadjacenthtml",
        "document.write",
        "eval(",
        "new function",
    ] {
        assert!(!lower.contains(needle), "the document uses {needle:?}");
    }
}

fn integration_keys(data: &Value) -> Vec<String> {
    data["integrations"]["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn dashboard_document_is_small_and_self_contained() {
    let html = dashboard::document();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.len() < 300 * 1024, "{} bytes", html.len());
    assert_self_contained(html);
    assert!(html.contains("default-src 'none'"));
}

#[tokio::test]
async fn dashboard_resource_is_listed_readable_and_linked_from_the_audit() {
    let h = Harness::start(SimConfig::demo()).await;
    let resources = h.client.list_all_resources().await.unwrap();
    let listed = resources
        .iter()
        .find(|resource| resource.uri == dashboard::URI)
        .expect("ui:// resource listed");
    assert_eq!(
        listed.mime_type.as_deref(),
        Some("text/html;profile=mcp-app")
    );

    let read = h
        .client
        .read_resource(ReadResourceRequestParams::new(dashboard::URI))
        .await
        .unwrap();
    let [
        ResourceContents::TextResourceContents {
            uri,
            mime_type,
            text,
            meta,
        },
    ] = read.contents.as_slice()
    else {
        panic!("one text content expected: {read:?}")
    };
    assert_eq!(uri, dashboard::URI);
    assert_eq!(mime_type.as_deref(), Some("text/html;profile=mcp-app"));
    assert_eq!(text, dashboard::document());
    let csp = &meta.as_ref().expect("_meta")["ui"]["csp"];
    for key in ["connectDomains", "resourceDomains", "frameDomains"] {
        assert_eq!(csp[key], json!([]), "{key}");
    }

    let tools = h.client.list_all_tools().await.unwrap();
    let audit = tools
        .iter()
        .find(|tool| tool.name == "audit_connections")
        .unwrap();
    let ui = &audit.meta.as_ref().expect("audit_connections _meta")["ui"];
    assert_eq!(ui["resourceUri"], dashboard::URI);
    let others_linked = tools
        .iter()
        .filter(|tool| tool.name != "audit_connections")
        .filter(|tool| {
            tool.meta
                .as_ref()
                .is_some_and(|meta| meta.contains_key("ui"))
        })
        .count();
    assert_eq!(others_linked, 0, "only the audit renders as the dashboard");
    h.stop().await;
}

#[tokio::test]
async fn demo_report_contains_every_integration() {
    let sim = Sim::start(SimConfig::demo()).await.unwrap();
    let (_, html) = report(Some(&sim), "report-demo-sim.html").await;
    let (data, markup) = split_report(&html);
    assert_self_contained(&markup);
    let mut expected: Vec<String> = sim
        .dataset()
        .integrations
        .iter()
        .map(|integration| integration.unique_key.clone())
        .collect();
    let mut listed = integration_keys(&data);
    expected.sort();
    listed.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        data["audit"]["connections"],
        sim.dataset().connections.len()
    );
    let broken = data["broken"]["connections"].as_array().unwrap();
    assert!(!broken.is_empty(), "the demo has broken connections");
    sim.shutdown().await;

    // The same through the built-in sandbox.
    let (_, html) = report(None, "report-demo.html").await;
    let (data, _) = split_report(&html);
    assert_eq!(integration_keys(&data).len(), expected.len());

    // `--out -` writes the document to stdout instead.
    let output = tokio::process::Command::new(BIN)
        .args(["--demo", "report", "--out", "-"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("<!DOCTYPE html>"));
    let (data, _) = split_report(&stdout);
    assert_eq!(integration_keys(&data).len(), expected.len());
}

#[tokio::test]
async fn report_keeps_hostile_nango_strings_as_data() {
    let sim = Sim::start(hostile_fixture()).await.unwrap();
    let (_, html) = report(Some(&sim), "report-hostile.html").await;
    // Nothing from Nango became markup: no new element, script end or comment.
    assert!(!html.contains("<img"), "raw <img in the report");
    assert!(!html.contains("alert(2)</script>"));
    assert_eq!(
        html.matches("</script>").count(),
        dashboard::document().matches("</script>").count()
    );
    assert_eq!(
        html.matches("<!--").count(),
        dashboard::document().matches("<!--").count()
    );
    // ...and the strings survive intact as data.
    let (data, _) = split_report(&html);
    let findings = data["audit"]["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["connection_id"] == HOSTILE_ID),
        "{findings:?}"
    );
    let rows = data["integrations"]["integrations"].as_array().unwrap();
    assert!(rows.iter().any(|row| row["display_name"] == HOSTILE_NAME));
    assert!(integration_keys(&data).contains(&"lonely-test".to_owned()));
    sim.shutdown().await;
}

#[tokio::test]
async fn report_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("report_renders_in_headless_chromium") else {
        return;
    };

    // Hostile data: the integrations render, the hostile id is text, no element came from data.
    let sim = Sim::start(hostile_fixture()).await.unwrap();
    let (path, _) = report(Some(&sim), "browser-hostile.html").await;
    let dom = headless(&chromium, &["--dump-dom".to_owned(), file_url(&path, "")]).await;
    assert!(
        dom.contains("Findings, worst first"),
        "the page script did not run:\n{dom}"
    );
    let rows = dom.matches(r#"class="row integration""#).count();
    assert_eq!(
        rows,
        sim.dataset().integrations.len(),
        "one row per integration"
    );
    for key in [
        "anvil-test",
        "github-test",
        "lonely-test",
        "airtable-pat-test",
    ] {
        assert!(
            dom.contains(&format!(r#"data-integration="{key}""#)),
            "{key} missing"
        );
    }
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "hostile id not shown as text"
    );
    assert!(
        !dom.contains("<img"),
        "an element was created from Nango data"
    );
    assert!(dom.contains("&lt;/script&gt;&lt;script&gt;alert(2)"));
    sim.shutdown().await;

    // The demo in both themes, as screenshots under target/.
    let (demo, _) = report(None, "browser-demo.html").await;
    let dom = headless(
        &chromium,
        &["--dump-dom".to_owned(), file_url(&demo, "#dark")],
    )
    .await;
    assert!(dom.contains(r#"data-theme="dark""#));
    assert!(dom.contains("salesforce-prod"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for theme in ["light", "dark"] {
        let shot = target.join(format!("dashboard-{theme}.png"));
        let _ = std::fs::remove_file(&shot);
        headless(
            &chromium,
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1180,1180".to_owned(),
                file_url(&demo, &format!("#{theme}")),
            ],
        )
        .await;
        let png = std::fs::read(&shot).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG"), "{theme} screenshot is a PNG");
        eprintln!("screenshot: {}", shot.display());
    }
    // `UPDATE_SCREENSHOT=1 cargo test -p nango-mcp --test e2e_dashboard` refreshes the README's.
    if std::env::var("UPDATE_SCREENSHOT").is_ok() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/dashboard.png");
        std::fs::copy(target.join("dashboard-light.png"), docs).unwrap();
    }
}

/// The App path: a minimal host page (tests/fixtures/apps_host.html) renders the served document
/// in an iframe and speaks the Apps bridge to it; the view must initialise, render the audit the
/// host sends, take the host's theme, and drill down through a `tools/call` of list_connections.
#[tokio::test]
async fn app_renders_the_tool_result_and_drills_down_through_the_bridge() {
    let Some(chromium) =
        chromium_or_skip("app_renders_the_tool_result_and_drills_down_through_the_bridge")
    else {
        return;
    };
    let h = Harness::start(hostile_fixture()).await;
    let (audit, _) = h.ok("audit_connections", json!({})).await;
    let worst = audit["integrations"][0]["integration"]
        .as_str()
        .unwrap()
        .to_owned();
    let drill_down = json!({
        "integrations": [worst],
        "health": ["auth_error", "sync_error"],
        "fields": ["end_user", "errors"],
        "limit": 100
    });
    let (connections, _) = h.ok("list_connections", drill_down.clone()).await;
    let page = include_str!("fixtures/apps_host.html")
        .replacen(
            "/*VIEW*/null",
            &dashboard::embed_json(&json!(dashboard::document())),
            1,
        )
        .replacen("/*AUDIT*/null", &dashboard::embed_json(&audit), 1)
        .replacen(
            "/*CONNECTIONS*/null",
            &dashboard::embed_json(&connections),
            1,
        );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps-host.html");
    std::fs::write(&path, page).unwrap();
    let dom = headless(
        &chromium,
        &[
            "--virtual-time-budget=10000".to_owned(),
            "--dump-dom".to_owned(),
            file_url(&path, ""),
        ],
    )
    .await;
    let seen = driver_output(&dom);
    assert_eq!(seen["theme"], "dark", "{seen}");
    assert_eq!(
        seen["rows"],
        audit["integrations"].as_array().unwrap().len()
    );
    assert_eq!(seen["images"], 0, "an element was created from Nango data");
    let methods = seen["methods"].as_array().unwrap();
    // The handshake comes first: nothing reaches the host before `initialized`.
    assert_eq!(methods[0], "ui/initialize", "{seen}");
    assert_eq!(methods[1], "ui/notifications/initialized", "{seen}");
    for method in [
        "ui/initialize",
        "ui/notifications/initialized",
        "tools/call",
    ] {
        assert!(
            methods.iter().any(|m| m == method),
            "{method} not sent: {seen}"
        );
    }
    assert_eq!(seen["calls"][0]["name"], "list_connections");
    assert_eq!(seen["calls"][0]["arguments"], drill_down);
    let detail = seen["detail"].as_str().unwrap();
    assert!(detail.contains(HOSTILE_ID), "{detail}");
    h.stop().await;
}

/// The report's drill-down works offline, from the broken connections it embeds.
#[tokio::test]
async fn report_drill_down_lists_broken_connections_in_chromium() {
    let Some(chromium) = chromium_or_skip("report_drill_down_lists_broken_connections_in_chromium")
    else {
        return;
    };
    let sim = Sim::start(hostile_fixture()).await.unwrap();
    let (_, html) = report(Some(&sim), "drill-down.html").await;
    sim.shutdown().await;
    let page = include_str!("fixtures/report_host.html").replacen(
        "/*REPORT*/null",
        &dashboard::embed_json(&json!(html)),
        1,
    );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-host.html");
    std::fs::write(&path, page).unwrap();
    let dom = headless(
        &chromium,
        &[
            "--virtual-time-budget=10000".to_owned(),
            "--dump-dom".to_owned(),
            file_url(&path, ""),
        ],
    )
    .await;
    let seen = driver_output(&dom);
    // Worst first: the integration whose only connection has an auth error.
    assert_eq!(seen["key"], "airtable-pat-test", "{seen}");
    assert_eq!(seen["connections"], 1, "{seen}");
    assert!(
        seen["detail"].as_str().unwrap().contains(HOSTILE_ID),
        "{seen}"
    );
    assert_eq!(seen["images"], 0);
}
