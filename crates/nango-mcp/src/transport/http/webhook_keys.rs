//! The keys Nango signs webhooks with, one per environment: `NANGO_WEBHOOK_SIGNING_KEY` (the
//! default environment) and `NANGO_WEBHOOK_SIGNING_KEY_<ENV>`. Environments created before
//! 2026-04-20 that never rotated their key sign with their secret key: set that value then.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::DEFAULT_ENVIRONMENT;

const KEY_VARIABLE: &str = "NANGO_WEBHOOK_SIGNING_KEY";

/// Signing keys by environment name (the names tools use: `default`, or `<env>` lower-cased).
#[derive(Clone, Default)]
pub struct WebhookKeys {
    keys: Vec<(String, Vec<u8>)>,
}

impl WebhookKeys {
    /// Reads the variables (`vars` is injectable for tests); blank values are skipped.
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Self {
        let mut keys = Vec::new();
        for (variable, value) in vars {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let environment = if variable == KEY_VARIABLE {
                DEFAULT_ENVIRONMENT.to_owned()
            } else if let Some(suffix) = variable.strip_prefix("NANGO_WEBHOOK_SIGNING_KEY_")
                && !suffix.is_empty()
            {
                suffix.to_lowercase()
            } else {
                continue;
            };
            keys.push((environment, value.as_bytes().to_vec()));
        }
        Self { keys }
    }

    /// One key for one environment (tests, the benchmark).
    pub fn single(environment: &str, key: &str) -> Self {
        Self {
            keys: vec![(environment.to_owned(), key.as_bytes().to_vec())],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The environment whose key signed `body`, if any. `X-Nango-Hmac-Sha256` is the hex
    /// HMAC-SHA256 of the raw body; every key is tried and compared in constant time, so timing
    /// tells neither which key matched nor how close a forgery came.
    pub fn verify(&self, body: &[u8], signature: &str) -> Option<&str> {
        let presented = signature.trim().to_ascii_lowercase();
        self.keys.iter().fold(None, |found, (environment, key)| {
            let expected = hex_hmac(key, body);
            let same: bool = expected.as_bytes().ct_eq(presented.as_bytes()).into();
            if same && found.is_none() {
                Some(environment.as_str())
            } else {
                found
            }
        })
    }
}

/// Hex HMAC-SHA256, as Nango's `getHmacSignatureHeader` computes it.
pub fn hex_hmac(key: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl fmt::Debug for WebhookKeys {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let environments: Vec<&str> = self.keys.iter().map(|(name, _)| name.as_str()).collect();
        formatter
            .debug_struct("WebhookKeys")
            .field("environments", &environments)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_nangos_signature_and_names_the_environment() {
        let vars: BTreeMap<String, String> = [
            ("NANGO_WEBHOOK_SIGNING_KEY", "key-default"),
            ("NANGO_WEBHOOK_SIGNING_KEY_PROD", "key-prod"),
            ("NANGO_WEBHOOK_SIGNING_KEY_DEV", " "),
            ("NANGO_SECRET_KEY", "not-a-signing-key"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let keys = WebhookKeys::from_vars(&vars);
        let body = br#"{"type":"sync"}"#;
        // Node: crypto.createHmac('sha256', 'key-prod').update('{"type":"sync"}').digest('hex')
        let prod = hex_hmac(b"key-prod", body);
        assert_eq!(prod.len(), 64);
        assert_eq!(keys.verify(body, &prod), Some("prod"));
        assert_eq!(keys.verify(body, &prod.to_uppercase()), Some("prod"));
        assert_eq!(
            keys.verify(body, &hex_hmac(b"key-default", body)),
            Some("default")
        );
        assert_eq!(
            keys.verify(body, &hex_hmac(b"not-a-signing-key", body)),
            None
        );
        assert_eq!(keys.verify(b"{\"type\":\"auth\"}", &prod), None);
        assert_eq!(keys.verify(body, ""), None);
        assert!(!format!("{keys:?}").contains("key-prod"));
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex_hmac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
