//! No write without a person: arbitrary arguments to every write tool (guessed, garbled or
//! borrowed confirmation codes included) end in a preview or an error message, and never in a
//! write request to Nango, when nobody confirmed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{cell::Cell, sync::Arc, time::Duration};

use nango_mcp::{
    config::{ClientTuning, Environments, environment},
    output::TokenBudget,
    server::{NangoMcp, WriteSettings},
    tools::Registry,
    writes::ConfirmCodes,
};
use nango_sim::{Sim, SimConfig};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::{Map, Value, json};

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("hubspot-prod")),
        Just(json!("conn-123")),
        Just(json!("deals")),
        Just(json!("")),
        Just(json!("nope")),
        "[a-z0-9./_-]{0,40}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(["deals", "contacts"])),
        Just(Value::Null),
    ]
}

/// The tool's valid example with up to three fields replaced or added, and maybe a bogus code.
fn arguments(base: Map<String, Value>) -> impl Strategy<Value = Map<String, Value>> {
    let keys = prop_oneof![
        Just("integration"),
        Just("connection_id"),
        Just("syncs"),
        Just("mode"),
        Just("confirmation"),
        Just("environment"),
        Just("extra"),
    ];
    let confirmation = prop_oneof![
        Just(json!("1.2.3")),
        "[0-9]{10}\\.[0-9a-f]{16}\\.[0-9a-f]{32}".prop_map(Value::from),
        Just(json!("full_refresh")),
    ];
    (
        proptest::collection::btree_map(keys, text(), 0..4),
        proptest::option::of(confirmation),
    )
        .prop_map(move |(map, code)| {
            let mut arguments = base.clone();
            arguments.extend(map.into_iter().map(|(key, value)| (key.to_owned(), value)));
            if let Some(code) = code {
                arguments.insert("confirmation".to_owned(), code);
            }
            arguments
        })
}

#[test]
fn no_write_reaches_nango_without_a_valid_confirmation() {
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
        ClientTuning {
            request_timeout: Duration::from_secs(10),
            max_retry_wait: Duration::from_secs(1),
            ..ClientTuning::default()
        },
    )
    .unwrap();
    let server = NangoMcp::new_with_writes(
        Registry::with_writes(),
        Environments::new(vec![default]).unwrap(),
        TokenBudget::default(),
        false,
        WriteSettings {
            enabled: true,
            codes: Arc::new(ConfirmCodes::new(b"fuzz".to_vec())),
        },
    );
    let writes: Vec<(&str, Map<String, Value>)> = Registry::with_writes()
        .entries()
        .iter()
        .filter(|entry| !entry.hints.read_only)
        .map(|entry| (entry.id, serde_json::from_str(entry.example).unwrap()))
        .collect();
    assert_eq!(writes.len(), 4);
    let (previews, refusals) = (Cell::new(0_u32), Cell::new(0_u32));
    for (tool, example) in writes {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&arguments(example), |arguments| {
            let shown = Value::Object(arguments.clone()).to_string();
            match runtime.block_on(server.run_tool(tool, arguments, None)) {
                Ok(outcome) => {
                    prop_assert_eq!(
                        &outcome.structured["status"],
                        "preview",
                        "{} {}",
                        tool,
                        shown
                    );
                    prop_assert_eq!(&outcome.structured["written"], false);
                    previews.set(previews.get() + 1);
                }
                Err(error) => {
                    prop_assert!(!error.to_string().trim().is_empty(), "{} {}", tool, shown);
                    refusals.set(refusals.get() + 1);
                }
            }
            let wrote = sim
                .state()
                .requests()
                .iter()
                .any(|request| request.method == "POST");
            prop_assert!(!wrote, "{} {} reached Nango as a write", tool, shown);
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{tool}: {failure}");
        }
    }
    let (previews, refusals) = (previews.get(), refusals.get());
    eprintln!("{previews} previews, {refusals} refusals, 0 writes");
    assert!(previews > 0 && refusals > 0, "{previews} / {refusals}");
    runtime.block_on(sim.shutdown());
}
