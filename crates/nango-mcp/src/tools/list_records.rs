//! `list_records`: synced records of one model, for one connection or merged across every
//! connection of an integration, with a cursor that works across the merge.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use nango_api::{
    ConnectionsQuery, RecordsQuery,
    models::{Record, RecordAction, SyncSelector, Timestamp},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod fitting;
mod table;

use super::{NangoTool, ToolContext, Toolset, context::NangoResultExt, resolve::Scope};
use crate::{
    args::{one_or_many, one_or_many_schema},
    errors::ToolError,
    output::{cursor, paging, text},
};

pub struct ListRecords;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Model name, e.g. Contact.
    pub model: String,
    /// Omit to merge all connections.
    pub connection_id: Option<String>,
    /// Integration key; optional if connection_id is unique.
    pub integration: Option<String>,
    /// Only these last actions.
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<RecordFilter>")]
    pub filter: Option<Vec<RecordFilter>>,
    /// RFC 3339 time, up to 12 months back.
    pub modified_after: Option<String>,
    /// Only these record ids (max 100).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub ids: Option<Vec<String>>,
    /// Payload fields to return (default all).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema::<String>")]
    pub fields: Option<Vec<String>>,
    /// Model variant (default base).
    pub variant: Option<String>,
    /// Max records (default 50).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordFilter {
    Added,
    Updated,
    Deleted,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub model: String,
    pub integration: String,
    /// Set when one connection was read; absent when merged across the integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// Records of this model stored for the connection (from sync status), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_stored: Option<u64>,
    pub shown: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// JSON types of the payload fields seen in this answer (schema check at a glance).
    pub fields_seen: BTreeMap<String, String>,
    pub records: Vec<RecordRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RecordRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub last_action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// The synced payload (third-party data).
    pub data: Map<String, Value>,
    #[serde(skip)]
    nango_cursor: String,
}

/// Where a listing stands: the connection being read and Nango's cursor inside it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Position {
    /// Index into the integration's connections sorted by id (merged mode).
    index: usize,
    connection: String,
    nango: Option<String>,
}

/// Said before a table, so a reader knows how to read its cells.
const TABLE_NOTE: &str =
    "Records (tab-separated; an empty cell is null or absent; a quoted cell is a JSON string):";
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;
const MAX_IDS: usize = 100;
/// Merged listings visit at most this many connections per answer, then hand back a cursor.
const MAX_CONNECTIONS_PER_ANSWER: usize = 25;

impl NangoTool for ListRecords {
    const NAME: &'static str = "list_records";
    const TITLE: &'static str = "List synced records";
    const DESCRIPTION: &'static str = "Synced records of a model, for one connection or merged over an integration; filter by action, time, ids.";
    const TOOLSET: Toolset = Toolset::Records;
    const EXAMPLE: &'static str = r#"{"connection_id": "conn-456", "integration": "hubspot-prod", "model": "Contact", "limit": 5}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let request = Request::parse(&params)?;
        let scope = Scope::resolve(
            &ctx,
            params.connection_id.as_deref(),
            params.integration.as_deref(),
        )
        .await?;
        let integration = scope.require_integration()?;
        let connection_id = scope.connection_id;
        if !valid_model(&params.model) {
            return Err(model_error(&ctx, &integration, &params.model).await);
        }
        let mut output = match connection_id {
            Some(id) => read_one(&ctx, &request, &integration, id, &params).await?,
            None => read_merged(&ctx, &request, &integration, &params).await?,
        };
        if output.records.is_empty()
            && params.cursor.is_none()
            && let Some(note) = unknown_model_note(&ctx, &integration, &params.model).await
        {
            output.notes.push(note);
        }
        Ok(output)
    }

    fn render(output: &Output) -> String {
        Self::render_text(output)
    }
}

impl ListRecords {
    fn render_text(output: &Output) -> String {
        let scope = match &output.connection_id {
            Some(id) => format!("connection {id} ({})", output.integration),
            None => format!("every connection of {}", output.integration),
        };
        let stored = output
            .total_stored
            .map(|total| format!("; {total} stored"))
            .unwrap_or_default();
        let mut lines = vec![format!(
            "{} {} records from {scope}{stored}.",
            output.shown, output.model
        )];
        if !output.fields_seen.is_empty() {
            let fields: Vec<String> = output
                .fields_seen
                .iter()
                .map(|(name, kind)| format!("{name}: {kind}"))
                .collect();
            lines.push(format!("Fields seen: {}", fields.join(", ")));
        }
        if !output.records.is_empty() {
            if table::is_table(&output.records) {
                lines.push(TABLE_NOTE.to_owned());
            }
            lines.push(text::untrusted("records", &table::body(&output.records)));
        }
        lines.extend(output.notes.iter().map(|note| format!("Note: {note}")));
        lines.push(text::paging_line(
            output.shown,
            None,
            output.next_cursor.as_deref(),
        ));
        lines.join("\n")
    }
}

