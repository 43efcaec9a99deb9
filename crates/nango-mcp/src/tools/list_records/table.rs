//! The text of a page of records: a tab-separated table when every record is flat (its payload
//! holds no object or array), JSON lines otherwise. The structured answer is not affected.

use super::RecordRow;
use crate::output::tsv;

/// The metadata columns, before the payload's fields.
const CONNECTION: &str = "connection_id";
const ID: &str = "id";
const LAST_ACTION: &str = "last_action";
const LAST_MODIFIED: &str = "last_modified_at";
const DELETED: &str = "deleted_at";

/// Which columns a page's table has.
pub(super) struct Layout {
    connection: bool,
    deleted: bool,
    fields: Vec<String>,
}

impl Layout {
    /// The table for `rows`, or `None` when a record is nested (or names a payload field like
    /// a metadata column, which would make its header ambiguous).
    pub(super) fn of(rows: &[RecordRow]) -> Option<Self> {
        let mut fields: Vec<String> = Vec::new();
        for row in rows {
            for (name, value) in &row.data {
                if !tsv::is_scalar(value) {
                    return None;
                }
                if !fields.contains(name) {
                    fields.push(name.clone());
                }
            }
        }
        let metadata = [CONNECTION, ID, LAST_ACTION, LAST_MODIFIED, DELETED];
        if fields.iter().any(|name| metadata.contains(&name.as_str())) {
            return None;
        }
        Some(Self {
            connection: rows.iter().any(|row| row.connection_id.is_some()),
            deleted: rows.iter().any(|row| row.deleted_at.is_some()),
            fields,
        })
    }

    pub(super) fn header(&self) -> String {
        let mut names = Vec::with_capacity(self.fields.len() + 5);
        if self.connection {
            names.push(CONNECTION);
        }
        names.extend([ID, LAST_ACTION, LAST_MODIFIED]);
        if self.deleted {
            names.push(DELETED);
        }
        names.extend(self.fields.iter().map(String::as_str));
        tsv::line(names)
    }

    pub(super) fn line(&self, row: &RecordRow) -> String {
        let text =
            |value: &Option<String>| value.as_deref().map(tsv::string_cell).unwrap_or_default();
        let mut cells = Vec::with_capacity(self.fields.len() + 5);
        if self.connection {
            cells.push(text(&row.connection_id));
        }
        cells.push(text(&row.id));
        cells.push(tsv::string_cell(&row.last_action));
        cells.push(text(&row.last_modified_at));
        if self.deleted {
            cells.push(text(&row.deleted_at));
        }
        cells.extend(self.fields.iter().map(|name| tsv::cell(row.data.get(name))));
        tsv::line(cells)
    }
}

/// One record as a JSON line (also its share of the structured answer).
pub(super) fn json_line(row: &RecordRow) -> String {
    serde_json::to_string(row).unwrap_or_default()
}

/// The records' text: the table's header and lines, or JSON lines.
pub(super) fn body(rows: &[RecordRow]) -> String {
    let mut lines: Vec<String> = Vec::with_capacity(rows.len() + 1);
    match Layout::of(rows) {
        Some(layout) => {
            lines.push(layout.header());
            lines.extend(rows.iter().map(|row| layout.line(row)));
        }
        None => lines.extend(rows.iter().map(json_line)),
    }
    lines.join("\n")
}

/// Whether the text of `rows` is a table (said in the answer, so a reader knows how to read it).
pub(super) fn is_table(rows: &[RecordRow]) -> bool {
    !rows.is_empty() && Layout::of(rows).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn record(id: &str, data: Value) -> RecordRow {
        let Value::Object(data) = data else {
            panic!("an object")
        };
        RecordRow {
            connection_id: None,
            id: Some(id.to_owned()),
            last_action: "ADDED".to_owned(),
            last_modified_at: Some("2026-12-08T00:00:00Z".to_owned()),
            deleted_at: None,
            data,
            nango_cursor: String::new(),
        }
    }

    #[test]
    fn flat_records_become_a_table_with_every_field_once() {
        let rows = vec![
            record("1", json!({"name": "Ada", "age": 36})),
            record("2", json!({"name": "", "email": "b@x.io"})),
        ];
        assert_eq!(
            body(&rows),
            "id\tlast_action\tlast_modified_at\tname\tage\temail\n\
             1\tADDED\t2026-12-08T00:00:00Z\tAda\t36\t\n\
             2\tADDED\t2026-12-08T00:00:00Z\t\"\"\t\tb@x.io"
        );
    }

    #[test]
    fn a_nested_record_keeps_the_page_in_json_lines() {
        let rows = vec![
            record("1", json!({"name": "Ada"})),
            record("2", json!({"address": {"city": "Paris"}})),
        ];
        let text = body(&rows);
        assert!(text.starts_with("{\"id\":\"1\""), "{text}");
        assert_eq!(text.lines().count(), 2);
        assert!(!is_table(&rows));
        let clash = vec![record("1", json!({"last_action": "x"}))];
        assert!(Layout::of(&clash).is_none());
        assert!(Layout::of(&[record("1", Value::Object(Map::new()))]).is_some());
    }
}
