//! The o200k vocabulary's ASCII tokens and their ranks, read in place from
//! `data/o200k-ascii.bin` (written by `xtask token-table`): a lookup is a binary search among
//! the tokens of its length, with no allocation and only the pages it touches resident.

use std::{cmp::Ordering, sync::OnceLock};

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
    let at = find(group.tokens, bytes)?;
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

/// Binary search in a group of sorted tokens that all have `token`'s length.
fn find(tokens: &[u8], token: &[u8]) -> Option<usize> {
    let width = token.len();
    let (mut low, mut high) = (0, tokens.len().checked_div(width)?);
    while low < high {
        let middle = low + (high - low) / 2;
        let entry = tokens.get(middle * width..(middle + 1) * width)?;
        match entry.cmp(token) {
            Ordering::Less => low = middle + 1,
            Ordering::Greater => high = middle,
            Ordering::Equal => return Some(middle),
        }
    }
    None
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
