//! Fault injection settings, changeable at runtime (`Sim::set_faults`, `POST /_sim/faults`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Misbehaviours the simulator can inject. JSON form (admin route): `latency_ms` instead of
/// `latency`, every field optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every response.
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Fraction (0.0–1.0) of requests answered `503` with a JSON error envelope.
    pub error_rate: f64,
    /// The next N requests get `502`/`503` (alternating).
    pub status_burst: u32,
    /// The next N requests get `429` with `Retry-After: 1`.
    pub rate_limit_storm: u32,
    /// Never answer (until the fault is lifted or the sim shuts down).
    pub hang: bool,
    /// Cut JSON bodies in half.
    pub truncated_json: bool,
    /// Answer `200 text/html` with an HTML page, like a misrouted dashboard URL.
    pub html_200: bool,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_uses_milliseconds_and_defaults() {
        let faults: Faults =
            serde_json::from_str(r#"{"latency_ms": 250, "hang": true}"#).expect("valid faults");
        assert_eq!(faults.latency, Duration::from_millis(250));
        assert!(faults.hang);
        assert_eq!(faults.status_burst, 0);
    }
}
