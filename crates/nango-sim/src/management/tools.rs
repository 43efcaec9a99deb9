//! Tool definitions of the simulated Management MCP: names, scopes, annotations and the input
//! and output schemas of Nango's logs tools.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

/// `logs_list_operations`.
pub(crate) const LIST_OPERATIONS: &str = "logs_list_operations";
/// `logs_get_operation`.
pub(crate) const GET_OPERATION: &str = "logs_get_operation";
/// The scope both logs tools need.
pub(crate) const LOGS_SCOPE: &str = "environment:logs:read";

/// The tools and the scope each needs (a key without it neither sees nor calls the tool).
pub(crate) const TOOL_SCOPES: &[(&str, &str)] =
    &[(LIST_OPERATIONS, LOGS_SCOPE), (GET_OPERATION, LOGS_SCOPE)];

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";
/// Nango's `z.string().datetime()`: UTC with a `Z`, seconds and fraction optional.
const DATETIME_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$";

fn object(value: Value) -> Arc<JsonObject> {
    Arc::new(match value {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    })
}

fn period_schema() -> Value {
    let datetime = json!({ "type": "string", "format": "date-time", "pattern": DATETIME_PATTERN });
    json!({
        "type": "object",
        "properties": { "from": datetime, "to": datetime },
        "required": ["from"],
        "additionalProperties": false,
    })
}

fn cursor_schema() -> Value {
    json!({ "anyOf": [{ "type": "string" }, { "type": "null" }] })
}

fn names_schema() -> Value {
    json!({ "maxItems": 20, "type": "array", "items": { "type": "string", "minLength": 1, "maxLength": 256 } })
}

fn operation_filter(type_name: &str, actions: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": {
            "type": { "type": "string", "const": type_name },
            "actions": { "minItems": 1, "maxItems": actions.len(), "type": "array",
                         "items": { "type": "string", "enum": actions } },
        },
        "required": ["type"],
        "additionalProperties": false,
    })
}

fn pagination_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "total": { "type": "number" }, "cursor": cursor_schema() },
        "required": ["total", "cursor"],
        "additionalProperties": false,
    })
}

fn rows_schema() -> Value {
    json!({ "type": "array", "items": { "type": "object", "properties": {}, "additionalProperties": {} } })
}

fn list_operations() -> Tool {
    let operations: Vec<Value> = super::args::operation_types()
        .map(|(type_name, actions)| operation_filter(type_name, actions))
        .collect();
    let input = json!({
        "$schema": DRAFT,
        "type": "object",
        "properties": {
            "search": { "type": "string", "maxLength": 256 },
            "limit": { "default": 25, "type": "integer", "minimum": 1, "maximum": 500 },
            "cursor": cursor_schema(),
            "states": { "maxItems": 10, "type": "array", "items": { "type": "string",
                "enum": ["waiting", "running", "success", "failed", "timeout", "cancelled"] } },
            "operations": { "maxItems": 20, "type": "array", "items": { "anyOf": operations } },
            "integrations": names_schema(),
            "connections": names_schema(),
            "syncs": names_schema(),
            "period": period_schema(),
        },
        "additionalProperties": false,
    });
    let output = json!({
        "$schema": DRAFT,
        "type": "object",
        "properties": { "operations": rows_schema(), "pagination": pagination_schema() },
        "required": ["operations", "pagination"],
        "additionalProperties": false,
    });
    Tool::new_with_raw(
        LIST_OPERATIONS,
        Some(
            "List Nango log operations (sync runs, actions, auth, webhooks, proxy calls), newest \
             first. Filter by state, operation type/action, integration, connection, sync, period \
             (default: the last 24 hours) and message search; page with the returned cursor."
                .into(),
        ),
        object(input),
    )
    .with_raw_output_schema(object(output))
    .with_annotations(ToolAnnotations::new().read_only(true))
}

fn get_operation() -> Tool {
    let input = json!({
        "$schema": DRAFT,
        "type": "object",
        "properties": {
            "operationId": { "type": "string", "pattern": "^[a-zA-Z0-9_]{20,25}$" },
            "messages": {
                "type": "object",
                "properties": {
                    "limit": { "default": 25, "type": "integer", "minimum": 1, "maximum": 500 },
                    "cursor": cursor_schema(),
                    "search": { "type": "string", "maxLength": 100 },
                    "period": period_schema(),
                },
                "additionalProperties": false,
            },
        },
        "required": ["operationId"],
        "additionalProperties": false,
    });
    let output = json!({
        "$schema": DRAFT,
        "type": "object",
        "properties": {
            "operation": { "type": "object", "properties": {}, "additionalProperties": {} },
            "messages": rows_schema(),
            "pagination": pagination_schema(),
        },
        "required": ["operation", "messages", "pagination"],
        "additionalProperties": false,
    });
    Tool::new_with_raw(
        GET_OPERATION,
        Some("Get one Nango log operation and a page of its log messages, newest first.".into()),
        object(input),
    )
    .with_raw_output_schema(object(output))
    .with_annotations(ToolAnnotations::new().read_only(true))
}

/// Every tool, in Nango's listing order.
pub(crate) fn all() -> Vec<Tool> {
    vec![list_operations(), get_operation()]
}

/// The scope a tool needs; `None` for unknown tools.
pub(crate) fn scope_of(name: &str) -> Option<&'static str> {
    TOOL_SCOPES
        .iter()
        .find(|(tool, _)| *tool == name)
        .map(|(_, scope)| *scope)
}
