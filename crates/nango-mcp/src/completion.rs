//! Argument completion for resource templates and prompts: integration keys, connection ids and
//! model names, fetched from Nango and filtered by what the user has typed.

use futures::TryStreamExt;
use nango_api::{ConnectionsQuery, NangoClient};

/// At most this many suggestions (MCP caps a completion at 100 values).
const MAX_VALUES: usize = 100;

pub async fn values(
    client: &NangoClient,
    argument: &str,
    typed: &str,
    integration: Option<&str>,
) -> Vec<String> {
    let typed_lower = typed.to_lowercase();
    let mut values = match argument {
        "key" | "integration" | "integrations" => integration_keys(client).await,
        "connection_id" => connection_ids(client, typed, integration).await,
        "model" => models(client, integration).await,
        _ => Vec::new(),
    };
    values.retain(|value| value.to_lowercase().starts_with(&typed_lower));
    values.sort();
    values.dedup();
    values.truncate(MAX_VALUES);
    values
}

async fn integration_keys(client: &NangoClient) -> Vec<String> {
    client
        .list_integrations()
        .await
        .map(|list| list.into_iter().map(|item| item.unique_key).collect())
        .unwrap_or_default()
}

async fn connection_ids(
    client: &NangoClient,
    typed: &str,
    integration: Option<&str>,
) -> Vec<String> {
    let query = ConnectionsQuery {
        search: Some(typed.to_owned()).filter(|text| !text.is_empty()),
        integration_ids: integration
            .map(|key| vec![key.to_owned()])
            .unwrap_or_default(),
        page_size: Some(MAX_VALUES as u32),
        ..ConnectionsQuery::default()
    };
    client
        .connections(query)
        .map_ok(|connection| connection.connection_id)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_or_default()
}

async fn models(client: &NangoClient, integration: Option<&str>) -> Vec<String> {
    client
        .scripts_config()
        .await
        .map(|configs| {
            configs
                .into_iter()
                .filter(|config| integration.is_none_or(|key| config.provider_config_key == key))
                .flat_map(|config| config.syncs.into_iter().flat_map(|sync| sync.returns))
                .collect()
        })
        .unwrap_or_default()
}
