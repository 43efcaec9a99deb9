//! `GET /connections` (paged) and `GET /connections/{id}`.

use std::sync::Arc;

use futures::Stream;

use crate::NangoError;
use crate::client::encode::path_segment;
use crate::client::paging::numbered_pages;
use crate::client::transport::Call;
use crate::client::{ConnectionsQuery, NangoClient};
use crate::models::{Connection, ConnectionDetail, ConnectionList};

/// Rows `find_connection` reads: one id rarely exists under more than a few integrations.
const FIND_LIMIT: u32 = 100;

impl NangoClient {
    /// One page of connections (`page` is zero-based, `limit` is clamped to 1..=2000). A page
    /// shorter than `limit` is the last one; Nango reports no total. Served from the client's
    /// short-lived cache when it holds this exact page (see [`crate::CachedList`]).
    pub async fn list_connections_page(
        &self,
        query: &ConnectionsQuery,
        page: u32,
        limit: u32,
    ) -> Result<Vec<Connection>, NangoError> {
        let mut call = Call::new("/connections");
        query.write(&mut call.query, page, limit);
        let list: ConnectionList = self.transport.get_cached(&call).await?;
        Ok(list.connections.into_items_logged("connections"))
    }

    /// Every connection matching `query`, in pages of [`ConnectionsQuery::effective_page_size`]
    /// until a short page. Unless the query names one `connection_id` (at most one row per
    /// integration), the next page is requested together with the current one: see
    /// [`ConnectionsQuery::prefetches`] for what that costs. Dropping the stream early sends no
    /// request beyond that one prefetched page.
    pub fn connections(
        &self,
        query: ConnectionsQuery,
    ) -> impl Stream<Item = Result<Connection, NangoError>> + Send + 'static {
        let client = self.clone();
        let limit = query.effective_page_size();
        let prefetch = query.prefetches();
        let query = Arc::new(query);
        numbered_pages(prefetch, move |page| {
            let client = client.clone();
            let query = Arc::clone(&query);
            async move {
                let connections = client.list_connections_page(&query, page, limit).await?;
                let full = connections.len() >= limit as usize;
                Ok((connections, full))
            }
        })
    }

    /// The connections with exactly this id (under one integration, or under every integration
    /// that has one), read from the listing: one request, and never a credential refresh, since
    /// the listing carries no credentials. Health, end user, tags and metadata are all there.
    pub async fn find_connection(
        &self,
        connection_id: &str,
        integration: Option<&str>,
    ) -> Result<Vec<Connection>, NangoError> {
        let query = ConnectionsQuery {
            connection_id: Some(connection_id.to_owned()),
            integration_ids: integration.map(str::to_owned).into_iter().collect(),
            ..ConnectionsQuery::default()
        };
        self.list_connections_page(&query, 0, FIND_LIMIT).await
    }

    /// One connection under one integration, with credential facts. Never asks Nango to refresh or reveal tokens
    /// (`force_refresh`, `refresh_token`, `refresh_github_app_jwt_token` are never sent). With a
    /// key holding `connections:read_credentials`, Nango may still refresh a token on its own.
    pub async fn get_connection(
        &self,
        connection_id: &str,
        provider_config_key: &str,
    ) -> Result<ConnectionDetail, NangoError> {
        if provider_config_key.is_empty() {
            return Err(NangoError::InvalidInput {
                what: "provider config key",
                reason: "must not be empty".to_owned(),
            });
        }
        let mut call = Call::new(format!(
            "/connections/{}",
            path_segment("connection id", connection_id)?
        ));
        call.query.push("provider_config_key", provider_config_key);
        self.transport.get(&call, true).await?.decode()
    }
}
