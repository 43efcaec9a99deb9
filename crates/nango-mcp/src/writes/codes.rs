//! Confirmation codes: a write's first call returns one, bound to the exact change (tool,
//! environment, resolved arguments) by an HMAC under a per-process secret (or
//! `NANGO_MCP_CONFIRM_SECRET`, so replicas agree), valid for 5 minutes and redeemable once:
//! spent nonces live in a [`SpentCodes`] store (the process by default; Valkey/Redis when
//! replicas share one, so a code is spent once across all of them).
//! The code is the person's "yes" carried back by the agent: it is never logged.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, Mac};
use nango_state::SpentCodes;
use sha2::Sha256;

/// How long a code may be redeemed.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// The variable that shares the secret between replicas.
pub const SECRET_VARIABLE: &str = "NANGO_MCP_CONFIRM_SECRET";

/// "Now", injectable so tests can issue codes in the past.
pub type Now = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Why a code was refused. Every case writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error(
        "is not a confirmation code from this server; call again without `confirmation` to get a preview and a code"
    )]
    Malformed,
    #[error(
        "does not match this call: it was issued for other arguments or another environment (or by another server); \
         nothing was changed. Call again without `confirmation` to get a preview and a new code"
    )]
    Mismatch,
    #[error(
        "has expired (codes are valid for 5 minutes); nothing was changed. Call again without `confirmation` for a new preview and code"
    )]
    Expired,
    #[error(
        "was issued to another caller: a confirmation code can only be redeemed by the person who received the preview. \
         Nothing was changed. Call again without `confirmation` to get your own preview and code"
    )]
    OtherCaller,
    #[error(
        "was already used; each code confirms one write. Nothing was changed. Call again without `confirmation` for a new code"
    )]
    Replayed,
    #[error(
        "cannot be checked now: single use cannot be guaranteed while the shared store is unreachable. \
         Nothing was changed and the code was not spent; try the same call again shortly"
    )]
    StoreUnreachable,
}

pub struct ConfirmCodes {
    secret: Vec<u8>,
    now: Now,
    /// Nonces redeemed, kept until their code expires (an expired code fails anyway).
    used: Arc<dyn SpentCodes>,
}

impl ConfirmCodes {
    /// Keyed with `secret`, on the system clock.
    pub fn new(secret: Vec<u8>) -> Self {
        Self::with_clock(secret, Arc::new(SystemTime::now))
    }

    /// Keyed with `NANGO_MCP_CONFIRM_SECRET` when set (non-empty), else 32 random bytes.
    pub fn from_env_or_random(value: Option<&str>) -> Result<Self, getrandom::Error> {
        match value.map(str::trim).filter(|secret| !secret.is_empty()) {
            Some(secret) => Ok(Self::new(secret.as_bytes().to_vec())),
            None => {
                let mut secret = vec![0_u8; 32];
                getrandom::getrandom(&mut secret)?;
                Ok(Self::new(secret))
            }
        }
    }

    pub fn with_clock(secret: Vec<u8>, now: Now) -> Self {
        Self {
            secret,
            now,
            used: Arc::new(nango_state::Local::new()),
        }
    }

    /// Spends codes in `store` instead of the process (shared by replicas).
    #[must_use]
    pub fn with_store(mut self, store: Arc<dyn SpentCodes>) -> Self {
        self.used = store;
        self
    }

    fn now_secs(&self) -> u64 {
        (self.now)()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }

    /// A code for `binding` (what the write will do, in canonical form), valid [`CODE_TTL`].
    pub fn issue(&self, binding: &str) -> String {
        self.issue_to(binding, "")
    }

    /// A code for `binding` that only `caller` can redeem: the caller is in the MAC, and a short
    /// tag of it rides in the nonce so another caller is told why, not just "mismatch".
    pub fn issue_to(&self, binding: &str, caller: &str) -> String {
        let expiry = self.now_secs() + CODE_TTL.as_secs();
        let mut nonce = [0_u8; 8];
        if getrandom::getrandom(&mut nonce).is_err() {
            // Uniqueness, not secrecy, is what the nonce needs: the clock will do.
            nonce = u64::try_from(
                (self.now)()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
                    % u128::from(u64::MAX),
            )
            .unwrap_or(0)
            .to_be_bytes();
        }
        let nonce = format!("{}{}", hex(&nonce), caller_tag(caller));
        let mac = self.mac(&bound_to(binding, caller), expiry, &nonce);
        format!("{expiry}.{nonce}.{mac}")
    }

    /// Checks `code` against `binding` and spends it.
    pub async fn redeem(&self, binding: &str, code: &str) -> Result<(), CodeError> {
        self.redeem_by(binding, "", code).await
    }

    /// Checks `code` against `binding` and `caller` (who must be the one it was issued to), and
    /// spends it.
    pub async fn redeem_by(
        &self,
        binding: &str,
        caller: &str,
        code: &str,
    ) -> Result<(), CodeError> {
        let mut parts = code.trim().split('.');
        let (Some(expiry), Some(nonce), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CodeError::Malformed);
        };
        let expiry: u64 = expiry.parse().map_err(|_| CodeError::Malformed)?;
        let expected = self.mac(&bound_to(binding, caller), expiry, nonce);
        if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
            // A well-formed nonce tagged for someone else: say so rather than "mismatch".
            let tagged = nonce.len() == NONCE_HEX + TAG_HEX;
            return Err(if tagged && !nonce.ends_with(&caller_tag(caller)) {
                CodeError::OtherCaller
            } else {
                CodeError::Mismatch
            });
        }
        let now = self.now_secs();
        if now >= expiry {
            return Err(CodeError::Expired);
        }
        let left = Duration::from_secs(expiry.saturating_sub(now));
        match self.used.spend(nonce, left).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CodeError::Replayed),
            Err(error) => {
                tracing::warn!(%error, "a confirmation was refused: the shared store is unreachable");
                Err(CodeError::StoreUnreachable)
            }
        }
    }

    fn mac(&self, binding: &str, expiry: u64, nonce: &str) -> String {
        // new_from_slice accepts any key length for HMAC; the fallback is unreachable.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return String::new();
        };
        mac.update(format!("nango-mcp confirm v1\n{binding}\n{expiry}\n{nonce}").as_bytes());
        let digest = mac.finalize().into_bytes();
        hex(digest.get(..16).unwrap_or_default())
    }
}

