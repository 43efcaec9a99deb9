//! Keeps every answer under a token budget by cutting lists at a row boundary, never mid-JSON.
//!
//! Tokens are counted, not guessed: [`super::tokens::upper_bound`] is o200k's count (the
//! tokenizer current models use) on ASCII text and never fewer elsewhere; `tests/token_bound.rs`
//! holds it to tiktoken. It needs no tokenizer tables in memory (tiktoken kept about 50 MB
//! resident). Counting is skipped for short texts: every token covers at least
//! one byte, so a text of at most `budget` bytes fits without looking.

use serde::Serialize;

use super::tokens;

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
    /// Whether `text` fits in this budget.
    pub fn fits(self, text: &str) -> bool {
        text.len() <= self.tokens || count_tokens(text) <= self.tokens
    }

    /// Whether both representations of an answer fit: clients give the model one of them, so
    /// each must fit on its own.
    pub fn fits_answer(self, text: &str, structured_json: &str) -> bool {
        self.fits(text) && self.fits(structured_json)
    }
}

/// At most how many o200k tokens `text` is (special-token markers in data count as text).
pub fn count_tokens(text: &str) -> usize {
    tokens::upper_bound(text)
}

/// How many leading rows fit in `room` tokens (each row as compact JSON plus a separator); at
/// least one when any row exists and the first row alone fits twice over, so paging always
/// makes progress.
pub fn rows_that_fit<T: Serialize>(rows: &[T], room: usize) -> usize {
    let json: Vec<String> = rows
        .iter()
        .map(|row| serde_json::to_string(row).unwrap_or_default())
        .collect();
    let bytes: usize = json.iter().map(|row| row.len() + 1).sum();
    // Every token covers at least a byte: rows that fit in bytes fit in tokens.
    if bytes <= room {
        return rows.len();
    }
    let mut used = 0usize;
    for (index, row) in json.iter().enumerate() {
        let size = count_tokens(row) + 1;
        used += size;
        if used > room {
            return index.max(usize::from(index == 0 && size <= room * 2));
        }
    }
    rows.len()
}

/// Tokens left for rows once the fixed part of an answer is set aside (counted as one token
/// per two bytes: headers and labels are dense text).
pub fn room_for_rows(budget: TokenBudget, fixed_overhead_bytes: usize) -> usize {
    budget
        .tokens
        .saturating_sub(fixed_overhead_bytes / 2)
        .max(256)
}

/// The largest `keep` in `0..=rows` for which `fits(keep)` holds, assuming fewer rows never
/// fit worse; `fits(0)` is not asked (an empty page is the caller's business).
pub fn largest_fitting(rows: usize, mut fits: impl FnMut(usize) -> bool) -> usize {
    if rows == 0 || fits(rows) {
        return rows;
    }
    let (mut fitting, mut too_many) = (0, rows);
    while too_many - fitting > 1 {
        let middle = fitting + (too_many - fitting) / 2;
        if fits(middle) {
            fitting = middle;
        } else {
            too_many = middle;
        }
    }
    fitting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_row_boundary() {
        let rows: Vec<String> = (0..100).map(|i| format!("row-{i:04}")).collect();
        // "row-0000" quoted is 4 tokens ("\"", "row", "-", "000", "0\"" merge differently);
        // whatever the count, the cut is where the counted tokens run out.
        let per_row = count_tokens("\"row-0000\"") + 1;
        assert_eq!(rows_that_fit(&rows, per_row * 10 + 1), 10);
        assert_eq!(rows_that_fit(&rows, 100_000), 100);
        assert_eq!(rows_that_fit(&rows[..0], 10), 0);
    }

    #[test]
    fn a_single_oversized_row_still_makes_progress_when_close() {
        let rows = vec!["x y ".repeat(40)];
        let tokens = count_tokens(&serde_json::to_string(&rows[0]).unwrap());
        assert_eq!(rows_that_fit(&rows, tokens - 5), 1);
        let huge = vec!["x y ".repeat(5_000)];
        assert_eq!(rows_that_fit(&huge, 100), 0);
    }

    #[test]
    fn counts_o200k_tokens_and_short_texts_fit_without_counting() {
        assert_eq!(count_tokens("hello world"), 2);
        let budget = TokenBudget { tokens: 12 };
        assert!(budget.fits("0123456789ab"));
        // 38 bytes of plain words are 10 tokens.
        assert!(budget.fits("the cat sat on the mat and the dog too"));
        assert!(!budget.fits(&"a1 ".repeat(20)));
        assert!(!budget.fits_answer("short", &"a1 ".repeat(20)));
    }

    #[test]
    fn largest_fitting_finds_the_boundary() {
        assert_eq!(largest_fitting(50, |keep| keep <= 50), 50);
        assert_eq!(largest_fitting(50, |keep| keep <= 36), 36);
        assert_eq!(largest_fitting(50, |_| false), 0);
        assert_eq!(largest_fitting(0, |_| false), 0);
    }
}
