//! Checking a JWT access token (RFC 9068) the way RFC 8707 and the MCP authorization spec ask:
//! an allow-listed asymmetric algorithm, a key from the issuer's key set, our issuer, our
//! resource in `aud` (required), `exp` required, `nbf` honoured, a small clock leeway.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header, errors::ErrorKind};
use serde::Deserialize;

use super::jwks::KeyStore;
use super::settings::OAuthSettings;
use crate::caller::Caller;

/// Longer tokens are refused before any parsing: real access tokens are 1-2 KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock difference tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;
/// Only asymmetric signatures: `none` and HS* (a shared secret, or the public key misused as
/// one) can never verify a token here.
const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
/// Identities are logged and keyed on; longer ones are cut.
const MAX_IDENTITY_CHARS: usize = 128;

/// A valid token: who it names and what it grants.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) caller: Caller,
    pub(crate) scopes: HashSet<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    client_id: Option<String>,
    azp: Option<String>,
    scope: Option<String>,
    /// Okta sends a list, Entra a space-separated string.
    scp: Option<ScopeList>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeList {
    Text(String),
    List(Vec<String>),
}

/// Why a token was refused: said to the client (`error_description`) and logged. Never contains
/// the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected(pub(crate) String);

/// Verifies `token` against the issuer's keys and this server's settings.
pub(crate) async fn verify(
    token: &str,
    keys: &KeyStore,
    settings: &OAuthSettings,
) -> Result<Verified, Rejected> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(reject(format!(
            "the token is longer than {MAX_TOKEN_BYTES} bytes"
        )));
    }
    let header = decode_header(token)
        .map_err(|_| reject("not a JWT access token with a supported algorithm"))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(reject(format!(
            "algorithm {:?} is not accepted (RS256, ES256 or EdDSA only)",
            header.alg
        )));
    }
    if let Some(typ) = header.typ.as_deref() {
        let typ = typ.to_ascii_lowercase();
        if !matches!(typ.as_str(), "jwt" | "at+jwt" | "application/at+jwt") {
            return Err(reject("the token type is not an access token"));
        }
    }
    let candidates = keys.keys_for(header.kid.as_deref(), header.alg).await;
    if candidates.is_empty() {
        return Err(reject(
            "the token is not signed by a key of the authorization server",
        ));
    }
    let validation = validation(settings, header.alg);
    let mut last = reject("the token's signature does not verify");
    for key in candidates {
        if key.algorithm.is_some_and(|pinned| pinned != header.alg) {
            continue;
        }
        match decode::<Claims>(token, &key.decoding, &validation) {
            Ok(data) => return verified(data.claims),
            Err(error) => last = explain(error.kind()),
        }
    }
    Err(last)
}

fn validation(settings: &OAuthSettings, algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.set_issuer(&[settings.issuer.as_str()]);
    // The resource exactly as published, and the same with or without a final slash.
    let resource = settings.public_url.as_str();
    let other = match resource.strip_suffix('/') {
        Some(bare) => bare.to_owned(),
        None => format!("{resource}/"),
    };
    validation.set_audience(&[resource, other.as_str()]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.leeway = LEEWAY_SECS;
    validation
}

fn verified(claims: Claims) -> Result<Verified, Rejected> {
    let client_id = claims.client_id.or(claims.azp).map(clean);
    let subject = claims
        .sub
        .map(clean)
        .or_else(|| client_id.clone())
        .filter(|subject| !subject.is_empty())
        .ok_or_else(|| reject("the token names no subject (`sub`) or client"))?;
    let mut scopes: HashSet<String> = claims
        .scope
        .iter()
        .flat_map(|scope| scope.split_whitespace())
        .map(str::to_owned)
        .collect();
    match claims.scp {
        Some(ScopeList::Text(text)) => scopes.extend(text.split_whitespace().map(str::to_owned)),
        Some(ScopeList::List(list)) => scopes.extend(list),
        None => {}
    }
    Ok(Verified {
        caller: Caller { subject, client_id },
        scopes,
    })
}

/// Identities go into log lines and keys: no control characters, bounded length.
fn clean(text: String) -> String {
    text.chars()
        .filter(|character| !character.is_control())
        .take(MAX_IDENTITY_CHARS)
        .collect()
}

fn explain(kind: &ErrorKind) -> Rejected {
    reject(match kind {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
        ErrorKind::InvalidAudience => "the token is for another resource (aud)",
        ErrorKind::InvalidIssuer => "the token is from another issuer (iss)",
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => {
            "the token has no audience (aud); it must name this server"
        }
        ErrorKind::MissingRequiredClaim(claim) if claim == "exp" => "the token has no expiry (exp)",
        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim (exp, iss, aud)",
        ErrorKind::InvalidSignature => "the token's signature does not verify",
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not fit its key",
        _ => "the token is malformed",
    })
}

fn reject(why: impl Into<String>) -> Rejected {
    Rejected(why.into())
}
