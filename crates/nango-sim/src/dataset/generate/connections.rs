//! Connections: who they belong to, how they are broken, their credentials and sync states.
//!
//! The default dataset tells a story the product's example questions rely on:
//! `salesforce-prod` has 12 connections of which exactly `conn-abc` (failing `deals` sync) and
//! `conn-xyz` (expired credentials) are broken; `hubspot-prod` has `conn-123` (healthy `deals`)
//! and `conn-456` (≥ 60 `Contact` records incl. ids `987` and `654`). Other integrations get
//! ~8 % auth errors, ~8 % sync errors (a few both) and syncs in every state.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::syncs::{SyncPlan, connection_sync};
use crate::config::RecordCountOverride;
use crate::dataset::catalog::ProviderSpec;
use crate::dataset::credentials::{CanaryMaker, CredentialFacts, connection_credentials};
use crate::dataset::model::{
    Connection, ConnectionError, ConnectionSync, EndUser, Integration, Organization, SyncScenario,
};
use crate::dataset::people::{COMPANIES, CSM_NAMES, Company, FIRST_NAMES, LAST_NAMES};
use crate::dataset::rng::Rng;
use crate::dataset::{PROMPT_INJECTION, generate::integrations::spec_for};

/// Minimum number of `Contact` records on `conn-456`.
pub(crate) const CONN_456_MIN_CONTACTS: usize = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    Abc,
    Xyz,
    OneTwoThree,
    FourFiveSix,
}

