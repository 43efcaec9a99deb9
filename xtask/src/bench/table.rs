//! The human-readable summary printed at the end of a run (the JSON file has every figure).

use std::io::Write;

use anyhow::Result;

use super::Report;

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
                "{} tokens ({} tools, {} bytes)",
                r.sizes.tools_list_tokens, r.sizes.tools, r.sizes.tools_list_bytes
            ),
        ),
        String::new(),
        format!(
            "answer sizes, o200k tokens ({} connections, {} integrations)",
            r.plan.connections, r.plan.integrations
        ),
        format!(
            "  {:<50} {:>6} {:>11}",
            "tool: question", "text", "structured"
        ),
    ];
    for answer in &r.sizes.answers {
        let flag = if answer.is_error { " (error)" } else { "" };
        lines.push(format!(
            "  {:<50} {:>6} {:>11}{flag}",
            format!("{}: {}", answer.tool, answer.question),
            answer.text_tokens,
            answer.structured_tokens
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
