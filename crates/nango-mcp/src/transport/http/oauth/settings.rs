//! What sign-in is configured with: the authorization server to trust, the URL clients reach this
//! server at (the tokens' audience), and the scope names. Checked before a socket is opened.

use url::Url;

use crate::transport::http::error::HttpError;

/// The issuer of the tokens to accept (`--oauth-issuer`).
pub const ISSUER_ENV: &str = "NANGO_MCP_OAUTH_ISSUER";
/// The MCP endpoint as clients reach it (`--public-url`): the resource and the tokens' audience.
pub const PUBLIC_URL_ENV: &str = "NANGO_MCP_PUBLIC_URL";
/// The scope every call needs.
pub const READ_SCOPE_ENV: &str = "NANGO_MCP_OAUTH_READ_SCOPE";
/// The scope a write tool's call needs on top of the read scope.
pub const WRITE_SCOPE_ENV: &str = "NANGO_MCP_OAUTH_WRITE_SCOPE";
/// Default name of the read scope.
pub const DEFAULT_READ_SCOPE: &str = "nango-mcp:read";
/// Default name of the write scope.
pub const DEFAULT_WRITE_SCOPE: &str = "nango-mcp:write";

/// Sign-in settings: nango-mcp is a resource server that trusts one authorization server.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The `iss` of accepted tokens as configured (Auth0's ends in `/`, Keycloak's does not);
    /// its metadata document must name exactly this issuer.
    pub issuer: String,
    /// The issuer parsed, for building discovery URLs.
    pub issuer_url: Url,
    /// The MCP endpoint as clients reach it, e.g. `https://nango-mcp.example.com/mcp`, as
    /// configured: the resource identifier and the audience tokens must carry.
    pub public_url: String,
    /// The public URL parsed, for the metadata document's address.
    pub public: Url,
    /// Needed by every call.
    pub read_scope: String,
    /// Needed, with the read scope, by a `tools/call` of a write tool.
    pub write_scope: String,
}

impl OAuthSettings {
    /// Parses and checks the settings: both URLs absolute, https unless on loopback (where tests
    /// and local set-ups run), no fragment, and scope names a token can carry.
    pub fn new(
        issuer: &str,
        public_url: &str,
        read_scope: &str,
        write_scope: &str,
    ) -> Result<Self, HttpError> {
        let issuer_url = parse_secure_url("the OAuth issuer (NANGO_MCP_OAUTH_ISSUER)", issuer)?;
        let public = parse_secure_url("the public URL (NANGO_MCP_PUBLIC_URL)", public_url)?;
        let read_scope = scope_name(READ_SCOPE_ENV, read_scope)?;
        let write_scope = scope_name(WRITE_SCOPE_ENV, write_scope)?;
        if read_scope == write_scope {
            return Err(HttpError::InvalidSettings(
                "the read and write scopes must differ, or every reader could write".into(),
            ));
        }
        Ok(Self {
            issuer: issuer.trim().to_owned(),
            issuer_url,
            public_url: public_url.trim().to_owned(),
            public,
            read_scope,
            write_scope,
        })
    }
}

fn parse_secure_url(what: &str, text: &str) -> Result<Url, HttpError> {
    let url = Url::parse(text.trim())
        .map_err(|error| HttpError::InvalidSettings(format!("{what} is not a URL: {error}")))?;
    if url.fragment().is_some() || url.query().is_some() || !url.username().is_empty() {
        return Err(HttpError::InvalidSettings(format!(
            "{what} must not have a query, a fragment or credentials"
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&url) => Ok(url),
        _ => Err(HttpError::InvalidSettings(format!(
            "{what} must be https (plain http only on loopback, such as http://127.0.0.1:…)"
        ))),
    }
}

pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn scope_name(variable: &str, name: &str) -> Result<String, HttpError> {
    let name = name.trim();
    // RFC 6749 scope-token: visible ASCII except `"` and `\`.
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'"' && byte != b'\\');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(HttpError::InvalidSettings(format!(
            "{variable} must be one scope name: visible ASCII, no spaces or quotes"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: &str, public: &str) -> Result<OAuthSettings, HttpError> {
        OAuthSettings::new(issuer, public, DEFAULT_READ_SCOPE, DEFAULT_WRITE_SCOPE)
    }

    #[test]
    fn https_is_required_except_on_loopback() {
        assert!(settings("https://auth.example.com", "https://mcp.example.com/mcp").is_ok());
        assert!(settings("http://127.0.0.1:9000", "http://127.0.0.1:8080/mcp").is_ok());
        assert!(settings("http://localhost:9000/realms/x", "http://[::1]:8080/mcp").is_ok());
        assert!(settings("http://auth.example.com", "https://mcp.example.com/mcp").is_err());
        assert!(settings("https://auth.example.com", "http://mcp.example.com/mcp").is_err());
        assert!(settings("ftp://auth.example.com", "https://mcp.example.com/mcp").is_err());
        assert!(settings("auth.example.com", "https://mcp.example.com/mcp").is_err());
        assert!(settings("https://auth.example.com", "https://mcp.example.com/mcp#x").is_err());
    }

    #[test]
    fn scope_names_are_checked() {
        let base = ("https://a.example", "https://m.example/mcp");
        assert!(
            OAuthSettings::new(base.0, base.1, "api://x/Nango.Read", "api://x/Nango.Write").is_ok()
        );
        assert!(OAuthSettings::new(base.0, base.1, "read", "read").is_err());
        assert!(OAuthSettings::new(base.0, base.1, "two words", "w").is_err());
        assert!(OAuthSettings::new(base.0, base.1, "", "w").is_err());
    }
}
