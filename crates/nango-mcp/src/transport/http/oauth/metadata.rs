//! OAuth 2.0 Protected Resource Metadata (RFC 9728): how a client that was refused learns which
//! authorization server to sign in with and which scopes to ask for. Public and static.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::settings::OAuthSettings;

/// The well-known prefix of the metadata document.
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The paths the document is served at: path-aware for the public URL's path (and `/mcp`, where
/// this server answers when no proxy rewrites the path), and the bare well-known path.
pub(crate) fn paths(settings: &OAuthSettings) -> Vec<String> {
    let mut paths = vec![format!("{WELL_KNOWN}{}", public_path(settings))];
    for extra in [format!("{WELL_KNOWN}/mcp"), WELL_KNOWN.to_owned()] {
        if !paths.contains(&extra) {
            paths.push(extra);
        }
    }
    paths
}

/// Where clients find the document (named in every challenge): the public URL's origin, the
/// well-known prefix, then the public URL's path.
pub(crate) fn url(settings: &OAuthSettings) -> String {
    let origin = settings.public.origin().ascii_serialization();
    format!("{origin}{WELL_KNOWN}{}", public_path(settings))
}

fn public_path(settings: &OAuthSettings) -> &str {
    settings.public.path().trim_end_matches('/')
}

/// The document itself. `offline_access` is not offered: refresh is the authorization server's
/// business, not a permission on this resource.
pub(crate) fn document(settings: &OAuthSettings) -> Value {
    json!({
        "resource": settings.public_url,
        "authorization_servers": [settings.issuer],
        "scopes_supported": [settings.read_scope, settings.write_scope],
        "bearer_methods_supported": ["header"],
        "resource_name": "nango-mcp",
        "resource_documentation": "https://github.com/nango-mcp/nango-mcp#team-server-with-sign-in",
    })
}

/// Axum handler serving the prepared document.
pub(crate) async fn serve(State(document): State<Arc<Value>>) -> Response {
    let mut response = Json(document.as_ref().clone()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_the_resource_and_its_issuer() {
        let settings = OAuthSettings::new(
            "https://id.example.com/realms/team",
            "https://nango-mcp.example.com/mcp",
            "nango-mcp:read",
            "nango-mcp:write",
        )
        .unwrap();
        assert_eq!(
            url(&settings),
            "https://nango-mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            paths(&settings),
            [
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/oauth-protected-resource"
            ]
        );
        let document = document(&settings);
        assert_eq!(document["resource"], "https://nango-mcp.example.com/mcp");
        assert_eq!(
            document["authorization_servers"],
            json!(["https://id.example.com/realms/team"])
        );
        assert_eq!(document["bearer_methods_supported"], json!(["header"]));
        assert!(!document.to_string().contains("offline_access"));
    }
}
