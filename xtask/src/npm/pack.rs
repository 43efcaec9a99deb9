//! `npm pack` of the launcher (as it sits in the repository) and of a platform package staged
//! around the binary. npm writes the tarballs, so their layout and file modes are npm's own.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{manifest::Launcher, platform::Platform};

/// `npm pack` of the package in `package_dir` into `out`; returns the tarball's path.
pub fn pack(package_dir: &Path, out: &Path) -> Result<PathBuf> {
    // npm is a .cmd script on Windows, which Command finds only by its full name.
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let output = Command::new(npm)
        .current_dir(package_dir)
        .args(["pack", "--json", "--pack-destination"])
        .arg(out)
        .stderr(Stdio::inherit())
        .output()
        .context("running npm pack (is Node.js with npm installed?)")?;
    if !output.status.success() {
        bail!(
            "npm pack in {} failed ({})",
            package_dir.display(),
            output.status
        );
    }
    let filename = tarball_name(&output.stdout)
        .with_context(|| format!("npm pack in {} named no tarball", package_dir.display()))?;
    Ok(out.join(filename))
}

/// The `filename` of npm pack's JSON answer (an array with one entry per package).
fn tarball_name(stdout: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(stdout).ok()?;
    answer.get(0)?.get("filename")?.as_str().map(str::to_owned)
}

/// Stages `platform`'s package (manifest + binary) in a scratch directory and packs it into `out`.
pub fn pack_platform(
    launcher: &Launcher,
    platform: Platform,
    binary: &Path,
    out: &Path,
) -> Result<PathBuf> {
    let stage = std::env::temp_dir().join(format!(
        "xtask-npm-{}-{}",
        platform.package(),
        std::process::id()
    ));
    let packed = stage_and_pack(launcher, platform, binary, &stage, out);
    // Best effort: a leftover scratch directory is harmless, and the packing outcome matters more.
    let _ = std::fs::remove_dir_all(&stage);
    packed
}

fn stage_and_pack(
    launcher: &Launcher,
    platform: Platform,
    binary: &Path,
    stage: &Path,
    out: &Path,
) -> Result<PathBuf> {
    let bin = stage.join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    let manifest = serde_json::to_string_pretty(&launcher.platform_manifest(platform))?;
    std::fs::write(stage.join("package.json"), manifest + "\n")?;
    let staged = bin.join(platform.executable());
    std::fs::copy(binary, &staged)
        .with_context(|| format!("copying {} into the package", binary.display()))?;
    make_executable(&staged)?;
    pack(stage, out)
}

/// npm keeps the executable bit in the tarball; the launcher spawns the file directly.
#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tarball_name_from_npm_pack_json() {
        let answer = br#"[{"id":"nango-mcp@0.1.0","name":"nango-mcp","filename":"nango-mcp-0.1.0.tgz","files":[]}]"#;
        assert_eq!(tarball_name(answer).as_deref(), Some("nango-mcp-0.1.0.tgz"));
        assert_eq!(tarball_name(b"npm notice oops"), None);
        assert_eq!(tarball_name(b"[]"), None);
    }
}
