//! Strict query-string validation with zod-like issues, like Nango's controllers:
//! unknown keys → `unrecognized_keys`, missing → `invalid_type`, bad numbers → `too_small`…

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::json::ApiError;

/// Decoded query pairs, in order, repeated keys kept.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (`+` and percent-escapes decoded).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|raw| {
                url::form_urlencoded::parse(raw.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// All values of `key`.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Deep-object entries `prefix[inner]=value` as (inner, value).
    pub fn deep_object(&self, prefix: &str) -> Vec<(&str, &str)> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                let inner = k
                    .strip_prefix(prefix)?
                    .strip_prefix('[')?
                    .strip_suffix(']')?;
                Some((inner, v.as_str()))
            })
            .collect()
    }

    /// Keys not in `allowed` (and not a `deep[…]` key of an allowed deep object), deduplicated.
    fn unknown_keys(&self, allowed: &[&str], deep_objects: &[&str]) -> Vec<&str> {
        let mut unknown: Vec<&str> = Vec::new();
        for (key, _) in &self.pairs {
            let deep = deep_objects.iter().any(|prefix| {
                key.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('[') && rest.ends_with(']'))
            });
            if !allowed.contains(&key.as_str()) && !deep && !unknown.contains(&key.as_str()) {
                unknown.push(key);
            }
        }
        unknown
    }
}

/// Collects validation issues and turns them into one `400` envelope.
#[derive(Debug, Default)]
pub struct Issues {
    issues: Vec<Value>,
}

impl Issues {
    /// Adds an issue.
    pub fn push(&mut self, code: &str, message: impl Into<String>, path: &str) {
        let path: Vec<Value> = if path.is_empty() {
            Vec::new()
        } else {
            vec![Value::String(path.to_owned())]
        };
        self.issues
            .push(json!({ "code": code, "message": message.into(), "path": path }));
    }

    /// Required string missing.
    pub fn missing(&mut self, field: &str) {
        self.push(
            "invalid_type",
            "Invalid input: expected string, received undefined",
            field,
        );
    }

    /// String failing a pattern.
    pub fn pattern(&mut self, field: &str, pattern: &str) {
        self.push(
            "invalid_format",
            format!("Invalid string: must match pattern /{pattern}/"),
            field,
        );
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// Adds the strict-object check for unknown keys (zod reports it after field issues).
    pub fn reject_unknown(&mut self, query: &Query, allowed: &[&str], deep_objects: &[&str]) {
        let unknown = query.unknown_keys(allowed, deep_objects);
        match unknown.as_slice() {
            [] => {}
            [single] => self.push(
                "unrecognized_keys",
                format!("Unrecognized key: \"{single}\""),
                "",
            ),
            many => {
                let list = many
                    .iter()
                    .map(|k| format!("\"{k}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.push(
                    "unrecognized_keys",
                    format!("Unrecognized keys: {list}"),
                    "",
                );
            }
        }
    }

    /// `Ok` or `400 {"error":{"code": code, "errors": [...]}}`.
    pub fn finish(self, code: &str) -> Result<(), ApiError> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(ApiError::raw(
                StatusCode::BAD_REQUEST,
                json!({ "code": code, "errors": self.issues }),
            ))
        }
    }
}

/// Reads a single-valued string param; repeating it is an error, as with Express + zod.
pub fn single<'a>(query: &'a Query, key: &str, issues: &mut Issues) -> Option<&'a str> {
    let values = query.all(key);
    match values.as_slice() {
        [] => None,
        [value] => Some(value),
        _ => {
            issues.push(
                "invalid_type",
                "Invalid input: expected string, received array",
                key,
            );
            None
        }
    }
}

/// Reads a required single string param.
pub fn required<'a>(query: &'a Query, key: &str, issues: &mut Issues) -> Option<&'a str> {
    let value = single(query, key, issues);
    if value.is_none() && query.all(key).is_empty() {
        issues.missing(key);
    }
    value
}

/// Reads an optional integer param within `min..=max` (`z.coerce.number().int().min().max()`).
pub fn integer(
    query: &Query,
    key: &str,
    min: i64,
    max: Option<i64>,
    issues: &mut Issues,
) -> Option<i64> {
    let raw = single(query, key, issues)?;
    let number: f64 = if raw.trim().is_empty() {
        0.0
    } else {
        raw.trim().parse().unwrap_or(f64::NAN)
    };
    if number.is_nan() {
        issues.push(
            "invalid_type",
            "Invalid input: expected number, received NaN",
            key,
        );
        return None;
    }
    if number.fract() != 0.0 || !number.is_finite() {
        issues.push(
            "invalid_type",
            "Invalid input: expected int, received number",
            key,
        );
        return None;
    }
    // In range of i64 after the checks above; saturating cast is fine for absurd inputs.
    #[allow(clippy::cast_possible_truncation)]
    let value = number as i64;
    if value < min {
        issues.push(
            "too_small",
            format!("Too small: expected number to be >={min}"),
            key,
        );
        return None;
    }
    if let Some(max) = max
        && value > max
    {
        issues.push(
            "too_big",
            format!("Too big: expected number to be <={max}"),
            key,
        );
        return None;
    }
    Some(value)
}

/// Reads an optional `"true"`/`"false"` param.
pub fn boolean(query: &Query, key: &str, issues: &mut Issues) -> Option<bool> {
    match single(query, key, issues)? {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            issues.push(
                "invalid_value",
                "Invalid option: expected one of \"true\"|\"false\"",
                key,
            );
            None
        }
    }
}

/// `^[A-Z][a-zA-Z0-9_-]+$`, Nango's model-name pattern.
pub fn is_model_name(candidate: &str) -> bool {
    let mut chars = candidate.chars();
    matches!(chars.next(), Some(first) if first.is_ascii_uppercase())
        && candidate.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `^[a-zA-Z0-9~:.@ _-]+$`, the provider search pattern.
pub fn is_provider_search(candidate: &str) -> bool {
    !candidate.is_empty()
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "~:.@ _-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_deep_objects() {
        let query = Query::parse(Some("tags[end_user_id]=u1&limit=5&foo=bar&foo=baz"));
        assert_eq!(query.deep_object("tags"), vec![("end_user_id", "u1")]);
        let mut issues = Issues::default();
        issues.reject_unknown(&query, &["limit"], &["tags"]);
        assert!(!issues.is_empty());
        let err = issues
            .finish("invalid_query_params")
            .expect_err("foo is unknown");
        assert_eq!(
            err.error["errors"][0]["message"],
            "Unrecognized key: \"foo\""
        );
    }

    #[test]
    fn integers_follow_zod_messages() {
        let query = Query::parse(Some("limit=0&page=x&size=1.5&ok=7"));
        let mut issues = Issues::default();
        assert_eq!(integer(&query, "limit", 1, Some(10), &mut issues), None);
        assert_eq!(integer(&query, "page", 0, None, &mut issues), None);
        assert_eq!(integer(&query, "size", 0, None, &mut issues), None);
        assert_eq!(integer(&query, "ok", 0, Some(10), &mut issues), Some(7));
        let err = issues
            .finish("invalid_query_params")
            .expect_err("three issues");
        let codes: Vec<&str> = err.error["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["too_small", "invalid_type", "invalid_type"]);
    }

    #[test]
    fn patterns() {
        assert!(is_model_name("GithubIssue"));
        assert!(!is_model_name("githubIssue"));
        assert!(!is_model_name("G"));
        assert!(is_provider_search("google cal"));
        assert!(!is_provider_search("^github$"));
    }
}
