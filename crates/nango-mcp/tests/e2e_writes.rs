//! Write actions end to end: the real binary over stdio, driven by rmcp's client, against the
//! simulator. Off by default; on with NANGO_MCP_ALLOW_WRITES, every write previews first and
//! happens only with a valid code (bound, 5 minutes, once) or a person's "yes" through
//! elicitation; the simulator's state shows each write.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use common::{Harness, text_of};
use nango_mcp::writes::{ConfirmCodes, gate};
use nango_sim::{SimConfig, SimKey};
use rmcp::{
    ClientHandler, ErrorData as McpError, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
        ElicitationAction, ElicitationCapability, FormElicitationCapability, Implementation,
        ProtocolVersion,
    },
    service::RequestContext,
    transport::TokioChildProcess,
};
use serde_json::{Value, json};

const SECRET: &str = "test-confirm-secret";
const READ_ONLY_KEY: &str = "0b7e3f52-9c4d-4a1e-8f26-5d3c7a9b1e04";

async fn with_writes() -> Harness {
    Harness::start_with(
        SimConfig::demo(),
        &[
            ("NANGO_MCP_ALLOW_WRITES", "true"),
            ("NANGO_MCP_CONFIRM_SECRET", SECRET),
        ],
    )
    .await
}

fn deals_123() -> Value {
    json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals"})
}

fn with_code(arguments: &Value, code: &str) -> Value {
    let mut arguments = arguments.clone();
    arguments["confirmation"] = json!(code);
    arguments
}

fn posts(harness: &Harness) -> usize {
    harness
        .sim
        .state()
        .requests()
        .iter()
        .filter(|request| request.method == "POST" && !request.path.starts_with("/mcp"))
        .count()
}

/// conn-123's deals row as list_syncs shows it.
async fn deals_state(harness: &Harness) -> Value {
    let (structured, _) = harness
        .ok(
            "list_syncs",
            json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "deals", "fields": ["*"]}),
        )
        .await;
    structured["syncs"][0].clone()
}

/// Preview then confirm; returns the confirmed answer.
async fn confirmed(harness: &Harness, tool: &str, arguments: Value) -> Value {
    let before = posts(harness);
    let (preview, text) = harness.ok(tool, arguments.clone()).await;
    assert_eq!(preview["status"], "preview", "{preview}");
    assert_eq!(preview["written"], false);
    let code = preview["confirmation"].as_str().unwrap().to_owned();
    assert!(
        !text.contains(&code),
        "the code stays out of the text: {text}"
    );
    assert_eq!(posts(harness), before, "a preview writes nothing");
    let (done, _) = harness.ok(tool, with_code(&arguments, &code)).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(posts(harness), before + 1, "one write");
    let replay = harness.err(tool, with_code(&arguments, &code)).await;
    assert!(replay.contains("already used"), "{replay}");
    assert_eq!(posts(harness), before + 1, "a replayed code writes nothing");
    let log = harness.stderr();
    let leaks: Vec<&str> = log.lines().filter(|line| line.contains(&code)).collect();
    assert!(leaks.is_empty(), "the code is never logged: {leaks:?}");
    done
}

#[tokio::test]
async fn no_write_tools_by_default() {
    let harness = Harness::start(SimConfig::demo()).await;
    let tools = harness.client.list_all_tools().await.unwrap();
    assert!(
        tools
            .iter()
            .all(|tool| { tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true) })
    );
    for name in [
        "trigger_sync",
        "pause_sync",
        "start_sync",
        "create_reconnect_link",
    ] {
        assert!(tools.iter().all(|tool| tool.name != name), "{name} listed");
        let arguments = deals_123().as_object().unwrap().clone();
        let error = harness
            .client
            .call_tool(CallToolRequestParams::new(name).with_arguments(arguments))
            .await
            .expect_err("an unknown tool");
        assert!(error.to_string().contains("unknown tool"), "{error}");
    }
    let (environment, text) = harness.ok("get_environment", json!({})).await;
    assert_eq!(environment["writes"]["enabled"], false);
    assert_eq!(
        environment["writes"]["tools"][0]["key_has_scope"],
        "not_checked"
    );
    assert!(text.contains("Write actions: disabled"), "{text}");
    assert_eq!(
        posts(&harness),
        0,
        "a read-only server sends no POST at all"
    );
    harness.stop().await;
}

