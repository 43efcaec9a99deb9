//! The simulator's data: what Nango would hold in its database for one environment.
//! Everything is plain, serialisable data so a test can load a hand-written dataset.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Used when a hand-written fixture leaves a timestamp out.
pub(crate) fn default_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 30, 0)
        .single()
        .unwrap_or_default()
}

fn yes() -> bool {
    true
}

fn base_variant() -> String {
    "base".to_owned()
}

fn sync_kind() -> String {
    "sync".to_owned()
}

fn version_one() -> String {
    "1.0.0".to_owned()
}

fn repo_source() -> String {
    "repo".to_owned()
}

fn oauth2() -> String {
    "OAUTH2".to_owned()
}

fn success() -> String {
    "SUCCESS".to_owned()
}

fn incremental() -> String {
    "INCREMENTAL".to_owned()
}

/// An integration (Nango "provider config"), keyed by `unique_key`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// The integration id, a.k.a. provider config key (e.g. `salesforce-prod`).
    pub unique_key: String,
    /// Provider template name (e.g. `salesforce`).
    pub provider: String,
    /// Human name; defaults to the provider's display name.
    #[serde(default)]
    pub display_name: String,
    /// Auth mode of the provider (`OAUTH2`, `API_KEY`, …); decides credential shapes.
    #[serde(default = "oauth2")]
    pub auth_mode: String,
    /// Logo URL (`…/images/template-logos/<provider>.svg`).
    #[serde(default)]
    pub logo: String,
    /// Whether provider webhooks are forwarded.
    #[serde(default = "yes")]
    pub forward_webhooks: bool,
    /// Creation time (served as ISO `…Z`).
    #[serde(default = "default_time")]
    pub created_at: DateTime<Utc>,
    /// Last update time.
    #[serde(default = "default_time")]
    pub updated_at: DateTime<Utc>,
    /// Served with `include=webhook`.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// App credentials served with `include=credentials` (secret values are canaries).
    #[serde(default)]
    pub credentials: Option<Value>,
    /// Deployed syncs and actions (`/scripts/config`, `/integrations/{key}/functions`).
    #[serde(default)]
    pub functions: Vec<Function>,
}

/// A deployed function (sync, action or on-event script).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Internal numeric id.
    #[serde(default)]
    pub id: u64,
    /// Function name, e.g. `deals`.
    pub name: String,
    /// `sync`, `action` or `on-event`.
    #[serde(rename = "type", default = "sync_kind")]
    pub kind: String,
    /// Description, if any.
    #[serde(default)]
    pub description: Option<String>,
    /// Provider scopes the function needs.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Models it returns (a sync's models are what `/records?model=` serves).
    #[serde(default)]
    pub returns: Vec<String>,
    /// Input model of an action.
    #[serde(default)]
    pub input: Option<String>,
    /// Schedule of a sync, e.g. `every hour`.
    #[serde(default)]
    pub runs: Option<String>,
    /// Sync starts automatically for new connections.
    #[serde(default = "yes")]
    pub auto_start: bool,
    /// Sync tracks deletions.
    #[serde(default)]
    pub track_deletes: bool,
    /// `incremental` or `full`.
    #[serde(default)]
    pub sync_type: Option<String>,
    /// Disabled functions are listed but do not run.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Deployed version.
    #[serde(default = "version_one")]
    pub version: String,
    /// Last deployment time.
    #[serde(default = "default_time")]
    pub last_deployed: DateTime<Utc>,
    /// `repo`, `catalog` or `standalone`.
    #[serde(default = "repo_source")]
    pub source: String,
    /// HTTP endpoints the function exposes.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// JSON schema of its models (`{"definitions": {...}}`); an explicit `null` in a fixture
    /// is served as `null`, as Nango does for functions deployed without one.
    #[serde(default = "empty_schema")]
    pub json_schema: Value,
    /// SDK version of the deploy (CLI deploys carry one; deploys through the API do not).
    #[serde(default = "sdk_version")]
    pub sdk_version: Option<String>,
}

fn empty_schema() -> Value {
    serde_json::json!({ "definitions": {} })
}

/// The SDK version of the Nango the samples were captured from.
pub(crate) fn sdk_version() -> Option<String> {
    Some("0.71.4".to_owned())
}

impl Function {
    /// True for syncs.
    pub fn is_sync(&self) -> bool {
        self.kind == "sync"
    }
}

/// An endpoint declared by a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Group name.
    #[serde(default)]
    pub group: Option<String>,
}

