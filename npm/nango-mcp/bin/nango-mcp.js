#!/usr/bin/env node
// Runs the native nango-mcp binary from this platform's package (an optional dependency that npm
// installs only where its `os`/`cpu` match) with the same arguments, stdio, exit code and signals.
// No install scripts, no downloads: everything came with `npm install`.
"use strict";

const { spawn } = require("node:child_process");
const os = require("node:os");

// process.platform + " " + process.arch -> the package that carries that binary.
const PACKAGES = {
  "linux x64": "nango-mcp-linux-x64",
  "linux arm64": "nango-mcp-linux-arm64",
  "darwin x64": "nango-mcp-darwin-x64",
  "darwin arm64": "nango-mcp-darwin-arm64",
  "win32 x64": "nango-mcp-win32-x64",
};

// Signals a client may send to stop the server; the binary gets the same one.
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

function fail(message) {
  process.stderr.write(`nango-mcp: ${message}\n`);
  process.exit(1);
}

function binaryPath() {
  // A binary of your own (a source build, a debugging copy) instead of the packaged one.
  const override = process.env.NANGO_MCP_BINARY_PATH;
  if (override) return override;
  const platform = `${process.platform} ${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(
      `no prebuilt binary for ${platform}; install from source instead: ` +
        "cargo install nango-mcp (https://github.com/nango-mcp/nango-mcp#installation)",
    );
  }
  const exe = process.platform === "win32" ? "nango-mcp.exe" : "nango-mcp";
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    return fail(
      `the package ${pkg} (this platform's binary) is not installed. npm skips optional ` +
        "dependencies with --omit=optional or --no-optional, and a lockfile made on another " +
        "platform can leave it out: reinstall nango-mcp without those.",
    );
  }
}

function run() {
  const binary = binaryPath();
  // Listen before spawning: the binary may already be serving (and its client signalling us)
  // before the next line of this script runs.
  let child;
  const forward = (signal) => child && child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });

  child.on("error", (error) => fail(`could not start ${child.spawnfile}: ${error.message}`));
  child.on("exit", (code, signal) => {
    for (const name of FORWARDED) process.off(name, forward);
    if (signal) {
      // Die of the same signal, so whoever started us sees what the binary saw.
      process.kill(process.pid, signal);
      // Signals that do not end a Node process (or Windows): the shell's convention.
      process.exit(128 + (os.constants.signals[signal] || 0));
    }
    process.exit(code ?? 1);
  });
}

run();
