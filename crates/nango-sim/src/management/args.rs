//! Arguments of the logs tools, validated like Nango's schemas: unknown keys, wrong types,
//! out-of-range limits and non-UTC timestamps are refused with one readable message.

use chrono::{DateTime, Duration, Utc};

use super::datetime::parse_utc_datetime;
use serde_json::{Map, Value};

use super::history::RunState;

/// The `actions` each operation `type` accepts.
const OPERATION_ACTIONS: &[(&str, &[&str])] = &[
    ("action", &["run"]),
    (
        "sync",
        &[
            "pause",
            "unpause",
            "run",
            "request_run",
            "request_run_full",
            "cancel",
            "init",
            "create_variant",
            "delete_variant",
        ],
    ),
    ("proxy", &["call"]),
    (
        "events",
        &[
            "post_connection_creation",
            "pre_connection_deletion",
            "validate_connection",
        ],
    ),
    (
        "auth",
        &[
            "create_connection",
            "refresh_token",
            "post_connection",
            "connection_test",
        ],
    ),
    ("admin", &["impersonation"]),
    (
        "webhook",
        &[
            "incoming",
            "forward",
            "sync",
            "connection_create",
            "connection_refresh",
        ],
    ),
    ("deploy", &["prebuilt", "custom"]),
];

/// Operation types with the actions each accepts, for the tool's schema.
pub(crate) fn operation_types() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    OPERATION_ACTIONS.iter().copied()
}

/// Default and maximum page sizes.
const DEFAULT_LIMIT: u64 = 25;
const MAX_LIMIT: u64 = 500;
/// The default look-back of `logs_list_operations`.
const DEFAULT_PERIOD: Duration = Duration::hours(24);

/// A `{type, actions?}` filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OperationFilter {
    pub type_name: String,
    /// `None` = every action of the type.
    pub actions: Option<Vec<String>>,
}

impl OperationFilter {
    pub(crate) fn accepts(&self, type_name: &str, action: &str) -> bool {
        self.type_name == type_name
            && self
                .actions
                .as_ref()
                .is_none_or(|actions| actions.iter().any(|a| a == action))
    }
}

/// Validated `logs_list_operations` arguments.
#[derive(Clone, Debug)]
pub(crate) struct ListArgs {
    pub search: Option<String>,
    pub limit: usize,
    pub cursor: Option<String>,
    pub states: Option<Vec<RunState>>,
    pub operations: Option<Vec<OperationFilter>>,
    pub integrations: Option<Vec<String>>,
    pub connections: Option<Vec<String>>,
    pub syncs: Option<Vec<String>>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Validated `logs_get_operation` arguments.
#[derive(Clone, Debug)]
pub(crate) struct GetArgs {
    pub operation_id: String,
    pub limit: usize,
    pub cursor: Option<String>,
    pub search: Option<String>,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Collects every problem before answering, like a schema validator.
#[derive(Default)]
struct Issues(Vec<String>);

impl Issues {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(format!("{path}: {}", message.into()));
    }

