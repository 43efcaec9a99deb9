//! The refusals of a signed-in server and their `WWW-Authenticate` challenges (RFC 6750, with
//! RFC 9728's `resource_metadata` so a client can find where to sign in).

use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::super::error::Refusal;

/// What the challenges name: where the metadata is and which scopes to ask for.
#[derive(Debug, Clone)]
pub(crate) struct Challenges {
    pub(crate) metadata_url: String,
    pub(crate) read_scope: String,
    pub(crate) write_scope: String,
}

impl Challenges {
    /// 401 without a token: only where to sign in and what to ask for.
    pub(crate) fn sign_in(&self, message: &str) -> Response {
        let challenge = format!(
            r#"Bearer resource_metadata="{}", scope="{}""#,
            self.metadata_url, self.read_scope
        );
        respond(Refusal::Unauthorized, message, &challenge)
    }

    /// 401 for a token that is not valid here (expired, forged, for another resource...).
    pub(crate) fn invalid_token(&self, why: &str) -> Response {
        let challenge = format!(
            r#"Bearer error="invalid_token", error_description="{}", resource_metadata="{}", scope="{}""#,
            quoted(why),
            self.metadata_url,
            self.read_scope
        );
        respond(
            Refusal::Unauthorized,
            &format!("the access token is not valid: {why}; sign in again"),
            &challenge,
        )
    }

    /// 403 for a valid token without the scope this request needs (`write` adds the write scope).
    pub(crate) fn insufficient_scope(&self, write: bool) -> Response {
        let scopes = if write {
            format!("{} {}", self.read_scope, self.write_scope)
        } else {
            self.read_scope.clone()
        };
        let challenge = format!(
            r#"Bearer error="insufficient_scope", scope="{scopes}", resource_metadata="{}""#,
            self.metadata_url
        );
        let message = if write {
            format!(
                "this tool changes Nango and needs the `{}` scope, which your sign-in did not grant; nothing was changed. Sign in again asking for it (or ask an admin to grant it)",
                self.write_scope
            )
        } else {
            format!("your sign-in did not grant the `{}` scope", self.read_scope)
        };
        respond(Refusal::InsufficientScope, &message, &challenge)
    }
}

fn respond(refusal: Refusal, message: &str, challenge: &str) -> Response {
    let mut response = refusal.respond(message);
    if let Ok(value) = HeaderValue::from_str(challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// A quoted-string may not hold `"` or `\`; our reasons never do, but be sure.
fn quoted(text: &str) -> String {
    text.chars().filter(|c| *c != '"' && *c != '\\').collect()
}
