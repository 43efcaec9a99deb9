//! MCP resources: `nango://integrations`, `nango://integrations/{key}` and
//! `nango://connections/{integration}/{connection_id}`. Reading one runs the matching tool, so a
//! resource and a tool never disagree. Path segments are percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::errors::ToolError;

pub const INTEGRATIONS: &str = "nango://integrations";
pub const INTEGRATION_TEMPLATE: &str = "nango://integrations/{key}";
pub const CONNECTION_TEMPLATE: &str = "nango://connections/{integration}/{connection_id}";

/// Everything but unreserved characters is encoded, so a segment can never add a path level.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A resource URI resolved to the tool call that answers it.
#[derive(Debug, PartialEq, Eq)]
pub struct ToolCall {
    pub tool: &'static str,
    pub arguments: Map<String, Value>,
}

pub fn integration_uri(key: &str) -> String {
    format!("{INTEGRATIONS}/{}", utf8_percent_encode(key, SEGMENT))
}

pub fn connection_uri(integration: &str, connection_id: &str) -> String {
    format!(
        "nango://connections/{}/{}",
        utf8_percent_encode(integration, SEGMENT),
        utf8_percent_encode(connection_id, SEGMENT)
    )
}

pub fn resolve(uri: &str) -> Result<ToolCall, ToolError> {
    let unknown = || {
        ToolError::invalid(
            "uri",
            format!(
                "unknown resource {uri:?}; resources are {INTEGRATIONS}, {INTEGRATION_TEMPLATE} and {CONNECTION_TEMPLATE}"
            ),
        )
    };
    let path = uri.strip_prefix("nango://").ok_or_else(unknown)?;
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            percent_decode_str(segment)
                .decode_utf8()
                .map(|text| text.into_owned())
        })
        .collect::<Result<_, _>>()
        .map_err(|_| unknown())?;
    let arguments = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    match segments
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["integrations"] => Ok(ToolCall {
            tool: "list_integrations",
            arguments: arguments(json!({"with_connection_counts": true})),
        }),
        ["integrations", key] if !key.is_empty() => Ok(ToolCall {
            tool: "get_integration",
            arguments: arguments(json!({"integration": key})),
        }),
        ["connections", integration, connection]
            if !integration.is_empty() && !connection.is_empty() =>
        {
            Ok(ToolCall {
                tool: "get_connection",
                arguments: arguments(
                    json!({"integration": integration, "connection_id": connection}),
                ),
            })
        }
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_round_trip_inside_one_segment() {
        let uri = connection_uri("sales/force", "../conn?x#y é");
        assert_eq!(uri.matches('/').count(), 4, "{uri}");
        let call = resolve(&uri).unwrap();
        assert_eq!(call.tool, "get_connection");
        assert_eq!(call.arguments["integration"], "sales/force");
        assert_eq!(call.arguments["connection_id"], "../conn?x#y é");
    }

    #[test]
    fn unknown_uris_are_refused() {
        assert!(resolve("nango://integrations/a/b").is_err());
        assert!(resolve("file:///etc/passwd").is_err());
        assert!(resolve("nango://connections/only-one").is_err());
        assert_eq!(
            resolve(&integration_uri("github")).unwrap().tool,
            "get_integration"
        );
    }
}
