//! Which Nango environments this server talks to, read from the process environment:
//! `NANGO_SECRET_KEY` (default), `NANGO_SECRET_KEY_<ENV>` (more environments), `NANGO_SECRET_KEY_FILE`,
//! `NANGO_HOST` and `NANGO_HOST_<ENV>`, `NANGO_MANAGEMENT_MCP_URL` and `NANGO_MANAGEMENT_MCP_URL_<ENV>`.
//! Secrets are never taken from command-line arguments.

use std::{collections::BTreeMap, path::Path, time::Duration};

use nango_api::{ClientConfig, NangoClient, SecretKey};

use crate::errors::ToolError;

pub const DEFAULT_HOST: &str = "https://api.nango.dev";
const KEY_VARIABLE: &str = "NANGO_SECRET_KEY";
const KEY_FILE_VARIABLE: &str = "NANGO_SECRET_KEY_FILE";
pub const DEFAULT_ENVIRONMENT: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no Nango secret key: set NANGO_SECRET_KEY (or NANGO_SECRET_KEY_FILE, or NANGO_SECRET_KEY_<ENV> per environment), \
         or run with --demo to try the built-in sandbox"
    )]
    NoKey,
    #[error("could not read the key file named by NANGO_SECRET_KEY_FILE ({path}): {reason}")]
    KeyFile { path: String, reason: String },
    #[error("{variable}: {source}")]
    Client {
        variable: String,
        source: nango_api::NangoError,
    },
}

/// How patient the Nango client is (per-request timeout, total time spent waiting to retry)
/// and how long it reuses list answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTuning {
    pub request_timeout: Duration,
    pub max_retry_wait: Duration,
    /// Zero turns the list cache off (see `nango_api::CachedList`).
    pub cache_ttl: Duration,
}

/// Default of `--cache-ttl`: long enough for an agent to page an answer or follow up on it,
/// short enough that a change made elsewhere (the dashboard, another agent) shows up soon.
pub const DEFAULT_CACHE_TTL_SECS: u64 = 30;

impl Default for ClientTuning {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_retry_wait: Duration::from_secs(30),
            cache_ttl: Duration::from_secs(DEFAULT_CACHE_TTL_SECS),
        }
    }
}

/// One configured environment.
#[derive(Clone)]
pub struct Environment {
    pub name: String,
    /// The variable its key came from, named in error messages (never the key itself).
    pub key_variable: String,
    pub client: NangoClient,
    /// Where sync-run logs are read (Nango's Management MCP), with the same key; `None` when the
    /// user named none and the host is not Nango Cloud (the key must not go to a third party).
    pub management: Option<nango_api::management::ManagementClient>,
}

/// Every configured environment; the first is the default.
#[derive(Clone)]
pub struct Environments {
    list: Vec<Environment>,
}

impl Environments {
    pub fn new(list: Vec<Environment>) -> Result<Self, ConfigError> {
        if list.is_empty() {
            return Err(ConfigError::NoKey);
        }
        Ok(Self { list })
    }

