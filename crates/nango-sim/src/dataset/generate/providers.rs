//! The provider catalog served by `/providers` (Nango's real one has ~1,000 entries).

use serde_json::{Map, Value, json};

use crate::dataset::catalog::{ConfigField, INTEGRATION_PROVIDERS, catalog_only};
use crate::dataset::generate::integrations::logo_url;

struct Entry<'a> {
    name: String,
    display_name: String,
    auth_mode: &'a str,
    categories: Vec<&'a str>,
    base_url: &'a str,
    authorization_url: String,
    token_url: String,
    scopes: &'a [&'a str],
    connection_config: &'a [ConfigField],
}

fn is_oauth(auth_mode: &str) -> bool {
    matches!(auth_mode, "OAUTH2" | "OAUTH1")
}

fn credential_fields(auth_mode: &str) -> Option<Value> {
    match auth_mode {
        "API_KEY" => Some(json!({
            "apiKey": { "type": "string", "title": "API Key", "description": "The API key from your account settings", "secret": true }
        })),
        "BASIC" => Some(json!({
            "username": { "type": "string", "title": "Username", "description": "The account user name or e-mail" },
            "password": { "type": "string", "title": "Password", "description": "The account password or API token", "secret": true }
        })),
        _ => None,
    }
}

fn entry_json(entry: &Entry<'_>) -> Value {
    let mut map = Map::new();
    map.insert("display_name".to_owned(), json!(entry.display_name));
    map.insert("categories".to_owned(), json!(entry.categories));
    map.insert("auth_mode".to_owned(), json!(entry.auth_mode));
    if !entry.authorization_url.is_empty() {
        map.insert(
            "authorization_url".to_owned(),
            json!(entry.authorization_url),
        );
    }
    if !entry.token_url.is_empty() {
        map.insert("token_url".to_owned(), json!(entry.token_url));
    }
    if !entry.scopes.is_empty() {
        map.insert("default_scopes".to_owned(), json!(entry.scopes));
    }
    if !entry.base_url.is_empty() {
        map.insert("proxy".to_owned(), json!({ "base_url": entry.base_url }));
    }
    map.insert(
        "docs".to_owned(),
        json!(format!(
            "https://nango.dev/docs/api-integrations/{}",
            entry.name
        )),
    );
    if is_oauth(entry.auth_mode) {
        map.insert(
            "setup_guide_url".to_owned(),
            json!(format!("https://nango.dev/docs/api-integrations/{0}/how-to-register-your-own-{0}-api-oauth-app", entry.name)),
        );
    }
    if !entry.connection_config.is_empty() {
        let mut fields = Map::new();
        for field in entry.connection_config {
            fields.insert(
                field.key.to_owned(),
                json!({ "type": "string", "title": field.title, "description": field.description, "example": field.example }),
            );
        }
        map.insert("connection_config".to_owned(), Value::Object(fields));
    }
    if let Some(credentials) = credential_fields(entry.auth_mode) {
        map.insert("credentials".to_owned(), credentials);
    }
    map.insert("name".to_owned(), json!(entry.name));
    map.insert("logo_url".to_owned(), json!(logo_url(&entry.name)));
    Value::Object(map)
}

/// Builds the catalog. `size` 0 means the built-in list; larger sizes add synthetic regional
/// variants (`<name>-region-<n>`) so scale tests can ask for ~1,000 providers.
pub(crate) fn catalog(size: usize) -> Vec<Value> {
    let mut entries: Vec<Entry<'_>> = INTEGRATION_PROVIDERS
        .iter()
        .map(|spec| Entry {
            name: spec.name.to_owned(),
            display_name: spec.display_name.to_owned(),
            auth_mode: spec.auth_mode,
            categories: spec.categories.to_vec(),
            base_url: spec.base_url,
            authorization_url: spec.authorization_url.to_owned(),
            token_url: spec.token_url.to_owned(),
            scopes: spec.scopes,
            connection_config: spec.connection_config,
        })
        .collect();
    for (name, display_name, auth_mode, category, base_url) in catalog_only() {
        let oauth_base = if base_url.contains("${") || base_url.is_empty() {
            ""
        } else {
            base_url
        };
        let (authorization_url, token_url) = if is_oauth(auth_mode) && !oauth_base.is_empty() {
            (
                format!("{oauth_base}/oauth/authorize"),
                format!("{oauth_base}/oauth/token"),
            )
        } else if auth_mode == "OAUTH2_CC" && !oauth_base.is_empty() {
            (String::new(), format!("{oauth_base}/oauth/token"))
        } else {
            (String::new(), String::new())
        };
        entries.push(Entry {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            auth_mode,
            categories: vec![category],
            base_url,
            authorization_url,
            token_url,
            scopes: &[],
            connection_config: &[],
        });
    }
    let built_in = entries.len();
    let mut extra = 0;
    while entries.len() < size && built_in > 0 {
        let Some(template) = entries.get(extra % built_in) else {
            break;
        };
        let region = extra / built_in + 1;
        let entry = Entry {
            name: format!("{}-region-{region}", template.name),
            display_name: format!("{} (Region {region})", template.display_name),
            auth_mode: template.auth_mode,
            categories: template.categories.clone(),
            base_url: template.base_url,
            authorization_url: template.authorization_url.clone(),
            token_url: template.token_url.clone(),
            scopes: template.scopes,
            connection_config: template.connection_config,
        };
        entries.push(entry);
        extra += 1;
    }
    let mut out: Vec<Value> = entries.iter().map(entry_json).collect();
    out.sort_by(|a, b| {
        a.get("name")
            .and_then(Value::as_str)
            .cmp(&b.get("name").and_then(Value::as_str))
    });
    out
}
