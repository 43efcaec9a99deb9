//! Operation ids: 20 alphanumeric characters like Nango's, which also encode where the run
//! lives (connection, sync, run index) so `logs_get_operation` finds any run without an index
//! of every id. A seeded check part makes ids of another seed (or typos) resolve to nothing.

use crate::dataset::rng::hash_parts;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LEN: usize = 11;
const CHECK_LEN: usize = 9;
/// Length of every generated id (Nango accepts 20–25).
pub(crate) const ID_LEN: usize = BODY_LEN + CHECK_LEN;

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// Where a run sits in the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RunLocator {
    /// Index in `Dataset::connections`.
    pub connection: u32,
    /// Index in the connection's `syncs`.
    pub sync: u8,
    /// Run index, 0 = newest.
    pub run: u32,
}

const RUN_BITS: u32 = 24;

impl RunLocator {
    fn pack(self) -> Option<u64> {
        (self.run < (1 << RUN_BITS)).then(|| {
            (u64::from(self.connection) << 32)
                | (u64::from(self.sync) << RUN_BITS)
                | u64::from(self.run)
        })
    }

    fn unpack(packed: u64) -> Self {
        Self {
            connection: u32::try_from(packed >> 32).unwrap_or(u32::MAX),
            sync: u8::try_from((packed >> RUN_BITS) & 0xFF).unwrap_or(u8::MAX),
            run: u32::try_from(packed & ((1 << RUN_BITS) - 1)).unwrap_or(u32::MAX),
        }
    }
}

/// Multiplicative inverse modulo 2^64 (Newton's iteration; the multiplier is odd).
const fn inverse(odd: u64) -> u64 {
    let mut inv = odd;
    let mut step = 0;
    while step < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inv)));
        step += 1;
    }
    inv
}

const MULTIPLIER_INVERSE: u64 = inverse(MULTIPLIER);

/// An invertible scramble, so neighbouring runs get unrelated-looking ids.
fn scramble(value: u64, mask: u64) -> u64 {
    let mut x = (value ^ mask).wrapping_mul(MULTIPLIER);
    x ^= x >> 32;
    x.wrapping_mul(MULTIPLIER)
}

fn unscramble(value: u64, mask: u64) -> u64 {
    let mut x = value.wrapping_mul(MULTIPLIER_INVERSE);
    x ^= x >> 32;
    x.wrapping_mul(MULTIPLIER_INVERSE) ^ mask
}

fn encode(mut value: u64, len: usize) -> String {
    let base = ALPHABET.len() as u64;
    let mut digits = vec![b'0'; len];
    for digit in digits.iter_mut().rev() {
        let index = usize::try_from(value % base).unwrap_or(0);
        *digit = ALPHABET.get(index).copied().unwrap_or(b'0');
        value /= base;
    }
    String::from_utf8(digits).unwrap_or_default()
}

fn decode(text: &str) -> Option<u64> {
    let base = ALPHABET.len() as u64;
    text.bytes().try_fold(0u64, |acc, byte| {
        let digit = ALPHABET.iter().position(|c| *c == byte)? as u64;
        acc.checked_mul(base)?.checked_add(digit)
    })
}

fn check(seed: u64, body: &str) -> String {
    encode(hash_parts(seed, &["operation-id", body]), CHECK_LEN)
}

fn mask(seed: u64) -> u64 {
    hash_parts(seed, &["operation-id-mask"])
}

/// The id of the run at `locator`.
pub(crate) fn run_id(seed: u64, locator: RunLocator) -> String {
    let packed = locator.pack().unwrap_or(u64::MAX);
    let body = encode(scramble(packed, mask(seed)), BODY_LEN);
    format!("{}{body}", check(seed, &body))
}

/// The locator an id was made from, if it is one of this seed's run ids.
pub(crate) fn parse_run_id(seed: u64, id: &str) -> Option<RunLocator> {
    if id.len() != ID_LEN || !id.is_ascii() {
        return None;
    }
    let (check_part, body) = id.split_at(CHECK_LEN);
    if check(seed, body) != check_part {
        return None;
    }
    let packed = unscramble(decode(body)?, mask(seed));
    let locator = RunLocator::unpack(packed);
    (locator.pack() == Some(packed)).then_some(locator)
}

/// A 20-character id for anything else derived from labels (messages, jobs).
pub(crate) fn derived_id(seed: u64, parts: &[&str]) -> String {
    let high = hash_parts(seed, parts);
    let low = hash_parts(seed ^ 0x5DEE_CE66, parts);
    format!("{}{}", encode(high, BODY_LEN), encode(low, CHECK_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_look_like_nangos() {
        for locator in [
            RunLocator {
                connection: 0,
                sync: 0,
                run: 0,
            },
            RunLocator {
                connection: 41,
                sync: 2,
                run: 287,
            },
            RunLocator {
                connection: 1_999,
                sync: 7,
                run: (1 << RUN_BITS) - 1,
            },
        ] {
            let id = run_id(42, locator);
            assert_eq!(id.len(), ID_LEN);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
            assert_eq!(parse_run_id(42, &id), Some(locator));
            assert_eq!(parse_run_id(43, &id), None, "another seed's id");
        }
        let a = run_id(
            42,
            RunLocator {
                connection: 3,
                sync: 1,
                run: 10,
            },
        );
        let b = run_id(
            42,
            RunLocator {
                connection: 3,
                sync: 1,
                run: 11,
            },
        );
        let shared = a.bytes().zip(b.bytes()).filter(|(x, y)| x == y).count();
        assert!(shared < 8, "neighbouring runs look unrelated: {a} {b}");
        assert_eq!(parse_run_id(42, "aAbBcCdDeEfFgGhH0002"), None);
        assert_eq!(parse_run_id(42, "short"), None);
    }

    #[test]
    fn inverse_is_an_inverse() {
        assert_eq!(MULTIPLIER.wrapping_mul(MULTIPLIER_INVERSE), 1);
        assert_eq!(unscramble(scramble(12_345, 99), 99), 12_345);
    }
}
