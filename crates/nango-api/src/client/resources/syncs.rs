//! `GET /sync/status`.

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::transport::Call;
use crate::models::{SyncSelector, SyncStatus, SyncStatusList};

impl NangoClient {
    /// Latest state of the selected syncs of an integration, one row per sync and connection.
    /// Without `connection_id` Nango computes every connection's rows, which is slow for big
    /// integrations: prefer per-connection calls with bounded concurrency.
    pub async fn sync_status(
        &self,
        provider_config_key: &str,
        syncs: &SyncSelector,
        connection_id: Option<&str>,
    ) -> Result<Vec<SyncStatus>, NangoError> {
        if provider_config_key.is_empty() {
            return Err(NangoError::InvalidInput {
                what: "provider config key",
                reason: "must not be empty".to_owned(),
            });
        }
        if matches!(syncs, SyncSelector::Named(names) if names.is_empty()) {
            return Err(NangoError::InvalidInput {
                what: "syncs",
                reason: "name at least one sync, or select all".to_owned(),
            });
        }
        let mut call = Call::new("/sync/status");
        call.query
            .push("provider_config_key", provider_config_key)
            .push("syncs", &syncs.query_value())
            .push_opt("connection_id", connection_id);
        let answer = self.transport.get(&call, true).await?;
        Ok(answer
            .decode::<SyncStatusList>()?
            .syncs
            .into_items_logged("sync statuses"))
    }
}
