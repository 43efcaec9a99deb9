//! The o200k vocabulary's ASCII tokens and their ranks, read in place from
//! `data/o200k-ascii.bin` (written by `xtask token-table`). Lookups go through a hash index of
//! 1 MiB built on first use: a binary search over the 1.3 MB table missed the cache at nearly
//! every step, and lookups were most of a long answer's counting time.

use std::sync::OnceLock;

static TABLE: &[u8] = include_bytes!("../../../data/o200k-ascii.bin");

/// Token lengths the table can hold (its length field is one byte).
const LENGTHS: usize = 256;

/// The tokens of one length, sorted, and their ranks in the same order.
#[derive(Clone, Copy)]
struct Group {
    tokens: &'static [u8],
    ranks: &'static [u8],
}

const EMPTY: Group = Group {
    tokens: &[],
    ranks: &[],
};

/// Whether `bytes` is one o200k token. Every single ASCII byte is one; longer tokens are
/// looked up. Non-ASCII bytes are never claimed to be a token (the table holds ASCII only).
pub fn is_token(bytes: &[u8]) -> bool {
    bytes.len() == 1 && bytes.is_ascii() || rank(bytes).is_some()
}

/// The merge rank of the token `bytes` (two bytes or more), if it is one.
pub fn rank(bytes: &[u8]) -> Option<u32> {
    let group = groups().get(bytes.len())?;
    let at = index().find(bytes)?;
    let rank = group.ranks.get(at * 4..at * 4 + 4)?.first_chunk::<4>()?;
    Some(u32::from_le_bytes(*rank))
}

/// How many tokens the table holds (for the test that it is the whole ASCII vocabulary).
pub fn stored_tokens() -> usize {
    groups().iter().map(|group| group.ranks.len() / 4).sum()
}

/// The table's groups, by token length: `[length: u8][count: u32 LE][tokens][ranks]`.
fn groups() -> &'static [Group; LENGTHS] {
    static GROUPS: OnceLock<[Group; LENGTHS]> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut groups = [EMPTY; LENGTHS];
        let mut rest = TABLE;
        while let Some((&length, after_length)) = rest.split_first() {
            let Some((count, after_count)) = after_length.split_first_chunk::<4>() else {
                break;
            };
            let count = u32::from_le_bytes(*count) as usize;
            let Some((tokens, after_tokens)) =
                after_count.split_at_checked(count * usize::from(length))
            else {
                break;
            };
            let Some((ranks, after)) = after_tokens.split_at_checked(count * 4) else {
                break;
            };
            if let Some(slot) = groups.get_mut(usize::from(length)) {
                *slot = Group { tokens, ranks };
            }
            rest = after;
        }
        groups
    })
}

/// Open-addressing hash index over every stored token: each slot holds `length << 24 | position
/// in its group`, plus one (0 is an empty slot); probing is linear.
struct Index {
    slots: Vec<u32>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let size = (stored_tokens() * 2).next_power_of_two();
        let mut index = Index {
            slots: vec![0; size],
        };
        for (length, group) in groups().iter().enumerate() {
            let tokens = group.tokens.chunks_exact(length.max(1));
            for (at, token) in tokens.enumerate().filter(|_| length >= 2) {
                index.insert(token, (length << 24 | at) as u32 + 1);
            }
        }
        index
    })
}

impl Index {
    fn insert(&mut self, token: &[u8], entry: u32) {
        let mask = self.slots.len() - 1;
        let mut slot = hash(token) & mask;
        while let Some(taken) = self.slots.get_mut(slot) {
            if *taken == 0 {
                *taken = entry;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The position of `token` in the group of its length.
    fn find(&self, token: &[u8]) -> Option<usize> {
        let group = groups().get(token.len())?;
        let mask = self.slots.len().checked_sub(1)?;
        let mut slot = hash(token) & mask;
        loop {
            let entry = self.slots.get(slot)?.checked_sub(1)?;
            let (length, at) = ((entry >> 24) as usize, (entry & 0x00ff_ffff) as usize);
            if length == token.len()
                && group.tokens.get(at * length..(at + 1) * length) == Some(token)
            {
                return Some(at);
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// FxHash over bytes, fast on short keys. The index never changes once built, so no text looked
/// up can lengthen a probe.
fn hash(bytes: &[u8]) -> usize {
    bytes.iter().fold(0u64, |hash, &byte| {
        (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_tokens_and_refuses_what_is_not_one() {
        assert!(is_token(b"hello"));
        assert!(is_token(b" world"));
        assert!(is_token(b"\":\""));
        assert!(is_token(b"a"));
        assert!(!is_token(b""));
        assert!(!is_token("é".as_bytes()));
        assert!(!is_token(b"qzxjvkqzxjvk"));
        assert!(rank(b"in").is_some_and(|common| rank(b"qx").is_none_or(|rare| common < rare)));
        assert!(stored_tokens() > 100_000);
    }
}
