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
    pub authorization_url: Option<UrlTemplate>,
    #[serde(default)]
    pub token_url: Option<UrlTemplate>,
    #[serde(default)]
    pub default_scopes: Vec<String>,
    /// Settings of each connection (e.g. `subdomain`), keyed by name; some are filled by Nango.
    #[serde(default)]
    pub connection_config: BTreeMap<String, ProviderField>,
    /// Credential fields an API-key/basic connection must supply, keyed by name.
    #[serde(default)]
    pub credentials: BTreeMap<String, ProviderField>,
    #[serde(default)]
    pub proxy: Option<ProviderProxy>,
}

/// A URL in a template: one string, or one per auth flow (`github-app-oauth`'s `token_url` is
/// `{"OAUTH2": …, "APP": …}`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum UrlTemplate {
    Single(String),
    PerAuthMode(BTreeMap<String, String>),
}

impl UrlTemplate {
    /// Every URL it holds, labelled by auth flow where there are several.
    pub fn urls(&self) -> Vec<(Option<&str>, &str)> {
        match self {
            Self::Single(url) => vec![(None, url.as_str())],
            Self::PerAuthMode(urls) => urls
                .iter()
                .map(|(mode, url)| (Some(mode.as_str()), url.as_str()))
                .collect(),
        }
    }
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
    /// Nango fills it itself (e.g. Salesforce `instance_url` from the token response).
    #[serde(default)]
    pub automated: Option<bool>,
    /// Not shown in Nango's Connect UI.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// What Nango uses when nobody supplies the field (often `""` for a hidden BASIC password).
    #[serde(default)]
    pub default_value: Option<Value>,
    /// The catalog marks the value secret (a token, a password).
    #[serde(default)]
    pub secret: Option<bool>,
    #[serde(default)]
    pub doc_section: Option<String>,
}

impl ProviderField {
    /// Nango fills it: the end user never supplies it.
    pub fn is_automated(&self) -> bool {
        self.automated.unwrap_or(false)
    }

    /// Nango's Connect UI never asks for it: its default (if any) is used.
    pub fn is_hidden(&self) -> bool {
        self.hidden.unwrap_or(false)
    }

    /// The catalog's default as text, when it has a non-empty one. An empty default on a
    /// visible field (Gong's password) is only a blank box: the person still fills it.
    pub fn default_text(&self) -> Option<String> {
        match self.default_value.as_ref()? {
            Value::String(text) if text.is_empty() => None,
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// A person making a connection must supply it: not optional, not filled by Nango, not
    /// hidden from the Connect UI, and without a default to fall back on.
    pub fn is_required(&self) -> bool {
        !self.optional.unwrap_or(false)
            && !self.is_automated()
            && !self.is_hidden()
            && self.default_text().is_none()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProviderProxy {
    #[serde(default)]
    pub base_url: Option<String>,
}
