//! How many records of a page fit the token budget. Each row is counted once, in its text line
//! and in its share of the structured JSON, and the counts are summed until the budget runs
//! out; the answer built from that many rows is then counted whole once to confirm it. Cutting
//! by bisection instead counted several whole candidate answers per page, which made a long
//! walk at the default budget three times slower.

use super::{Output, RecordRow, fields_seen, table};
use crate::output::budget::{self, TokenBudget, count_tokens};

/// Tokens set aside for what an empty answer lacks: the next cursor.
const CURSOR_ROOM: usize = 64;

/// Rows a confirmation may drop one by one before falling back to bisection.
const CONFIRM_STEPS: usize = 3;

/// The number of leading `rows` whose answer fits: `fits(keep)` says whether the answer with
/// `keep` rows does, `empty` is the answer with none.
pub(super) fn rows_within(
    budget: TokenBudget,
    rows: &[RecordRow],
    empty: &Output,
    fits: impl Fn(usize) -> bool,
) -> usize {
    let mut keep = estimate(budget, rows, empty);
    for _ in 0..CONFIRM_STEPS {
        if keep == 0 || fits(keep) {
            return keep;
        }
        keep -= 1;
    }
    budget::largest_fitting(keep, fits)
}

/// Rows whose summed counts fit beside the fixed part of the answer.
fn estimate(budget: TokenBudget, rows: &[RecordRow], empty: &Output) -> usize {
    let layout = table::Layout::of(rows);
    let fields = count_tokens(&serde_json::to_string(&fields_seen(rows)).unwrap_or_default());
    let header = layout
        .as_ref()
        .map_or(0, |layout| count_tokens(&layout.header()) + 1);
    let fixed = fields + CURSOR_ROOM;
    let structured = serde_json::to_string(empty).unwrap_or_default();
    let mut json_used = count_tokens(&structured) + fixed;
    let mut text_used = count_tokens(&super::ListRecords::render_text(empty)) + fixed + header;
    let mut keep = 0;
    for row in rows {
        let json = table::json_line(row);
        let json_tokens = count_tokens(&json) + 1;
        let text_tokens = match &layout {
            Some(layout) => count_tokens(&layout.line(row)) + 1,
            None => json_tokens,
        };
        if json_used + json_tokens > budget.tokens || text_used + text_tokens > budget.tokens {
            break;
        }
        json_used += json_tokens;
        text_used += text_tokens;
        keep += 1;
    }
    keep
}
