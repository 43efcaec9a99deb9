//! Provider templates the generator builds integrations from (auth mode, connection config
//! fields, granted scopes, the syncs/actions a team typically deploys). Each names a provider
//! of the real catalog (`data/providers-catalog.json`) with the same auth mode.

mod integrations;

pub(crate) use integrations::INTEGRATION_PROVIDERS;

/// A connection-config field a provider requires (e.g. Salesforce `instance_url`).
pub(crate) struct ConfigField {
    pub key: &'static str,
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
    pub scopes: &'static [&'static str],
    pub connection_config: &'static [ConfigField],
    pub syncs: &'static [SyncSpec],
    pub actions: &'static [ActionSpec],
}

pub(crate) const fn field(key: &'static str) -> ConfigField {
    ConfigField { key }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::INTEGRATION_PROVIDERS;
    use crate::dataset::generate::providers::real_catalog;

    /// Integrations the generator creates must be of real providers with their real auth mode,
    /// or the simulator teaches clients a catalog Nango does not have.
    #[test]
    fn every_integration_provider_is_real_with_its_real_auth_mode() {
        let mismatches: Vec<String> = INTEGRATION_PROVIDERS
            .iter()
            .filter_map(|spec| {
                let real = real_catalog()
                    .iter()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(spec.name));
                let real_mode = real
                    .and_then(|p| p.get("auth_mode"))
                    .and_then(Value::as_str);
                (real_mode != Some(spec.auth_mode))
                    .then(|| format!("{}: ours {}, real {real_mode:?}", spec.name, spec.auth_mode))
            })
            .collect();
        assert!(mismatches.is_empty(), "{mismatches:#?}");
    }

    /// Every credential shape the simulator knows stays in the generated data (canary tests).
    #[test]
    fn every_credential_type_is_generated() {
        let modes: BTreeSet<&str> = INTEGRATION_PROVIDERS.iter().map(|s| s.auth_mode).collect();
        for mode in [
            "OAUTH2",
            "OAUTH1",
            "OAUTH2_CC",
            "APP",
            "API_KEY",
            "BASIC",
            "JWT",
            "TBA",
        ] {
            assert!(modes.contains(mode), "no generated integration uses {mode}");
        }
        let default_eight: BTreeSet<&str> = INTEGRATION_PROVIDERS
            .iter()
            .take(8)
            .map(|s| s.auth_mode)
            .collect();
        for mode in ["OAUTH2", "APP", "API_KEY", "BASIC"] {
            assert!(
                default_eight.contains(mode),
                "the default dataset lacks {mode}"
            );
        }
    }
}
