//! Integrations (provider configs) and their deployed functions.

use serde::Deserialize;

use super::{AppCredentials, Lenient, Timestamp};

/// `GET /integrations` item.
#[derive(Clone, Debug, Deserialize)]
pub struct Integration {
    pub unique_key: String,
    pub provider: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub logo: Option<String>,
    #[serde(default)]
    pub forward_webhooks: Option<bool>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
}

/// `GET /integrations/{key}?include=webhook` body's `data`.
#[derive(Clone, Debug, Deserialize)]
pub struct IntegrationDetail {
    #[serde(flatten)]
    pub integration: Integration,
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// App credentials as facts. Nango tells three cases apart: the field is absent for keys
    /// without `integrations:read_credentials`, `null` for a key that may read them on an
    /// integration that has none (API key, basic auth), an object otherwise.
    #[serde(default)]
    pub credentials: AppCredentialsField,
}

/// What `credentials` of an integration said (see [`IntegrationDetail::credentials`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AppCredentialsField {
    /// Absent: the key may not read app credentials (or they were not asked for).
    #[default]
    NotReturned,
    /// `null`: the key may read them; this integration has none.
    NoneConfigured,
    /// Facts about the app credentials (never their values).
    Configured(AppCredentials),
}

impl AppCredentialsField {
    /// Nango returned the field, so the key holds `integrations:read_credentials`.
    pub fn key_can_read(&self) -> bool {
        !matches!(self, Self::NotReturned)
    }

    pub fn facts(&self) -> Option<&AppCredentials> {
        match self {
            Self::Configured(facts) => Some(facts),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for AppCredentialsField {
    // Only called when the field is present: `#[serde(default)]` covers absence.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<AppCredentials>::deserialize(deserializer)? {
            None => Self::NoneConfigured,
            Some(facts) => Self::Configured(facts),
        })
    }
}

/// `GET /integrations/{key}/functions` page.
#[derive(Clone, Debug, Deserialize)]
pub struct FunctionsPage {
    pub data: Lenient<Function>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Pagination {
    pub total: u64,
    pub page: u64,
    pub limit: u64,
}

/// A deployed sync, action or on-event script of one integration.
#[derive(Clone, Debug, Deserialize)]
pub struct Function {
    pub name: String,
    /// `sync`, `action` or `on-event`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub returns: Vec<String>,
    #[serde(default)]
    pub input: Option<String>,
    #[serde(default)]
    pub runs: Option<String>,
    #[serde(default)]
    pub auto_start: Option<bool>,
    #[serde(default)]
    pub track_deletes: Option<bool>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub last_deployed: Option<Timestamp>,
    #[serde(default)]
    pub source: Option<String>,
}

/// Which functions to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    Sync,
    Action,
    OnEvent,
}

impl FunctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Action => "action",
            Self::OnEvent => "on-event",
        }
    }
}
