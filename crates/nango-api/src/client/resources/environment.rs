//! Environment-level reads: `/health`, `/environment-variables`, `/scripts/config`.

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::transport::Call;
use crate::models::{EnvironmentVariable, IntegrationScripts, Lenient};

impl NangoClient {
    /// `GET /health`: succeeds when the server answers 2xx (not rate limited, no scope needed).
    pub async fn health(&self) -> Result<(), NangoError> {
        self.transport.get(&Call::new("/health"), false).await?;
        Ok(())
    }

    /// Names of the environment variables. Their values are secrets and are dropped while
    /// parsing (see [`EnvironmentVariable`]).
    pub async fn environment_variables(&self) -> Result<Vec<EnvironmentVariable>, NangoError> {
        let answer = self
            .transport
            .get(&Call::new("/environment-variables"), true)
            .await?;
        // Nango's own SDK treats an empty body as "no variables".
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        Ok(answer
            .decode::<Lenient<EnvironmentVariable>>()?
            .into_items_logged("environment variables"))
    }

    /// Every deployed sync, action and on-event script, grouped by integration. Served from
    /// the client's short-lived cache when fresh.
    pub async fn scripts_config(&self) -> Result<Vec<IntegrationScripts>, NangoError> {
        Ok(self
            .transport
            .get_cached::<Lenient<IntegrationScripts>>(&Call::new("/scripts/config"))
            .await?
            .into_items_logged("deployed scripts"))
    }
}
