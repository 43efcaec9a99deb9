//! The human-readable summary printed at the end of a run (the JSON file has every figure).

use std::io::Write;

use anyhow::Result;

use super::team::{Callers, Calls, TeamRun};
use super::{Report, TeamReport};

/// Prints the summary table to stdout.
pub fn print(report: &Report) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(render(report).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The summary as text, one figure per line.
pub fn render(r: &Report) -> String {
    let mut lines = vec![
        format!("nango-mcp bench ({}), {}, {} CPUs", r.mode, r.date, r.cpus),
        String::new(),
        row("binary size (release)", mib(r.binary_bytes / 1024)),
        row(
            "cold start: spawn → tools/list",
            format!(
                "median {} ms (min {}, max {}; {} runs)",
                ms(r.cold_start.ms.median),
                ms(r.cold_start.ms.min),
                ms(r.cold_start.ms.max),
                r.cold_start.runs
            ),
        ),
        row(
            "idle memory (stdio)",
            format!(
                "RSS {}, peak {}",
                mib(r.cold_start.idle.rss_kib),
                mib(r.cold_start.idle.hwm_kib)
            ),
        ),
        row(
            "tools/list",
            format!(
                "{} o200k / {} cl100k tokens ({} tools, {} bytes)",
                r.sizes.tools_list_tokens,
                r.sizes.tools_list_tokens_cl100k,
                r.sizes.tools,
                r.sizes.tools_list_bytes
            ),
        ),
        String::new(),
        format!(
            "answer sizes, o200k / cl100k tokens ({} connections, {} integrations)",
            r.plan.connections, r.plan.integrations
        ),
        format!(
            "  {:<50} {:>13} {:>17}",
            "tool: question", "text", "structured"
        ),
    ];
    for answer in &r.sizes.answers {
        let flag = if answer.is_error { " (error)" } else { "" };
        lines.push(format!(
            "  {:<50} {:>13} {:>17}{flag}",
            format!("{}: {}", answer.tool, answer.question),
            format!("{} / {}", answer.text_tokens, answer.text_tokens_cl100k),
            format!(
                "{} / {}",
                answer.structured_tokens, answer.structured_tokens_cl100k
            )
        ));
    }
    lines.push(String::new());
    lines.push(
        "server-added latency per call (tool round trip − same upstream requests direct)".into(),
    );
    lines.push(format!(
        "  {:<20} {:>9} {:>9} {:>12} {:>14} {:>9}",
        "tool", "added p50", "added p99", "tool p50", "direct p50", "upstream"
    ));
    for latency in &r.added_latency {
        lines.push(format!(
            "  {:<20} {:>6} ms {:>6} ms {:>9} ms {:>11} ms {:>9}",
            latency.tool,
            ms(latency.added_p50_ms),
            ms(latency.added_p99_ms),
            ms(latency.tool_p50_ms),
            ms(latency.direct_p50_ms),
            latency.upstream_requests
        ));
    }
    let load = &r.load;
    lines.extend([
        String::new(),
        row(
            &format!("{} HTTP clients, {:.1} s", load.clients, load.seconds),
            format!(
                "RSS before {}, max sampled {}, peak {}",
                mib(load.before.rss_kib),
                mib(load.rss_max_kib),
                mib(load.hwm_after_kib)
            ),
        ),
        row(
            "  calls",
            format!(
                "{} answered ({:.0}/s, p50 {} ms, p99 {} ms), {} tool errors, {} failed",
                load.answered,
                load.calls_per_second,
                ms(load.call_p50_ms),
                ms(load.call_p99_ms),
                load.tool_errors,
                load.failed
            ),
        ),
    ]);
    lines.extend(team_rows(&r.team));
    for walk in &r.walks {
        let budget = walk
            .token_budget
            .map_or_else(|| "default budget".to_owned(), |b| format!("budget {b}"));
        lines.extend([
            row(
                &format!("list_records walk, limit {}, {budget}", walk.limit),
                format!(
                    "{} of {} records in {} calls ({:.0} per call), {} ms ({} upstream requests)",
                    walk.records_seen,
                    walk.records,
                    walk.calls,
                    walk.records_per_call,
                    ms(walk.total_ms),
                    walk.upstream_requests
                ),
            ),
            row(
                "  RSS first / max / last",
                format!(
                    "{} / {} / {}",
                    mib(walk.rss_first_kib),
                    mib(walk.rss_max_kib),
                    mib(walk.rss_last_kib)
                ),
            ),
        ]);
    }
    let audit = &r.audit;
    lines.extend([
        row(
            &format!(
                "audit, {} ms upstream, {}/min",
                audit.upstream_latency_ms, audit.rate_limit_per_minute
            ),
            format!(
                "{} ms, {} upstream requests, {} × 429, {}",
                ms(audit.wall_ms),
                audit.upstream_requests,
                audit.rate_limited,
                if audit.is_error {
                    "tool error"
                } else {
                    "no tool error"
                }
            ),
        ),
        row(
            "  covered",
            format!(
                "{} of {} connections, {} findings, {} notes",
                audit
                    .connections_audited
                    .map_or_else(|| "?".to_owned(), |n| n.to_string()),
                audit.connections,
                audit
                    .findings
                    .map_or_else(|| "?".to_owned(), |n| n.to_string()),
                audit.notes.len()
            ),
        ),
    ]);
    lines.push(String::new());
    lines.push(render_remote(&r.remote));
    lines.join("\n")
}

/// Prints only the "remote Nango" rows (`--remote-only`).
pub fn print_remote(remote: &super::remote::Remote) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(render_remote(remote).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The "remote Nango" rows: per question and cache mode, round trips and requests.
pub fn render_remote(remote: &super::remote::Remote) -> String {
    let mut lines = vec![
        format!(
            "remote Nango: every request answered after {} ms ({} connections)",
            remote.latency_ms, remote.connections
        ),
        format!(
            "  {:<36} {:<7} {:>9} {:>9} {:>9} {:>10} {:>10}",
            "question", "cache", "first", "p50", "p95", "requests", "crit. path"
        ),
    ];
    for q in &remote.questions {
        lines.push(format!(
            "  {:<36} {:<7} {:>6} ms {:>6} ms {:>6} ms {:>4} / {:<3} {:>4} / {:<3}",
            q.question,
            format!("{:?}", q.cache).to_lowercase(),
            ms(q.first_ms),
            ms(q.p50_ms),
            ms(q.p95_ms),
            q.first_requests,
            q.p50_requests,
            q.first_critical_path,
            q.p50_critical_path
        ));
    }
    lines.push("  (requests and critical path: first call / median call)".to_owned());
    lines.push(String::new());
    lines.join("\n")
}

/// Prints the `--team-only` figures.
pub fn print_team(report: &TeamReport) -> Result<()> {
    let start = &report.cold_start;
    let mut lines = vec![
        format!("nango-mcp team bench, {}", report.date),
        row("binary size", mib(report.binary_bytes / 1024)),
        row(
            "cold start: spawn → tools/list",
            format!(
                "median {} ms (min {}, max {}; {} runs)",
                ms(start.ms.median),
                ms(start.ms.min),
                ms(start.ms.max),
                start.runs
            ),
        ),
        row(
            "idle memory (stdio)",
            format!(
                "RSS {}, peak {}",
                mib(start.idle.rss_kib),
                mib(start.idle.hwm_kib)
            ),
        ),
    ];
    lines.extend(team_rows(&report.team));
    let mut out = std::io::stdout().lock();
    out.write_all((lines.join("\n") + "\n").as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Per run: the agents' calls, the flooder's, and memory before / peak / after.
fn team_rows(runs: &[TeamRun]) -> Vec<String> {
    let mut lines = Vec::new();
    for run in runs {
        let who = match run.callers {
            Callers::SharedToken => "one shared token",
            Callers::OwnTokens => "own tokens",
            Callers::OwnTokensAndFlood => "own tokens + flooder",
        };
        lines.push(String::new());
        lines.push(row(
            &format!("team: {} agents, {who}, {:.1} s", run.agents, run.seconds),
            format!(
                "RSS before {}, max sampled {}, peak {}, 3 s after {}",
                mib(run.before.rss_kib),
                mib(run.rss_max_kib),
                mib(run.peak_kib),
                mib(run.after_kib)
            ),
        ));
        lines.push(row("  agents' calls", calls(&run.agent_calls, run.seconds)));
        if run.flood > 0 {
            lines.push(row(
                &format!("  flooder's calls ({} in flight)", run.flood),
                calls(&run.flood_calls, run.seconds),
            ));
        }
    }
    lines
}

fn calls(calls: &Calls, seconds: f64) -> String {
    format!(
        "{} answered ({:.0}/s, p50 {} ms, p99 {} ms), {} refused (429), {} tool errors, {} failed",
        calls.answered,
        calls.answered as f64 / seconds.max(f64::EPSILON),
        ms(calls.p50_ms),
        ms(calls.p99_ms),
        calls.refused,
        calls.tool_errors,
        calls.failed
    )
}

fn row(label: &str, value: String) -> String {
    format!("{label:<50} {value}")
}

/// KiB as MiB with one decimal.
fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Milliseconds: two decimals under 10 ms, one under 1 s, whole above.
fn ms(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude < 10.0 {
        format!("{value:.2}")
    } else if magnitude < 1_000.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}
