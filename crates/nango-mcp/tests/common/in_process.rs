//! An in-process server against a simulator, for tests that check answers on what real Nango
//! sends without spawning the binary: cache off (each test counts what reaches the simulator),
//! short retries, the Management MCP on the simulator.

use std::{sync::Arc, time::Duration};

use nango_mcp::{
    config::{ClientTuning, Environments, environment},
    output::TokenBudget,
    server::{NangoMcp, WriteSettings},
    tools::{Registry, ToolOutcome},
    writes::ConfirmCodes,
};
use nango_sim::Sim;
use serde_json::Value;

/// The read tools on `sim` with `key`; with `confirm_secret`, the write tools too.
pub fn server(sim: &Sim, key: &str, confirm_secret: Option<&[u8]>) -> NangoMcp {
    let tuning = ClientTuning {
        request_timeout: Duration::from_secs(10),
        max_retry_wait: Duration::from_secs(1),
        cache_ttl: Duration::ZERO,
    };
    let management = format!("{}/mcp", sim.base_url());
    let default = environment(
        "default".to_owned(),
        "NANGO_SECRET_KEY".to_owned(),
        &sim.base_url(),
        Some(&management),
        key.to_owned(),
        tuning,
    )
    .unwrap();
    let (registry, writes) = match confirm_secret {
        Some(secret) => (
            Registry::with_writes(),
            WriteSettings {
                enabled: true,
                codes: Arc::new(ConfirmCodes::new(secret.to_vec())),
            },
        ),
        None => (Registry::all(), WriteSettings::disabled()),
    };
    NangoMcp::new_with_writes(
        registry,
        Environments::new(vec![default]).unwrap(),
        TokenBudget::default(),
        false,
        writes,
    )
}

/// A successful call's outcome.
pub async fn call(server: &NangoMcp, tool: &str, arguments: Value) -> ToolOutcome {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    server
        .run_tool(tool, arguments, None)
        .await
        .unwrap_or_else(|error| panic!("{tool}: {error}"))
}

/// A failed call's message.
pub async fn call_error(server: &NangoMcp, tool: &str, arguments: Value) -> String {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    match server.run_tool(tool, arguments, None).await {
        Ok(outcome) => panic!("{tool} answered: {}", outcome.text),
        Err(error) => error.to_string(),
    }
}
