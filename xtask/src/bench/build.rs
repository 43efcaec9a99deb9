//! Building the release binary once and finding where cargo put it (the target dir may be shared
//! or redirected, so the path comes from cargo's own artifact messages).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// `cargo build --release -p nango-mcp` in `workspace`; returns the executable's path.
pub fn release_binary(workspace: &Path) -> Result<PathBuf> {
    release_binary_for(workspace, None)
}

/// The same for a Rust target triple (`--target`), or this machine's when `None`.
pub fn release_binary_for(workspace: &Path, target: Option<&str>) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    tracing::info!("building the release nango-mcp (lto=fat, codegen-units=1: a few minutes)");
    let target_args = target.map(|triple| ["--target", triple]);
    let mut child = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "-p",
            "nango-mcp",
            "--message-format=json-render-diagnostics",
        ])
        .args(target_args.iter().flatten())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("running cargo build")?;
    let stdout = child.stdout.take().context("no stdout pipe from cargo")?;
    let mut executable = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(path) = executable_of(&line.context("reading cargo's messages")?) {
            executable = Some(path);
        }
    }
    let status = child.wait().context("waiting for cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p nango-mcp failed ({status})");
    }
    executable.context("cargo built no nango-mcp executable")
}

/// The executable of a `compiler-artifact` message for the `nango-mcp` binary.
fn executable_of(message: &str) -> Option<PathBuf> {
    let message: Value = serde_json::from_str(message).ok()?;
    let is_binary = message.get("reason")?.as_str()? == "compiler-artifact"
        && message.pointer("/target/name")?.as_str()? == "nango-mcp"
        && message
            .pointer("/target/kind")?
            .as_array()?
            .iter()
            .any(|kind| kind.as_str() == Some("bin"));
    is_binary
        .then(|| message.get("executable")?.as_str().map(PathBuf::from))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_binary_artifact_only() {
        let binary = r#"{"reason":"compiler-artifact","target":{"name":"nango-mcp","kind":["bin"]},"executable":"/t/release/nango-mcp"}"#;
        let library = r#"{"reason":"compiler-artifact","target":{"name":"nango_mcp","kind":["lib"]},"executable":null}"#;
        assert_eq!(
            executable_of(binary),
            Some(PathBuf::from("/t/release/nango-mcp"))
        );
        assert_eq!(executable_of(library), None);
        assert_eq!(executable_of("not json"), None);
    }
}