/// The parts of a records query that do not depend on which connection is read.
struct Request {
    limit: usize,
    filter: Vec<RecordAction>,
    modified_after: Option<Timestamp>,
    ids: Vec<String>,
    fields: Option<Vec<String>>,
    position: Option<Position>,
}

impl Request {
    fn parse(params: &Params) -> Result<Self, ToolError> {
        let ids = params.ids.clone().unwrap_or_default();
        if ids.len() > MAX_IDS {
            return Err(ToolError::invalid(
                "ids",
                format!("at most {MAX_IDS} ids per call"),
            ));
        }
        let modified_after = params
            .modified_after
            .as_deref()
            .map(|text| {
                Timestamp::parse(text).ok_or_else(|| {
                    ToolError::invalid(
                        "modified_after",
                        "use an RFC 3339 time such as 2026-11-01T00:00:00Z",
                    )
                })
            })
            .transpose()?;
        let filter = params
            .filter
            .iter()
            .flatten()
            .map(|filter| match filter {
                RecordFilter::Added => RecordAction::Added,
                RecordFilter::Updated => RecordAction::Updated,
                RecordFilter::Deleted => RecordAction::Deleted,
            })
            .collect();
        Ok(Self {
            limit: paging::positive_limit(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?,
            filter,
            modified_after,
            ids,
            fields: params.fields.clone().filter(|fields| !fields.is_empty()),
            position: params.cursor.as_deref().map(cursor::decode).transpose()?,
        })
    }

    fn query(
        &self,
        integration: &str,
        connection: &str,
        model: &str,
        variant: Option<&str>,
        nango_cursor: Option<String>,
        limit: usize,
    ) -> RecordsQuery {
        RecordsQuery {
            connection_id: connection.to_owned(),
            provider_config_key: integration.to_owned(),
            model: model.to_owned(),
            variant: variant.map(str::to_owned),
            cursor: nango_cursor,
            limit: Some(u32::try_from(limit).unwrap_or(u32::MAX)),
            filter: self.filter.clone(),
            modified_after: self.modified_after,
            ids: self.ids.clone(),
        }
    }
}

async fn read_one(
    ctx: &ToolContext,
    request: &Request,
    integration: &str,
    connection: String,
    params: &Params,
) -> Result<Output, ToolError> {
    let start = request
        .position
        .as_ref()
        .filter(|position| position.connection == connection)
        .and_then(|position| position.nango.clone());
    let query = request.query(
        integration,
        &connection,
        &params.model,
        params.variant.as_deref(),
        start,
        request.limit,
    );
    let (page, stored) = futures::join!(
        ctx.client.records_page(&query),
        stored_count(ctx, integration, &connection, &params.model)
    );
    let page = page.map_err(|error| records_error(ctx, error, &connection, integration))?;
    let rows: Vec<RecordRow> = page
        .records
        .into_iter()
        .map(|record| row(record, None, request.fields.as_deref()))
        .collect();
    let more = page.next_cursor.map(|more| Position {
        index: 0,
        connection: connection.clone(),
        nango: Some(more),
    });
    let resume = |last: &RecordRow| Position {
        index: 0,
        connection: connection.clone(),
        nango: Some(last.nango_cursor.clone()),
    };
    let answer = Answer {
        params,
        integration,
        connection_id: Some(connection.clone()),
        stored,
    };
    Ok(answer.fit(ctx, rows, more, resume))
}

async fn read_merged(
    ctx: &ToolContext,
    request: &Request,
    integration: &str,
    params: &Params,
) -> Result<Output, ToolError> {
    let mut connections: Vec<String> = ctx
        .client
        .connections(ConnectionsQuery {
            integration_ids: vec![integration.to_owned()],
            ..ConnectionsQuery::default()
        })
        .map_ok(|connection| connection.connection_id)
        .try_collect()
        .await
        .or_tool(ctx)?;
    connections.sort();
    let mut position = request.position.clone().unwrap_or_default();
    // The connection list may have changed since the cursor was issued: find it again by id.
    match connections.iter().position(|id| *id == position.connection) {
        Some(found) => position.index = found,
        None if request.position.is_some() => position.nango = None,
        None => {}
    }
    let mut rows = Vec::new();
    let mut visited = 0;
    while let Some(connection) = connections.get(position.index) {
        if rows.len() >= request.limit || visited >= MAX_CONNECTIONS_PER_ANSWER {
            break;
        }
        visited += 1;
        ctx.report(
            position.index as u64,
            Some(connections.len() as u64),
            format!("reading {connection}"),
        );
        let remaining = request.limit - rows.len();
        let query = request.query(
            integration,
            connection,
            &params.model,
            params.variant.as_deref(),
            position.nango.take(),
            remaining,
        );
        let page = ctx
            .client
            .records_page(&query)
            .await
            .map_err(|error| records_error(ctx, error, connection, integration))?;
        rows.extend(
            page.records
                .into_iter()
                .map(|record| row(record, Some(connection.clone()), request.fields.as_deref())),
        );
        match page.next_cursor {
            Some(more) => position.nango = Some(more),
            None => position.index += 1,
        }
    }
    let more = connections.get(position.index).map(|id| Position {
        index: position.index,
        connection: id.clone(),
        nango: position.nango.clone(),
    });
    let resume = |last: &RecordRow| {
        let index = connections
            .iter()
            .position(|id| Some(id) == last.connection_id.as_ref())
            .unwrap_or(0);
        resume_after(last, index)
    };
    let answer = Answer {
        params,
        integration,
        connection_id: None,
        stored: None,
    };
    Ok(answer.fit(ctx, rows, more, resume))
}

/// What an answer says besides its records.
struct Answer<'a> {
    params: &'a Params,
    integration: &'a str,
    connection_id: Option<String>,
    stored: Option<u64>,
}