impl Special {
    fn connection_id(self) -> &'static str {
        match self {
            Self::Abc => "conn-abc",
            Self::Xyz => "conn-xyz",
            Self::OneTwoThree => "conn-123",
            Self::FourFiveSix => "conn-456",
        }
    }

    fn integration_index(self) -> usize {
        match self {
            Self::Abc | Self::Xyz => 0,
            Self::OneTwoThree | Self::FourFiveSix => 1,
        }
    }

    fn company_index(self) -> usize {
        match self {
            Self::Abc => 0,
            Self::Xyz => 1,
            Self::OneTwoThree => 2,
            Self::FourFiveSix => 3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trouble {
    None,
    Auth,
    Sync,
    Both,
}

struct Plan {
    integration: usize,
    special: Option<Special>,
}

/// Inputs of connection generation.
pub(crate) struct ConnectionParams<'a> {
    pub seed: u64,
    pub count: usize,
    pub records_per_model: usize,
    pub overrides: &'a [RecordCountOverride],
    pub anchor: DateTime<Utc>,
}

fn has_story(integrations: &[Integration]) -> bool {
    matches!(integrations, [first, second, ..] if first.provider == "salesforce" && second.provider == "hubspot")
}

fn plans(params: &ConnectionParams<'_>, integrations: &[Integration]) -> Vec<Plan> {
    let story = params.count >= 4 && has_story(integrations);
    let generated = if story {
        params.count - 4
    } else {
        params.count
    };
    let salesforce_extra = if story {
        (params.count / 5).max(12).saturating_sub(2).min(generated)
    } else {
        0
    };
    let others = integrations.len().saturating_sub(1);
    let mut plans: Vec<Plan> = (0..generated)
        .map(|k| {
            let integration = if k < salesforce_extra || others == 0 {
                0
            } else {
                1 + (k - salesforce_extra) % others
            };
            Plan {
                integration,
                special: None,
            }
        })
        .collect();
    let mut rng = Rng::for_parts(params.seed, &["connection-order"]);
    for i in (1..plans.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
        plans.swap(i, j);
    }
    if story {
        let len = params.count;
        for (special, position) in [
            (Special::Abc, len / 5),
            (Special::Xyz, len / 3),
            (Special::OneTwoThree, len / 2),
            (Special::FourFiveSix, len * 2 / 3),
        ] {
            let position = position.min(plans.len());
            plans.insert(
                position,
                Plan {
                    integration: special.integration_index(),
                    special: Some(special),
                },
            );
        }
    }
    plans
}

/// Twenty sync-state slots visited with a stride coprime to 20, so any 20 consecutive
/// (connection, sync) pairs cover every state.
const SCENARIO_SLOTS: [SyncScenario; 20] = [
    SyncScenario::Fresh,
    SyncScenario::Fresh,
    SyncScenario::Fresh,
    SyncScenario::Running,
    SyncScenario::Fresh,
    SyncScenario::Fresh,
    SyncScenario::Stale,
    SyncScenario::Fresh,
    SyncScenario::Paused,
    SyncScenario::Fresh,
    SyncScenario::Fresh,
    SyncScenario::NeverRan,
    SyncScenario::Fresh,
    SyncScenario::Stopped,
    SyncScenario::Fresh,
    SyncScenario::Fresh,
    SyncScenario::Stale,
    SyncScenario::Fresh,
    SyncScenario::Running,
    SyncScenario::NeverRan,
];

/// Builds every connection, in creation order (`id` 1, 2, …).
pub(crate) fn connections(
    params: &ConnectionParams<'_>,
    integrations: &[Integration],
) -> Vec<Connection> {
    let story = params.count >= 4 && has_story(integrations);
    let plans = plans(params, integrations);
    let total = plans.len().max(1);
    let span = Duration::days(395);
    let step_ms = span.num_milliseconds() / i64::try_from(total).unwrap_or(1).max(1);
    let start = params.anchor - Duration::days(400);
    let mut trouble_counter: u64 = 0;
    let mut pair_counter: u64 = 0;
    let mut top_customer_counter: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(plans.len());
    for (position, plan) in plans.iter().enumerate() {
        let Some(integration) = integrations.get(plan.integration) else {
            continue;
        };
        let id = position as u64 + 1;
        let mut rng = Rng::for_parts(params.seed, &["connection", &id.to_string()]);
        let created_at = start
            + Duration::milliseconds(step_ms * i64::try_from(position).unwrap_or(0))
            + Duration::milliseconds(rng.range(0, (step_ms - 1).max(0)));
        let company_index = match plan.special {
            Some(special) => special.company_index(),
            None if plan.integration <= 2 => {
                // Every one of the top five customers has a Salesforce, HubSpot and Jira
                // connection, so "are our top 5 clients healthy?" has an answer.
                let seen = top_customer_counter.entry(plan.integration).or_insert(0);
                *seen += 1;
                if *seen <= 5 {
                    *seen - 1
                } else {
                    pick_company(&mut rng)
                }
            }
            None => pick_company(&mut rng),
        };
        let company = COMPANIES.get(company_index).or_else(|| COMPANIES.first());
        let Some(company) = company else { continue };
        let connection_id = plan.special.map_or_else(
            || format!("{}-{id}", company.slug),
            |s| s.connection_id().to_owned(),
        );
        let trouble = match plan.special {
            Some(Special::Abc) => Trouble::Sync,
            Some(Special::Xyz) => Trouble::Auth,
            Some(_) => Trouble::None,
            None if story && plan.integration == 0 => Trouble::None,
            None => {
                let slot = (trouble_counter * 7 + params.seed % 25) % 25;
                trouble_counter += 1;
                match slot {
                    0 => Trouble::Auth,
                    1 => Trouble::Sync,
                    2 => Trouble::Both,
                    _ => Trouble::None,
                }
            }
        };
        let spec = spec_for_integration(integration, plan.integration);
        let mut connection = base_connection(
            params,
            integration,
            company,
            &connection_id,
            id,
            created_at,
            plan.special,
            &mut rng,
        );
        connection.connection_config = connection_config(spec, company, &mut rng);
        let syncs = build_syncs(
            params,
            integration,
            &connection,
            plan.special,
            trouble,
            &mut pair_counter,
            story && plan.integration == 0,
        );
        let failing: Vec<&ConnectionSync> = syncs
            .iter()
            .filter(|s| s.scenario == SyncScenario::Failing)
            .collect();
        if matches!(trouble, Trouble::Auth | Trouble::Both) {
            connection.errors.push(ConnectionError {
                kind: "auth".to_owned(),
                log_id: rng.log_id(),
            });
        }
        for _ in &failing {
            connection.errors.push(ConnectionError {
                kind: "sync".to_owned(),
                log_id: rng.log_id(),
            });
        }
        let auth_broken = connection.has_error("auth");
        let expires_at = if auth_broken {
            params.anchor - Duration::hours(rng.range(30, 120))
        } else {
            // Beyond Nango's 15-minute refresh margin: reading it refreshes nothing at first.
            params.anchor + Duration::minutes(rng.range(20, 8 * 60))
        };
        let owner = format!("{connection_id}-{id}");
        let mut canary = CanaryMaker::new(params.seed, &owner, "connection");
        let email = connection
            .tags
            .get("end_user_email")
            .cloned()
            .unwrap_or_else(|| format!("integrations@{}", company.domain));
        connection.credentials = connection_credentials(
            &CredentialFacts {
                auth_mode: &integration.auth_mode,
                scopes: spec.map_or(&[], |s| s.scopes),
                expires_at,
                with_unknown_secret: plan.special == Some(Special::Abc),
                with_config_override: rng.chance(10),
                username: &email,
            },
            &mut canary,
        );
        connection.syncs = syncs;
        out.push(connection);
    }
    out
}

fn spec_for_integration(integration: &Integration, index: usize) -> Option<&'static ProviderSpec> {
    spec_for(index).filter(|spec| spec.name == integration.provider)
}

