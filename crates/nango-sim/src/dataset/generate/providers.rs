//! The provider catalog served by `/providers`: Nango's real one (981 providers, exactly as a
//! real server's `GET /providers` returned it), odd shapes included (`github-app-oauth`'s
//! `token_url` is an object, Salesforce's `instance_url` is `"automated": true`).

use std::sync::OnceLock;

use serde_json::{Value, json};

/// The captured `GET /providers` body (`{"data": [...]}`).
const REAL_CATALOG_JSON: &str = include_str!("../../../data/providers-catalog.json");

/// Where the capture's server served logos from; Nango uses its own public URL there.
const CAPTURED_PUBLIC_URL: &str = "http://127.0.0.1:3903/";

/// The public URL of Nango Cloud, which the simulator's integration logos use too.
const PUBLIC_URL: &str = "https://app.nango.dev/";

fn with_public_logo(mut provider: Value) -> Value {
    if let Some(logo) = provider.get_mut("logo_url")
        && let Some(path) = logo
            .as_str()
            .and_then(|url| url.strip_prefix(CAPTURED_PUBLIC_URL))
    {
        *logo = json!(format!("{PUBLIC_URL}{path}"));
    }
    provider
}

/// The real catalog, parsed once per process.
pub(crate) fn real_catalog() -> &'static [Value] {
    static CATALOG: OnceLock<Vec<Value>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let items = match serde_json::from_str::<Value>(REAL_CATALOG_JSON) {
            Ok(Value::Object(mut body)) => body.remove("data"),
            _ => None,
        };
        match items {
            Some(Value::Array(items)) => items.into_iter().map(with_public_logo).collect(),
            _ => Vec::new(),
        }
    })
}

/// A synthetic regional copy of a real provider, for catalogs larger than the real one.
fn variant(template: &Value, region: usize) -> Value {
    let mut entry = template.clone();
    if let Some(map) = entry.as_object_mut() {
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("provider");
        let display = map
            .get("display_name")
            .and_then(Value::as_str)
            .unwrap_or(name);
        let (name, display) = (
            format!("{name}-region-{region}"),
            format!("{display} (Region {region})"),
        );
        map.insert("display_name".to_owned(), json!(display));
        map.insert("name".to_owned(), json!(name));
    }
    entry
}

/// The catalog to serve. `size` 0 (or anything up to the real size) is the real catalog;
/// larger sizes append synthetic regional variants (`<name>-region-<n>`) of real providers.
pub(crate) fn catalog(size: usize) -> Vec<Value> {
    let real = real_catalog();
    let mut out = real.to_vec();
    let mut extra = 0;
    while out.len() < size && !real.is_empty() {
        let Some(template) = real.get(extra % real.len()) else {
            break;
        };
        out.push(variant(template, extra / real.len() + 1));
        extra += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_real_catalog_and_pads_it() {
        let real = catalog(0);
        assert_eq!(real.len(), 981);
        let github_app_oauth = real
            .iter()
            .find(|p| p["name"] == "github-app-oauth")
            .expect("github-app-oauth is in the real catalog");
        assert!(github_app_oauth["token_url"].is_object());
        assert_eq!(
            github_app_oauth["logo_url"],
            "https://app.nango.dev/images/template-logos/github-app-oauth.svg"
        );
        let padded = catalog(1_000);
        assert_eq!(padded.len(), 1_000);
        assert!(
            padded
                .last()
                .and_then(|p| p["name"].as_str())
                .is_some_and(|name| name.ends_with("-region-1"))
        );
    }
}
