//! Flags that turn on sign-in with OAuth for `--http` (see `transport::http::oauth`).

use clap::Args;

use crate::transport::http::HttpError;
use crate::transport::http::oauth::{DEFAULT_READ_SCOPE, DEFAULT_WRITE_SCOPE, OAuthSettings};

/// Sign-in: accept access tokens from the team's authorization server.
#[derive(Debug, Args)]
pub struct OAuthArgs {
    /// HTTP: accept OAuth access tokens (JWT) issued by this authorization server, e.g.
    /// https://id.example.com/realms/team; needs --public-url.
    #[arg(long, env = "NANGO_MCP_OAUTH_ISSUER", value_name = "URL")]
    pub oauth_issuer: Option<String>,

    /// HTTP: the MCP endpoint as clients reach it, e.g. https://nango-mcp.example.com/mcp (the
    /// tokens' audience).
    #[arg(long, env = "NANGO_MCP_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// HTTP: the scope every call needs.
    #[arg(long, env = "NANGO_MCP_OAUTH_READ_SCOPE", default_value = DEFAULT_READ_SCOPE)]
    pub oauth_read_scope: String,

    /// HTTP: the scope a write tool's call needs as well.
    #[arg(long, env = "NANGO_MCP_OAUTH_WRITE_SCOPE", default_value = DEFAULT_WRITE_SCOPE)]
    pub oauth_write_scope: String,
}

impl OAuthArgs {
    /// The sign-in settings, if an issuer is set; a public URL is then required.
    pub fn settings(&self) -> Result<Option<OAuthSettings>, HttpError> {
        let Some(issuer) = self
            .oauth_issuer
            .as_deref()
            .filter(|text| !text.trim().is_empty())
        else {
            return Ok(None);
        };
        let public_url = self
            .public_url
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .ok_or_else(|| {
                HttpError::InvalidSettings(
                    "--oauth-issuer needs --public-url (NANGO_MCP_PUBLIC_URL): the MCP endpoint \
                     as clients reach it, e.g. https://nango-mcp.example.com/mcp"
                        .into(),
                )
            })?;
        OAuthSettings::new(
            issuer,
            public_url,
            &self.oauth_read_scope,
            &self.oauth_write_scope,
        )
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        oauth: OAuthArgs,
    }

    fn parse(args: &[&str]) -> Result<Option<OAuthSettings>, HttpError> {
        let mut all = vec!["nango-mcp"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().oauth.settings()
    }

    #[test]
    fn an_issuer_needs_a_public_url() {
        assert!(parse(&[]).unwrap().is_none());
        assert!(parse(&["--oauth-issuer", "https://id.example.com"]).is_err());
        let settings = parse(&[
            "--oauth-issuer",
            "https://id.example.com",
            "--public-url",
            "https://mcp.example.com/mcp",
            "--oauth-write-scope",
            "api://nango/Nango.Write",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(settings.read_scope, "nango-mcp:read");
        assert_eq!(settings.write_scope, "api://nango/Nango.Write");
    }
}
