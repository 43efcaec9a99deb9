//! Provider templates: the ones the generator builds integrations from (auth mode, API base,
//! connection config fields, granted scopes, the syncs/actions a team typically deploys) and
//! the rest of the catalog `/providers` lists.

mod catalog_only;
mod integrations;

pub(crate) use catalog_only::catalog_only;
pub(crate) use integrations::INTEGRATION_PROVIDERS;

/// A connection-config field a provider requires (e.g. Salesforce `instance_url`).
pub(crate) struct ConfigField {
    pub key: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub example: &'static str,
}

/// A deployed sync: one model, one schedule.
pub(crate) struct SyncSpec {
    pub name: &'static str,
    pub model: &'static str,
    pub runs: &'static str,
    pub description: &'static str,
}

/// A deployed action with its input and output models.
pub(crate) struct ActionSpec {
    pub name: &'static str,
    pub input: &'static str,
    pub output: &'static str,
    pub description: &'static str,
}

/// One provider the generator can create integrations for.
pub(crate) struct ProviderSpec {
    pub name: &'static str,
    pub display_name: &'static str,
    pub auth_mode: &'static str,
    pub categories: &'static [&'static str],
    pub base_url: &'static str,
    pub authorization_url: &'static str,
    pub token_url: &'static str,
    pub scopes: &'static [&'static str],
    pub connection_config: &'static [ConfigField],
    pub syncs: &'static [SyncSpec],
    pub actions: &'static [ActionSpec],
}

pub(crate) const fn field(
    key: &'static str,
    title: &'static str,
    description: &'static str,
    example: &'static str,
) -> ConfigField {
    ConfigField {
        key,
        title,
        description,
        example,
    }
}

pub(crate) const fn sync(
    name: &'static str,
    model: &'static str,
    runs: &'static str,
    description: &'static str,
) -> SyncSpec {
    SyncSpec {
        name,
        model,
        runs,
        description,
    }
}

pub(crate) const fn action(
    name: &'static str,
    input: &'static str,
    output: &'static str,
    description: &'static str,
) -> ActionSpec {
    ActionSpec {
        name,
        input,
        output,
        description,
    }
}
