//! Sign-in with OAuth 2.1: `/mcp` as a resource server (MCP authorization spec, RFC 9728,
//! RFC 9068, RFC 8707). nango-mcp never issues tokens; it checks those of the team's own
//! authorization server and names the caller on every call.
//!
//! - `settings`: what is configured, checked before listening;
//! - `discovery` and `jwks`: the issuer's signing keys, fetched in the background and cached;
//! - `validate`: one token, checked locally;
//! - `metadata` and `challenge`: how a refused client finds where to sign in;
//! - `write_scope`: a write tool's call needs the write scope.

mod challenge;
mod discovery;
mod jwks;
mod metadata;
mod settings;
mod validate;
mod write_scope;

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

pub use settings::{
    DEFAULT_READ_SCOPE, DEFAULT_WRITE_SCOPE, ISSUER_ENV, OAuthSettings, PUBLIC_URL_ENV,
    READ_SCOPE_ENV, WRITE_SCOPE_ENV,
};
pub(crate) use write_scope::require_write_scope;

use super::auth::{ClientKey, presented_token};
use super::error::HttpError;
use super::settings::AuthToken;
use challenge::Challenges;
use jwks::KeyStore;

/// The scopes the request's token granted (absent for static tokens, which may do everything).
#[derive(Debug, Clone)]
pub(crate) struct Granted {
    scopes: HashSet<String>,
}

/// Everything `/mcp` needs to check a request: static tokens, the issuer's keys, the challenges.
pub(crate) struct Gatekeeper {
    settings: OAuthSettings,
    static_tokens: Vec<AuthToken>,
    keys: KeyStore,
    challenges: Challenges,
}

impl Gatekeeper {
    pub(crate) fn new(
        settings: OAuthSettings,
        static_tokens: Vec<AuthToken>,
    ) -> Result<Self, HttpError> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(HttpError::InvalidSettings(
                "this build has no JWT crypto provider".into(),
            ));
        }
        let http = discovery::http_client().map_err(|error| {
            HttpError::InvalidSettings(format!("cannot build the OAuth HTTP client: {error}"))
        })?;
        let keys = KeyStore::new(http, settings.issuer.clone(), settings.issuer_url.clone());
        let challenges = Challenges {
            metadata_url: metadata::url(&settings),
            read_scope: settings.read_scope.clone(),
            write_scope: settings.write_scope.clone(),
        };
        Ok(Self {
            settings,
            static_tokens,
            keys,
            challenges,
        })
    }

    /// Fetches the issuer's keys in the background, so startup does not wait on the network and
    /// the first call usually does not either.
    pub(crate) fn warm_up(self: &Arc<Self>) {
        let gatekeeper = Arc::clone(self);
        tokio::spawn(async move { gatekeeper.keys.refresh_if_due().await });
    }

    pub(crate) fn write_scope(&self) -> &str {
        &self.settings.write_scope
    }

    pub(crate) fn challenges(&self) -> &Challenges {
        &self.challenges
    }
}

/// The public metadata routes (no authentication: they say where to get it).
pub(crate) fn metadata_routes(settings: &OAuthSettings) -> Router {
    let document = Arc::new(metadata::document(settings));
    let mut router = Router::new();
    for path in metadata::paths(settings) {
        router = router.route(&path, get(metadata::serve));
    }
    router.with_state(document)
}

/// Axum middleware for `/mcp`: a static token, or a valid access token with the read scope;
/// else 401 (or 403 without the scope) with a challenge naming the metadata.
pub(crate) async fn authenticate(
    State(gatekeeper): State<Arc<Gatekeeper>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(presented) = presented_token(request.headers()) else {
        let in_query = request
            .uri()
            .query()
            .is_some_and(|query| query.contains("access_token="));
        tracing::warn!(in_query, "refused a request without a bearer token");
        let message = if in_query {
            "access tokens are read only from the `Authorization: Bearer` header, never from the URL; sign in and send it there"
        } else {
            "this server requires signing in: send `Authorization: Bearer <access token>`"
        };
        return gatekeeper.challenges.sign_in(message);
    };
    if let Some(position) = AuthToken::position(&gatekeeper.static_tokens, presented) {
        let caller = crate::caller::Caller::static_token(position);
        request.headers_mut().remove(header::AUTHORIZATION);
        request
            .extensions_mut()
            .insert(ClientKey::Caller(caller.clone()));
        request.extensions_mut().insert(caller);
        return next.run(request).await;
    }
    let verified = validate::verify(presented, &gatekeeper.keys, &gatekeeper.settings).await;
    let verified = match verified {
        Ok(verified) => verified,
        Err(validate::Rejected(why)) => {
            tracing::warn!(%why, "refused an access token");
            return gatekeeper.challenges.invalid_token(&why);
        }
    };
    if !verified.scopes.contains(&gatekeeper.settings.read_scope) {
        tracing::warn!(caller = %verified.caller, "refused a token without the read scope");
        return gatekeeper.challenges.insufficient_scope(false);
    }
    // rmcp hands the request headers to tool handlers; the token has done its job.
    request.headers_mut().remove(header::AUTHORIZATION);
    request
        .extensions_mut()
        .insert(ClientKey::Caller(verified.caller.clone()));
    request.extensions_mut().insert(verified.caller);
    request.extensions_mut().insert(Granted {
        scopes: verified.scopes,
    });
    next.run(request).await
}
