//! `xtask npm-pack DIR`: the npm packages of nango-mcp, the pattern esbuild and biome use. A
//! launcher package `nango-mcp` (plain JS, no dependencies but optional ones, no install scripts)
//! and one package per platform carrying the binary; npm installs only the platform package whose
//! `os`/`cpu` match, and the launcher runs its binary.

mod manifest;
mod pack;
mod platform;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::bench::{build, workspace_root};
use manifest::Launcher;
use platform::Platform;

/// Options of `xtask npm-pack`.
#[derive(Debug, clap::Args)]
pub struct NpmPackOptions {
    /// Where to write the launcher's and the platform's tarballs (created if missing).
    pub dir: PathBuf,
    /// Package this nango-mcp binary instead of building the release one (e.g. a debug build,
    /// when only the packaging is under test: the release build takes minutes).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Package for this Rust target (the release workflow) instead of this machine.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
}

/// Builds (unless given a binary) and writes both tarballs into the directory.
pub fn run(options: NpmPackOptions) -> Result<()> {
    let workspace = workspace_root();
    let launcher_dir = workspace.join("npm").join("nango-mcp");
    let launcher = Launcher::read(&launcher_dir)?;
    launcher.check(&crate_version(&workspace)?)?;
    let platform = match &options.target {
        Some(triple) => Platform::for_target(triple)?,
        None => Platform::host()?,
    };
    let binary = match options.binary {
        Some(binary) => binary,
        None => build::release_binary_for(&workspace, options.target.as_deref())?,
    };
    std::fs::create_dir_all(&options.dir)
        .with_context(|| format!("creating {}", options.dir.display()))?;
    // npm resolves --pack-destination against the package directory, not ours.
    let out = std::path::absolute(&options.dir)?;
    let launcher_tarball = pack::pack(&launcher_dir, &out)?;
    let platform_tarball = pack::pack_platform(&launcher, platform, &binary, &out)?;
    tracing::info!(launcher = %launcher_tarball.display(), platform = %platform_tarball.display(), "wrote the npm packages");
    Ok(())
}

/// nango-mcp's version as cargo sees it.
fn crate_version(workspace: &Path) -> Result<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(workspace)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed ({})",
        output.status
    );
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata's JSON")?;
    metadata
        .get("packages")
        .and_then(Value::as_array)
        .and_then(|packages| {
            packages
                .iter()
                .find(|package| package.get("name").and_then(Value::as_str) == Some("nango-mcp"))
        })
        .and_then(|package| package.get("version")?.as_str())
        .map(str::to_owned)
        .context("cargo metadata lists no nango-mcp package")
}
