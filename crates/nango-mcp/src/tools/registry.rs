//! Type erasure for tools: definitions for `tools/list` and handlers for `tools/call`.

use std::{collections::BTreeSet, sync::Arc};

use futures::future::BoxFuture;
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value};

use super::{NangoTool, ToolContext};
use crate::{errors::ToolError, schema};

/// Groups for `--toolsets`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Toolset {
    Integrations,
    Connections,
    Syncs,
    Records,
    Environment,
    /// Write actions; only with --allow-writes.
    Actions,
}

impl Toolset {
    pub const ALL: [Toolset; 6] = [
        Self::Integrations,
        Self::Connections,
        Self::Syncs,
        Self::Records,
        Self::Environment,
        Self::Actions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Integrations => "integrations",
            Self::Connections => "connections",
            Self::Syncs => "syncs",
            Self::Records => "records",
            Self::Environment => "environment",
            Self::Actions => "actions",
        }
    }
}

/// MCP tool annotations. Hints only mean something to a client that trusts the server, but
/// they must be right: clients use them to decide what needs a person's approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    /// Stops or resets something (pause, full refresh).
    pub destructive: bool,
    /// Repeating the call has no further effect.
    pub idempotent: bool,
}

impl Hints {
    pub const READ_ONLY: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
    };

    fn annotations(self) -> ToolAnnotations {
        let annotations = ToolAnnotations::new()
            .read_only(self.read_only)
            .open_world(true);
        if self.read_only {
            // destructive/idempotent hints only mean something when readOnlyHint is false.
            annotations
        } else {
            annotations
                .destructive(self.destructive)
                .idempotent(self.idempotent)
        }
    }
}

/// A successful call: the structured result and its text rendering.
#[derive(Clone, Debug)]
pub struct ToolOutcome {
    pub structured: Value,
    pub text: String,
}

type Handler = Arc<
    dyn Fn(ToolContext, Value) -> BoxFuture<'static, Result<ToolOutcome, ToolError>> + Send + Sync,
>;

#[derive(Clone)]
pub struct ToolEntry {
    /// The tool's name (as in `definition.name`), with a static lifetime for test tables.
    pub id: &'static str,
    pub definition: Tool,
    pub toolset: Toolset,
    pub hints: Hints,
    /// A valid call against the demo sandbox (what the test lists are built from).
    pub example: &'static str,
    handler: Handler,
}

impl ToolEntry {
    pub fn of<T: NangoTool>() -> Self {
        let definition = Tool::new_with_raw(
            T::NAME,
            Some(T::DESCRIPTION.into()),
            Arc::new(schema::input_schema::<T::Params>()),
        )
        .with_title(T::TITLE)
        .with_raw_output_schema(Arc::new(schema::output_schema::<T::Output>()))
        .with_annotations(T::HINTS.annotations());
        let handler: Handler = Arc::new(|ctx, arguments| Box::pin(call::<T>(ctx, arguments)));
        Self {
            id: T::NAME,
            definition,
            toolset: T::TOOLSET,
            hints: T::HINTS,
            example: T::EXAMPLE,
            handler,
        }
    }

    pub fn name(&self) -> &str {
        &self.definition.name
    }

    pub fn call(
        &self,
        ctx: ToolContext,
        arguments: Value,
    ) -> BoxFuture<'static, Result<ToolOutcome, ToolError>> {
        (self.handler)(ctx, arguments)
    }
}

async fn call<T: NangoTool>(ctx: ToolContext, arguments: Value) -> Result<ToolOutcome, ToolError> {
    let params: T::Params = serde_json::from_value(arguments).map_err(|error| {
        ToolError::invalid("arguments", format!("{error}; see the tool's input schema"))
    })?;
    let output = T::run(ctx, params).await?;
    let text = T::render(&output);
    let structured = serde_json::to_value(&output).map_err(|error| {
        ToolError::invalid("output", format!("could not serialise the result: {error}"))
    })?;
    Ok(ToolOutcome { structured, text })
}

/// The tools this server exposes, after `--tools`/`--exclude-tools`/`--toolsets`.
#[derive(Clone)]
pub struct Registry {
    entries: Vec<ToolEntry>,
}

