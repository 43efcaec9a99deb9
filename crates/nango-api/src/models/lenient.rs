//! Lists parsed row by row. Nango's lists are long and its rows vary (a provider whose
//! `token_url` is an object, a connection written by an older server): one row this client does
//! not understand is skipped and counted, never a failure of the whole answer.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

/// The rows of a list that parsed, and how many did not.
#[derive(Clone, Debug, PartialEq)]
pub struct Lenient<T> {
    pub items: Vec<T>,
    /// Rows that were not of the expected shape (left out of `items`).
    pub skipped: usize,
}

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            skipped: 0,
        }
    }
}

impl<T> Lenient<T> {
    /// The parsed rows; logs how many were skipped, for callers that cannot report it.
    pub fn into_items_logged(self, what: &'static str) -> Vec<T> {
        if self.skipped > 0 {
            tracing::warn!(
                what,
                skipped = self.skipped,
                "rows Nango sent that do not parse were left out"
            );
        }
        self.items
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Raw slices, not `Value`s: each row is parsed once more, but no tree is built twice.
        let rows = Vec::<Box<RawValue>>::deserialize(deserializer)?;
        let mut list = Self {
            items: Vec::with_capacity(rows.len()),
            skipped: 0,
        };
        for row in rows {
            match serde_json::from_str::<T>(row.get()) {
                Ok(item) => list.items.push(item),
                Err(_) => list.skipped += 1,
            }
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        name: String,
    }

    #[test]
    fn odd_rows_are_skipped_and_counted() {
        let list: Lenient<Row> =
            serde_json::from_str(r#"[{"name":"a"},{"name":3},null,{"name":"b","x":[1]}]"#).unwrap();
        assert_eq!(
            list.items,
            vec![Row { name: "a".into() }, Row { name: "b".into() }]
        );
        assert_eq!(list.skipped, 2);
    }

    #[test]
    fn a_non_list_is_still_an_error() {
        assert!(serde_json::from_str::<Lenient<Row>>(r#"{"name":"a"}"#).is_err());
    }
}