fn pick_company(rng: &mut Rng) -> usize {
    usize::try_from(rng.below(COMPANIES.len() as u64)).unwrap_or(0)
}

#[allow(clippy::too_many_arguments)]
fn base_connection(
    params: &ConnectionParams<'_>,
    integration: &Integration,
    company: &Company,
    connection_id: &str,
    id: u64,
    created_at: DateTime<Utc>,
    special: Option<Special>,
    rng: &mut Rng,
) -> Connection {
    let first = rng.pick(FIRST_NAMES);
    let last = rng.pick(LAST_NAMES);
    let display_name = format!("{first} {last}");
    let email = format!(
        "{}.{}@{}",
        ascii_lower(first),
        ascii_lower(last),
        company.domain
    );
    let end_user_id = format!("usr-{}-{}", company.slug, rng.range(100, 999));
    let mut tags = BTreeMap::new();
    // A few connections were imported without tags, like the sample's `conn-basic-1`.
    if special.is_some() || !rng.chance(8) {
        tags.insert("end_user_id".to_owned(), end_user_id.clone());
        tags.insert("end_user_email".to_owned(), email.clone());
        tags.insert(
            "organization_id".to_owned(),
            format!("org-{}", company.slug),
        );
        if rng.chance(40) {
            tags.insert("end_user_display_name".to_owned(), display_name.clone());
        }
    }
    let end_user = (special.is_some() || rng.chance(30)).then(|| EndUser {
        id: end_user_id,
        display_name: Some(display_name),
        email: Some(email),
        tags: BTreeMap::new(),
        organization: Some(Organization {
            id: format!("org-{}", company.slug),
            display_name: Some(company.name.to_owned()),
        }),
    });
    let metadata = match special {
        Some(Special::OneTwoThree) => json!({ "plan": "enterprise", "notes": PROMPT_INJECTION }),
        _ => match rng.below(4) {
            0 => json!({}),
            1 => {
                json!({ "plan": "enterprise", "region": rng.pick(&["us-east-1", "eu-west-1", "ap-southeast-2"]), "csm": rng.pick(CSM_NAMES) })
            }
            2 => json!({ "team": rng.pick(&["revops", "support", "finance", "platform"]) }),
            _ => {
                json!({ "plan": rng.pick(&["growth", "enterprise", "starter"]), "seats": rng.range(5, 900) })
            }
        },
    };
    let age = params.anchor - created_at;
    let updated_at = created_at + Duration::seconds(rng.range(0, age.num_seconds().max(0)));
    Connection {
        id,
        connection_id: connection_id.to_owned(),
        provider_config_key: integration.unique_key.clone(),
        provider: integration.provider.clone(),
        auth_mode: integration.auth_mode.clone(),
        created_at,
        updated_at,
        last_fetched_at: Some(params.anchor - Duration::minutes(rng.range(1, 60 * 24 * 3))),
        errors: Vec::new(),
        tags,
        metadata,
        connection_config: json!({}),
        webhook_url_override: None,
        end_user,
        credentials: json!({}),
        syncs: Vec::new(),
    }
}

