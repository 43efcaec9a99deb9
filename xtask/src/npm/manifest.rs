//! The launcher's package.json (npm/nango-mcp/package.json, kept in the repository) and the
//! platform packages' manifests derived from it.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use super::platform::{PLATFORMS, Platform};

/// The launcher's manifest as written in the repository.
pub struct Launcher {
    pub manifest: Value,
}

impl Launcher {
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("package.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let manifest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        Ok(Self { manifest })
    }

    fn field(&self, name: &str) -> &str {
        self.manifest
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The launcher must carry the crate's version and depend, optionally, on exactly the platform
    /// packages of that same version: npm then installs the binary of the release it runs.
    pub fn check(&self, crate_version: &str) -> Result<()> {
        ensure!(
            self.field("version") == crate_version,
            "npm/nango-mcp/package.json has version {:?} but the crate is {crate_version}: \
             set the launcher's version and its optionalDependencies to {crate_version}",
            self.field("version")
        );
        let optional = self
            .manifest
            .get("optionalDependencies")
            .and_then(Value::as_object)
            .context("npm/nango-mcp/package.json has no optionalDependencies")?;
        let mut expected: Vec<String> = PLATFORMS.iter().map(Platform::package).collect();
        expected.sort();
        let listed: Vec<String> = optional.keys().cloned().collect();
        ensure!(
            listed == expected,
            "the launcher's optionalDependencies are {listed:?}, not the platform packages {expected:?}"
        );
        for (name, version) in optional {
            ensure!(
                version.as_str() == Some(crate_version),
                "the launcher wants {name}@{version} but the crate is {crate_version}"
            );
        }
        Ok(())
    }

    /// The package.json of `platform`'s package: the binary, restricted to that os and cpu, so npm
    /// installs it only there.
    pub fn platform_manifest(&self, platform: Platform) -> Value {
        json!({
            "name": platform.package(),
            "version": self.field("version"),
            "description": format!(
                "The {} {} binary of nango-mcp. Install nango-mcp, which picks it for you.",
                platform.os, platform.cpu
            ),
            "homepage": self.manifest.get("homepage"),
            "repository": self.manifest.get("repository"),
            "license": self.field("license"),
            "os": [platform.os],
            "cpu": [platform.cpu],
            "files": [format!("bin/{}", platform.executable())],
            // Yarn Plug'n'Play must unpack it to disk: a binary cannot run from a zip.
            "preferUnplugged": true,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn repository() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn launcher() -> Launcher {
        Launcher::read(&repository().join("npm/nango-mcp")).unwrap()
    }

    #[test]
    fn launcher_version_equals_the_crate_version() {
        // xtask and nango-mcp share the workspace version.
        launcher().check(env!("CARGO_PKG_VERSION")).unwrap();
        let error = launcher().check("9.9.9").unwrap_err().to_string();
        assert!(error.contains("9.9.9"), "{error}");
    }

    #[test]
    fn launcher_has_a_bin_and_no_install_scripts() {
        let manifest = launcher().manifest;
        assert_eq!(manifest["bin"]["nango-mcp"], "bin/nango-mcp.js");
        assert!(manifest.get("scripts").is_none(), "no install scripts");
        assert!(
            manifest.get("dependencies").is_none(),
            "only optional dependencies"
        );
    }

    #[test]
    fn launcher_script_knows_every_platform_package() {
        let script =
            std::fs::read_to_string(repository().join("npm/nango-mcp/bin/nango-mcp.js")).unwrap();
        for platform in PLATFORMS {
            let entry = format!(
                "\"{} {}\": \"{}\"",
                platform.os,
                platform.cpu,
                platform.package()
            );
            assert!(script.contains(&entry), "bin/nango-mcp.js lacks {entry}");
        }
    }

    #[test]
    fn release_workflow_builds_every_platform() {
        let workflow =
            std::fs::read_to_string(repository().join(".github/workflows/release.yml")).unwrap();
        for platform in PLATFORMS {
            assert!(
                workflow.contains(platform.target),
                "release.yml lacks {}",
                platform.target
            );
        }
    }

    #[test]
    fn platform_manifest_is_restricted_to_its_platform() {
        let linux = Platform::for_target("aarch64-unknown-linux-musl").unwrap();
        let manifest = launcher().platform_manifest(linux);
        assert_eq!(manifest["name"], "nango-mcp-linux-arm64");
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(manifest["os"], json!(["linux"]));
        assert_eq!(manifest["cpu"], json!(["arm64"]));
        assert_eq!(manifest["files"], json!(["bin/nango-mcp"]));
        assert!(manifest.get("bin").is_none() && manifest.get("scripts").is_none());
    }
}
