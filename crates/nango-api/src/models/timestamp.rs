//! Nango writes timestamps in several RFC 3339 flavours (`Z`, `+00:00`, microseconds); accept them all.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time from Nango, normalised to UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Parses the formats the real server emits, plus Postgres' space-separated form.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
            return Some(Self(parsed.with_timezone(&Utc)));
        }
        let with_t = text.replacen(' ', "T", 1);
        if let Ok(parsed) = DateTime::parse_from_rfc3339(&with_t) {
            return Some(Self(parsed.with_timezone(&Utc)));
        }
        // "+00" without minutes (Postgres), or no offset at all: treat as UTC.
        let trimmed = with_t.trim_end_matches("+00").trim_end_matches('Z');
        NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|naive| Self(naive.and_utc()))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// RFC 3339 with millisecond precision and a `Z`, the form every tool output uses.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unrecognised timestamp {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_flavour_nango_emits() {
        let z = Timestamp::parse("2026-11-27T23:37:53.861Z").unwrap();
        let offset = Timestamp::parse("2026-11-27T23:37:53.861+00:00").unwrap();
        assert_eq!(z, offset);
        let micros = Timestamp::parse("2026-11-27T23:39:13.147797+00:00").unwrap();
        assert_eq!(micros.to_rfc3339(), "2026-11-27T23:39:13.147Z");
        let postgres = Timestamp::parse("2026-11-27 23:37:53.861+00").unwrap();
        assert_eq!(postgres, z);
        assert!(Timestamp::parse("yesterday").is_none());
    }
}
