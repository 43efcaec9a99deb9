//! The dashboard under the official MCP Apps host side: `@modelcontextprotocol/ext-apps`
//! (pinned in `tests/ext-apps-host/package.json`, installed and bundled by `.ci/ext-apps`)
//! drives it with `AppBridge` and `PostMessageTransport` through a sandbox proxy frame on
//! another origin, as its basic-host example does, in headless Chromium. Everything is served
//! from loopback by the test; nothing is fetched from a CDN.
//!
//! What it proves: the handshake, all integrations rendered, the host's theme followed, a
//! read-only drill-down forwarded with its Health column filled (`fields` adds to the
//! defaults), header cells that do not wrap, a size that goes DOWN again when the drill-down
//! closes although the host grew the frame (issue 24), and teardown answered.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use axum::{Router, http::header, response::IntoResponse, routing::get};
use common::{
    Harness,
    browser::{chromium_or_skip, driver_output, headless},
};
use nango_mcp::dashboard;
use nango_sim::SimConfig;
use serde_json::{Value, json};

const REAL_ENV: &str = include_str!("../../nango-sim/tests/fixtures/real_env.json");

/// The bundle `.ci/ext-apps` builds, or `None` after a loud skip (a failure in CI).
fn bundle_or_skip() -> Option<PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ext-apps-host/dist/ext-apps-host.js");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("NANGO_MCP_REQUIRE_CHROMIUM").is_err(),
        "NANGO_MCP_REQUIRE_CHROMIUM is set but {} is missing: run .ci/ext-apps",
        path.display()
    );
    eprintln!(
        "\n\n!!!!! SKIPPED the ext-apps host test: no {} (run .ci/ext-apps) !!!!!\n\n",
        path.display()
    );
    None
}

/// Serves the host page, the sandbox page and the bundle on one loopback port; the test loads
/// the host from `127.0.0.1` and the sandbox from `localhost`: two origins.
async fn serve(
    host: String,
    sandbox: String,
    bundle: String,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let html = |body: String| {
        move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response() }
        }
    };
    let script = move || {
        let body = bundle.clone();
        async move {
            (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                body,
            )
                .into_response()
        }
    };
    let app = Router::new()
        .route("/host.html", get(html(host)))
        .route("/sandbox.html", get(html(sandbox)))
        .route("/ext-apps-host.js", get(script));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}

fn height(seen: &Value, key: &str) -> u64 {
    seen[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key}: {seen}"))
}

#[tokio::test]
async fn the_official_host_bridge_drives_the_dashboard_and_its_size_goes_down() {
    let Some(chromium) = chromium_or_skip("the_official_host_bridge_drives_the_dashboard") else {
        return;
    };
    let Some(bundle) = bundle_or_skip() else {
        return;
    };
    let config = SimConfig {
        rate_limit_per_minute: 0,
        ..SimConfig::from_fixture(serde_json::from_str(REAL_ENV).unwrap()).unwrap()
    };
    let h = Harness::start(config).await;
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
    h.stop().await;

    let host = include_str!("fixtures/ext_apps_host.html")
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
    let sandbox = include_str!("fixtures/ext_apps_sandbox.html").to_owned();
    let bundle = std::fs::read_to_string(bundle).unwrap();
    let (addr, server) = serve(host, sandbox, bundle).await;
    let dom = headless(
        &chromium,
        &[
            "--virtual-time-budget=15000".to_owned(),
            // Virtual time does not follow messages between processes: with the sandbox on
            // another site in its own process, the budget ran out mid-handshake. One process
            // keeps the origins apart all the same (postMessage, no DOM access across them).
            "--disable-site-isolation-trials".to_owned(),
            "--disable-features=IsolateOrigins,site-per-process".to_owned(),
            "--window-size=1200,900".to_owned(),
            "--dump-dom".to_owned(),
            format!("http://127.0.0.1:{}/host.html", addr.port()),
        ],
    )
    .await;
    server.abort();
    let seen = driver_output(&dom);
    eprintln!(
        "ext-apps host: sizes reported {} (rendered {}, drill-down open {}, closed {})",
        seen["sizes"], seen["sizeRendered"], seen["sizeOpened"], seen["sizeClosed"]
    );
    assert_eq!(seen["errors"], json!([]), "{seen}");
    assert_eq!(seen["steps"][0], "initialized", "{seen}");

    let rendered = &seen["rendered"];
    assert_eq!(rendered["theme"], "dark", "{seen}");
    assert_eq!(
        rendered["rows"],
        audit["integrations"].as_array().unwrap().len(),
        "{seen}"
    );
    assert_eq!(
        rendered["images"], 0,
        "an element was created from Nango data"
    );

    // The drill-down: one read-only call, forwarded by the bridge as the view made it.
    assert_eq!(seen["calls"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["calls"][0]["name"], "list_connections");
    assert_eq!(seen["calls"][0]["arguments"], drill_down);
    let opened = &seen["opened"];
    let rows = opened["connectionRows"].as_u64().unwrap();
    assert!(rows > 0, "{seen}");
    assert_eq!(opened["healthCells"], rows, "empty Health cells: {seen}");
    let headers = opened["headers"].as_array().unwrap();
    assert!(headers.iter().any(|th| th["text"] == "Health"), "{seen}");
    assert!(
        headers
            .iter()
            .all(|th| th["height"] == headers[0]["height"]),
        "a header wrapped: {seen}"
    );
    assert!(seen["closed"]["detail"].is_null(), "{seen}");

    // The size follows the content both ways, although the host grew the frame in between.
    let (shown, open, closed) = (
        height(&seen, "sizeRendered"),
        height(&seen, "sizeOpened"),
        height(&seen, "sizeClosed"),
    );
    assert!(open > shown, "{seen}");
    assert!(closed < open, "the size never went down: {seen}");
    assert!(closed.abs_diff(shown) <= 2, "{seen}");

    assert!(
        seen["teardown"].is_object(),
        "teardown not answered: {seen}"
    );
}