    fn finish(self, tool: &str) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "Input validation error: Invalid arguments for tool {tool}: {}",
                self.0.join("; ")
            ))
        }
    }

    fn unknown_keys(&mut self, path: &str, object: &Map<String, Value>, known: &[&str]) {
        for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
            self.add(path, format!("Unrecognized key \"{key}\""));
        }
    }

    fn string(
        &mut self,
        path: &str,
        value: Option<&Value>,
        min: usize,
        max: usize,
    ) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                let length = text.chars().count();
                if length < min || length > max {
                    self.add(path, format!("must be {min} to {max} characters"));
                    None
                } else {
                    Some(text.clone())
                }
            }
            Some(_) => {
                self.add(path, "expected string");
                None
            }
        }
    }

    fn limit(&mut self, path: &str, value: Option<&Value>) -> usize {
        let limit = match value {
            None => Some(DEFAULT_LIMIT),
            Some(Value::Number(number)) => number
                .as_u64()
                .or_else(|| {
                    number
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as u64)
                })
                .filter(|n| (1..=MAX_LIMIT).contains(n)),
            Some(_) => None,
        };
        match limit {
            Some(limit) => usize::try_from(limit).unwrap_or(25),
            None => {
                self.add(path, format!("must be an integer from 1 to {MAX_LIMIT}"));
                usize::try_from(DEFAULT_LIMIT).unwrap_or(25)
            }
        }
    }

    fn strings(
        &mut self,
        path: &str,
        value: Option<&Value>,
        max_items: usize,
    ) -> Option<Vec<String>> {
        let items = self.array(path, value, max_items)?;
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if let Some(text) = self.string(&format!("{path}[{index}]"), Some(item), 1, 256) {
                out.push(text);
            } else if item.is_null() {
                self.add(&format!("{path}[{index}]"), "expected string");
            }
        }
        Some(out)
    }

    fn array<'v>(
        &mut self,
        path: &str,
        value: Option<&'v Value>,
        max_items: usize,
    ) -> Option<&'v Vec<Value>> {
        match value {
            None => None,
            Some(Value::Array(items)) if items.len() <= max_items => Some(items),
            Some(Value::Array(_)) => {
                self.add(path, format!("at most {max_items} items"));
                None
            }
            Some(_) => {
                self.add(path, "expected array");
                None
            }
        }
    }

    fn object<'v>(
        &mut self,
        path: &str,
        value: Option<&'v Value>,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                self.add(path, "expected object");
                None
            }
        }
    }

    fn cursor(&mut self, path: &str, value: Option<&Value>) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.add(path, "expected string or null");
                None
            }
        }
    }

    fn states(&mut self, value: Option<&Value>) -> Option<Vec<RunState>> {
        let items = self.array("states", value, 10)?;
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.as_str().and_then(RunState::parse) {
                Some(state) => out.push(state),
                None => self.add(
                    &format!("states[{index}]"),
                    "expected one of waiting, running, success, failed, timeout, cancelled",
                ),
            }
        }
        Some(out)
    }

    fn operations(&mut self, value: Option<&Value>) -> Option<Vec<OperationFilter>> {
        let items = self.array("operations", value, 20)?;
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let path = format!("operations[{index}]");
            let Some(map) = self.object(&path, Some(item)) else {
                continue;
            };
            self.unknown_keys(&path, map, &["type", "actions"]);
            let type_name = map.get("type").and_then(Value::as_str).unwrap_or_default();
            let Some((_, allowed)) = OPERATION_ACTIONS
                .iter()
                .find(|(name, _)| *name == type_name)
            else {
                let names: Vec<&str> = OPERATION_ACTIONS.iter().map(|(name, _)| *name).collect();
                self.add(
                    &format!("{path}.type"),
                    format!("expected one of {}", names.join(", ")),
                );
                continue;
            };
            let actions = match map.get("actions") {
                None => None,
                Some(Value::Array(actions))
                    if !actions.is_empty() && actions.len() <= allowed.len() =>
                {
                    let mut names = Vec::new();
                    for (position, action) in actions.iter().enumerate() {
                        match action.as_str().filter(|a| allowed.contains(a)) {
                            Some(action) => names.push(action.to_owned()),
                            None => self.add(
                                &format!("{path}.actions[{position}]"),
                                format!("expected one of {}", allowed.join(", ")),
                            ),
                        }
                    }
                    Some(names)
                }
                Some(_) => {
                    self.add(
                        &format!("{path}.actions"),
                        format!("expected 1 to {} of {}", allowed.len(), allowed.join(", ")),
                    );
                    None
                }
            };
            out.push(OperationFilter {
                type_name: type_name.to_owned(),
                actions,
            });
        }
        Some(out)
    }

    fn period(
        &mut self,
        path: &str,
        value: Option<&Value>,
    ) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let map = self.object(path, value)?;
        self.unknown_keys(path, map, &["from", "to"]);
        let mut time = |key: &str, required: bool| -> Option<DateTime<Utc>> {
            let at = format!("{path}.{key}");
            match map.get(key) {
                None if required => {
                    self.add(&at, "Required");
                    None
                }
                None => None,
                Some(Value::String(text)) => {
                    let parsed = parse_utc_datetime(text);
                    if parsed.is_none() {
                        self.add(
                            &at,
                            format!("Invalid ISO datetime {text:?}: use UTC with a Z suffix, e.g. 2026-01-05T09:30:00.000Z"),
                        );
                    }
                    parsed
                }
                Some(_) => {
                    self.add(&at, "expected string");
                    None
                }
            }
        };
        let from = time("from", true);
        let to = time("to", false);
        from.map(|from| (from, to))
    }
}

fn arguments_object<'v>(
    arguments: &'v Value,
    issues: &mut Issues,
) -> Option<&'v Map<String, Value>> {
    match arguments {
        Value::Object(map) => Some(map),
        Value::Null => None,
        _ => {
            issues.add("arguments", "expected object");
            None
        }
    }
}

