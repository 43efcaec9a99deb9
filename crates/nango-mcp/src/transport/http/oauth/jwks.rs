//! The authorization server's signing keys, cached by `kid`. A token signed with a key we do not
//! know triggers a refetch, at most once per 10 s whatever callers send; when the server cannot
//! be reached the last good keys stay in use. A call never waits on the network for a known key.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use url::Url;

use super::discovery;

/// Unknown `kid`s refetch the key set at most this often (after a first successful fetch).
pub(crate) const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(10);
/// Before any key set was fetched (the server started before its authorization server), retry
/// sooner, so the first callers are not refused for long.
const RETRY_UNTIL_FIRST_FETCH_EVERY: Duration = Duration::from_secs(1);

/// A verification key and the algorithm its JWK pins, if any.
pub(crate) struct Key {
    pub(crate) decoding: DecodingKey,
    pub(crate) algorithm: Option<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<Key>>,
    without_kid: Vec<Arc<Key>>,
}

#[derive(Default)]
struct Refresh {
    jwks_uri: Option<Url>,
    last_attempt: Option<Instant>,
    fetched_once: bool,
}

#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

/// The key cache of one issuer.
pub(crate) struct KeyStore {
    http: reqwest::Client,
    issuer: String,
    issuer_url: Url,
    keys: RwLock<Arc<KeySet>>,
    refresh: tokio::sync::Mutex<Refresh>,
}

impl KeyStore {
    pub(crate) fn new(http: reqwest::Client, issuer: String, issuer_url: Url) -> Self {
        Self {
            http,
            issuer,
            issuer_url,
            keys: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
        }
    }

    /// The key for a token's `kid` (or, without one, every key that fits `algorithm`), fetching
    /// the key set first when it is not known and a fetch is due.
    pub(crate) async fn keys_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Vec<Arc<Key>> {
        let found = self.lookup(kid, algorithm);
        if !found.is_empty() {
            return found;
        }
        self.refresh_if_due().await;
        self.lookup(kid, algorithm)
    }

    /// Fetches the key set unless one was attempted too recently. Concurrent callers wait for the
    /// one fetch in progress instead of starting their own.
    pub(crate) async fn refresh_if_due(&self) {
        let mut refresh = self.refresh.lock().await;
        let interval = if refresh.fetched_once {
            REFETCH_AT_MOST_EVERY
        } else {
            RETRY_UNTIL_FIRST_FETCH_EVERY
        };
        if refresh
            .last_attempt
            .is_some_and(|last| last.elapsed() < interval)
        {
            return;
        }
        refresh.last_attempt = Some(Instant::now());
        match self.fetch(&mut refresh).await {
            Ok(set) => {
                tracing::info!(
                    keys = set.by_kid.len() + set.without_kid.len(),
                    "fetched the authorization server's signing keys"
                );
                refresh.fetched_once = true;
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
            }
            Err(why) => {
                // Rediscover next time: the metadata may have moved.
                refresh.jwks_uri = None;
                tracing::warn!(
                    issuer = %self.issuer,
                    %why,
                    "cannot fetch the authorization server's signing keys; keeping the last good ones"
                );
            }
        }
    }

    async fn fetch(&self, refresh: &mut Refresh) -> Result<KeySet, String> {
        let uri = match &refresh.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let uri = discovery::jwks_uri(&self.http, &self.issuer, &self.issuer_url).await?;
                refresh.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let raw: RawKeySet = discovery::fetch_json(&self.http, &uri)
            .await
            .map_err(|why| format!("{uri}: {why}"))?;
        Ok(key_set(raw))
    }

    fn lookup(&self, kid: Option<&str>, algorithm: Algorithm) -> Vec<Arc<Key>> {
        let set = Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner));
        match kid {
            Some(kid) => set.by_kid.get(kid).into_iter().cloned().collect(),
            None => set
                .without_kid
                .iter()
                .chain(set.by_kid.values())
                .filter(|key| key.decoding.family() == algorithm.family())
                .cloned()
                .collect(),
        }
    }
}

/// The usable signing keys: encryption keys, symmetric keys (which would let anyone holding the
/// "public" key set sign) and keys this library cannot read are left out, one by one.
fn key_set(raw: RawKeySet) -> KeySet {
    let mut set = KeySet::default();
    for value in raw.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
            continue;
        }
        let Ok(decoding) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        if decoding.family() == jsonwebtoken::AlgorithmFamily::Hmac {
            continue;
        }
        let algorithm = jwk
            .common
            .key_algorithm
            .and_then(|alg| alg.to_string().parse::<Algorithm>().ok());
        let key = Arc::new(Key {
            decoding,
            algorithm,
        });
        match jwk.common.key_id {
            Some(kid) => {
                set.by_kid.insert(kid, key);
            }
            None => set.without_kid.push(key),
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_encryption_keys_are_never_used() {
        let raw: RawKeySet = serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "enc", "use": "enc", "crv": "P-256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "kid": "sig", "crv": "P-256", "alg": "ES256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "weird", "kid": "odd"}
        ]}))
        .unwrap();
        let set = key_set(raw);
        assert_eq!(set.by_kid.keys().collect::<Vec<_>>(), ["sig"]);
        assert_eq!(set.by_kid["sig"].algorithm, Some(Algorithm::ES256));
    }
}
