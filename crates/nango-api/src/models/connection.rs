//! Connections: one end user's authorised account under one integration.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{ConnectionCredentials, Timestamp};

/// `GET /connections` item. Never carries credentials.
#[derive(Clone, Debug, Deserialize)]
pub struct Connection {
    #[serde(default)]
    pub id: Option<i64>,
    pub connection_id: String,
    pub provider_config_key: String,
    pub provider: String,
    #[serde(default)]
    pub errors: Vec<ConnectionError>,
    #[serde(default)]
    pub end_user: Option<EndUser>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Third-party data set by the customer's code; untrusted.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Only the list endpoint has `created`; the detail endpoint has `created_at`.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

impl Connection {
    pub fn has_error(&self, kind: ConnectionErrorKind) -> bool {
        self.errors.iter().any(|error| error.kind == kind)
    }

    pub fn is_healthy(&self) -> bool {
        self.errors.is_empty()
    }
}

/// An active problem Nango recorded on a connection.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ConnectionError {
    #[serde(rename = "type")]
    pub kind: ConnectionErrorKind,
    #[serde(default)]
    pub log_id: Option<String>,
}

/// `auth`: credentials invalid or refresh failed; `sync`: one of its syncs' last run failed.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionErrorKind {
    Auth,
    Sync,
    #[serde(untagged)]
    Other(String),
}

impl ConnectionErrorKind {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Auth => "auth",
            Self::Sync => "sync",
            Self::Other(other) => other,
        }
    }
}

/// Deprecated `end_user` object; newer connections carry the same facts in `tags`.
#[derive(Clone, Debug, Deserialize)]
pub struct EndUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub organization: Option<EndUserOrganization>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EndUserOrganization {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `GET /connections/{id}?provider_config_key=…` (top-level object, no `data` wrapper).
#[derive(Clone, Debug, Deserialize)]
pub struct ConnectionDetail {
    #[serde(flatten)]
    pub connection: Connection,
    /// Provider-specific settings such as `subdomain` or `instance_url`.
    #[serde(default)]
    pub connection_config: Option<Value>,
    #[serde(default)]
    pub webhook_url_override: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub last_fetched_at: Option<Timestamp>,
    /// Facts only; the secret values are dropped while parsing.
    #[serde(default)]
    pub credentials: Option<ConnectionCredentials>,
}