/// Parses `logs_list_operations` arguments; `now` ends the default period.
pub(crate) fn list_args(arguments: &Value, now: DateTime<Utc>) -> Result<ListArgs, String> {
    let mut issues = Issues::default();
    let empty = Map::new();
    let map = arguments_object(arguments, &mut issues).unwrap_or(&empty);
    issues.unknown_keys(
        "arguments",
        map,
        &[
            "search",
            "limit",
            "cursor",
            "states",
            "operations",
            "integrations",
            "connections",
            "syncs",
            "period",
        ],
    );
    let search = issues.string("search", map.get("search"), 0, 256);
    let limit = issues.limit("limit", map.get("limit"));
    let cursor = issues.cursor("cursor", map.get("cursor"));
    let states = issues.states(map.get("states"));
    let operations = issues.operations(map.get("operations"));
    let integrations = issues.strings("integrations", map.get("integrations"), 20);
    let connections = issues.strings("connections", map.get("connections"), 20);
    let syncs = issues.strings("syncs", map.get("syncs"), 20);
    let period = issues.period("period", map.get("period"));
    issues.finish("logs_list_operations")?;
    let (from, to) = match period {
        Some((from, to)) => (from, to.unwrap_or(now)),
        None => (now - DEFAULT_PERIOD, now),
    };
    Ok(ListArgs {
        search: search.filter(|s| !s.is_empty()),
        limit,
        cursor,
        states,
        operations,
        integrations,
        connections,
        syncs,
        from,
        to,
    })
}

/// Parses `logs_get_operation` arguments.
pub(crate) fn get_args(arguments: &Value, now: DateTime<Utc>) -> Result<GetArgs, String> {
    let mut issues = Issues::default();
    let empty = Map::new();
    let map = arguments_object(arguments, &mut issues).unwrap_or(&empty);
    issues.unknown_keys("arguments", map, &["operationId", "messages"]);
    let operation_id = match map.get("operationId") {
        None => {
            issues.add("operationId", "Required");
            String::new()
        }
        Some(Value::String(id))
            if (20..=25).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            id.clone()
        }
        Some(_) => {
            issues.add("operationId", "must match ^[a-zA-Z0-9_]{20,25}$");
            String::new()
        }
    };
    let messages = issues.object("messages", map.get("messages"));
    let (mut limit, mut cursor, mut search, mut period) = (25, None, None, None);
    if let Some(messages) = messages {
        issues.unknown_keys(
            "messages",
            messages,
            &["limit", "cursor", "search", "period"],
        );
        limit = issues.limit("messages.limit", messages.get("limit"));
        cursor = issues.cursor("messages.cursor", messages.get("cursor"));
        search = issues.string("messages.search", messages.get("search"), 0, 100);
        period = issues
            .period("messages.period", messages.get("period"))
            .map(|(from, to)| (from, to.unwrap_or(now)));
    }
    issues.finish("logs_get_operation")?;
    Ok(GetArgs {
        operation_id,
        limit,
        cursor,
        search: search.filter(|s| !s.is_empty()),
        period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        parse_utc_datetime("2026-01-05T09:30:00Z").unwrap()
    }

    #[test]
    fn list_defaults_and_filters() {
        let args = list_args(&json!({}), now()).unwrap();
        assert_eq!(args.limit, 25);
        assert_eq!(args.to, now());
        assert_eq!(args.from, now() - Duration::hours(24));
        let args = list_args(
            &json!({"limit": 10, "operations": [{"type": "sync", "actions": ["run"]}], "states": ["failed"],
                    "period": {"from": "2026-01-04T00:00:00.000Z"}}),
            now(),
        )
        .unwrap();
        assert_eq!(args.limit, 10);
        assert_eq!(args.states, Some(vec![RunState::Failed]));
        assert!(args.operations.unwrap()[0].accepts("sync", "run"));
        assert_eq!(args.to, now());
    }

    #[test]
    fn bad_arguments_are_named() {
        for (arguments, needle) in [
            (json!({"limit": 0}), "limit"),
            (json!({"limit": 501}), "limit"),
            (json!({"limit": "10"}), "limit"),
            (json!({"states": ["done"]}), "states[0]"),
            (
                json!({"operations": [{"type": "sync", "actions": ["run", "fly"]}]}),
                "operations[0].actions[1]",
            ),
            (
                json!({"operations": [{"type": "cron"}]}),
                "operations[0].type",
            ),
            (
                json!({"period": {"to": "2026-01-04T00:00:00Z"}}),
                "period.from: Required",
            ),
            (
                json!({"period": {"from": "2026-01-04T00:00:00+00:00"}}),
                "Z suffix",
            ),
            (
                json!({"connection": ["conn-123"]}),
                "Unrecognized key \"connection\"",
            ),
            (
                json!({"connections": "conn-123"}),
                "connections: expected array",
            ),
        ] {
            let error = list_args(&arguments, now()).unwrap_err();
            assert!(error.starts_with("Input validation error"), "{error}");
            assert!(error.contains(needle), "{arguments}: {error}");
        }
        assert!(get_args(&json!({"operationId": "short"}), now()).is_err());
        assert!(
            get_args(&json!({}), now())
                .unwrap_err()
                .contains("operationId: Required")
        );
        let args = get_args(
            &json!({"operationId": "aAbBcCdDeEfFgGhH0002", "messages": {"limit": 3}}),
            now(),
        )
        .unwrap();
        assert_eq!(args.limit, 3);
    }
}
