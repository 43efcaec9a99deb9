//! Flat rows as a tab-separated table: a header line naming the columns, then one line per row.
//! Field names are written once instead of once per row, which makes a page of flat records
//! about a third smaller in tokens than JSON lines.
//!
//! A cell is the value bare: numbers and booleans as JSON writes them, strings as they are. A
//! string that could be misread (empty, holding a tab or line break, or starting with `"`) is
//! written as a JSON string literal instead; null and absent are both an empty cell.

use serde_json::Value;

/// Whether a value fits one cell (no object or array inside).
pub fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// One cell's text.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => string_cell(text),
        Some(other) => other.to_string(),
    }
}

/// A string cell: bare unless it could be misread.
pub fn string_cell(text: &str) -> String {
    let ambiguous = text.is_empty() || text.starts_with('"') || text.contains(['\t', '\n', '\r']);
    if ambiguous {
        serde_json::to_string(text).unwrap_or_default()
    } else {
        text.to_owned()
    }
}

/// One line of cells.
pub fn line<I, S>(cells: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for (index, cell) in cells.into_iter().enumerate() {
        if index > 0 {
            out.push('\t');
        }
        out.push_str(cell.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_bare_unless_they_could_be_misread() {
        assert_eq!(cell(Some(&json!("Ada Lovelace"))), "Ada Lovelace");
        assert_eq!(cell(Some(&json!(42.5))), "42.5");
        assert_eq!(cell(Some(&json!(true))), "true");
        assert_eq!(cell(Some(&Value::Null)), "");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(&json!(""))), "\"\"");
        assert_eq!(cell(Some(&json!("a\tb\nc"))), r#""a\tb\nc""#);
        assert_eq!(cell(Some(&json!("\"quoted\""))), r#""\"quoted\"""#);
        assert_eq!(line(["a", "", "c"]), "a\t\tc");
    }

    #[test]
    fn only_scalars_fit_a_cell() {
        assert!(is_scalar(&json!("x")) && is_scalar(&json!(1)) && is_scalar(&Value::Null));
        assert!(!is_scalar(&json!([1])) && !is_scalar(&json!({"a": 1})));
    }
}