fn ascii_lower(name: &str) -> String {
    name.chars()
        .map(|c| if c == 'ü' { 'u' } else { c })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

fn connection_config(spec: Option<&ProviderSpec>, company: &Company, rng: &mut Rng) -> Value {
    let mut config = serde_json::Map::new();
    for field in spec.map_or(&[][..], |s| s.connection_config) {
        let value = match field.key {
            "instance_url" => format!("https://{}.my.salesforce.com", company.slug),
            "baseUrl" => format!("https://{}.atlassian.net", company.slug),
            "cloudId" => rng.uuid(),
            "portalId" | "installation_id" => rng.range(1_000_000, 99_999_999).to_string(),
            "accountId" => format!("{}_SB1", rng.range(1_000_000, 9_999_999)),
            _ => company.slug.replace('-', ""),
        };
        config.insert(field.key.to_owned(), Value::String(value));
    }
    Value::Object(config)
}

#[allow(clippy::too_many_arguments)]
fn build_syncs(
    params: &ConnectionParams<'_>,
    integration: &Integration,
    connection: &Connection,
    special: Option<Special>,
    trouble: Trouble,
    pair_counter: &mut u64,
    calm: bool,
) -> Vec<ConnectionSync> {
    let functions: Vec<_> = integration
        .functions
        .iter()
        .filter(|f| f.is_sync() && f.enabled)
        .collect();
    let owner = format!(
        "{}/{}",
        connection.provider_config_key, connection.connection_id
    );
    let mut rng = Rng::for_parts(params.seed, &["trouble", &owner]);
    let failing_index = usize::try_from(rng.below(functions.len() as u64)).unwrap_or(0);
    let mut out = Vec::with_capacity(functions.len());
    for (index, function) in functions.iter().enumerate() {
        let scenario = match (special, trouble) {
            (Some(Special::Abc), _) if function.name == "deals" => SyncScenario::Failing,
            (Some(_), Trouble::Auth) => SyncScenario::Stale,
            (Some(_), _) => SyncScenario::Fresh,
            (None, _) if calm => SyncScenario::Fresh,
            (None, Trouble::Sync | Trouble::Both) if index == failing_index => {
                SyncScenario::Failing
            }
            (None, Trouble::Auth | Trouble::Both) => SyncScenario::Stale,
            (None, _) => {
                let slot = (*pair_counter * 7 + params.seed % 20) % 20;
                *pair_counter += 1;
                SCENARIO_SLOTS
                    .get(usize::try_from(slot).unwrap_or(0))
                    .copied()
                    .unwrap_or_default()
            }
        };
        let model = function
            .returns
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        let mut records = params
            .overrides
            .iter()
            .find(|o| o.connection_id == connection.connection_id && o.model == model)
            .map_or(params.records_per_model, |o| o.count);
        if special == Some(Special::FourFiveSix) && model == "Contact" {
            records = records.max(CONN_456_MIN_CONTACTS);
        }
        out.push(connection_sync(
            params.seed,
            &owner,
            &SyncPlan {
                function,
                scenario,
                records,
                connection_created: connection.created_at,
            },
            params.anchor,
        ));
    }
    out
}
