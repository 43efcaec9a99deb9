//! Connection health, derived from Nango's `errors` array and never guessed: `auth_error` from
//! `type == "auth"`, `sync_error` from `type == "sync"`, `ok` when there are none. A connection with
//! both kinds counts under both.

use nango_api::models::{Connection, ConnectionErrorKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Ok,
    AuthError,
    SyncError,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::AuthError => "auth_error",
            Self::SyncError => "sync_error",
        }
    }
}

/// Every health label that applies, worst first.
pub fn health_of(connection: &Connection) -> Vec<Health> {
    if connection.errors.is_empty() {
        return vec![Health::Ok];
    }
    let mut labels = Vec::with_capacity(2);
    if connection.has_error(ConnectionErrorKind::Auth) {
        labels.push(Health::AuthError);
    }
    if connection.has_error(ConnectionErrorKind::Sync) {
        labels.push(Health::SyncError);
    }
    if labels.is_empty() {
        // An error kind Nango adds later is still a problem, not "ok"; sync is the closer meaning.
        labels.push(Health::SyncError);
    }
    labels
}

/// Counts by health over a set of connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HealthCounts {
    pub ok: usize,
    pub auth_error: usize,
    pub sync_error: usize,
}

impl HealthCounts {
    pub fn add(&mut self, labels: &[Health]) {
        for label in labels {
            match label {
                Health::Ok => self.ok += 1,
                Health::AuthError => self.auth_error += 1,
                Health::SyncError => self.sync_error += 1,
            }
        }
    }

    pub fn broken_line(&self) -> String {
        format!(
            "{} ok, {} auth_error, {} sync_error",
            self.ok, self.auth_error, self.sync_error
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn connection(errors: serde_json::Value) -> Connection {
        serde_json::from_value(json!({
            "connection_id": "c", "provider_config_key": "k", "provider": "p", "errors": errors
        }))
        .unwrap()
    }

    #[test]
    fn derives_labels_from_errors() {
        assert_eq!(health_of(&connection(json!([]))), [Health::Ok]);
        assert_eq!(
            health_of(&connection(json!([{"type": "auth"}]))),
            [Health::AuthError]
        );
        assert_eq!(
            health_of(&connection(json!([{"type": "sync"}, {"type": "auth"}]))),
            [Health::AuthError, Health::SyncError]
        );
        let mut counts = HealthCounts::default();
        counts.add(&[Health::AuthError, Health::SyncError]);
        assert_eq!((counts.ok, counts.auth_error, counts.sync_error), (0, 1, 1));
    }
}
