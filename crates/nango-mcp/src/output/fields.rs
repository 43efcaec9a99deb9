//! The `fields` projection: compact rows by default, any field on request. Requested fields are
//! extra: they add to the defaults, never replace them (a caller asking for `errors` still wants
//! `health`; the dashboard's drill-down lost its Health column when `fields` replaced them).

use serde_json::{Map, Value};

use crate::errors::ToolError;

/// Which fields of a row to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldSelection {
    Default,
    All,
    /// The defaults plus these.
    Extra(Vec<String>),
}

impl FieldSelection {
    /// Parses the `fields` argument against the fields a row can have. `["*"]` or `["all"]` means all.
    pub fn parse(requested: Option<&[String]>, available: &[&str]) -> Result<Self, ToolError> {
        let Some(requested) = requested.filter(|fields| !fields.is_empty()) else {
            return Ok(Self::Default);
        };
        if requested.iter().any(|field| field == "*" || field == "all") {
            return Ok(Self::All);
        }
        let unknown: Vec<&str> = requested
            .iter()
            .map(String::as_str)
            .filter(|field| !available.contains(field))
            .collect();
        if !unknown.is_empty() {
            return Err(ToolError::invalid(
                "fields",
                format!(
                    "unknown field(s) {}; available: {} (or \"*\" for all)",
                    unknown.join(", "),
                    available.join(", ")
                ),
            ));
        }
        Ok(Self::Extra(requested.to_vec()))
    }

    /// Keeps the selected fields of a serialised row; `always` fields (ids) are kept regardless.
    pub fn project(&self, row: Value, defaults: &[&str], always: &[&str]) -> Value {
        let Value::Object(map) = row else { return row };
        let keep = |name: &str| match self {
            Self::All => true,
            Self::Default => defaults.contains(&name) || always.contains(&name),
            Self::Extra(fields) => {
                defaults.contains(&name)
                    || always.contains(&name)
                    || fields.iter().any(|field| field == name)
            }
        };
        Value::Object(
            map.into_iter()
                .filter(|(name, _)| keep(name))
                .collect::<Map<String, Value>>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projects_and_validates() {
        let available = ["id", "name", "email", "tags"];
        let row = json!({"id": 1, "name": "a", "email": "e", "tags": {}});
        let default = FieldSelection::parse(None, &available).unwrap();
        assert_eq!(
            default.project(row.clone(), &["name"], &["id"]),
            json!({"id": 1, "name": "a"})
        );
        let all = FieldSelection::parse(Some(&["*".into()]), &available).unwrap();
        assert_eq!(all.project(row.clone(), &["name"], &["id"]), row);
        let extra = FieldSelection::parse(Some(&["email".into()]), &available).unwrap();
        assert_eq!(
            extra.project(row, &["name"], &["id"]),
            json!({"id": 1, "name": "a", "email": "e"})
        );
        let error = FieldSelection::parse(Some(&["password".into()]), &available).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("available: id, name, email, tags")
        );
    }
}
