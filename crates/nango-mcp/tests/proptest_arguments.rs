//! Property test of the tool surface: arbitrary argument objects (the tools' own field names with
//! values of any type, hostile ids, unknown fields) sent to every tool, in process, against a demo
//! simulator. Every call must end — `Ok`, or a `ToolError` with a message — and never panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{cell::Cell, time::Duration};

use nango_mcp::{
    config::{ClientTuning, Environments, environment},
    output::TokenBudget,
    server::NangoMcp,
    tools::Registry,
};
use nango_sim::{Sim, SimConfig};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::{Map, Value};

/// Cases per tool: enough to hit every field with every kind of value, small enough for ~60 s.
const CASES_PER_TOOL: u32 = 128;
/// Turns a hung call into a failure; a healthy call against the local simulator takes milliseconds.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// Ids and words that try to escape a path segment, a query, a header or a text block.
fn hostile_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "../",
        "..",
        "../integrations",
        "../../connections?limit=1",
        "?",
        "#",
        "a?b=c#d",
        "a/b",
        "%2e",
        "%2e%2e%2f",
        "%00",
        "\\..\\",
        "conn\u{202e}é漢",
        "\u{0}",
        "\n\r\t\u{7f}",
        "conn-abc\r\nX-Injected: 1",
        "\u{feff}",
        " ",
        "",
        "*",
        "null",
        "</untrusted-data>",
        "{\"$ne\":1}",
    ]
    .iter()
    .map(|text| (*text).to_owned())
    .collect();
    strings.push("x".repeat(300));
    strings.push("🙂".repeat(120));
    strings.push("é".repeat(2_000));
    strings
}

/// Values the demo dataset knows, so some calls get past validation into real lookups.
const KNOWN: &[&str] = &[
    "conn-abc",
    "conn-xyz",
    "conn-123",
    "conn-456",
    "salesforce-prod",
    "hubspot-prod",
    "hubspot",
    "salesforce",
    "Contact",
    "deals",
    "ok",
    "auth_error",
    "sync_error",
    "failing",
    "added",
    "deleted",
    "OAUTH2",
    "crm",
    "2024-01-01T00:00:00Z",
    "default",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(hostile_strings()),
        3 => prop::sample::select(KNOWN).prop_map(str::to_owned),
        2 => any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(&[0_i64, 1, -1, 2, 99, 100, 101, 10_000, i64::MIN, i64::MAX][..])
            .prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        prop::sample::select(&[0.5_f64, -0.0, 1e308, -1e308, 4_294_967_296.0][..])
            .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => text().prop_map(Value::from),
        2 => number(),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

/// A value for one argument: mostly well-typed (strings, lists of strings, numbers), sometimes not.
fn argument_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        5 => scalar(),
        3 => prop::collection::vec(scalar(), 0..5).prop_map(Value::Array),
        1 => prop::collection::vec((text(), scalar()), 0..4)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        1 => prop::collection::vec(prop::collection::vec(scalar(), 0..3).prop_map(Value::Array), 0..3)
            .prop_map(Value::Array),
    ]
}

/// A well-typed value for a schema property, with hostile or known content.
fn typed_value(schema: &Value) -> BoxedStrategy<Value> {
    let enumerated: Vec<Value> = schema
        .get("enum")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !enumerated.is_empty() {
        return prop_oneof![
            3 => prop::sample::select(enumerated),
            1 => text().prop_map(Value::from),
        ]
        .boxed();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => text().prop_map(Value::from).boxed(),
        Some("integer") => prop_oneof![
            3 => (0_u64..=500).prop_map(Value::from),
            1 => number(),
        ]
        .boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::from).boxed(),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            prop::collection::vec(typed_value(&items), 0..5)
                .prop_map(Value::Array)
                .boxed()
        }
        Some("object") => prop::collection::btree_map(text(), text(), 0..4)
            .prop_map(|map| {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            })
            .boxed(),
        _ => argument_value().boxed(),
    }
}

/// One property: absent, well-typed (most often), or of any type at all.
fn property(
    name: String,
    schema: &Value,
    required: bool,
) -> BoxedStrategy<Option<(String, Value)>> {
    let (present, absent) = if required { (12, 1) } else { (4, 5) };
    let typed = typed_value(schema);
    prop_oneof![
        present => typed.prop_map(Some),
        1 => argument_value().prop_map(Some),
        absent => Just(None),
    ]
    .prop_map(move |value| value.map(|value| (name.clone(), value)))
    .boxed()
}