/// Hex digits of a code's random nonce, and of the caller tag that follows it.
const NONCE_HEX: usize = 16;
const TAG_HEX: usize = 8;

/// 8 hex digits telling callers apart, so a code shown to another caller is refused with a clear
/// reason. Not keyed (a code from another server must still read "mismatch"); it grants nothing,
/// as the caller is also in the MAC.
fn caller_tag(caller: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(format!("nango-mcp caller v1\n{caller}").as_bytes());
    hex(digest.get(..4).unwrap_or_default())
}

/// The binding with the caller in it: a code for one person's write is no code for another's.
fn bound_to(binding: &str, caller: &str) -> String {
    if caller.is_empty() {
        binding.to_owned()
    } else {
        format!("{binding}\ncaller={caller}")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> Now {
        Arc::new(move || UNIX_EPOCH + Duration::from_secs(seconds))
    }

    #[tokio::test]
    async fn a_code_confirms_its_own_binding_once() {
        let codes = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000));
        let code = codes.issue("pause|dev|a");
        assert_eq!(
            codes.redeem("pause|dev|b", &code).await,
            Err(CodeError::Mismatch)
        );
        assert_eq!(codes.redeem("pause|dev|a", &code).await, Ok(()));
        assert_eq!(
            codes.redeem("pause|dev|a", &code).await,
            Err(CodeError::Replayed)
        );
    }

    #[tokio::test]
    async fn codes_expire_after_five_minutes_and_forgeries_fail() {
        let issuer = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000));
        let code = issuer.issue("x");
        let later = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000 + 299));
        assert_eq!(later.redeem("x", &code).await, Ok(()));
        let too_late = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000 + 300));
        assert_eq!(too_late.redeem("x", &code).await, Err(CodeError::Expired));
        let other_secret = ConfirmCodes::with_clock(b"other".to_vec(), at(1_000));
        assert_eq!(
            other_secret.redeem("x", &code).await,
            Err(CodeError::Mismatch)
        );
        // Pushing the expiry forward breaks the MAC.
        let (_, rest) = code.split_once('.').unwrap();
        let extended = format!("{}.{rest}", 1_000 + 10_000);
        assert_eq!(later.redeem("x", &extended).await, Err(CodeError::Mismatch));
        assert_eq!(later.redeem("x", "yes").await, Err(CodeError::Malformed));
        assert_eq!(later.redeem("x", "").await, Err(CodeError::Malformed));
    }

    #[tokio::test]
    async fn a_code_is_redeemable_only_by_its_caller() {
        let codes = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000));
        let code = codes.issue_to("pause|dev|a", "alice via claude");
        assert_eq!(
            codes
                .redeem_by("pause|dev|a", "bob via claude", &code)
                .await,
            Err(CodeError::OtherCaller)
        );
        assert_eq!(
            codes.redeem("pause|dev|a", &code).await,
            Err(CodeError::OtherCaller)
        );
        assert_eq!(
            codes
                .redeem_by("pause|dev|a", "alice via claude", &code)
                .await,
            Ok(())
        );
        // A forged tag does not help: the caller is in the MAC too.
        let mallory = codes.issue_to("pause|dev|a", "mallory");
        let (head, mac) = mallory.rsplit_once('.').unwrap();
        let forged = format!("{}{}.{mac}", &head[..head.len() - 8], caller_tag("alice"));
        assert_eq!(
            codes.redeem_by("pause|dev|a", "alice", &forged).await,
            Err(CodeError::Mismatch)
        );
    }

    #[tokio::test]
    async fn the_shared_secret_lets_replicas_agree() {
        let one = ConfirmCodes::from_env_or_random(Some("shared")).unwrap();
        let two = ConfirmCodes::from_env_or_random(Some("shared")).unwrap();
        assert_eq!(two.redeem("b", &one.issue("b")).await, Ok(()));
        let random = ConfirmCodes::from_env_or_random(None).unwrap();
        assert_eq!(
            random.redeem("b", &one.issue("b")).await,
            Err(CodeError::Mismatch)
        );
    }

    /// A store that never answers, like Redis while it is down.
    struct Down;

    impl SpentCodes for Down {
        fn spend<'a>(&'a self, _: &'a str, _: Duration) -> nango_state::StoreFuture<'a, bool> {
            Box::pin(async { Err(nango_state::Unreachable("connection refused".into())) })
        }
    }

    #[tokio::test]
    async fn an_unreachable_store_refuses_the_code_without_spending_it() {
        let local: Arc<nango_state::Local> = Arc::new(nango_state::Local::new());
        let down = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000)).with_store(Arc::new(Down));
        let code = down.issue("x");
        let refused = down.redeem("x", &code).await;
        assert_eq!(refused, Err(CodeError::StoreUnreachable));
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("single use cannot be guaranteed while the shared store is unreachable")
        );
        // Back up: the same code still works, once.
        let up = ConfirmCodes::with_clock(b"k".to_vec(), at(1_000)).with_store(local);
        assert_eq!(up.redeem("x", &code).await, Ok(()));
        assert_eq!(up.redeem("x", &code).await, Err(CodeError::Replayed));
    }
}
