//! A throw-away PostgreSQL cluster on loopback.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::TempDir;

pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The PostgreSQL cluster, or `None` (with a note) when the package is not installed and
/// `NANGO_MCP_REQUIRE_POSTGRES` is not set; CI sets it, so there a missing server fails.
pub fn start() -> Option<Postgres> {
    let Some(bin) = find_bin() else {
        assert!(
            std::env::var_os("NANGO_MCP_REQUIRE_POSTGRES").is_none(),
            "NANGO_MCP_REQUIRE_POSTGRES is set but no PostgreSQL server binaries were found"
        );
        eprintln!("skipping the PostgreSQL half: install Debian's `postgresql` package");
        return None;
    };
    let dir = TempDir::new("pg");
    let as_postgres = is_root();
    if as_postgres {
        chown_postgres(&dir.0);
    }
    let data = dir.0.join("data");
    let mut pg = Postgres {
        port: free_port(),
        dir,
        bin,
        as_postgres,
    };
    pg.run(
        "initdb",
        &[
            "-D",
            data.to_str().unwrap(),
            "-U",
            "nango",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    );
    pg.start_server();
    Some(pg)
}

impl Postgres {
    pub fn url(&self) -> String {
        format!("postgres://nango@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start_server(&mut self) {
        let data = self.dir.0.join("data");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=on -c max_connections=200",
            self.port,
            self.dir.0.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                self.dir.0.join("log").to_str().unwrap(),
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    /// Stops at once, as a crash would (`immediate`: no checkpoint, clients cut off).
    pub fn stop_server(&mut self) {
        let data = self.dir.0.join("data");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir.0)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.0.join("data");
        let path = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        let _ = command
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn find_bin() -> Option<PathBuf> {
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_postgres(dir: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "chown to postgres failed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
