//! `list_connections`: every connection, filtered by integration, health, text, end user or tags,
//! with counts by health over the whole filtered set in every answer.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use nango_api::{ConnectionsQuery, models::Connection};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::health_history::HealthBook;
use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve};
use crate::{
    args::{one_or_many, one_or_many_schema},
    errors::ToolError,
    health::{Health, HealthCounts, health_of},
    output::{FieldSelection, OffsetPage, text},
};

pub struct ListConnections;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration keys or providers (default all).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub integrations: Option<Vec<String>>,
    /// Only these health states.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<Health>")]
    pub health: Option<Vec<Health>>,
    /// Connection id, end-user name or email.
    pub search: Option<String>,
    /// End user id, email, name or organization.
    pub end_user: Option<String>,
    /// Exact tag matches.
    pub tags: Option<BTreeMap<String, String>>,
    /// Extra fields, added to the default health: end_user, provider, errors, tags, metadata, created; or ["*"].
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub fields: Option<Vec<String>>,
    /// Max rows (default 50).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// Connections matching every filter.
    pub total: usize,
    /// Health counts over all connections matching the non-health filters.
    pub counts: HealthCounts,
    /// How many connections `counts` covers, when a health filter narrowed `total` below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted: Option<usize>,
    pub shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    #[schemars(with = "Vec<ConnectionRow>")]
    pub connections: Vec<Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConnectionRow {
    pub connection_id: String,
    pub integration: String,
    pub health: Vec<Health>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Broken since its first failed refresh (webhook history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_since: Option<String>,
    /// When it last recovered from a break (webhook history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorRow {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
}

const FIELDS: &[&str] = &[
    "connection_id",
    "integration",
    "health",
    "provider",
    "errors",
    "end_user",
    "tags",
    "metadata",
    "created",
    "broken_since",
    "recovered_at",
];
/// Compact by default: who is broken, not who they are (`fields` or an end-user filter adds that).
const DEFAULT_FIELDS: &[&str] = &["health"];
const DEFAULT_FIELDS_FOR_PEOPLE: &[&str] = &["health", "end_user"];
/// Above this many compact rows the text groups ids by integration and health.
const GROUP_ABOVE: usize = 10;
/// The times are only there when webhook history knows them, so they cost nothing otherwise.
const ALWAYS: &[&str] = &[
    "connection_id",
    "integration",
    "broken_since",
    "recovered_at",
];
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1_000;

impl NangoTool for ListConnections {
    const NAME: &'static str = "list_connections";
    const TITLE: &'static str = "List connections";
    const DESCRIPTION: &'static str = "Connections (end users' accounts) with health: ok, auth_error (re-authenticate), sync_error; broken first, with counts.";
    const TOOLSET: Toolset = Toolset::Connections;
    const EXAMPLE: &'static str = r#"{"limit": 10}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let selection = FieldSelection::parse(params.fields.as_deref(), FIELDS)?;
        let page = OffsetPage::parse(
            params.limit,
            DEFAULT_LIMIT,
            MAX_LIMIT,
            params.cursor.as_deref(),
        )?;
        let query = ConnectionsQuery {
            search: params.search.clone().filter(|text| !text.trim().is_empty()),
            integration_ids: resolve::integration_keys(
                &ctx,
                params.integrations.as_deref().unwrap_or_default(),
            )
            .await?,
            tags: params.tags.clone().unwrap_or_default(),
            ..ConnectionsQuery::default()
        };
        let end_user = params.end_user.as_deref().map(str::to_lowercase);
        let asks_about_people =
            end_user.is_some() || params.search.is_some() || params.tags.is_some();
        let defaults = if asks_about_people {
            DEFAULT_FIELDS_FOR_PEOPLE
        } else {
            DEFAULT_FIELDS
        };
        let mut counts = HealthCounts::default();
        let listing = ctx
            .client
            .connections(query)
            .try_filter(|connection| {
                std::future::ready(
                    end_user
                        .as_deref()
                        .is_none_or(|wanted| end_user_matches(connection, wanted)),
                )
            })
            .map_ok(|connection| (health_of(&connection), connection))
            .try_collect::<Vec<(Vec<Health>, Connection)>>();
        let (listing, book) = futures::join!(listing, HealthBook::load(&ctx));
        let mut matching = listing.or_tool(&ctx)?;
        for (labels, _) in &matching {
            counts.add(labels);
        }
        let mut counted = None;
        if let Some(wanted) = params.health.as_deref().filter(|wanted| !wanted.is_empty()) {
            counted = Some(matching.len());
            matching.retain(|(labels, _)| labels.iter().any(|label| wanted.contains(label)));
        }
        // Worst first: auth errors need a person, sync errors need a look, ok needs nothing.
        matching.sort_by_key(|(labels, _)| labels.first().copied().map_or(3, severity));
        let total = matching.len();
        let to_row = |(labels, connection)| {
            selection.project(row(labels, connection, &book), defaults, ALWAYS)
        };
        let (rows, next_cursor) = page.take(matching, to_row, total, ctx.budget, 512);
        Ok(Output {
            total,
            counts,
            counted,
            shown: rows.len(),
            next_cursor,
            connections: rows,
        })
    }

    fn render(output: &Output) -> String {
        let summary = summary(output);
        if output.connections.is_empty() {
            return summary;
        }
        let columns = present_columns(&output.connections);
        if columns == ["connection_id", "integration", "health"]
            && output.connections.len() > GROUP_ABOVE
        {
            return format!(
                "{summary}\n{}\n{}",
                text::untrusted("connections", &grouped(&output.connections)),
                text::paging_line(
                    output.shown,
                    Some(output.total),
                    output.next_cursor.as_deref()
                )
            );
        }
        let rows: Vec<Vec<String>> = output
            .connections
            .iter()
            .map(|row| columns.iter().map(|column| cell(row, column)).collect())
            .collect();
        format!(
            "{summary}\n{}\n{}",
            text::untrusted("connections", &text::table(&columns, &rows)),
            text::paging_line(
                output.shown,
                Some(output.total),
                output.next_cursor.as_deref()
            )
        )
    }
}

