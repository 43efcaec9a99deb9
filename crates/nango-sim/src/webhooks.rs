//! Nango's webhooks, as Nango sends them, for the runs and refresh failures the simulator has
//! made up: the body shapes of `packages/webhooks/lib/{sync,auth}.ts` (NangoHQ/nango
//! 2f4c0af671e2ca1c43dd4e78f3c369218bf3fc87), keys sorted as its `stringifyStable` writes them,
//! signed with `X-Nango-Hmac-Sha256` = hex HMAC-SHA256 of the body under the environment's
//! webhook signing key, POSTed to the URL it is given.

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::dataset::{Connection, Dataset};
use crate::management::{LogOperation, RunState};

/// Where to send and how to sign.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    /// e.g. `http://127.0.0.1:8080/webhooks/nango`.
    pub url: String,
    pub signing_key: String,
    /// The environment name auth webhooks carry.
    pub environment: String,
}

/// What a send did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub delivered: usize,
    /// Non-2xx answers or connection failures (Nango would retry these).
    pub refused: usize,
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The sync webhook for one finished run (`None` for runs still waiting or running, and for
/// cancelled ones, which Nango does not report).
pub fn sync_body(operation: &LogOperation, variant: &str) -> Option<Value> {
    let sync = operation.sync.as_deref()?;
    let model = operation.model.as_deref().unwrap_or("Unknown");
    let ended = operation.ended_at?;
    match operation.state {
        RunState::Success => {
            let result = operation.result.clone().unwrap_or_default();
            Some(json!({
                "connectionId": operation.connection_id,
                "from": "nango",
                "model": model,
                "modifiedAfter": iso(operation.started_at),
                "providerConfigKey": operation.integration,
                "queryTimeStamp": iso(operation.started_at),
                "responseResults": {"added": result.added, "deleted": result.deleted, "updated": result.updated},
                "success": true,
                "syncName": sync,
                "syncType": "INCREMENTAL",
                "syncVariant": variant,
                "type": "sync"
            }))
        }
        RunState::Failed | RunState::Timeout => {
            let (kind, description) = operation.failure.as_ref().map_or_else(
                || ("script_error".to_owned(), "The sync failed".to_owned()),
                |failure| (failure.error_type.clone(), failure.message.clone()),
            );
            Some(json!({
                "connectionId": operation.connection_id,
                "error": {"description": description, "type": kind},
                "failedAt": iso(ended),
                "from": "nango",
                "model": model,
                "providerConfigKey": operation.integration,
                "startedAt": iso(operation.started_at),
                "success": false,
                "syncName": sync,
                "syncType": "INCREMENTAL",
                "syncVariant": variant,
                "type": "sync"
            }))
        }
        _ => None,
    }
}

/// The auth webhook Nango sends when refreshing a connection's token fails.
pub fn refresh_failure_body(connection: &Connection, environment: &str) -> Value {
    json!({
        "authMode": connection.auth_mode,
        "connectionId": connection.connection_id,
        "environment": environment,
        "error": {
            "description": crate::refresh::REFRESH_FAILED_MESSAGE,
            "type": "refresh_token_external_error"
        },
        "from": "nango",
        "operation": "refresh",
        "provider": connection.provider,
        "providerConfigKey": connection.provider_config_key,
        "success": false,
        "type": "auth"
    })
}

/// Every webhook the dataset's history implies, oldest first: a sync webhook per finished run,
/// and a refresh failure per connection with an `auth` error. `only` keeps those connections.
pub fn history(dataset: &Dataset, environment: &str, only: &[&str]) -> Vec<Value> {
    let keep = |connection: &Connection| {
        only.is_empty() || only.contains(&connection.connection_id.as_str())
    };
    let mut runs: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for connection in dataset.connections.iter().filter(|c| keep(c)) {
        for sync in &connection.syncs {
            for operation in dataset.sync_runs(&connection.connection_id, &sync.name) {
                if let (Some(body), Some(ended)) =
                    (sync_body(&operation, &sync.variant), operation.ended_at)
                {
                    runs.push((ended, body));
                }
            }
        }
        if connection.has_error("auth") {
            runs.push((
                connection.updated_at,
                refresh_failure_body(connection, environment),
            ));
        }
    }
    runs.sort_by_key(|(at, _)| *at);
    runs.into_iter().map(|(_, body)| body).collect()
}

/// Hex HMAC-SHA256 of `body` under `key`, Nango's `X-Nango-Hmac-Sha256`.
pub fn sign(key: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// POSTs the bodies, signed, a few at a time (as Nango's workers do).
pub async fn send(target: &WebhookTarget, bodies: Vec<Value>) -> SendReport {
    let client = reqwest::Client::new();
    let answers: Vec<bool> = futures::stream::iter(bodies)
        .map(|body| {
            let client = client.clone();
            async move {
                let body = body.to_string();
                client
                    .post(&target.url)
                    .header("content-type", "application/json")
                    .header(
                        "X-Nango-Hmac-Sha256",
                        sign(&target.signing_key, body.as_bytes()),
                    )
                    .body(body)
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let delivered = answers.iter().filter(|ok| **ok).count();
    SendReport {
        delivered,
        refused: answers.len() - delivered,
    }
}
