//! Environment-level reads: variable names and the deployed scripts ("mapping logic").

use serde::Deserialize;

use super::Timestamp;

/// `GET /environment-variables` item. The value is a secret and is never stored.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct EnvironmentVariable {
    pub name: String,
}

/// `GET /scripts/config` item (a bare array on the wire): one integration's deployed scripts.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationScripts {
    pub provider_config_key: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub syncs: Vec<Script>,
    #[serde(default)]
    pub actions: Vec<Script>,
    #[serde(default, rename = "on-events")]
    pub on_events: Vec<Script>,
}

/// A deployed sync or action.
#[derive(Clone, Debug, Deserialize)]
pub struct Script {
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub last_deployed: Option<Timestamp>,
    /// Sync frequency, e.g. `every hour`.
    #[serde(default)]
    pub runs: Option<String>,
    #[serde(default)]
    pub auto_start: Option<bool>,
    #[serde(default)]
    pub track_deletes: Option<bool>,
    #[serde(default)]
    pub sync_type: Option<String>,
    #[serde(default)]
    pub returns: Vec<String>,
    #[serde(default)]
    pub input: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub sdk_version: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<ScriptEndpoint>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ScriptEndpoint {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
}
