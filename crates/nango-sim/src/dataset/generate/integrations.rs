//! Integrations and their deployed functions.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, json};

use crate::dataset::catalog::{INTEGRATION_PROVIDERS, ProviderSpec};
use crate::dataset::credentials::{CanaryMaker, integration_credentials};
use crate::dataset::model::{Endpoint, Function, Integration};
use crate::dataset::payload::{kind_for, model_schema};
use crate::dataset::rng::Rng;

/// Environment suffix per cycle through the provider list.
const SUFFIXES: &[(&str, &str)] = &[
    ("prod", "Production"),
    ("staging", "Staging"),
    ("eu", "EU"),
    ("sandbox", "Sandbox"),
];

/// Providers whose integrations receive provider webhooks.
const WEBHOOK_PROVIDERS: &[&str] = &[
    "hubspot",
    "github-app",
    "slack",
    "zendesk",
    "stripe",
    "shopify",
    "linear",
    "intercom",
];

/// The provider template behind integration number `index`.
pub(crate) fn spec_for(index: usize) -> Option<&'static ProviderSpec> {
    INTEGRATION_PROVIDERS.get(index % INTEGRATION_PROVIDERS.len().max(1))
}

fn suffix_for(cycle: usize) -> (String, String) {
    match SUFFIXES.get(cycle) {
        Some((key, label)) => ((*key).to_owned(), (*label).to_owned()),
        None => (format!("env{cycle}"), format!("Environment {cycle}")),
    }
}

/// Builds `count` integrations; ids of functions are numbered from 1 across the environment.
pub(crate) fn integrations(seed: u64, count: usize, anchor: DateTime<Utc>) -> Vec<Integration> {
    let mut next_function_id = 1;
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let Some(spec) = spec_for(index) else { break };
        let cycle = index / INTEGRATION_PROVIDERS.len().max(1);
        let (suffix, label) = suffix_for(cycle);
        let unique_key = format!("{}-{suffix}", spec.name);
        let mut rng = Rng::for_parts(seed, &["integration", &unique_key]);
        let age_days = 420 - i64::try_from(index.min(300)).unwrap_or(0) - rng.range(0, 20);
        let created_at =
            anchor - Duration::days(age_days) - Duration::seconds(rng.range(0, 86_399));
        let updated_at = created_at + Duration::days(rng.range(0, age_days.max(1) / 2));
        let receives_webhooks = WEBHOOK_PROVIDERS.contains(&spec.name);
        let mut canary = CanaryMaker::new(seed, &unique_key, "integration");
        let credentials = integration_credentials(
            spec.auth_mode,
            spec.scopes,
            spec.name,
            receives_webhooks,
            &mut canary,
            &mut rng,
        );
        let functions = functions_for(spec, cycle, &mut rng, anchor, &mut next_function_id);
        out.push(Integration {
            display_name: format!("{} {label}", spec.display_name),
            auth_mode: spec.auth_mode.to_owned(),
            logo: logo_url(spec.name),
            forward_webhooks: receives_webhooks || rng.chance(50),
            created_at,
            updated_at,
            webhook_url: receives_webhooks.then(|| {
                format!(
                    "https://api.nango.dev/webhook/{}/{unique_key}",
                    Rng::for_parts(seed, &["environment"]).uuid()
                )
            }),
            credentials,
            functions,
            provider: spec.name.to_owned(),
            unique_key,
        });
    }
    out
}

/// Logo URL the way Nango cloud serves it.
pub(crate) fn logo_url(provider: &str) -> String {
    format!("https://app.nango.dev/images/template-logos/{provider}.svg")
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn functions_for(
    spec: &ProviderSpec,
    cycle: usize,
    rng: &mut Rng,
    anchor: DateTime<Utc>,
    next_id: &mut u64,
) -> Vec<Function> {
    // Sandboxes have nothing deployed: a realistic gap an audit should point out.
    if cycle == 3 {
        return Vec::new();
    }
    let mut functions = Vec::new();
    for (position, sync) in spec.syncs.iter().enumerate() {
        let kind = kind_for(sync.model);
        let mut definitions = Map::new();
        definitions.insert(sync.model.to_owned(), model_schema(kind, true));
        // One disabled sync in the default environment (GitHub pull requests) and the last
        // sync of every staging integration: deployed but switched off.
        let enabled = !((spec.name == "github-app" && sync.name == "pull-requests")
            || (cycle == 1 && position + 1 == spec.syncs.len()));
        functions.push(Function {
            id: take_id(next_id),
            name: sync.name.to_owned(),
            kind: "sync".to_owned(),
            description: Some(sync.description.to_owned()),
            scopes: spec
                .scopes
                .iter()
                .take(2)
                .map(|s| (*s).to_owned())
                .collect(),
            returns: vec![sync.model.to_owned()],
            input: None,
            runs: Some(sync.runs.to_owned()),
            auto_start: true,
            track_deletes: rng.chance(50),
            sync_type: Some(
                if rng.chance(70) {
                    "incremental"
                } else {
                    "full"
                }
                .to_owned(),
            ),
            enabled,
            version: version(rng, cycle),
            last_deployed: deployed(rng, anchor),
            source: "repo".to_owned(),
            endpoints: vec![Endpoint {
                method: "GET".to_owned(),
                path: format!("/{}", sync.name),
                group: Some(title_case(sync.name)),
            }],
            json_schema: json!({ "definitions": definitions }),
            sdk_version: crate::dataset::model::sdk_version(),
        });
    }
    for action in spec.actions {
        let mut definitions = Map::new();
        definitions.insert(
            action.input.to_owned(),
            model_schema(kind_for(action.output), false),
        );
        definitions.insert(
            action.output.to_owned(),
            model_schema(kind_for(action.output), true),
        );
        functions.push(Function {
            id: take_id(next_id),
            name: action.name.to_owned(),
            kind: "action".to_owned(),
            description: Some(action.description.to_owned()),
            scopes: Vec::new(),
            returns: vec![action.output.to_owned()],
            input: Some(action.input.to_owned()),
            runs: None,
            auto_start: false,
            track_deletes: false,
            sync_type: None,
            enabled: true,
            version: version(rng, cycle),
            last_deployed: deployed(rng, anchor),
            source: "repo".to_owned(),
            endpoints: vec![Endpoint {
                method: "POST".to_owned(),
                path: format!("/{}", action.name.trim_start_matches("create-")),
                group: Some(title_case(action.name.trim_start_matches("create-"))),
            }],
            json_schema: json!({ "definitions": definitions }),
            sdk_version: crate::dataset::model::sdk_version(),
        });
    }
    functions
}

fn take_id(next: &mut u64) -> u64 {
    let id = *next;
    *next += 1;
    id
}

fn version(rng: &mut Rng, cycle: usize) -> String {
    let major = if cycle == 0 { 1 + rng.range(0, 1) } else { 1 };
    format!("{major}.{}.{}", rng.range(0, 6), rng.range(0, 12))
}

fn deployed(rng: &mut Rng, anchor: DateTime<Utc>) -> DateTime<Utc> {
    anchor
        - Duration::hours(rng.range(2, 24 * 60))
        - Duration::milliseconds(rng.range(0, 3_599_999))
}
