//! `GET /records`: synced records of one model on one connection.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Timestamp;

#[derive(Clone, Debug, Deserialize)]
pub struct RecordsPage {
    /// `null` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    pub records: Vec<Record>,
}

/// One record: the sync's payload (third-party data, untrusted) plus Nango's bookkeeping.
#[derive(Clone, Debug, Deserialize)]
pub struct Record {
    #[serde(rename = "_nango_metadata")]
    pub metadata: RecordMetadata,
    /// Every other field, including `id`.
    #[serde(flatten)]
    pub payload: Map<String, Value>,
}

impl Record {
    /// The external id, as text whatever JSON type the provider used.
    pub fn id(&self) -> Option<String> {
        match self.payload.get("id")? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct RecordMetadata {
    #[serde(default)]
    pub first_seen_at: Option<Timestamp>,
    #[serde(default)]
    pub last_modified_at: Option<Timestamp>,
    pub last_action: RecordAction,
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub pruned_at: Option<Timestamp>,
    pub cursor: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordAction {
    Added,
    Updated,
    Deleted,
    #[serde(untagged)]
    Other(String),
}

impl RecordAction {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Added => "ADDED",
            Self::Updated => "UPDATED",
            Self::Deleted => "DELETED",
            Self::Other(other) => other,
        }
    }
}
