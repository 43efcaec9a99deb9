//! The Nango secret key. It selects the environment and grants every read the scopes allow, so
//! it is kept out of every printable, serialisable and loggable surface: the only way to read it
//! is crate-private and used only to build `Authorization` headers bound for Nango.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::NangoError;

/// A Nango environment secret key, validated as a UUID v4 (the only shape Nango accepts).
///
/// `Debug` prints `SecretKey(****)`; there is no `Display` and no `Serialize`. Use
/// [`SecretKey::fingerprint`] to tell keys apart in output.
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    /// Validates and wraps a key. Surrounding whitespace (a trailing newline from a key file)
    /// is trimmed; hex digits may be upper or lower case, as Nango accepts both.
    pub fn new(key: String) -> Result<Self, NangoError> {
        let trimmed = key.trim();
        check_uuid_v4(trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    /// `sha256:` and the first 8 hex digits of the key's SHA-256: enough to tell keys apart,
    /// useless for recovering the key.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        let mut text = String::with_capacity(15);
        text.push_str("sha256:");
        for byte in digest.iter().take(4) {
            text.push(hex_digit(byte >> 4));
            text.push(hex_digit(byte & 0x0f));
        }
        text
    }

    /// The key in clear, for the `Authorization` header of the REST API and of the
    /// Management MCP (`crate::management`) only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(****)")
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// Nango's own check: `^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`, any case.
fn check_uuid_v4(text: &str) -> Result<(), NangoError> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut groups = text.split('-');
    for (index, expected_len) in GROUPS.iter().enumerate() {
        let Some(group) = groups.next() else {
            return Err(NangoError::InvalidKey("expected 5 dash-separated groups"));
        };
        if group.len() != *expected_len || !group.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(NangoError::InvalidKey(
                "expected hex groups of 8-4-4-4-12 characters",
            ));
        }
        let first = group.bytes().next().map(|byte| byte.to_ascii_lowercase());
        if index == 2 && first != Some(b'4') {
            return Err(NangoError::InvalidKey(
                "not a version 4 UUID (third group must start with 4)",
            ));
        }
        if index == 3 && !matches!(first, Some(b'8' | b'9' | b'a' | b'b')) {
            return Err(NangoError::InvalidKey(
                "not a version 4 UUID (fourth group must start with 8, 9, a or b)",
            ));
        }
    }
    if groups.next().is_some() {
        return Err(NangoError::InvalidKey("expected 5 dash-separated groups"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

    #[test]
    fn accepts_v4_keys_in_any_case_and_trims() {
        let key = SecretKey::new(format!("  {}\n", KEY.to_uppercase())).unwrap();
        assert_eq!(key.expose(), KEY.to_uppercase());
        assert!(SecretKey::new(KEY.to_owned()).is_ok());
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "not-a-uuid",
            "6f1c2a3b-4d5e-1f60-8a7b-9c0d1e2f3a4b", // version 1
            "6f1c2a3b-4d5e-4f60-7a7b-9c0d1e2f3a4b", // wrong variant
            "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4",  // short
            "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b-00",
            "6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b",
            "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4g",
            "Bearer 6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        ] {
            let error = SecretKey::new(bad.to_owned()).unwrap_err();
            assert!(matches!(error, NangoError::InvalidKey(_)), "{bad}");
        }
    }

    #[test]
    fn debug_and_fingerprint_never_show_the_key() {
        let key = SecretKey::new(KEY.to_owned()).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(****)");
        let fingerprint = key.fingerprint();
        assert_eq!(fingerprint, "sha256:fb9a2202");
        assert!(!KEY.contains(&fingerprint["sha256:".len()..]));
        // Stable: the same key always gives the same fingerprint, another key a different one.
        assert_eq!(
            fingerprint,
            SecretKey::new(KEY.to_owned()).unwrap().fingerprint()
        );
        let other = SecretKey::new("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4c".to_owned()).unwrap();
        assert_ne!(fingerprint, other.fingerprint());
    }
}
