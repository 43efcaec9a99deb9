//! The tool surface is an interface: a snapshot makes every change to it deliberate, and every tool
//! must declare read-only annotations, a title, and typed input and output schemas.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use nango_mcp::tools::Registry;
use serde_json::Value;

#[test]
fn tools_list_snapshot() {
    let tools = serde_json::to_value(Registry::all().definitions()).unwrap();
    insta::assert_json_snapshot!("tools_list", tools);
}

#[test]
fn tools_list_with_writes_snapshot() {
    let tools = serde_json::to_value(Registry::with_writes().definitions()).unwrap();
    insta::assert_json_snapshot!("tools_list_with_writes", tools);
}

/// Every tool's annotations follow from what it does: reads are read-only; writes say whether
/// they stop or reset data (destructive) and whether repeating them is harmless (idempotent).
#[test]
fn every_tool_declares_its_annotations() {
    let expected = [
        ("trigger_sync", true, false),
        ("pause_sync", true, true),
        ("start_sync", false, true),
        ("create_reconnect_link", false, false),
    ];
    let registry = Registry::with_writes();
    for entry in registry.entries() {
        let annotations = entry.definition.annotations.as_ref().unwrap();
        assert_eq!(annotations.open_world_hint, Some(true), "{}", entry.id);
        let write = expected.iter().find(|(name, _, _)| *name == entry.id);
        match write {
            None => {
                assert_eq!(annotations.read_only_hint, Some(true), "{}", entry.id);
                assert_eq!(annotations.destructive_hint, None, "{}", entry.id);
                assert_ne!(entry.toolset.name(), "actions", "{}", entry.id);
            }
            Some((_, destructive, idempotent)) => {
                assert_eq!(annotations.read_only_hint, Some(false), "{}", entry.id);
                assert_eq!(
                    annotations.destructive_hint,
                    Some(*destructive),
                    "{}",
                    entry.id
                );
                assert_eq!(
                    annotations.idempotent_hint,
                    Some(*idempotent),
                    "{}",
                    entry.id
                );
                assert_eq!(entry.toolset.name(), "actions", "{}", entry.id);
                let properties = &entry.definition.input_schema["properties"];
                assert!(properties.get("confirmation").is_some(), "{}", entry.id);
            }
        }
        assert!(
            serde_json::from_str::<Value>(entry.example).is_ok(),
            "{} EXAMPLE",
            entry.id
        );
    }
    let writes: Vec<&str> = registry
        .entries()
        .iter()
        .filter(|entry| !entry.hints.read_only)
        .map(|entry| entry.id)
        .collect();
    assert_eq!(writes.len(), expected.len(), "{writes:?}");
    assert!(
        Registry::all()
            .entries()
            .iter()
            .all(|entry| entry.hints.read_only),
        "the default surface is read-only"
    );
    assert_eq!(Registry::for_writes(false).names(), Registry::all().names());
    let actions = Registry::with_writes()
        .select(&[], &[], &["actions".into()])
        .unwrap();
    assert_eq!(
        actions.names(),
        [
            "trigger_sync",
            "pause_sync",
            "start_sync",
            "create_reconnect_link"
        ]
    );
}

#[test]
fn every_tool_is_annotated_read_only_with_schemas() {
    for tool in Registry::all().definitions() {
        let name = tool.name.to_string();
        let annotations = tool
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has no annotations"));
        assert_eq!(
            annotations.read_only_hint,
            Some(true),
            "{name} readOnlyHint"
        );
        assert_eq!(
            annotations.open_world_hint,
            Some(true),
            "{name} openWorldHint"
        );
        assert_ne!(
            annotations.destructive_hint,
            Some(true),
            "{name} destructiveHint"
        );
        assert!(
            tool.title.as_deref().is_some_and(|title| !title.is_empty()),
            "{name} title"
        );
        assert!(
            tool.description
                .as_deref()
                .is_some_and(|text| text.len() > 40),
            "{name} description"
        );
        assert_eq!(
            tool.input_schema.get("type"),
            Some(&Value::from("object")),
            "{name} input schema"
        );
        let output = tool
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has no output schema"));
        assert_eq!(
            output.get("type"),
            Some(&Value::from("object")),
            "{name} output schema"
        );
    }
}

#[test]
fn optional_inputs_have_no_null_unions() {
    for tool in Registry::with_writes().definitions() {
        let schema = Value::Object((*tool.input_schema).clone()).to_string();
        assert!(
            !schema.contains("\"null\""),
            "{} input schema has a null union: {schema}",
            tool.name
        );
        assert!(
            !schema.contains("$ref"),
            "{} input schema has a $ref: {schema}",
            tool.name
        );
    }
}

#[test]
fn tool_names_are_the_specified_ones() {
    let names = Registry::all()
        .names()
        .iter()
        .map(|name| (*name).to_owned())
        .collect::<Vec<_>>();
    for seed in [
        "list_integrations",
        "get_integration",
        "list_connections",
        "get_connection",
        "list_syncs",
        "list_records",
        "get_environment",
        "audit_connections",
        "list_sync_runs",
        "search_providers",
    ] {
        assert!(names.iter().any(|name| name == seed), "missing {seed}");
    }
}

#[test]
fn selection_narrows_and_rejects_unknown_names() {
    let only = Registry::all()
        .select(&["list_records".into()], &[], &[])
        .unwrap();
    assert_eq!(only.names(), ["list_records"]);
    let without = Registry::all()
        .select(&[], &["list_records".into()], &[])
        .unwrap();
    assert!(!without.names().contains(&"list_records"));
    let syncs = Registry::all().select(&[], &[], &["syncs".into()]).unwrap();
    assert_eq!(syncs.names(), ["list_syncs", "list_sync_runs"]);
    let error = Registry::all()
        .select(&["drop_tables".into()], &[], &[])
        .err()
        .unwrap();
    assert!(
        error.contains("valid tools: ") && error.contains("list_connections"),
        "{error}"
    );
    let error = Registry::all()
        .select(&[], &[], &["admin".into()])
        .err()
        .unwrap();
    assert!(error.contains("valid toolsets"), "{error}");
}

#[test]
fn environment_argument_lists_configured_names_only_when_several() {
    let single = Registry::all().with_environments(&["default".into()]);
    assert!(single.definitions().iter().all(|tool| {
        !Value::Object((*tool.input_schema).clone())
            .to_string()
            .contains("environment")
    }));
    let several = Registry::all().with_environments(&["default".into(), "prod".into()]);
    for tool in several.definitions() {
        let property = &tool.input_schema["properties"]["environment"];
        assert_eq!(
            property["enum"],
            serde_json::json!(["default", "prod"]),
            "{}",
            tool.name
        );
    }
}
