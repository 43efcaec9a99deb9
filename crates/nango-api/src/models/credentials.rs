//! Credentials are secrets. These types keep only facts about them: the raw JSON is read once,
//! facts are extracted by allow-list, and the secret values are dropped on the spot. A field Nango
//! adds tomorrow is therefore never carried, let alone printed or serialised.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::Timestamp;

/// Facts about a connection's credentials (`GET /connections/{id}` → `credentials`).
///
/// Deliberately neither `Serialize` nor a derived `Debug`: nothing here can be printed in full.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectionCredentials {
    /// `OAUTH2`, `API_KEY`, `BASIC`, … (`None` when Nango returned `{}`: the key lacks
    /// `connections:read_credentials`).
    pub kind: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// Whether a refresh token is on record (top level or in the provider's token response).
    pub has_refresh_token: bool,
    /// Scopes the provider granted, from the token response's `scope`/`scopes` (not a secret).
    pub granted_scopes: Vec<String>,
    /// Names (never values) of the fields present, e.g. `access_token`, `raw`.
    pub field_names: Vec<String>,
}

impl std::fmt::Debug for ConnectionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionCredentials")
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .field("has_refresh_token", &self.has_refresh_token)
            .field("granted_scopes", &self.granted_scopes)
            .field("field_names", &self.field_names)
            .finish_non_exhaustive()
    }
}

impl ConnectionCredentials {
    pub fn from_json(value: &Value) -> Self {
        let Some(map) = value.as_object() else {
            return Self::default();
        };
        let raw = map.get("raw").and_then(Value::as_object);
        Self {
            kind: string_field(map, "type"),
            expires_at: expiry(map).or_else(|| raw.and_then(expiry)),
            has_refresh_token: has_text(map, "refresh_token")
                || raw.is_some_and(|raw| has_text(raw, "refresh_token")),
            granted_scopes: raw.map(granted_scopes).unwrap_or_default(),
            field_names: map.keys().cloned().collect(),
        }
    }
}

impl<'de> Deserialize<'de> for ConnectionCredentials {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(Self::from_json(&value))
    }
}

/// Facts about an integration's app credentials (`GET /integrations/{key}?include=credentials`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AppCredentials {
    pub kind: Option<String>,
    /// OAuth scopes the integration requests (configuration, not a secret).
    pub scopes: Vec<String>,
    pub has_client_id: bool,
    pub has_client_secret: bool,
    pub has_webhook_secret: bool,
    pub has_private_key: bool,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("kind", &self.kind)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl<'de> Deserialize<'de> for AppCredentials {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let Some(map) = value.as_object() else {
            return Ok(Self::default());
        };
        Ok(Self {
            kind: string_field(map, "type"),
            scopes: map.get("scopes").map(scope_list).unwrap_or_default(),
            has_client_id: has_text(map, "client_id") || has_text(map, "app_id"),
            has_client_secret: has_text(map, "client_secret"),
            has_webhook_secret: has_text(map, "webhook_secret"),
            has_private_key: has_text(map, "private_key"),
        })
    }
}

fn string_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn has_text(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key)
        .and_then(Value::as_str)
        .is_some_and(|text| !text.is_empty())
}

fn expiry(map: &Map<String, Value>) -> Option<Timestamp> {
    map.get("expires_at")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse)
}

fn granted_scopes(raw: &Map<String, Value>) -> Vec<String> {
    ["scope", "scopes"]
        .iter()
        .find_map(|key| raw.get(*key))
        .map(scope_list)
        .unwrap_or_default()
}

/// Scopes arrive as `"a b"`, `"a,b"` or `["a","b"]`.
fn scope_list(value: &Value) -> Vec<String> {
    const MAX_SCOPES: usize = 100;
    match value {
        Value::String(text) => text
            .split([' ', ','])
            .filter(|scope| !scope.is_empty())
            .take(MAX_SCOPES)
            .map(str::to_owned)
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .take(MAX_SCOPES)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_facts_and_drops_every_secret() {
        let creds: ConnectionCredentials = serde_json::from_value(json!({
            "type": "OAUTH2", "access_token": "SECRET-A", "refresh_token": "SECRET-R",
            "expires_at": "2099-01-01T00:00:00.000Z",
            "raw": {"access_token": "SECRET-A", "scope": "repo user", "new_field": "SECRET-N"}
        }))
        .unwrap();
        assert_eq!(creds.kind.as_deref(), Some("OAUTH2"));
        assert!(creds.has_refresh_token);
        assert_eq!(creds.granted_scopes, ["repo", "user"]);
        assert_eq!(
            creds.expires_at.unwrap().to_rfc3339(),
            "2099-01-01T00:00:00.000Z"
        );
        let printed = format!("{creds:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
    }

    #[test]
    fn empty_object_means_no_read_credentials_scope() {
        let creds: ConnectionCredentials = serde_json::from_value(json!({})).unwrap();
        assert_eq!(creds, ConnectionCredentials::default());
    }

    #[test]
    fn app_credentials_expose_presence_only() {
        let creds: AppCredentials = serde_json::from_value(json!({
            "type": "OAUTH2", "client_id": "cid", "client_secret": "SECRET-C",
            "scopes": "repo,user", "webhook_secret": null
        }))
        .unwrap();
        assert!(creds.has_client_secret && creds.has_client_id && !creds.has_webhook_secret);
        assert_eq!(creds.scopes, ["repo", "user"]);
        assert!(!format!("{creds:?}").contains("SECRET"));
    }
}