#[tokio::test]
async fn pause_then_start_round_trip_shows_in_list_syncs() {
    let harness = with_writes().await;
    let tools = harness.client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|tool| tool.name == "pause_sync"));
    assert_ne!(deals_state(&harness).await["state"], "paused");
    let done = confirmed(&harness, "pause_sync", deals_123()).await;
    assert_eq!(done["connections"], 1);
    let paused = deals_state(&harness).await;
    assert_eq!(paused["state"], "paused", "{paused}");
    assert!(paused.get("next_run_at").is_none(), "{paused}");
    // A trigger on a paused sync is accepted, and warned about.
    let (preview, text) = harness.ok("trigger_sync", deals_123()).await;
    assert!(text.contains("paused"), "{text}");
    assert_eq!(preview["warnings"].as_array().unwrap().len(), 1);
    confirmed(&harness, "start_sync", deals_123()).await;
    let started = deals_state(&harness).await;
    assert_ne!(started["state"], "paused", "{started}");
    assert!(started["next_run_at"].is_string(), "{started}");
    let log = harness.stderr();
    assert!(
        log.contains("write action") && log.contains("tool=\"pause_sync\"")
            || log.contains("tool=pause_sync"),
        "{log}"
    );
    assert!(
        log.contains("outcome=\"done\"") || log.contains("outcome=done"),
        "{log}"
    );
    harness.stop().await;
}

#[tokio::test]
async fn trigger_round_trip_marks_the_sync_running_and_all_connections_are_counted() {
    let harness = with_writes().await;
    let done = confirmed(&harness, "trigger_sync", deals_123()).await;
    assert!(
        done["next_step"]
            .as_str()
            .unwrap()
            .contains("does not change until the run starts")
    );
    assert_eq!(deals_state(&harness).await["state"], "running");
    let all = json!({"integration": "hubspot-prod", "syncs": ["deals"], "mode": "full_refresh"});
    let (preview, text) = harness.ok("trigger_sync", all).await;
    let connections = preview["connections"].as_u64().unwrap();
    assert!(connections > 1, "{preview}");
    assert!(
        text.contains(&format!("ALL {connections} connections")),
        "{text}"
    );
    assert!(text.contains("FULL REFRESH"), "{text}");
    harness.stop().await;
}

#[tokio::test]
async fn forged_mismatched_and_expired_codes_write_nothing() {
    let harness = with_writes().await;
    let (preview, _) = harness.ok("pause_sync", deals_123()).await;
    let code = preview["confirmation"].as_str().unwrap();
    let other =
        json!({"integration": "hubspot-prod", "connection_id": "conn-456", "syncs": "deals"});
    let mismatch = harness.err("pause_sync", with_code(&other, code)).await;
    assert!(mismatch.contains("does not match"), "{mismatch}");
    let other_tool = harness
        .err("start_sync", with_code(&deals_123(), code))
        .await;
    assert!(other_tool.contains("does not match"), "{other_tool}");
    let forged = harness
        .err("pause_sync", with_code(&deals_123(), "1.2.3"))
        .await;
    assert!(forged.contains("does not match"), "{forged}");
    let junk = harness
        .err("pause_sync", with_code(&deals_123(), "yes"))
        .await;
    assert!(junk.contains("not a confirmation code"), "{junk}");
    // A code minted by the same secret ten minutes ago, for exactly this call.
    let ten_minutes_ago = SystemTime::now() - Duration::from_secs(600);
    let codes = ConfirmCodes::with_clock(
        SECRET.as_bytes().to_vec(),
        Arc::new(move || ten_minutes_ago),
    );
    let binding = gate::binding(
        "pause_sync",
        "default",
        &[
            ("integration", "hubspot-prod".to_owned()),
            ("connection", "conn-123".to_owned()),
            ("syncs", "deals".to_owned()),
            ("mode", String::new()),
        ],
    );
    let expired = harness
        .err(
            "pause_sync",
            with_code(&deals_123(), &codes.issue(&binding)),
        )
        .await;
    assert!(expired.contains("expired"), "{expired}");
    // The same secret, a fresh code: accepted (so the expired one failed only for its age).
    let fresh = ConfirmCodes::new(SECRET.as_bytes().to_vec()).issue(&binding);
    harness
        .ok("pause_sync", with_code(&deals_123(), &fresh))
        .await;
    assert_eq!(posts(&harness), 1, "only the valid code wrote");
    harness.stop().await;
}

#[tokio::test]
async fn a_write_to_a_missing_connection_is_an_error_and_writes_nothing() {
    let harness = with_writes().await;
    let missing = json!({"integration": "hubspot-prod", "connection_id": "nope", "syncs": "deals"});
    let error = harness.err("pause_sync", missing).await;
    assert!(
        error.contains("nope") && error.contains("list_connections"),
        "{error}"
    );
    let error = harness
        .err(
            "create_reconnect_link",
            json!({"integration": "hubspot-prod", "connection_id": "nope"}),
        )
        .await;
    assert!(error.contains("not found"), "{error}");
    let error = harness
        .err(
            "trigger_sync",
            json!({"integration": "hubspot-prod", "connection_id": "conn-123", "syncs": "nosuch"}),
        )
        .await;
    assert!(error.contains("list_syncs"), "{error}");
    assert_eq!(posts(&harness), 0);
    harness.stop().await;
}

