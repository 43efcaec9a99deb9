//! Environment variables: realistic names, canary values.

use crate::dataset::credentials::CanaryMaker;
use crate::dataset::model::EnvironmentVariable;

const NAMES: &[&str] = &[
    "SALESFORCE_WEBHOOK_SECRET",
    "DEFAULT_CURRENCY",
    "HUBSPOT_APP_SECRET",
    "SLACK_SIGNING_SECRET",
    "SYNC_BATCH_SIZE",
    "SENTRY_DSN",
    "OPENAI_API_KEY",
    "INTERNAL_API_BASE_URL",
];

/// Every value is a canary: the API returns them in clear, clients must not.
pub(crate) fn variables(seed: u64) -> Vec<EnvironmentVariable> {
    NAMES
        .iter()
        .map(|name| EnvironmentVariable {
            name: (*name).to_owned(),
            value: CanaryMaker::new(seed, name, "env").make("env"),
        })
        .collect()
}
