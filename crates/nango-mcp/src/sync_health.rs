//! What a sync's status means for someone auditing it: failing, stale, never ran, and so on.
//! Nango reports raw states; these rules turn them into answers.

use chrono::{DateTime, Duration, Utc};
use nango_api::models::{SyncState, SyncStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SyncHealth {
    // The latest run failed (status ERROR, or latest execution STOPPED).
    Failing,
    // Last success is older than twice the sync's frequency.
    Stale,
    // Scheduled but never executed.
    NeverRan,
    Running,
    Paused,
    // Schedule deleted or the sync disabled.
    Stopped,
    Ok,
}

impl SyncHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failing => "failing",
            Self::Stale => "stale",
            Self::NeverRan => "never_ran",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
            Self::Ok => "ok",
        }
    }
}

pub fn sync_health(sync: &SyncStatus, now: DateTime<Utc>) -> SyncHealth {
    if sync.status == SyncState::Running {
        return SyncHealth::Running;
    }
    if sync.status == SyncState::Paused {
        return SyncHealth::Paused;
    }
    if sync.status == SyncState::Stopped {
        // Nango reports a deleted schedule as STOPPED: not failing, just not running any more.
        return SyncHealth::Stopped;
    }
    if sync.is_failing() {
        return SyncHealth::Failing;
    }
    if sync.never_ran() {
        return SyncHealth::NeverRan;
    }
    let period = sync.frequency.as_deref().and_then(parse_frequency);
    match (sync.finished_at, period) {
        (Some(finished), Some(period)) if now - finished.as_datetime() > period * 2 => {
            SyncHealth::Stale
        }
        _ => SyncHealth::Ok,
    }
}

/// Parses Nango's frequency strings: "every hour", "every 2 hours", "every 15 minutes", "every day",
/// "every 30min", "every half hour", "1h", "every week".
pub fn parse_frequency(text: &str) -> Option<Duration> {
    let lowered = text.trim().to_lowercase();
    let rest = lowered.strip_prefix("every").unwrap_or(&lowered).trim();
    if rest == "half hour" || rest == "half an hour" {
        return Some(Duration::minutes(30));
    }
    let split = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, unit) = rest.split_at(split);
    let amount: i64 = if digits.is_empty() {
        1
    } else {
        digits.parse().ok()?
    };
    let unit = unit.trim().trim_end_matches('s');
    let seconds_per = match unit {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hr" | "hour" => 3_600,
        "d" | "day" => 86_400,
        "w" | "week" => 604_800,
        "month" => 2_592_000,
        _ => return None,
    };
    (amount > 0).then(|| Duration::seconds(amount.saturating_mul(seconds_per)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_frequencies() {
        assert_eq!(parse_frequency("every hour"), Some(Duration::hours(1)));
        assert_eq!(parse_frequency("every 2 hours"), Some(Duration::hours(2)));
        assert_eq!(
            parse_frequency("every 15 minutes"),
            Some(Duration::minutes(15))
        );
        assert_eq!(parse_frequency("every 30min"), Some(Duration::minutes(30)));
        assert_eq!(parse_frequency("every day"), Some(Duration::days(1)));
        assert_eq!(
            parse_frequency("every half hour"),
            Some(Duration::minutes(30))
        );
        assert_eq!(parse_frequency("whenever"), None);
    }

    fn status(value: serde_json::Value) -> SyncStatus {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn classifies_like_the_samples() {
        let now = Utc::now();
        let never = status(
            json!({"id":"1","connection_id":"c","name":"issues","status":"SUCCESS","frequency":"every hour","recordCount":{}}),
        );
        assert_eq!(sync_health(&never, now), SyncHealth::NeverRan);
        let failed = status(
            json!({"id":"1","connection_id":"c","name":"issues","status":"ERROR","latestExecutionStatus":"STOPPED","finishedAt":"2026-11-27T23:35:22.837Z"}),
        );
        assert_eq!(sync_health(&failed, now), SyncHealth::Failing);
        let finished = (now - Duration::hours(3)).to_rfc3339();
        let stale = status(
            json!({"id":"1","connection_id":"c","name":"issues","status":"SUCCESS","latestExecutionStatus":"SUCCESS","finishedAt":finished,"frequency":"every hour"}),
        );
        assert_eq!(sync_health(&stale, now), SyncHealth::Stale);
        let fresh = (now - Duration::minutes(30)).to_rfc3339();
        let ok = status(
            json!({"id":"1","connection_id":"c","name":"issues","status":"SUCCESS","latestExecutionStatus":"SUCCESS","finishedAt":fresh,"frequency":"every hour"}),
        );
        assert_eq!(sync_health(&ok, now), SyncHealth::Ok);
    }
}
