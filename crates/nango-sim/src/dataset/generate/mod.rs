//! Seeded generation of a whole environment.

pub(crate) mod connections;
pub(crate) mod environment;
pub(crate) mod integrations;
pub(crate) mod providers;
pub(crate) mod syncs;

use chrono::{DateTime, Utc};

use crate::config::RecordCountOverride;
use crate::dataset::Dataset;

/// What to generate.
pub(crate) struct GenerateParams<'a> {
    pub seed: u64,
    pub integrations: usize,
    pub connections: usize,
    pub records_per_model: usize,
    pub overrides: &'a [RecordCountOverride],
    pub providers: usize,
    pub anchor: DateTime<Utc>,
}

/// Builds a dataset; a pure function of the params.
pub(crate) fn generate(params: &GenerateParams<'_>) -> Dataset {
    let integrations = integrations::integrations(params.seed, params.integrations, params.anchor);
    let connections = connections::connections(
        &connections::ConnectionParams {
            seed: params.seed,
            count: params.connections,
            records_per_model: params.records_per_model,
            overrides: params.overrides,
            anchor: params.anchor,
        },
        &integrations,
    );
    Dataset::assemble(
        params.seed,
        params.anchor,
        integrations,
        connections,
        environment::variables(params.seed),
        providers::catalog(params.providers),
    )
}
