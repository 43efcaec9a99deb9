//! How many o200k tokens a text is, without tiktoken's 50 MB of tables.
//!
//! o200k cuts a text into pieces ([`pieces`]) and byte-pair merges each piece on its own. For
//! ASCII pieces this module does exactly what tiktoken does, with the vocabulary's ASCII tokens
//! and ranks read in place ([`vocabulary`]): a piece that is a token is one token, otherwise
//! the adjacent pair with the lowest rank is joined until none joins. Outside ASCII the
//! pre-tokenizer's classes are approximate and the table holds no tokens, so a piece with
//! non-ASCII text, and its neighbours, count one token per byte (a token is at least one byte).
//! The count is therefore exact on ASCII text and never lower than o200k's on any text.

mod pieces;
mod vocabulary;

pub use pieces::pieces;
pub use vocabulary::{is_token, rank, stored_tokens};

/// Pieces longer than this (runs of one symbol, say) are counted by bytes instead of merged:
/// merging is quadratic in a piece's length.
const LONGEST_MERGED: usize = 256;

/// At most how many o200k tokens `text` encodes to (special-token markers count as text);
/// exactly that many when `text` is ASCII.
pub fn upper_bound(text: &str) -> usize {
    let counts: Vec<(usize, usize, bool)> = pieces(text)
        .map(|piece| (piece_tokens(piece), piece.len(), piece.is_ascii()))
        .collect();
    let ascii_at = |at: Option<usize>| at.and_then(|at| counts.get(at)).is_none_or(|c| c.2);
    counts
        .iter()
        .enumerate()
        .map(|(at, &(tokens, bytes, ascii))| {
            let near_other_text = !ascii || !ascii_at(at.checked_sub(1)) || !ascii_at(Some(at + 1));
            if near_other_text { bytes } else { tokens }
        })
        .sum()
}

fn piece_tokens(piece: &str) -> usize {
    let bytes = piece.as_bytes();
    if bytes.len() <= 1 || is_token(bytes) {
        bytes.len().min(1)
    } else if !piece.is_ascii() || bytes.len() > LONGEST_MERGED {
        bytes.len()
    } else {
        merged_tokens(bytes)
    }
}

/// Byte-pair merging as tiktoken does it: start from single bytes and join the adjacent pair
/// whose joined bytes have the lowest rank (the leftmost on a tie) until no pair is a token.
/// Only the two pairs beside a join change, so only they are looked up again.
pub fn merged_tokens(piece: &[u8]) -> usize {
    // starts[k]: where part k begins; ranks[k]: rank of parts k and k + 1 joined.
    let mut starts: Vec<usize> = (0..=piece.len()).collect();
    let joined_rank = |starts: &[usize], at: usize| -> Option<u32> {
        let (&from, &to) = (starts.get(at)?, starts.get(at + 2)?);
        rank(piece.get(from..to)?)
    };
    let mut ranks: Vec<Option<u32>> = (0..piece.len().saturating_sub(1))
        .map(|at| joined_rank(&starts, at))
        .collect();
    loop {
        let lowest = ranks
            .iter()
            .enumerate()
            .filter_map(|(at, rank)| Some(((*rank)?, at)))
            .min();
        let Some((_, at)) = lowest else {
            return starts.len() - 1;
        };
        starts.remove(at + 1);
        ranks.remove(at);
        if let Some(slot) = ranks.get_mut(at) {
            *slot = joined_rank(&starts, at);
        }
        if let Some(before) = at.checked_sub(1)
            && let Some(slot) = ranks.get_mut(before)
        {
            *slot = joined_rank(&starts, before);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_tokens_count_one_and_unknown_words_a_few() {
        assert_eq!(upper_bound(""), 0);
        assert_eq!(upper_bound("hello world"), 2);
        assert_eq!(upper_bound(r#"{"name":"x"}"#), 5);
        assert_eq!(merged_tokens(b"hello"), 1);
        assert!((2..=6).contains(&merged_tokens(b"hubspotqz")));
    }

    #[test]
    fn text_beside_other_scripts_counts_its_bytes() {
        assert_eq!(upper_bound("é"), 2);
        assert_eq!(upper_bound("hello é"), "hello é".len());
        assert_eq!(upper_bound("hello world é"), 1 + " world é".len());
    }
}
