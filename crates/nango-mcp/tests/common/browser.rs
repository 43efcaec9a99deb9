//! A real browser for the tests: Debian's headless Chromium, run once per page with a fresh
//! profile, its DOM dumped for the test to read.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use serde_json::Value;

/// Chromium on PATH (Debian's `chromium`), or `NANGO_MCP_CHROMIUM`.
pub fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("NANGO_MCP_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Runs headless Chromium with a fresh profile; returns stdout.
pub async fn headless(chromium: &Path, args: &[String]) -> String {
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "chromium-profile-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ));
    let mut command = tokio::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .kill_on_drop(true);
    // A guard against a wedged browser, not a timing assertion.
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("chromium finished")
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn fastrand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}

pub fn file_url(path: &Path, fragment: &str) -> String {
    format!(
        "file://{}{fragment}",
        path.canonicalize().unwrap().display()
    )
}

/// Chromium, or `None` after a loud skip message; CI sets `NANGO_MCP_REQUIRE_CHROMIUM=1` so a
/// missing browser fails there instead of skipping.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("NANGO_MCP_REQUIRE_CHROMIUM").is_err(),
            "NANGO_MCP_REQUIRE_CHROMIUM is set but no chromium was found on PATH"
        );
        eprintln!(
            "\n\n!!!!! SKIPPED {test}: no chromium on PATH \
             (apt-get install chromium; .ci/run installs it) !!!!!\n\n"
        );
    }
    found
}

/// What a driver page wrote into `<div id="out">` (text, so only `<`, `>`, `&` are escaped).
pub fn driver_output(dom: &str) -> Value {
    let out = dom
        .split_once(r#"<div id="out">"#)
        .and_then(|(_, rest)| rest.split_once("</div>"))
        .map(|(text, _)| {
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap();
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("driver saw: {out}"))
}