impl Registry {
    /// The read tools plus, when the operator allowed writes, the write actions.
    pub fn for_writes(allow_writes: bool) -> Self {
        if allow_writes {
            Self::with_writes()
        } else {
            Self::all()
        }
    }

    /// Every tool including the write actions (toolset `actions`).
    pub fn with_writes() -> Self {
        use super::*;
        let mut registry = Self::all();
        registry.entries.extend([
            ToolEntry::of::<trigger_sync::TriggerSync>(),
            ToolEntry::of::<pause_sync::PauseSync>(),
            ToolEntry::of::<start_sync::StartSync>(),
            ToolEntry::of::<create_reconnect_link::CreateReconnectLink>(),
        ]);
        registry
    }

    /// Every read tool, in the order `tools/list` shows them: the default surface.
    pub fn all() -> Self {
        use super::*;
        Self {
            entries: vec![
                ToolEntry::of::<list_integrations::ListIntegrations>(),
                ToolEntry::of::<get_integration::GetIntegration>(),
                ToolEntry::of::<list_connections::ListConnections>(),
                ToolEntry::of::<get_connection::GetConnection>(),
                ToolEntry::of::<list_syncs::ListSyncs>(),
                ToolEntry::of::<list_sync_runs::ListSyncRuns>(),
                ToolEntry::of::<list_records::ListRecords>(),
                ToolEntry::of::<get_environment::GetEnvironment>(),
                ToolEntry::of::<audit_connections::AuditConnections>(),
                ToolEntry::of::<search_providers::SearchProviders>(),
            ],
        }
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(ToolEntry::name).collect()
    }

    /// Narrows the surface. Unknown names are an error that lists the valid ones.
    pub fn select(
        self,
        only: &[String],
        exclude: &[String],
        toolsets: &[String],
    ) -> Result<Self, String> {
        let names: BTreeSet<String> = self.names().iter().map(|name| (*name).to_owned()).collect();
        for name in only.iter().chain(exclude) {
            if !names.contains(name) {
                return Err(format!(
                    "unknown tool {name:?}; valid tools: {}",
                    names.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let sets = toolsets
            .iter()
            .map(|name| {
                Toolset::ALL
                    .into_iter()
                    .find(|set| set.name() == name)
                    .ok_or_else(|| {
                        let valid: Vec<&str> = Toolset::ALL.iter().map(|set| set.name()).collect();
                        format!(
                            "unknown toolset {name:?}; valid toolsets: {}",
                            valid.join(", ")
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entries = self
            .entries
            .into_iter()
            .filter(|entry| only.is_empty() || only.iter().any(|name| name == entry.name()))
            .filter(|entry| !exclude.iter().any(|name| name == entry.name()))
            .filter(|entry| sets.is_empty() || sets.contains(&entry.toolset))
            .collect();
        Ok(Self { entries })
    }

    /// With several environments every tool takes an optional `environment` whose schema lists them.
    pub fn with_environments(mut self, environments: &[String]) -> Self {
        if environments.len() > 1 {
            for entry in &mut self.entries {
                let mut schema = (*entry.definition.input_schema).clone();
                add_environment_property(&mut schema, environments);
                entry.definition.input_schema = Arc::new(schema);
            }
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.entries.iter().find(|entry| entry.name() == name)
    }

    pub fn entries(&self) -> &[ToolEntry] {
        &self.entries
    }

    pub fn definitions(&self) -> Vec<Tool> {
        self.entries
            .iter()
            .map(|entry| entry.definition.clone())
            .collect()
    }
}

fn add_environment_property(schema: &mut Map<String, Value>, environments: &[String]) {
    let property = serde_json::json!({
        "type": "string",
        "enum": environments,
        "description": format!("Nango environment to query (default: {}).", environments.first().map_or("", String::as_str)),
    });
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert("environment".to_owned(), property);
    } else {
        let mut properties = Map::new();
        properties.insert("environment".to_owned(), property);
        schema.insert("properties".to_owned(), Value::Object(properties));
    }
}
