//! The provider API call a run makes, as its HTTP log lines show it: the provider's proxy base
//! URL (with `${connectionConfig.…}` filled from the connection) plus a path typical of the sync.

use serde_json::Value;

use crate::dataset::Dataset;
use crate::dataset::model::Connection;

/// Fills `${connectionConfig.key}` placeholders from the connection's config.
fn fill(template: &str, connection: &Connection) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${connectionConfig.") {
        let (before, tail) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let key = tail
            .get("${connectionConfig.".len()..end)
            .unwrap_or_default();
        let value = connection
            .connection_config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(key);
        out.push_str(value);
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn provider_field(dataset: &Dataset, provider: &str, pointer: &str) -> Option<String> {
    dataset
        .provider(provider)
        .and_then(|entry| entry.pointer(pointer))
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn path_for(provider: &str, sync: &str, connection: &Connection) -> String {
    let config = |key: &str| {
        connection
            .connection_config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(key)
            .to_owned()
    };
    match provider {
        "hubspot" => format!("/crm/v3/objects/{sync}?limit=100"),
        "salesforce" => "/services/data/v60.0/query".to_owned(),
        "jira" => format!("/ex/jira/{}/rest/api/3/search", config("cloudId")),
        "github" | "github-app" => format!("/installation/{sync}?per_page=100"),
        "slack" => "/conversations.history".to_owned(),
        "zendesk" | "freshdesk" => format!("/api/v2/{sync}"),
        "stripe" => format!("/v1/{sync}?limit=100"),
        _ => format!("/{sync}"),
    }
}

/// `GET` URL of the provider call a run of `sync` on `connection` makes.
pub(crate) fn sync_request_url(dataset: &Dataset, connection: &Connection, sync: &str) -> String {
    let base = provider_field(dataset, &connection.provider, "/proxy/base_url")
        .map(|base| fill(&base, connection))
        .unwrap_or_else(|| format!("https://api.{}.example", connection.provider));
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        path_for(&connection.provider, sync, connection)
    )
}

/// URL a token refresh posts to.
pub(crate) fn token_url(dataset: &Dataset, connection: &Connection) -> String {
    provider_field(dataset, &connection.provider, "/token_url")
        .map(|url| fill(&url, connection))
        .unwrap_or_else(|| format!("https://{}.example/oauth/token", connection.provider))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_come_from_connection_config() {
        let connection: Connection = serde_json::from_value(json!({
            "connection_id": "c",
            "provider_config_key": "zendesk-prod",
            "connection_config": { "subdomain": "acme" }
        }))
        .unwrap();
        assert_eq!(
            fill(
                "https://${connectionConfig.subdomain}.zendesk.com",
                &connection
            ),
            "https://acme.zendesk.com"
        );
        assert_eq!(
            fill("https://x/${connectionConfig.missing}/y", &connection),
            "https://x/missing/y"
        );
        assert_eq!(fill("plain", &connection), "plain");
    }
}