    /// Reads the process environment (`vars` is injectable for tests).
    pub fn from_vars(
        vars: &BTreeMap<String, String>,
        host_override: Option<&str>,
        tuning: ClientTuning,
    ) -> Result<Self, ConfigError> {
        let default_host = host_override
            .map(str::to_owned)
            .or_else(|| vars.get("NANGO_HOST").cloned())
            .unwrap_or_else(|| DEFAULT_HOST.to_owned());
        let mut keys: Vec<(String, String, String)> = Vec::new();
        if let Some(key) = vars.get(KEY_VARIABLE).filter(|key| !key.trim().is_empty()) {
            keys.push((
                DEFAULT_ENVIRONMENT.to_owned(),
                KEY_VARIABLE.to_owned(),
                key.clone(),
            ));
        } else if let Some(path) = vars.get(KEY_FILE_VARIABLE).filter(|path| !path.is_empty()) {
            keys.push((
                DEFAULT_ENVIRONMENT.to_owned(),
                KEY_FILE_VARIABLE.to_owned(),
                read_key_file(Path::new(path))?,
            ));
        }
        for (variable, key) in vars {
            let Some(suffix) = variable.strip_prefix("NANGO_SECRET_KEY_") else {
                continue;
            };
            if suffix == "FILE" || suffix.is_empty() || key.trim().is_empty() {
                continue;
            }
            keys.push((suffix.to_lowercase(), variable.clone(), key.clone()));
        }
        let list = keys
            .into_iter()
            .map(|(name, variable, key)| {
                let own_host = vars.get(&format!("NANGO_HOST_{}", name.to_uppercase()));
                let host = own_host.cloned().unwrap_or_else(|| default_host.clone());
                let management_url = management_url(vars, &name, &host, own_host.is_some());
                environment(
                    name,
                    variable,
                    &host,
                    management_url.as_deref(),
                    key,
                    tuning,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(list)
    }

    /// Counts every environment's Nango requests in `windows`, shared with other replicas.
    /// Nango's budget is per account: two environments of one account share it there too,
    /// but each key is its own scope here (a key never says which account it belongs to).
    pub fn share_rate_budget(&self, windows: &std::sync::Arc<dyn nango_state::RateWindows>) {
        for environment in &self.list {
            environment
                .client
                .share_rate_budget(std::sync::Arc::clone(windows));
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.list
            .iter()
            .map(|environment| environment.name.clone())
            .collect()
    }

    pub fn default_environment(&self) -> Option<&Environment> {
        self.list.first()
    }

    /// The named environment, or the default; an unknown name lists the valid ones.
    pub fn get(&self, name: Option<&str>) -> Result<&Environment, ToolError> {
        let found = match name {
            None => self.list.first(),
            Some(name) => self
                .list
                .iter()
                .find(|environment| environment.name.eq_ignore_ascii_case(name)),
        };
        found.ok_or_else(|| ToolError::UnknownEnvironment {
            name: name.unwrap_or_default().to_owned(),
            valid: self.names(),
        })
    }
}

/// Builds one environment's client; the key is validated here, at start-up, with a clear message.
pub fn environment(
    name: String,
    key_variable: String,
    host: &str,
    management_url: Option<&str>,
    key: String,
    tuning: ClientTuning,
) -> Result<Environment, ConfigError> {
    let client_error = |source| ConfigError::Client {
        variable: key_variable.clone(),
        source,
    };
    let key = SecretKey::new(key).map_err(client_error)?;
    let management = management_url.map(|url| {
        nango_api::management::ManagementClient::new(
            url.to_owned(),
            key.clone(),
            tuning.request_timeout,
        )
    });
    let mut client_config = ClientConfig::new(host.to_owned(), key);
    client_config.request_timeout = tuning.request_timeout;
    client_config.retry.max_total_wait = tuning.max_retry_wait;
    client_config.cache_ttl = tuning.cache_ttl;
    let client = NangoClient::new(client_config).map_err(client_error)?;
    Ok(Environment {
        name,
        key_variable,
        client,
        management,
    })
}

/// Where an environment's Management MCP is, following its host: the environment's own
/// `NANGO_MANAGEMENT_MCP_URL_<ENV>`, else `NANGO_MANAGEMENT_MCP_URL` for environments on the default
/// host, else Nango Cloud's only when the host is Nango Cloud. A self-hosted Nango gets no default:
/// its secret key must never travel to a host the user did not name.
fn management_url(
    vars: &BTreeMap<String, String>,
    environment: &str,
    host: &str,
    own_host: bool,
) -> Option<String> {
    let named = |variable: &str| vars.get(variable).filter(|url| !url.trim().is_empty());
    named(&format!(
        "{MANAGEMENT_URL_VARIABLE}_{}",
        environment.to_uppercase()
    ))
    .or_else(|| named(MANAGEMENT_URL_VARIABLE).filter(|_| !own_host))
    .map(|url| url.trim().to_owned())
    .or_else(|| is_nango_cloud(host).then(|| nango_api::management::DEFAULT_URL.to_owned()))
}

/// Nango Cloud's API host, by URL rather than by text (`https://api.nango.dev/`,
/// `HTTPS://API.NANGO.DEV`), never a look-alike (`https://api.nango.dev.example.com`).
pub fn is_nango_cloud(host: &str) -> bool {
    reqwest::Url::parse(host.trim()).is_ok_and(|url| {
        url.scheme() == "https"
            && url.host_str() == Some(CLOUD_API_HOST)
            && url.port().is_none()
            && url.username().is_empty()
    })
}

const CLOUD_API_HOST: &str = "api.nango.dev";
/// Names the Management MCP's URL; a suffix `_<ENV>` names one environment's.
pub const MANAGEMENT_URL_VARIABLE: &str = "NANGO_MANAGEMENT_MCP_URL";

fn read_key_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .map_err(|error| ConfigError::KeyFile {
            path: path.display().to_string(),
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "8f9a1c2e-3b4d-4e5f-9a6b-7c8d9e0f1a2b";
    const KEY_B: &str = "1f2e3d4c-5b6a-4978-8a7b-6c5d4e3f2a1b";

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn default_and_named_environments() {
        let environments = Environments::from_vars(
            &vars(&[
                ("NANGO_SECRET_KEY", KEY_A),
                ("NANGO_SECRET_KEY_PROD", KEY_B),
                ("NANGO_HOST", "http://127.0.0.1:3003"),
            ]),
            None,
            ClientTuning::default(),
        )
        .unwrap();
        assert_eq!(environments.names(), ["default", "prod"]);
        assert_eq!(
            environments.get(Some("PROD")).unwrap().key_variable,
            "NANGO_SECRET_KEY_PROD"
        );
        let error = environments.get(Some("staging")).err().unwrap().to_string();
        assert!(error.contains("default, prod"), "{error}");
    }

    #[test]
    fn missing_or_bad_keys_are_clear() {
        assert!(matches!(
            Environments::from_vars(&vars(&[]), None, ClientTuning::default()),
            Err(ConfigError::NoKey)
        ));
        let error = Environments::from_vars(
            &vars(&[("NANGO_SECRET_KEY", "not-a-uuid")]),
            None,
            ClientTuning::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.contains("NANGO_SECRET_KEY") && !error.contains("not-a-uuid"),
            "{error}"
        );
    }

    fn management_urls(pairs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
        let environments =
            Environments::from_vars(&vars(pairs), None, ClientTuning::default()).unwrap();
        environments
            .list
            .iter()
            .map(|environment| {
                let url = environment
                    .management
                    .as_ref()
                    .map(|client| client.url().to_owned());
                (environment.name.clone(), url)
            })
            .collect()
    }

    fn named(name: &str, url: Option<&str>) -> (String, Option<String>) {
        (name.to_owned(), url.map(str::to_owned))
    }

    #[test]
    fn the_cloud_management_mcp_is_only_for_a_cloud_host() {
        let cloud = Some(nango_api::management::DEFAULT_URL);
        assert_eq!(
            management_urls(&[("NANGO_SECRET_KEY", KEY_A)]),
            [named("default", cloud)]
        );
        assert_eq!(
            management_urls(&[
                ("NANGO_SECRET_KEY", KEY_A),
                ("NANGO_HOST", "https://API.nango.dev/")
            ]),
            [named("default", cloud)]
        );
        for self_hosted in [
            "http://127.0.0.1:3003",
            "https://nango.example.com",
            "https://api.nango.dev.example.com",
            "http://api.nango.dev",
            "https://api.nango.dev:8443",
        ] {
            assert_eq!(
                management_urls(&[("NANGO_SECRET_KEY", KEY_A), ("NANGO_HOST", self_hosted)]),
                [named("default", None)],
                "{self_hosted}"
            );
        }
    }

    #[test]
    fn a_named_management_mcp_follows_its_host() {
        let mine = "https://mcp.nango.example.com/mcp";
        let theirs = "https://mcp.other.example.com/mcp";
        assert_eq!(
            management_urls(&[
                ("NANGO_SECRET_KEY", KEY_A),
                ("NANGO_HOST", "https://nango.example.com"),
                ("NANGO_MANAGEMENT_MCP_URL", mine),
                // Own host, no own URL: the default host's Management MCP is not theirs.
                ("NANGO_SECRET_KEY_OTHER", KEY_B),
                ("NANGO_HOST_OTHER", "https://nango.other.example.com"),
            ]),
            [named("default", Some(mine)), named("other", None)]
        );
        assert_eq!(
            management_urls(&[
                ("NANGO_SECRET_KEY", KEY_A),
                ("NANGO_HOST", "https://nango.example.com"),
                ("NANGO_SECRET_KEY_OTHER", KEY_B),
                ("NANGO_HOST_OTHER", "https://nango.other.example.com"),
                ("NANGO_MANAGEMENT_MCP_URL_OTHER", theirs),
                // A Cloud environment beside a self-hosted default gets Cloud's.
                ("NANGO_SECRET_KEY_CLOUD", KEY_B),
                ("NANGO_HOST_CLOUD", "https://api.nango.dev"),
            ]),
            [
                named("default", None),
                named("cloud", Some(nango_api::management::DEFAULT_URL)),
                named("other", Some(theirs)),
            ]
        );
    }

    #[test]
    fn key_file_is_read_and_trimmed() {
        let path = std::env::temp_dir().join(format!("nango-key-{}", std::process::id()));
        std::fs::write(&path, format!("{KEY_A}\n")).unwrap();
        let environments = Environments::from_vars(
            &vars(&[("NANGO_SECRET_KEY_FILE", path.to_str().unwrap())]),
            None,
            ClientTuning::default(),
        )
        .unwrap();
        assert_eq!(environments.names(), ["default"]);
        std::fs::remove_file(path).unwrap();
    }
}
