//! Connection health with a time: since when a connection has been broken (its first failed
//! refresh) and when it recovered, from the auth webhooks this server kept (`nango-history`).
//! Nango's API says only whether a connection is broken now.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use nango_history::{ConnectionHealth, HealthChanges};
use schemars::JsonSchema;
use serde::Serialize;

use super::ToolContext;
use crate::errors::ToolError;

/// Every recorded break and recovery of one environment, read once per call.
#[derive(Default)]
pub(crate) struct HealthBook {
    entries: HashMap<(String, String), ConnectionHealth>,
    /// Why the history could not be read (said once in the answer's notes).
    pub note: Option<String>,
}

/// The times one connection's answer carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HealthTimes {
    pub broken_since: Option<String>,
    pub recovered_at: Option<String>,
}

impl HealthBook {
    pub(crate) async fn load(ctx: &ToolContext) -> Self {
        match ctx.history.get().await {
            Ok(None) => Self::default(),
            Ok(Some(history)) => match history.all_health(&ctx.environment).await {
                Ok(rows) => Self {
                    entries: rows
                        .into_iter()
                        .map(|row| ((row.integration.clone(), row.connection_id.clone()), row))
                        .collect(),
                    note: None,
                },
                Err(error) => Self::unavailable(&error.to_string()),
            },
            Err(error) => Self::unavailable(&error.to_string()),
        }
    }

    fn unavailable(error: &str) -> Self {
        Self {
            entries: HashMap::new(),
            note: Some(format!(
                "Webhook history could not be read ({error}); times of breaks are missing."
            )),
        }
    }

    /// `broken_now` is Nango's own verdict: a recorded break is shown only while Nango still
    /// reports the auth error, so a missed recovery webhook never makes a healthy one look broken.
    pub(crate) fn times(
        &self,
        integration: &str,
        connection_id: &str,
        broken_now: bool,
    ) -> HealthTimes {
        let Some(entry) = self
            .entries
            .get(&(integration.to_owned(), connection_id.to_owned()))
        else {
            return HealthTimes::default();
        };
        HealthTimes {
            broken_since: entry
                .broken_since
                .filter(|_| broken_now)
                .map(|at| at.to_rfc3339()),
            recovered_at: entry.recovered_at.map(|at| at.to_rfc3339()),
        }
    }
}

/// What changed since a time, for `audit_connections`' `changed_since`.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Changes {
    pub since: String,
    /// Connections that broke at or after `since` and are still broken.
    pub broke: Vec<ChangedConnection>,
    /// Connections that recovered at or after `since`.
    pub recovered: Vec<ChangedConnection>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangedConnection {
    pub integration: String,
    pub connection_id: String,
    pub at: String,
}

/// `2026-12-07T09:00:00Z`, or a look-back such as `24h`, `7d`, `90m`.
pub(crate) fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ToolError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let invalid = || {
        ToolError::invalid(
            "changed_since",
            "use an RFC 3339 time (2026-12-07T09:00:00Z) or a look-back like 24h, 7d, 90m",
        )
    };
    let split = text.len().checked_sub(1).ok_or_else(invalid)?;
    let (number, unit) = (text.get(..split).ok_or_else(invalid)?, text.get(split..));
    let number: i64 = number.parse().map_err(|_| invalid())?;
    let span = match unit {
        Some("m") => Duration::try_minutes(number),
        Some("h") => Duration::try_hours(number),
        Some("d") => Duration::try_days(number),
        _ => None,
    }
    .filter(|span| *span >= Duration::zero())
    .ok_or_else(invalid)?;
    Ok(now - span)
}

pub(crate) async fn changes_since(
    ctx: &ToolContext,
    since: DateTime<Utc>,
) -> Result<Option<Changes>, String> {
    let history = match ctx.history.get().await {
        Ok(Some(history)) => history,
        Ok(None) => return Ok(None),
        Err(error) => return Err(error.to_string()),
    };
    let HealthChanges { broke, recovered } = history
        .changes_since(&ctx.environment, since)
        .await
        .map_err(|error| error.to_string())?;
    let item = |health: ConnectionHealth, at: Option<DateTime<Utc>>| ChangedConnection {
        integration: health.integration,
        connection_id: health.connection_id,
        at: at.map(|at| at.to_rfc3339()).unwrap_or_default(),
    };
    Ok(Some(Changes {
        since: since.to_rfc3339(),
        broke: broke
            .into_iter()
            .map(|health| {
                let at = health.broken_since;
                item(health, at)
            })
            .collect(),
        recovered: recovered
            .into_iter()
            .map(|health| {
                let at = health.recovered_at;
                item(health, at)
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_a_look_back() {
        let now = DateTime::parse_from_rfc3339("2026-12-08T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("24h", now).unwrap().to_rfc3339(),
            "2026-12-07T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("7d", now).unwrap().to_rfc3339(),
            "2026-12-01T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-08T09:30:00Z", now)
                .unwrap()
                .to_rfc3339(),
            "2026-12-08T09:30:00+00:00"
        );
        for bad in ["", "h", "yesterday", "-3h", "3w", "99999999999999d"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }
}