/// A connection: one end user's authorised account under one integration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// Internal numeric id; creation order.
    #[serde(default)]
    pub id: u64,
    /// The connection id (unique per integration).
    pub connection_id: String,
    /// Integration unique key.
    pub provider_config_key: String,
    /// Provider name (filled from the integration when omitted).
    #[serde(default)]
    pub provider: String,
    /// Auth mode (filled from the integration when omitted).
    #[serde(default)]
    pub auth_mode: String,
    /// Creation time (`created` in lists, `created_at` in details).
    #[serde(default = "default_time")]
    pub created_at: DateTime<Utc>,
    /// Last update time.
    #[serde(default = "default_time")]
    pub updated_at: DateTime<Utc>,
    /// Last time credentials were fetched.
    #[serde(default)]
    pub last_fetched_at: Option<DateTime<Utc>>,
    /// Active errors: `auth` and/or one `sync` entry per failing sync.
    #[serde(default)]
    pub errors: Vec<ConnectionError>,
    /// Tags (`end_user_id`, `end_user_email`, `organization_id`, …). Never canaries.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Customer metadata (untrusted; one connection carries an instruction-like string).
    #[serde(default = "empty_object")]
    pub metadata: Value,
    /// Provider-specific non-secret config such as `instance_url` or `subdomain`.
    #[serde(default = "empty_object")]
    pub connection_config: Value,
    /// Per-connection webhook URL override.
    #[serde(default)]
    pub webhook_url_override: Option<String>,
    /// Deprecated end-user object (`null` for most connections).
    #[serde(default)]
    pub end_user: Option<EndUser>,
    /// Full credentials, including `refresh_token` (only served with `refresh_token=true`).
    #[serde(default = "empty_object")]
    pub credentials: Value,
    /// The state of each of the integration's syncs on this connection.
    #[serde(default)]
    pub syncs: Vec<ConnectionSync>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl Connection {
    /// True when an error of that type (`auth` / `sync`) is active.
    pub fn has_error(&self, kind: &str) -> bool {
        self.errors.iter().any(|error| error.kind == kind)
    }

    /// The sync (on this connection) that produces `model`.
    pub fn sync_for_model(&self, model: &str) -> Option<&ConnectionSync> {
        self.syncs.iter().find(|sync| sync.model == model)
    }

    /// Customer company name, from `end_user.organization` or the `organization_id` tag.
    pub fn organization(&self) -> Option<&str> {
        self.end_user
            .as_ref()
            .and_then(|user| user.organization.as_ref())
            .and_then(|org| org.display_name.as_deref())
            .or_else(|| self.tags.get("organization_id").map(String::as_str))
    }
}

/// An active connection error as listed by Nango.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionError {
    /// `auth` or `sync`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Log operation id.
    pub log_id: String,
}

/// Deprecated end-user object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndUser {
    /// End-user id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Organisation.
    #[serde(default)]
    pub organization: Option<Organization>,
}

/// End-user organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Organisation id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// What the generator meant a sync's state to be; handy for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncScenario {
    /// Last run succeeded within its frequency.
    #[default]
    Fresh,
    /// Last success is long ago compared to the frequency.
    Stale,
    /// Latest run failed (status ERROR, latest execution STOPPED).
    Failing,
    /// A run is in progress.
    Running,
    /// Schedule paused.
    Paused,
    /// Schedule deleted.
    Stopped,
    /// Scheduled but never executed.
    NeverRan,
}

/// One sync's status on one connection (a `/sync/status` row) plus how its records look.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionSync {
    /// Sync id (uuid).
    #[serde(default)]
    pub id: String,
    /// Sync name, e.g. `deals`.
    pub name: String,
    /// Variant, `base` by default.
    #[serde(default = "base_variant")]
    pub variant: String,
    /// The model the sync writes, e.g. `Deal`.
    pub model: String,
    /// Frequency, e.g. `every hour`.
    #[serde(default)]
    pub frequency: String,
    /// Reported status: `SUCCESS | ERROR | RUNNING | PAUSED | STOPPED`.
    #[serde(default = "success")]
    pub status: String,
    /// Raw status of the latest job; `None` when never run (then omitted).
    #[serde(default)]
    pub latest_execution_status: Option<String>,
    /// Deprecated `type`: `INITIAL` or `INCREMENTAL`.
    #[serde(default = "incremental")]
    pub sync_type: String,
    /// End of the latest finished job; omitted when running or never run.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Next scheduled run.
    #[serde(default)]
    pub next_scheduled_sync_at: Option<DateTime<Utc>>,
    /// Latest job's result; omitted when never run.
    #[serde(default)]
    pub latest_result: Option<RunResult>,
    /// Checkpoint of checkpoint-based syncs.
    #[serde(default)]
    pub checkpoint: Option<Value>,
    /// What the generator meant.
    #[serde(default)]
    pub scenario: SyncScenario,
    /// Number of records (including soft-deleted ones) `/records` pages through.
    #[serde(default)]
    pub records: usize,
    /// First record's modification time.
    #[serde(default = "default_time")]
    pub records_from: DateTime<Utc>,
    /// Last record's modification time (≈ last successful run).
    #[serde(default = "default_time")]
    pub records_to: DateTime<Utc>,
}

/// Counts of the latest job (`latestResult`); an empty result (`{}`) for failed runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    /// Records added.
    pub added: u64,
    /// Records updated.
    pub updated: u64,
    /// Records deleted.
    pub deleted: u64,
    /// True when the job failed and reported nothing (served as `{}`).
    #[serde(default)]
    pub empty: bool,
}

/// An environment variable; values are secrets (canaries).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentVariable {
    /// Name, e.g. `DEFAULT_CURRENCY`.
    pub name: String,
    /// Value (a canary).
    pub value: String,
}
