//! The platforms nango-mcp ships npm packages for: one package per platform, named after Node's
//! `process.platform` and `process.arch` so the launcher can find its own with no lookup table
//! beyond the one in bin/nango-mcp.js (tests keep the two, and the release workflow, in step).

use anyhow::{Result, bail};

/// One platform package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    /// Node's `process.platform`, also the package's `os` field.
    pub os: &'static str,
    /// Node's `process.arch`, also the package's `cpu` field.
    pub cpu: &'static str,
    /// The Rust target the release workflow builds for it. Linux uses musl: a static binary runs
    /// on every distribution, Alpine included.
    pub target: &'static str,
}

/// Every platform published, in the order of the release matrix.
pub const PLATFORMS: [Platform; 5] = [
    Platform {
        os: "linux",
        cpu: "x64",
        target: "x86_64-unknown-linux-musl",
    },
    Platform {
        os: "linux",
        cpu: "arm64",
        target: "aarch64-unknown-linux-musl",
    },
    Platform {
        os: "darwin",
        cpu: "x64",
        target: "x86_64-apple-darwin",
    },
    Platform {
        os: "darwin",
        cpu: "arm64",
        target: "aarch64-apple-darwin",
    },
    Platform {
        os: "win32",
        cpu: "x64",
        target: "x86_64-pc-windows-msvc",
    },
];

impl Platform {
    /// The npm package carrying this platform's binary.
    pub fn package(&self) -> String {
        format!("nango-mcp-{}-{}", self.os, self.cpu)
    }

    /// The binary's file name inside the package's `bin/`.
    pub fn executable(&self) -> &'static str {
        if self.os == "win32" {
            "nango-mcp.exe"
        } else {
            "nango-mcp"
        }
    }

    /// The platform of the machine running xtask.
    pub fn host() -> Result<Self> {
        Self::find(std::env::consts::ARCH, std::env::consts::OS)
            .map_err(|error| error.context("this machine has no npm package; pass --target"))
    }

    /// The platform a Rust target triple builds for (`x86_64-unknown-linux-gnu` is linux x64 too).
    pub fn for_target(triple: &str) -> Result<Self> {
        let arch = triple.split('-').next().unwrap_or_default();
        let os = if triple.contains("-linux-") {
            "linux"
        } else if triple.contains("-apple-darwin") {
            "macos"
        } else if triple.contains("-windows-") {
            "windows"
        } else {
            "unknown"
        };
        Self::find(arch, os)
    }

    /// By Rust's names (`std::env::consts`): x86_64/aarch64, linux/macos/windows.
    fn find(arch: &str, os: &str) -> Result<Self> {
        let cpu = match arch {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            _ => bail!("no npm package for the {arch} architecture"),
        };
        let os_name = match os {
            "linux" => "linux",
            "macos" => "darwin",
            "windows" => "win32",
            _ => bail!("no npm package for the {os} operating system"),
        };
        PLATFORMS
            .into_iter()
            .find(|platform| platform.os == os_name && platform.cpu == cpu)
            .ok_or_else(|| anyhow::anyhow!("no npm package for {os_name} {cpu}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_triples_map_to_node_names() {
        let linux = Platform::for_target("x86_64-unknown-linux-gnu").unwrap();
        assert_eq!(linux.package(), "nango-mcp-linux-x64");
        assert_eq!(linux.executable(), "nango-mcp");
        let mac = Platform::for_target("aarch64-apple-darwin").unwrap();
        assert_eq!(mac.package(), "nango-mcp-darwin-arm64");
        let windows = Platform::for_target("x86_64-pc-windows-msvc").unwrap();
        assert_eq!(windows.package(), "nango-mcp-win32-x64");
        assert_eq!(windows.executable(), "nango-mcp.exe");
        assert!(Platform::for_target("riscv64gc-unknown-linux-gnu").is_err());
        assert!(Platform::for_target("x86_64-unknown-freebsd").is_err());
    }

    #[test]
    fn every_release_target_maps_back_to_its_platform() {
        for platform in PLATFORMS {
            assert_eq!(Platform::for_target(platform.target).unwrap(), platform);
        }
    }
}
