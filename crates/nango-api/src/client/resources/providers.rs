//! `GET /providers`, `GET /providers/{name}`: Nango's provider catalog.

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::encode::path_segment;
use crate::client::transport::Call;
use crate::models::{DataEnvelope, Lenient, Provider};

impl NangoClient {
    /// The provider catalog (~1,000 entries, hundreds of KB: cache it), optionally filtered by
    /// Nango's `search` (letters, digits and `~:.@ _-` only; Nango rejects other characters).
    /// Rows that do not parse are skipped and counted, never a failure of the catalog. Served
    /// from the client's short-lived cache when fresh.
    pub async fn list_providers(
        &self,
        search: Option<&str>,
    ) -> Result<Lenient<Provider>, NangoError> {
        let mut call = Call::new("/providers");
        call.query.push_opt("search", search);
        let list: DataEnvelope<Lenient<Provider>> = self.transport.get_cached(&call).await?;
        Ok(list.data)
    }

    /// One provider template by name, e.g. `github`.
    pub async fn get_provider(&self, name: &str) -> Result<Provider, NangoError> {
        let call = Call::new(format!(
            "/providers/{}",
            path_segment("provider name", name)?
        ));
        let answer = self.transport.get(&call, true).await?;
        Ok(answer.decode::<DataEnvelope<Provider>>()?.data)
    }
}
