//! A time-limited cache of Nango's provider catalog (~1,000 templates, hundreds of KB): fetched at
//! most once per TTL and shared by every call. Only a speed-up: any replica can rebuild it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use nango_api::{
    NangoClient, NangoError,
    models::{Lenient, Provider},
};
use tokio::sync::Mutex;

pub const TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct ProviderCatalog {
    cached: Mutex<Option<(Instant, Arc<Lenient<Provider>>)>>,
}

impl ProviderCatalog {
    pub async fn providers(
        &self,
        client: &NangoClient,
    ) -> Result<Arc<Lenient<Provider>>, NangoError> {
        let mut cached = self.cached.lock().await;
        if let Some((fetched, providers)) = cached.as_ref()
            && fetched.elapsed() < TTL
        {
            return Ok(providers.clone());
        }
        let providers = Arc::new(client.list_providers(None).await?);
        *cached = Some((Instant::now(), providers.clone()));
        Ok(providers)
    }
}
