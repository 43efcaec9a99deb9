//! Integrations (provider configs) and their deployed functions.

use serde::Deserialize;

use super::{AppCredentials, Timestamp};

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
    /// Present only for keys with `integrations:read_credentials`; holds app secrets, so only
    /// facts can be read out of it.
    #[serde(default)]
    pub credentials: Option<AppCredentials>,
}

/// `GET /integrations/{key}/functions` page.
#[derive(Clone, Debug, Deserialize)]
pub struct FunctionsPage {
    pub data: Vec<Function>,
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
