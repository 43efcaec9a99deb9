//! Credential shapes per auth mode (API-NOTES §3.4). Every secret value is a unique canary so
//! tests can prove no secret leaks; non-secret fields (`type`, `expires_at`, `token_type`,
//! `scope`, `expires_in`, `username`, `client_id`) carry plain values.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::rng::Rng;

/// Marker every canary contains.
pub const CANARY_MARKER: &str = "CANARY";

/// Makes unique canaries for one owner (a connection or integration).
pub(crate) struct CanaryMaker<'a> {
    owner: &'a str,
    rng: Rng,
}

impl<'a> CanaryMaker<'a> {
    pub(crate) fn new(seed: u64, owner: &'a str, salt: &str) -> Self {
        Self {
            owner,
            rng: Rng::for_parts(seed, &["canary", owner, salt]),
        }
    }

    /// `CANARY-<field>-<owner>-<4 hex>`.
    pub(crate) fn make(&mut self, field: &str) -> String {
        format!("{CANARY_MARKER}-{field}-{}-{}", self.owner, self.rng.hex(4))
    }
}

/// Facts that shape a connection's credentials.
pub(crate) struct CredentialFacts<'a> {
    pub auth_mode: &'a str,
    pub scopes: &'a [&'a str],
    pub expires_at: DateTime<Utc>,
    /// Adds a secret field no client knows about, to prove allow-list redaction.
    pub with_unknown_secret: bool,
    /// Adds `config_override` with a per-connection client secret.
    pub with_config_override: bool,
    pub username: &'a str,
}

fn iso_ms(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Full connection credentials (including the refresh token, which the API only returns with
/// `refresh_token=true`).
pub(crate) fn connection_credentials(
    facts: &CredentialFacts<'_>,
    canary: &mut CanaryMaker<'_>,
) -> Value {
    let expires_at = iso_ms(facts.expires_at);
    let scope = facts.scopes.join(" ");
    let mut credentials = match facts.auth_mode {
        "OAUTH2" => json!({
            "type": "OAUTH2",
            "access_token": canary.make("access_token"),
            "refresh_token": canary.make("refresh_token"),
            "expires_at": expires_at,
            "raw": {
                "access_token": canary.make("raw.access_token"),
                "refresh_token": canary.make("raw.refresh_token"),
                "token_type": "Bearer",
                "scope": scope,
                "expires_in": 7200,
                "id_token": canary.make("raw.id_token"),
            },
        }),
        "APP" => json!({
            "type": "APP",
            "access_token": canary.make("access_token"),
            "expires_at": expires_at,
            "jwtToken": canary.make("jwtToken"),
            "raw": { "token": canary.make("raw.token"), "expires_at": expires_at },
        }),
        "API_KEY" => json!({ "type": "API_KEY", "apiKey": canary.make("apiKey") }),
        "BASIC" => {
            json!({ "type": "BASIC", "username": facts.username, "password": canary.make("password") })
        }
        "OAUTH1" => json!({
            "type": "OAUTH1",
            "oauth_token": canary.make("oauth_token"),
            "oauth_token_secret": canary.make("oauth_token_secret"),
            "raw": {
                "oauth_token": canary.make("raw.oauth_token"),
                "oauth_token_secret": canary.make("raw.oauth_token_secret"),
            },
        }),
        "OAUTH2_CC" => json!({
            "type": "OAUTH2_CC",
            "token": canary.make("token"),
            "expires_at": expires_at,
            "client_id": "sim-client-id",
            "client_secret": canary.make("client_secret"),
            "raw": {
                "access_token": canary.make("raw.access_token"),
                "token_type": "Bearer",
                "scope": scope,
                "expires_in": 32400,
            },
        }),
        "TBA" => json!({
            "type": "TBA",
            "token_id": canary.make("token_id"),
            "token_secret": canary.make("token_secret"),
            "config_override": { "client_id": "sim-consumer-key", "client_secret": canary.make("config_override.client_secret") },
        }),
        "JWT" => json!({
            "type": "JWT",
            "token": canary.make("token"),
            "expires_at": expires_at,
            "privateKey": canary.make("privateKey"),
        }),
        _ => json!({ "type": facts.auth_mode, "raw": { "secret": canary.make("raw.secret") } }),
    };
    if let Value::Object(map) = &mut credentials {
        if facts.with_config_override && facts.auth_mode == "OAUTH2" {
            map.insert(
                "config_override".to_owned(),
                json!({ "client_id": "override-client-id", "client_secret": canary.make("config_override.client_secret") }),
            );
        }
        if facts.with_unknown_secret {
            map.insert(
                "session_secret_v2".to_owned(),
                Value::String(canary.make("session_secret_v2")),
            );
        }
    }
    credentials
}

/// Integration app credentials for `include=credentials`; `None` for auth modes without app
/// credentials (API_KEY, BASIC, …).
pub(crate) fn integration_credentials(
    auth_mode: &str,
    scopes: &[&str],
    provider: &str,
    with_webhook_secret: bool,
    canary: &mut CanaryMaker<'_>,
    rng: &mut Rng,
) -> Option<Value> {
    match auth_mode {
        "OAUTH2" | "OAUTH1" | "TBA" => Some(json!({
            "type": auth_mode,
            "client_id": format!("{provider}-client-{}", rng.hex(12)),
            "client_secret": canary.make("client_secret"),
            "scopes": scopes.join(","),
            "webhook_secret": if with_webhook_secret { Value::String(canary.make("webhook_secret")) } else { Value::Null },
        })),
        "APP" => Some(json!({
            "type": "APP",
            "app_id": rng.range(100_000, 999_999).to_string(),
            "private_key": canary.make("private_key"),
            "app_link": format!("https://github.com/apps/{provider}-sync"),
        })),
        _ => None,
    }
}

/// Every string containing the canary marker, depth first.
pub(crate) fn collect_canaries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) if text.contains(CANARY_MARKER) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect_canaries(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_canaries(item, out)),
        _ => {}
    }
}