impl Answer<'_> {
    /// The answer with as many of `rows` as fit the token budget, counted on the text and on
    /// the structured JSON exactly as they are sent. Cut short, the cursor resumes right after
    /// the last record shown (`resume`); whole, it is `more`. A single record too large for
    /// the budget is shown without its payload, so paging still progresses.
    fn fit(
        &self,
        ctx: &ToolContext,
        mut rows: Vec<RecordRow>,
        more: Option<Position>,
        resume: impl Fn(&RecordRow) -> Position,
    ) -> Output {
        let all = rows.len();
        let build = |shown: &[RecordRow]| {
            let next = if shown.len() < all {
                shown.last().map(&resume)
            } else {
                more.clone()
            };
            finish(
                self.params,
                self.integration,
                self.connection_id.clone(),
                self.stored,
                shown.to_vec(),
                next,
            )
        };
        let fits = |keep: usize| {
            let output = build(rows.get(..keep).unwrap_or_default());
            let structured = serde_json::to_string(&output).unwrap_or_default();
            ctx.budget
                .fits_answer(&ListRecords::render(&output), &structured)
        };
        let keep = fitting::rows_within(ctx.budget, &rows, &build(&[]), fits);
        if keep == 0 && all > 0 {
            rows.truncate(1);
            if let Some(first) = rows.first_mut() {
                let size = serde_json::to_vec(&first.data).map_or(0, |bytes| bytes.len());
                first.data = Map::from_iter([(
                    "_note".to_owned(),
                    Value::String(format!(
                        "payload of {size} bytes exceeds the token budget; request fewer `fields`"
                    )),
                )]);
            }
            let next = rows.first().map(&resume);
            return finish(
                self.params,
                self.integration,
                self.connection_id.clone(),
                self.stored,
                rows,
                next.or(more),
            );
        }
        rows.truncate(keep);
        build(&rows)
    }
}

/// A position that resumes right after `last`, using that record's own Nango cursor.
fn resume_after(last: &RecordRow, index: usize) -> Position {
    Position {
        index,
        connection: last.connection_id.clone().unwrap_or_default(),
        nango: Some(last.nango_cursor.clone()),
    }
}

