//! Nango's write endpoints: `POST /sync/trigger`, `/sync/pause`, `/sync/start`,
//! `/connect/sessions/reconnect`, and a probe for their scopes that cannot write.

use serde_json::{Value, json};

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::transport::{Call, Retries};
use crate::models::{ConnectSession, DataEnvelope, ScopeProbe, SyncMode, SyncTarget, WriteAck};

impl NangoClient {
    /// Starts a run of the target syncs now. Not idempotent (two calls, two runs), so it is
    /// retried only when Nango certainly did not receive it.
    pub async fn trigger_syncs(
        &self,
        target: &SyncTarget,
        mode: SyncMode,
    ) -> Result<(), NangoError> {
        let mut body = sync_body(target)?;
        if let Value::Object(map) = &mut body {
            map.insert("sync_mode".to_owned(), json!(mode.as_str()));
        }
        self.sync_write("/sync/trigger", &body, Retries::UnlessSent)
            .await
    }

    /// Pauses the target syncs' schedules (Nango: `PAUSED`, no next run). Idempotent.
    pub async fn pause_syncs(&self, target: &SyncTarget) -> Result<(), NangoError> {
        let body = sync_body(target)?;
        self.sync_write("/sync/pause", &body, Retries::Any).await
    }

    /// Restores the target syncs' schedules. Idempotent.
    pub async fn start_syncs(&self, target: &SyncTarget) -> Result<(), NangoError> {
        let body = sync_body(target)?;
        self.sync_write("/sync/start", &body, Retries::Any).await
    }

    /// A Connect session in which the end user re-authorises this connection (201).
    pub async fn create_reconnect_session(
        &self,
        integration: &str,
        connection_id: &str,
    ) -> Result<ConnectSession, NangoError> {
        non_empty("provider config key", integration)?;
        non_empty("connection id", connection_id)?;
        let body = json!({ "connection_id": connection_id, "integration_id": integration });
        let call = Call::post("/connect/sessions/reconnect", &body, Retries::UnlessSent);
        let answer = self.transport.get(&call, true).await?;
        Ok(answer.decode::<DataEnvelope<ConnectSession>>()?.data)
    }

    /// Whether the key may call the sync writes, found without writing (see [`probe`]).
    pub async fn probe_syncs_execute_scope(&self) -> Result<ScopeProbe, NangoError> {
        self.probe("/sync/trigger").await
    }

    /// Whether the key may create Connect sessions, found without writing.
    pub async fn probe_connect_sessions_scope(&self) -> Result<ScopeProbe, NangoError> {
        self.probe("/connect/sessions/reconnect").await
    }

    /// Nango checks the scope (`withScope`) before the handler validates the body, and both
    /// handlers validate with a strict schema before acting. A body with only an unknown key
    /// therefore answers 403 `forbidden` without the scope and 400 `invalid_body` with it, and
    /// can never reach the code that writes.
    async fn probe(&self, path: &str) -> Result<ScopeProbe, NangoError> {
        let body = json!({ "nango_mcp_scope_probe": true });
        let call = Call::post(path, &body, Retries::UnlessSent);
        match self.transport.get(&call, false).await {
            Err(NangoError::Api {
                status: 403, code, ..
            }) if code == "forbidden" => Ok(ScopeProbe::Missing),
            Err(NangoError::Api {
                status: 400, code, ..
            }) if code == "invalid_body" => Ok(ScopeProbe::Granted),
            Err(NangoError::Api { .. }) | Ok(_) => Ok(ScopeProbe::Unknown),
            Err(other) => Err(other),
        }
    }

    async fn sync_write(
        &self,
        path: &str,
        body: &Value,
        retries: Retries,
    ) -> Result<(), NangoError> {
        let call = Call::post(path, body, retries);
        let answer = self.transport.get(&call, true).await?;
        let ack: WriteAck = answer.decode()?;
        if ack.success {
            Ok(())
        } else {
            Err(NangoError::InvalidBody {
                status: answer.status,
                reason: "Nango answered success: false".to_owned(),
            })
        }
    }
}

fn sync_body(target: &SyncTarget) -> Result<Value, NangoError> {
    non_empty("provider config key", &target.provider_config_key)?;
    if target.syncs.is_empty() || target.syncs.iter().any(String::is_empty) {
        return Err(NangoError::InvalidInput {
            what: "syncs",
            reason: "name at least one sync".to_owned(),
        });
    }
    if let Some(id) = &target.connection_id {
        non_empty("connection id", id)?;
    }
    serde_json::to_value(target).map_err(|error| NangoError::InvalidInput {
        what: "sync target",
        reason: error.to_string(),
    })
}

fn non_empty(what: &'static str, value: &str) -> Result<(), NangoError> {
    if value.is_empty() {
        Err(NangoError::InvalidInput {
            what,
            reason: "must not be empty".to_owned(),
        })
    } else {
        Ok(())
    }
}
