//! Keeps every answer under a token budget by cutting lists at a row boundary, never mid-JSON.
//!
//! Tokens are estimated from bytes (about 3.6 bytes per token for JSON-ish English with the o200k
//! tokenizer), which errs on the safe side and costs nothing at run time.

use serde::Serialize;

const BYTES_PER_TOKEN: f64 = 3.6;

/// The default budget (~8,000 tokens), which SPEC.md asks for.
pub const DEFAULT_TOKENS: usize = 8_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBudget {
    pub tokens: usize,
}

impl Default for TokenBudget {
    fn default() -> Self {
        Self {
            tokens: DEFAULT_TOKENS,
        }
    }
}

impl TokenBudget {
    pub fn bytes(self) -> usize {
        (self.tokens as f64 * BYTES_PER_TOKEN) as usize
    }
}

/// Estimated tokens of a text.
pub fn estimate_tokens(text: &str) -> usize {
    (text.len() as f64 / BYTES_PER_TOKEN).ceil() as usize
}

/// How many leading rows fit in `room` bytes of JSON; at least one when any row exists and the
/// first row alone fits, so paging always makes progress.
pub fn rows_that_fit<T: Serialize>(rows: &[T], room: usize) -> usize {
    let mut used = 0usize;
    for (index, row) in rows.iter().enumerate() {
        let size = serde_json::to_vec(row).map_or(0, |bytes| bytes.len()) + 1;
        used += size;
        if used > room {
            return index.max(usize::from(index == 0 && size <= room * 2));
        }
    }
    rows.len()
}

/// The room left for rows once the fixed part of an answer is accounted for. Text and structured
/// content are both sent, and each must fit on its own; the text rendering is never larger than
/// the JSON, so budgeting the JSON bounds both.
pub fn room_for_rows(budget: TokenBudget, fixed_overhead_bytes: usize) -> usize {
    budget
        .bytes()
        .saturating_sub(fixed_overhead_bytes)
        .max(1_024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_row_boundary() {
        let rows: Vec<String> = (0..100).map(|i| format!("row-{i:04}")).collect();
        // each row serialises to 11 bytes ("row-0000" quoted) + 1 separator
        assert_eq!(rows_that_fit(&rows, 12 * 10), 10);
        assert_eq!(rows_that_fit(&rows, 100_000), 100);
        assert_eq!(rows_that_fit(&rows[..0], 10), 0);
    }

    #[test]
    fn a_single_oversized_row_still_makes_progress_when_close() {
        let rows = vec!["x".repeat(150)];
        assert_eq!(rows_that_fit(&rows, 100), 1);
        let huge = vec!["x".repeat(10_000)];
        assert_eq!(rows_that_fit(&huge, 100), 0);
    }
}
