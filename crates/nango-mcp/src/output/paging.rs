//! Offset paging for lists the server re-reads from Nango on every call: the cursor encodes only a
//! position, so any replica can continue any listing.

use serde::{Deserialize, Serialize};

use super::{TokenBudget, budget, cursor};
use crate::errors::ToolError;

#[derive(Serialize, Deserialize)]
struct Position {
    offset: usize,
}

/// Which slice of a list one answer shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetPage {
    pub offset: usize,
    pub limit: usize,
}

impl OffsetPage {
    /// From the `limit` and `cursor` arguments; `limit` above `max` is lowered to it.
    pub fn parse(
        limit: Option<usize>,
        default: usize,
        max: usize,
        cursor: Option<&str>,
    ) -> Result<Self, ToolError> {
        let offset = match cursor {
            Some(token) => cursor::decode::<Position>(token)?.offset,
            None => 0,
        };
        Ok(Self {
            offset,
            limit: positive_limit(limit, default, max)?,
        })
    }

    /// This page of `items` (the whole list) turned into rows by `to_row` (only for the page),
    /// cut to the token budget left after `overhead_bytes`, and the next page's cursor.
    pub fn take<I, T: Serialize>(
        &self,
        items: impl IntoIterator<Item = I>,
        to_row: impl FnMut(I) -> T,
        total: usize,
        token_budget: TokenBudget,
        overhead_bytes: usize,
    ) -> (Vec<T>, Option<String>) {
        let mut page: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(to_row)
            .collect();
        page.truncate(budget::rows_that_fit(
            &page,
            budget::room_for_rows(token_budget, overhead_bytes),
        ));
        let end = self.offset + page.len();
        let next = (end < total).then(|| cursor::encode(&Position { offset: end }));
        (page, next)
    }
}

/// `limit` (or `default`), at most `max`. Zero is refused: it used to become 1 silently, which
/// answered a question nobody asked.
pub fn positive_limit(
    limit: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ToolError> {
    match limit {
        Some(0) => Err(ToolError::invalid(
            "limit",
            format!("must be at least 1 (up to {max}); omit it for {default}"),
        )),
        other => Ok(other.unwrap_or(default).min(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_through_a_list_and_resumes_from_the_cursor() {
        let rows: Vec<u32> = (0..25).collect();
        let first = OffsetPage::parse(Some(10), 50, 100, None).unwrap();
        let (page, next) = first.take(
            rows.clone(),
            |row| row,
            rows.len(),
            TokenBudget::default(),
            0,
        );
        assert_eq!(page, (0..10).collect::<Vec<_>>());
        let second = OffsetPage::parse(Some(10), 50, 100, next.as_deref()).unwrap();
        assert_eq!(second.offset, 10);
        let third = OffsetPage::parse(Some(10), 50, 100, None).unwrap();
        let (_, last) = OffsetPage {
            offset: 20,
            ..third
        }
        .take(
            rows.clone(),
            |row| row,
            rows.len(),
            TokenBudget::default(),
            0,
        );
        assert!(last.is_none());
        let zero = OffsetPage::parse(Some(0), 50, 100, None).unwrap_err();
        assert!(zero.to_string().contains("at least 1"), "{zero}");
        assert_eq!(
            OffsetPage::parse(Some(10_000), 50, 100, None)
                .unwrap()
                .limit,
            100
        );
    }

    #[test]
    fn a_tight_budget_cuts_the_page_and_the_cursor_resumes_after_it() {
        let rows: Vec<String> = (0..500).map(|i| format!("{i:0>100}")).collect();
        let page = OffsetPage::parse(Some(500), 50, 1_000, None).unwrap();
        let (shown, next) = page.take(
            rows.clone(),
            |row| row,
            rows.len(),
            TokenBudget { tokens: 1_000 },
            0,
        );
        assert!(shown.len() < 500 && !shown.is_empty());
        let resumed = OffsetPage::parse(Some(500), 50, 1_000, next.as_deref()).unwrap();
        assert_eq!(resumed.offset, shown.len());
    }
}
