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
/// Nango's `z.string().datetime()` as zod writes it: a real calendar date, UTC with a `Z`,
/// seconds and fraction optional.
const DATETIME_PATTERN: &str = r"^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z))$";

/// Nango's descriptions, word for word.
const LIST_DESCRIPTION: &str = "List Nango log operations. Log operations are top-level execution records for syncs, actions, auth, webhooks, proxy calls, and other Nango activity; each operation contains its related log messages. Results are newest first and can be filtered by status, operation, integration, connection, script, date range, and message search. When message search is used, limit is the maximum number of operations inspected for one call, so the response can contain fewer or zero matching operations while still returning a pagination cursor for the next page.";
const GET_DESCRIPTION: &str = "Get one Nango log operation and a page of its message rows for the authenticated environment. Messages are returned newest first.";

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
        Some(LIST_DESCRIPTION.into()),
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
    Tool::new_with_raw(GET_OPERATION, Some(GET_DESCRIPTION.into()), object(input))
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