/// The counts say which set they cover: with a health filter, the set before it.
fn summary(output: &Output) -> String {
    match output.counted {
        Some(counted) => format!(
            "{} connections match the health filter; health of all {counted} connections before it: {}.",
            output.total,
            output.counts.broken_line()
        ),
        None => format!(
            "{} connections match; health: {}.",
            output.total,
            output.counts.broken_line()
        ),
    }
}

/// "salesforce-prod auth_error (3): a, b, c" — the compact form of many rows.
fn grouped(rows: &[Value]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let key = format!("{} {}", cell(row, "integration"), cell(row, "health"));
        let id = cell(row, "connection_id");
        match groups.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((key, vec![id])),
        }
    }
    groups
        .into_iter()
        .map(|(key, ids)| format!("{key} ({}): {}", ids.len(), ids.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn severity(label: Health) -> u8 {
    match label {
        Health::AuthError => 0,
        Health::SyncError => 1,
        Health::Ok => 2,
    }
}

fn end_user_matches(connection: &Connection, wanted: &str) -> bool {
    let tag_values = [
        "end_user_id",
        "end_user_email",
        "end_user_display_name",
        "organization_id",
    ]
    .into_iter()
    .filter_map(|key| connection.tags.get(key).map(String::as_str));
    let legacy = connection.end_user.iter().flat_map(|user| {
        [
            user.id.as_deref(),
            user.email.as_deref(),
            user.display_name.as_deref(),
            user.organization
                .as_ref()
                .and_then(|org| org.display_name.as_deref()),
            user.organization.as_ref().and_then(|org| org.id.as_deref()),
        ]
        .into_iter()
        .flatten()
    });
    tag_values
        .chain(legacy)
        .any(|value| value.to_lowercase().contains(wanted))
}

/// "user-1 <u1@example.com> (org-1)": who the connection belongs to, from tags or the legacy object.
pub fn end_user_label(connection: &Connection) -> Option<String> {
    let tag = |key: &str| connection.tags.get(key).cloned();
    let user = connection.end_user.as_ref();
    let id = tag("end_user_id").or_else(|| user.and_then(|user| user.id.clone()));
    let name =
        tag("end_user_display_name").or_else(|| user.and_then(|user| user.display_name.clone()));
    let email = tag("end_user_email").or_else(|| user.and_then(|user| user.email.clone()));
    let org = tag("organization_id").or_else(|| {
        user.and_then(|user| user.organization.as_ref())
            .and_then(|org| org.display_name.clone().or_else(|| org.id.clone()))
    });
    let mut label = name.or(id)?;
    if let Some(email) = email {
        label.push_str(&format!(" <{email}>"));
    }
    if let Some(org) = org {
        label.push_str(&format!(" ({org})"));
    }
    Some(label)
}

fn row(labels: Vec<Health>, connection: Connection, book: &HealthBook) -> Value {
    let end_user = end_user_label(&connection);
    let times = book.times(
        &connection.provider_config_key,
        &connection.connection_id,
        labels.contains(&Health::AuthError),
    );
    let row = ConnectionRow {
        errors: connection
            .errors
            .iter()
            .map(|error| ErrorRow {
                kind: error.kind.as_str().to_owned(),
                log_id: error.log_id.clone(),
            })
            .collect(),
        created: connection.created.map(|time| time.to_rfc3339()),
        health: labels,
        provider: Some(connection.provider),
        end_user,
        tags: Some(connection.tags),
        metadata: connection.metadata,
        broken_since: times.broken_since,
        recovered_at: times.recovered_at,
        connection_id: connection.connection_id,
        integration: connection.provider_config_key,
    };
    serde_json::to_value(row).unwrap_or(Value::Null)
}

fn present_columns(rows: &[Value]) -> Vec<&'static str> {
    FIELDS
        .iter()
        .copied()
        .filter(|field| rows.iter().any(|row| row.get(*field).is_some()))
        .collect()
}

fn cell(row: &Value, column: &str) -> String {
    match row.get(column) {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(text)) => text::clip(text, 60),
        Some(Value::Array(items)) if column == "health" => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("+"),
        Some(Value::Array(items)) if column == "errors" => items
            .iter()
            .map(|error| {
                format!(
                    "{}:{}",
                    error.get("type").and_then(Value::as_str).unwrap_or("?"),
                    error.get("log_id").and_then(Value::as_str).unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => text::clip(&other.to_string(), 80),
    }
}