/// An argument object following the tool's input schema, sometimes with an `environment` and
/// sometimes with a stray field.
fn arguments(schema: &Map<String, Value>) -> impl Strategy<Value = Map<String, Value>> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut properties: Vec<BoxedStrategy<Option<(String, Value)>>> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property_schema)| {
                    property(
                        name.clone(),
                        property_schema,
                        required.contains(&name.as_str()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    properties.push(
        prop_oneof![
            8 => Just(None),
            1 => argument_value().prop_map(|value| Some(("environment".to_owned(), value))),
            1 => (any::<String>(), argument_value()).prop_map(Some),
        ]
        .boxed(),
    );
    properties.prop_map(|pairs| pairs.into_iter().flatten().collect())
}

/// A valid call with one to three of its fields replaced (well-typed or not) or removed: gets past
/// validation far more often, so lookups, paging and rendering meet the hostile values too.
fn mutated_valid_call(
    valid: Map<String, Value>,
    schema: &Map<String, Value>,
) -> impl Strategy<Value = Map<String, Value>> {
    let fields: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| (name.clone(), schema.clone()))
                .collect()
        })
        .unwrap_or_default();
    let change = prop::sample::select(fields).prop_flat_map(|(name, schema)| {
        prop_oneof![
            6 => typed_value(&schema).prop_map(Some),
            1 => argument_value().prop_map(Some),
            1 => Just(None),
        ]
        .prop_map(move |value| (name.clone(), value))
    });
    prop::collection::vec(change, 1..4).prop_map(move |changes| {
        let mut arguments = valid.clone();
        for (name, value) in changes {
            match value {
                Some(value) => arguments.insert(name, value),
                None => arguments.remove(&name),
            };
        }
        arguments
    })
}

fn tool_arguments(
    valid: Map<String, Value>,
    schema: &Map<String, Value>,
) -> impl Strategy<Value = Map<String, Value>> {
    prop_oneof![arguments(schema), mutated_valid_call(valid, schema)]
}

#[test]
fn arbitrary_arguments_to_every_tool_end_in_a_result_or_a_message() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Over a thousand calls: the free plan's 200/min would turn the property into a wait.
    let sim = runtime
        .block_on(Sim::start(SimConfig {
            rate_limit_per_minute: 0,
            ..SimConfig::demo()
        }))
        .unwrap();
    // Sync-run logs: a closed loopback port, so nothing leaves the machine.
    let management = format!("http://{}/mcp", common::unused_loopback_addr());
    let tuning = ClientTuning {
        request_timeout: Duration::from_secs(10),
        max_retry_wait: Duration::from_secs(1),
        ..ClientTuning::default()
    };
    let default = environment(
        "default".to_owned(),
        "NANGO_SECRET_KEY".to_owned(),
        &sim.base_url(),
        Some(&management),
        sim.secret_key(),
        tuning,
    )
    .unwrap();
    let server = NangoMcp::new(
        Registry::all(),
        Environments::new(vec![default]).unwrap(),
        TokenBudget::default(),
        false,
    );
    let registry = Registry::all();
    let table: Vec<&str> = common::valid_call_per_tool()
        .into_iter()
        .map(|(tool, _)| tool)
        .collect();
    assert_eq!(table, registry.names(), "one valid call per tool");
    let mut outcomes = Vec::new();
    for (tool, valid) in common::valid_call_per_tool() {
        let Value::Object(valid) = valid else {
            panic!("{tool}: arguments are an object")
        };
        let mut runner = TestRunner::new(Config {
            cases: CASES_PER_TOOL,
            failure_persistence: None,
            // A hang costs HANG_GUARD per shrinking step: report it without a long search.
            max_shrink_time: 60_000,
            ..Config::default()
        });
        let (succeeded, refused) = (Cell::new(0_u32), Cell::new(0_u32));
        let result = runner.run(
            &tool_arguments(valid, &registry.get(tool).unwrap().definition.input_schema),
            |arguments| {
                let shown = Value::Object(arguments.clone()).to_string();
                let call = server.run_tool(tool, arguments, None);
                let outcome = runtime
                    .block_on(async { tokio::time::timeout(HANG_GUARD, call).await })
                    .unwrap_or_else(|_| panic!("{tool} hung on {shown}"));
                match outcome {
                    Ok(outcome) => {
                        prop_assert!(outcome.structured.is_object(), "{tool} {shown}");
                        succeeded.set(succeeded.get() + 1);
                    }
                    Err(error) => {
                        let message = error.to_string();
                        prop_assert!(!message.trim().is_empty(), "{tool} {shown}: empty error");
                        refused.set(refused.get() + 1);
                    }
                }
                Ok(())
            },
        );
        if let Err(failure) = result {
            panic!("{tool}: {failure}");
        }
        outcomes.push(format!(
            "{tool}: {} ok, {} refused",
            succeeded.get(),
            refused.get()
        ));
    }
    eprintln!("{}", outcomes.join("\n"));
    runtime.block_on(sim.shutdown());
}

/// The strategy reaches past validation: a fixed well-formed call succeeds through the same path.
#[test]
fn a_well_formed_call_succeeds_through_the_same_path() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Over a thousand calls: the free plan's 200/min would turn the property into a wait.
    let sim = runtime
        .block_on(Sim::start(SimConfig {
            rate_limit_per_minute: 0,
            ..SimConfig::demo()
        }))
        .unwrap();
    let default = environment(
        "default".to_owned(),
        "NANGO_SECRET_KEY".to_owned(),
        &sim.base_url(),
        Some(&format!("http://{}/mcp", common::unused_loopback_addr())),
        sim.secret_key(),
        ClientTuning::default(),
    )
    .unwrap();
    let server = NangoMcp::new(
        Registry::all(),
        Environments::new(vec![default]).unwrap(),
        TokenBudget::default(),
        false,
    );
    let mut arguments = Map::new();
    arguments.insert("connection_id".to_owned(), Value::from("conn-abc"));
    let outcome = runtime
        .block_on(server.run_tool("get_connection", arguments, None))
        .unwrap();
    assert_eq!(outcome.structured["connection_id"], "conn-abc");
    runtime.block_on(sim.shutdown());
}
