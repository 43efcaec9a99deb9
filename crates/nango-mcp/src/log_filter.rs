//! The stderr log filter. rmcp's transport worker logs an ERROR of its own whenever a
//! Management MCP connection fails (`worker quit with fatal: Transport [rmcp::…]`); that
//! failure is handled and reported once, in words, by whoever made the call, so rmcp's line is
//! silenced unless the operator's filter asks about rmcp explicitly.

use tracing_subscriber::EnvFilter;

/// Directives appended to every filter that does not mention rmcp.
const QUIET_RMCP: &str = "rmcp::transport::worker=off";

/// Spans made for trace export only (see `telemetry::traces`): never in the stderr log.
const NO_EXPORT_SPANS: &str = "nango_otel=off";

/// The filter for `spec` (e.g. `info`, `nango_api=debug`); an invalid spec falls back to `info`.
pub fn filter(spec: &str) -> EnvFilter {
    let mut base = EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("info"));
    if let Ok(directive) = NO_EXPORT_SPANS.parse() {
        base = base.add_directive(directive);
    }
    // `rmcp::service=info` is ours (it keeps message dumps out when writes are on), not the
    // operator asking about rmcp.
    if spec
        .split(',')
        .any(|directive| directive.starts_with("rmcp") && !directive.starts_with("rmcp::service="))
    {
        return base;
    }
    match QUIET_RMCP.parse() {
        Ok(directive) => base.add_directive(directive),
        Err(_) => base,
    }
}
