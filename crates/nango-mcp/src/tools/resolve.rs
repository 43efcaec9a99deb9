//! Lookups several tools share: validating ids, finding an integration by key or provider, and
//! finding which integration a connection id belongs to.

use futures::TryStreamExt;
use nango_api::{ConnectionsQuery, models::Integration};

use super::{ToolContext, context::NangoResultExt};
use crate::errors::ToolError;

/// Nango caps ids at 255 characters; anything else is passed through percent-encoded.
pub fn validate_id(argument: &'static str, value: &str) -> Result<String, ToolError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ToolError::invalid(argument, "must not be empty"));
    }
    if trimmed.chars().count() > 255 {
        return Err(ToolError::invalid(
            argument,
            "longer than Nango's 255-character limit",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ToolError::invalid(argument, "contains control characters"));
    }
    Ok(trimmed.to_owned())
}

/// Integration keys matching `wanted`: an exact key, else every integration of that provider
/// (agents often say "salesforce" when the key is "salesforce-prod").
pub async fn integration_keys(
    ctx: &ToolContext,
    wanted: &[String],
) -> Result<Vec<String>, ToolError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let integrations = ctx.client.list_integrations().await.or_tool(ctx)?;
    let mut keys = Vec::new();
    for name in wanted {
        let name = validate_id("integration", name)?;
        let matched = match_integration(&integrations, &name);
        if matched.is_empty() {
            return Err(unknown_integration(&name, &integrations));
        }
        for key in matched {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    Ok(keys)
}

fn match_integration(integrations: &[Integration], name: &str) -> Vec<String> {
    if let Some(exact) = integrations.iter().find(|item| item.unique_key == name) {
        return vec![exact.unique_key.clone()];
    }
    let lowered = name.to_lowercase();
    integrations
        .iter()
        .filter(|item| {
            item.provider.to_lowercase() == lowered
                || item
                    .display_name
                    .as_deref()
                    .is_some_and(|display| display.to_lowercase() == lowered)
        })
        .map(|item| item.unique_key.clone())
        .collect()
}

fn unknown_integration(name: &str, integrations: &[Integration]) -> ToolError {
    const SHOWN: usize = 30;
    let mut valid: Vec<&str> = integrations
        .iter()
        .map(|item| item.unique_key.as_str())
        .take(SHOWN)
        .collect();
    if integrations.len() > SHOWN {
        valid.push("…");
    }
    ToolError::NotFound {
        what: "integration",
        id: name.to_owned(),
        scope: String::new(),
        hint: if valid.is_empty() {
            "This environment has no integrations.".to_owned()
        } else {
            format!(
                "Valid integration keys: {}. list_integrations shows them all.",
                valid.join(", ")
            )
        },
    }
}

/// The integration a connection belongs to: `integration` when given (key or provider), otherwise
/// looked up, which only works when the connection id is unique in the environment.
pub async fn connection_integration(
    ctx: &ToolContext,
    connection_id: &str,
    integration: Option<&str>,
) -> Result<String, ToolError> {
    let integrations: Vec<String> = match integration {
        Some(name) => integration_keys(ctx, &[name.to_owned()]).await?,
        None => Vec::new(),
    };
    if let [only] = integrations.as_slice() {
        return Ok(only.clone());
    }
    let query = ConnectionsQuery {
        connection_id: Some(connection_id.to_owned()),
        integration_ids: integrations,
        ..ConnectionsQuery::default()
    };
    let matches: Vec<String> = ctx
        .client
        .connections(query)
        .map_ok(|connection| connection.provider_config_key)
        .try_collect()
        .await
        .or_tool(ctx)?;
    match matches.as_slice() {
        [] => Err(ToolError::NotFound {
            what: "connection",
            id: connection_id.to_owned(),
            scope: integration
                .map(|name| format!(" in integration {name:?}"))
                .unwrap_or_default(),
            hint: "list_connections (with `search`) finds valid connection ids.".to_owned(),
        }),
        [only] => Ok(only.clone()),
        several => Err(ToolError::Ambiguous {
            what: "connection",
            id: connection_id.to_owned(),
            candidates: several.to_vec(),
        }),
    }
}

/// Exactly one integration for `name` (a key, or a provider with a single integration).
pub async fn single_integration(ctx: &ToolContext, name: &str) -> Result<String, ToolError> {
    let keys = integration_keys(ctx, &[name.to_owned()]).await?;
    match keys.as_slice() {
        [only] => Ok(only.clone()),
        several => Err(ToolError::invalid(
            "integration",
            format!(
                "{name:?} matches several integrations: {}; pass one key",
                several.join(", ")
            ),
        )),
    }
}

/// What a per-connection-or-per-integration tool reads: a validated connection id, if given,
/// and the integration (looked up from the connection when not given).
pub struct Scope {
    pub connection_id: Option<String>,
    pub integration: Option<String>,
}

impl Scope {
    pub async fn resolve(
        ctx: &ToolContext,
        connection_id: Option<&str>,
        integration: Option<&str>,
    ) -> Result<Self, ToolError> {
        let connection_id = connection_id
            .map(|id| validate_id("connection_id", id))
            .transpose()?;
        let integration = match (&connection_id, integration) {
            (Some(id), integration) => Some(connection_integration(ctx, id, integration).await?),
            (None, Some(name)) => Some(single_integration(ctx, name).await?),
            (None, None) => None,
        };
        Ok(Self {
            connection_id,
            integration,
        })
    }

    /// The integration, or an error saying the tool needs one of the two arguments.
    pub fn require_integration(&self) -> Result<String, ToolError> {
        self.integration.clone().ok_or_else(|| {
            ToolError::invalid(
                "integration",
                "pass `connection_id` (one connection) or `integration` (every connection of it); \
                 list_integrations shows the keys",
            )
        })
    }
}
