//! Provider templates from Nango's catalog (`GET /providers`, `GET /providers/{name}`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Deserialize)]
pub struct Provider {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub auth_mode: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub docs: Option<String>,
    #[serde(default)]
    pub setup_guide_url: Option<String>,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub authorization_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub default_scopes: Vec<String>,
    /// Settings each connection must supply (e.g. `subdomain`), keyed by name.
    #[serde(default)]
    pub connection_config: BTreeMap<String, ProviderField>,
    /// Credential fields an API-key/basic connection must supply, keyed by name.
    #[serde(default)]
    pub credentials: BTreeMap<String, ProviderField>,
    #[serde(default)]
    pub proxy: Option<ProviderProxy>,
}

/// Describes a field; never a value.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProviderField {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub example: Option<Value>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub optional: Option<bool>,
    #[serde(default)]
    pub doc_section: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProviderProxy {
    #[serde(default)]
    pub base_url: Option<String>,
}
