//! Whether the key holds `records:read` and `functions:read`, asked without reading any record
//! or function. Both routes are behind Nango's scope check, which runs before the handler looks
//! anything up, so a request naming a connection, integration or function that cannot exist
//! answers 403 without the scope and a "not found" kind of error with it, and never reads data
//! or touches a connection (records are read from Nango's store: no provider call, no refresh).

use reqwest::header::HeaderValue;

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::encode::path_segment;
use crate::client::transport::Call;
use crate::models::ScopeProbe;

/// Prefix of every made-up name; a random suffix follows.
const PROBE_PREFIX: &str = "nango-mcp-scope-probe";

fn made_up() -> String {
    format!("{PROBE_PREFIX}-{:x}", fastrand::u64(..))
}

impl NangoClient {
    /// `environment:records:read`: `GET /records` for a made-up connection of a made-up
    /// integration (403 without the scope, 400 `unknown_connection` with it).
    pub async fn probe_records_read_scope(&self) -> Result<ScopeProbe, NangoError> {
        let name = made_up();
        let header = HeaderValue::from_str(&name).map_err(|error| NangoError::InvalidInput {
            what: "probe header",
            reason: error.to_string(),
        })?;
        let mut call = Call::new("/records");
        call.headers = vec![
            ("Connection-Id", header.clone()),
            ("Provider-Config-Key", header),
        ];
        call.query.push("model", &name);
        self.read_probe(&call).await
    }

    /// `environment:functions:read`: one made-up function of a made-up integration (403
    /// without the scope, 404 with it).
    pub async fn probe_functions_read_scope(&self) -> Result<ScopeProbe, NangoError> {
        let name = made_up();
        let call = Call::new(format!(
            "/integrations/{}/functions/{}",
            path_segment("integration key", &name)?,
            path_segment("function name", &name)?
        ));
        self.read_probe(&call).await
    }

    async fn read_probe(&self, call: &Call) -> Result<ScopeProbe, NangoError> {
        match self.transport.get(call, false).await {
            Err(error) if error.is_missing_scope() => Ok(ScopeProbe::Missing),
            Err(NangoError::Api {
                status: 400 | 404, ..
            })
            | Ok(_) => Ok(ScopeProbe::Granted),
            Err(error) if error.is_not_found() => Ok(ScopeProbe::Granted),
            Err(NangoError::Api { .. }) => Ok(ScopeProbe::Unknown),
            Err(other) => Err(other),
        }
    }
}