#[tokio::test]
async fn reconnect_link_round_trip_answers_the_link_and_expiry() {
    let harness = with_writes().await;
    let arguments = json!({"integration": "salesforce-prod", "connection_id": "conn-xyz"});
    let done = confirmed(&harness, "create_reconnect_link", arguments).await;
    let link = done["connect_link"].as_str().unwrap();
    assert!(
        link.contains("session_token=nango_connect_session_"),
        "{link}"
    );
    assert!(done["expires_at"].is_string());
    let sessions = harness.sim.state().writes().sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].connection_id, "conn-xyz");
    assert!(
        !harness.stderr().contains("nango_connect_session_"),
        "no session token in logs"
    );
    harness.stop().await;
}

#[tokio::test]
async fn get_environment_reports_write_scopes_per_key() {
    let harness = with_writes().await;
    let (environment, text) = harness.ok("get_environment", json!({})).await;
    assert_eq!(environment["writes"]["enabled"], true);
    for tool in environment["writes"]["tools"].as_array().unwrap() {
        assert_eq!(tool["key_has_scope"], "granted", "{tool}");
    }
    assert!(
        text.contains("environment:syncs:execute: granted"),
        "{text}"
    );
    assert_eq!(posts(&harness), 2, "two probes");
    assert_eq!(
        harness.sim.state().writes().sessions().len(),
        0,
        "a probe creates nothing"
    );
    harness.stop().await;

    let harness = Harness::start_with(
        SimConfig::demo().with_key(SimKey::read_only(READ_ONLY_KEY)),
        &[
            ("NANGO_MCP_ALLOW_WRITES", "true"),
            ("NANGO_SECRET_KEY", READ_ONLY_KEY),
        ],
    )
    .await;
    let (environment, _) = harness.ok("get_environment", json!({})).await;
    for tool in environment["writes"]["tools"].as_array().unwrap() {
        assert_eq!(tool["key_has_scope"], "missing", "{tool}");
    }
    harness.stop().await;
}

/// A client that declares form elicitation and answers as a person would.
#[derive(Clone)]
struct Person {
    accept: bool,
    protocol: ProtocolVersion,
    asked: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Person {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        capabilities.elicitation =
            Some(ElicitationCapability::new().with_form(FormElicitationCapability::default()));
        let mut info = ClientConfig::new(capabilities, Implementation::new("person", "1.0"));
        info.protocol_version = self.protocol.clone();
        info
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, McpError> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        Ok(if self.accept {
            ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
        } else {
            ElicitResult::new(ElicitationAction::Decline)
        })
    }
}

async fn elicitation_round(accept: bool, protocol: ProtocolVersion) {
    let sim = nango_sim::Sim::start(SimConfig::demo()).await.unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_nango-mcp"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NANGO_SECRET_KEY", sim.secret_key())
        .env("NANGO_HOST", sim.base_url())
        .env(
            "NANGO_MANAGEMENT_MCP_URL",
            format!("{}/mcp", sim.base_url()),
        )
        .env("NANGO_MCP_ALLOW_WRITES", "true");
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let person = Person {
        accept,
        protocol: protocol.clone(),
        asked: Arc::default(),
    };
    let client = person.clone().serve(transport).await.unwrap();
    let arguments = deals_123().as_object().unwrap().clone();
    let result = client
        .call_tool(CallToolRequestParams::new("pause_sync").with_arguments(arguments))
        .await
        .unwrap();
    let text = text_of(&result);
    assert_ne!(result.is_error, Some(true), "{protocol:?}: {text}");
    let asked = person.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{protocol:?}: asked once: {asked:?}");
    assert!(
        asked[0].contains("Pause sync deals") && asked[0].contains("conn-123"),
        "{}",
        asked[0]
    );
    let paused = sim
        .state()
        .requests()
        .iter()
        .any(|request| request.method == "POST" && request.path == "/sync/pause");
    assert_eq!(paused, accept, "{protocol:?}: {text}");
    let structured = result.structured_content.unwrap();
    assert_eq!(structured["written"], accept, "{structured}");
    assert!(
        structured.get("confirmation").is_none(),
        "no code when the person was asked"
    );
    let _ = client.cancel().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn elicitation_accept_writes_and_decline_does_not() {
    for protocol in [ProtocolVersion::LATEST, ProtocolVersion::V_2025_11_25] {
        elicitation_round(true, protocol.clone()).await;
        elicitation_round(false, protocol).await;
    }
}
