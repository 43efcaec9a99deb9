//! `GET /integrations`, `GET /integrations/{key}`, `GET /integrations/{key}/functions`.

use crate::NangoError;
use crate::client::encode::path_segment;
use crate::client::queries::MAX_FUNCTIONS_PAGE;
use crate::client::transport::Call;
use crate::client::{FunctionsQuery, IntegrationInclude, NangoClient};
use crate::models::{
    DataEnvelope, Function, FunctionsPage, Integration, IntegrationDetail, Lenient,
};

/// A server that never returns a short page cannot keep `all_functions` looping forever.
const MAX_FUNCTION_PAGES: u32 = 1000;

impl NangoClient {
    /// Every integration (provider config) of the environment; Nango does not page this list.
    /// Served from the client's short-lived cache when fresh (no credentials in this list).
    pub async fn list_integrations(&self) -> Result<Vec<Integration>, NangoError> {
        let list: DataEnvelope<Lenient<Integration>> = self
            .transport
            .get_cached(&Call::new("/integrations"))
            .await?;
        Ok(list.data.into_items_logged("integrations"))
    }

    /// One integration by unique key. `include.credentials` needs the
    /// `integrations:read_credentials` scope (Nango silently omits them otherwise); only facts
    /// about the credentials are kept.
    pub async fn get_integration(
        &self,
        key: &str,
        include: IntegrationInclude,
    ) -> Result<IntegrationDetail, NangoError> {
        let mut call = Call::new(format!(
            "/integrations/{}",
            path_segment("integration key", key)?
        ));
        if include.webhook {
            call.query.push("include", "webhook");
        }
        if include.credentials {
            call.query.push("include", "credentials");
        }
        let answer = self.transport.get(&call, true).await?;
        Ok(answer.decode::<DataEnvelope<IntegrationDetail>>()?.data)
    }

    /// One page of the functions (syncs, actions, on-event scripts) deployed on an integration.
    pub async fn list_functions(
        &self,
        key: &str,
        query: &FunctionsQuery,
    ) -> Result<FunctionsPage, NangoError> {
        let mut call = Call::new(format!(
            "/integrations/{}/functions",
            path_segment("integration key", key)?
        ));
        query.write(&mut call.query);
        self.transport.get(&call, true).await?.decode()
    }

    /// Every function deployed on an integration, fetched in pages of 100.
    pub async fn all_functions(&self, key: &str) -> Result<Vec<Function>, NangoError> {
        let mut functions = Vec::new();
        let mut query = FunctionsQuery {
            limit: MAX_FUNCTIONS_PAGE,
            ..FunctionsQuery::default()
        };
        while query.page < MAX_FUNCTION_PAGES {
            let page = self.list_functions(key, &query).await?;
            let received = page.data.items.len() + page.data.skipped;
            functions.extend(page.data.into_items_logged("functions"));
            let total = page.pagination.map(|pagination| pagination.total);
            let short = received < MAX_FUNCTIONS_PAGE as usize;
            if short || total.is_some_and(|total| functions.len() as u64 >= total) {
                break;
            }
            query.page += 1;
        }
        Ok(functions)
    }
}