fn finish(
    params: &Params,
    integration: &str,
    connection_id: Option<String>,
    stored: Option<u64>,
    rows: Vec<RecordRow>,
    next: Option<Position>,
) -> Output {
    Output {
        model: params.model.clone(),
        integration: integration.to_owned(),
        connection_id,
        total_stored: stored,
        shown: rows.len(),
        next_cursor: next.map(|position| cursor::encode(&position)),
        fields_seen: fields_seen(&rows),
        records: rows,
        notes: Vec::new(),
    }
}

fn row(record: Record, connection_id: Option<String>, fields: Option<&[String]>) -> RecordRow {
    let id = record.id();
    let mut data = record.payload;
    data.remove("id");
    if let Some(fields) = fields {
        data.retain(|name, _| fields.iter().any(|field| field == name));
    }
    RecordRow {
        connection_id,
        id,
        last_action: record.metadata.last_action.as_str().to_owned(),
        last_modified_at: record
            .metadata
            .last_modified_at
            .map(|time| time.to_rfc3339()),
        deleted_at: record.metadata.deleted_at.map(|time| time.to_rfc3339()),
        data,
        nango_cursor: record.metadata.cursor,
    }
}

fn fields_seen(rows: &[RecordRow]) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for row in rows {
        for (name, value) in &row.data {
            let kinds = seen.entry(name.clone()).or_default();
            let kind = json_type(value);
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    seen.into_iter()
        .map(|(name, kinds)| (name, kinds.join("|")))
        .collect()
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

async fn stored_count(
    ctx: &ToolContext,
    integration: &str,
    connection: &str,
    model: &str,
) -> Option<u64> {
    let syncs = ctx
        .client
        .sync_status(integration, &SyncSelector::All, Some(connection))
        .await
        .ok()?;
    syncs
        .iter()
        .filter_map(|sync| sync.record_count.get(model))
        .copied()
        .reduce(|a, b| a.max(b))
}

fn records_error(
    ctx: &ToolContext,
    error: nango_api::NangoError,
    connection: &str,
    integration: &str,
) -> ToolError {
    if error.code() == Some("unknown_connection") || error.is_not_found() {
        return ToolError::NotFound {
            what: "connection",
            id: connection.to_owned(),
            scope: format!(" in integration {}", text::echo(integration)),
            hint: "list_connections finds valid connection ids.".to_owned(),
        };
    }
    if error.status() == Some(500) && error.code() == Some("server_error") {
        return ToolError::invalid(
            "cursor",
            "Nango could not read from that cursor; pass `next_cursor` from the previous answer unchanged, or omit it",
        );
    }
    ctx.nango_error(error)
}

/// Nango's own rule: `^[A-Z][a-zA-Z0-9_-]+$`.
fn valid_model(model: &str) -> bool {
    let mut chars = model.chars();
    chars.next().is_some_and(|first| first.is_ascii_uppercase())
        && model.len() >= 2
        && model.len() <= 255
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Models the integration's deployed syncs produce.
async fn known_models(ctx: &ToolContext, integration: &str) -> Vec<String> {
    let Ok(configs) = ctx.client.scripts_config().await else {
        return Vec::new();
    };
    let mut models: Vec<String> = configs
        .into_iter()
        .filter(|config| config.provider_config_key == integration)
        .flat_map(|config| config.syncs.into_iter().flat_map(|sync| sync.returns))
        .collect();
    models.sort();
    models.dedup();
    models
}

async fn model_error(ctx: &ToolContext, integration: &str, model: &str) -> ToolError {
    let models = known_models(ctx, integration).await;
    let known = if models.is_empty() {
        String::new()
    } else {
        format!(" Models of {integration}: {}.", models.join(", "))
    };
    ToolError::invalid(
        "model",
        format!(
            "{} is not a model name: models start with a capital letter and use letters, digits, _ or - (e.g. \"Contact\").{known}",
            text::echo(model)
        ),
    )
}

async fn unknown_model_note(ctx: &ToolContext, integration: &str, model: &str) -> Option<String> {
    let models = known_models(ctx, integration).await;
    (!models.is_empty() && !models.iter().any(|known| known == model)).then(|| {
        format!(
            "No deployed sync of {integration} produces {}; its models are: {}.",
            text::echo(model),
            models.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_follow_nangos_rule() {
        assert!(valid_model("Contact"));
        assert!(valid_model("GithubIssue"));
        assert!(!valid_model("contacts"));
        assert!(!valid_model("C"));
        assert!(!valid_model("Con tact"));
        assert!(!valid_model("../Contact"));
    }
}
