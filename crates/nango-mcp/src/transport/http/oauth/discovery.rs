//! Finding the authorization server's key set: RFC 8414 metadata (the issuer's path inserted
//! after `/.well-known/oauth-authorization-server`), then OpenID Connect discovery. The document
//! must name exactly the configured issuer, or its keys would vouch for someone else's tokens.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::settings::is_loopback_host;

/// One metadata or key-set request may take this long.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Metadata and key sets are small; anything bigger is not one.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
struct Metadata {
    issuer: Option<String>,
    jwks_uri: Option<String>,
}

/// The HTTP client for the authorization server: no redirects (a metadata URL is exact), short
/// timeouts, rustls like every other request nango-mcp sends.
pub(crate) fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .user_agent(concat!("nango-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Where the metadata may be, in the order the MCP authorization spec tries them.
pub(crate) fn metadata_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let mut urls = Vec::with_capacity(3);
    for (well_known, inserted) in [
        ("/.well-known/oauth-authorization-server", true),
        ("/.well-known/openid-configuration", true),
        ("/.well-known/openid-configuration", false),
    ] {
        let full = if inserted {
            format!("{well_known}{path}")
        } else {
            format!("{path}{well_known}")
        };
        let mut url = issuer.clone();
        url.set_path(&full);
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// The `jwks_uri` of `issuer`, from the first metadata document found.
pub(crate) async fn jwks_uri(
    http: &reqwest::Client,
    issuer: &str,
    issuer_url: &Url,
) -> Result<Url, String> {
    let mut tried = Vec::new();
    for url in metadata_urls(issuer_url) {
        match fetch_json::<Metadata>(http, &url).await {
            Ok(metadata) => return check(metadata, issuer, &url),
            Err(why) => tried.push(format!("{url}: {why}")),
        }
    }
    Err(format!(
        "no authorization server metadata found ({})",
        tried.join("; ")
    ))
}

fn check(metadata: Metadata, issuer: &str, from: &Url) -> Result<Url, String> {
    if metadata.issuer.as_deref() != Some(issuer) {
        return Err(format!(
            "{from} names issuer {:?}, not the configured {issuer:?}; refusing its keys",
            metadata.issuer.unwrap_or_default()
        ));
    }
    let jwks = metadata
        .jwks_uri
        .ok_or_else(|| format!("{from} has no jwks_uri (JWT access tokens need one)"))?;
    let jwks = Url::parse(&jwks).map_err(|error| format!("jwks_uri is not a URL: {error}"))?;
    if jwks.scheme() == "https" || (jwks.scheme() == "http" && is_loopback_host(&jwks)) {
        Ok(jwks)
    } else {
        Err("jwks_uri must be https (http only on loopback)".to_owned())
    }
}

/// GETs `url` and parses its JSON body, refusing error statuses and oversized bodies.
pub(crate) async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<T, String> {
    let mut response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| format!("unreachable ({error})"))?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| format!("body unreadable ({error})"))?
    {
        if body.len().saturating_add(chunk.len()) > MAX_DOCUMENT_BYTES {
            return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|error| format!("not the expected JSON ({error})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(issuer: &str) -> Vec<String> {
        metadata_urls(&Url::parse(issuer).unwrap())
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn the_issuer_path_is_inserted_then_appended() {
        assert_eq!(
            urls("https://id.example.com/realms/team"),
            [
                "https://id.example.com/.well-known/oauth-authorization-server/realms/team",
                "https://id.example.com/.well-known/openid-configuration/realms/team",
                "https://id.example.com/realms/team/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            urls("https://tenant.auth0.com/"),
            [
                "https://tenant.auth0.com/.well-known/oauth-authorization-server",
                "https://tenant.auth0.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn a_document_for_another_issuer_is_refused() {
        let from = Url::parse("https://id.example.com/.well-known/x").unwrap();
        let other = Metadata {
            issuer: Some("https://evil.example.com".into()),
            jwks_uri: Some("https://evil.example.com/jwks".into()),
        };
        assert!(check(other, "https://id.example.com", &from).is_err());
        let plain = Metadata {
            issuer: Some("https://id.example.com".into()),
            jwks_uri: Some("http://id.example.com/jwks".into()),
        };
        assert!(check(plain, "https://id.example.com", &from).is_err());
        let good = Metadata {
            issuer: Some("https://id.example.com".into()),
            jwks_uri: Some("https://id.example.com/jwks".into()),
        };
        assert!(check(good, "https://id.example.com", &from).is_ok());
    }
}
