//! `GET /environment-variables` and `GET /scripts/config` (both bare arrays).

use axum::Extension;
use axum::extract::{RawQuery, State};
use serde_json::{Map, Value, json};

use crate::dataset::records::iso_millis;
use crate::dataset::{Function, Integration};
use crate::http::auth::Caller;
use crate::http::json::{ApiResult, ok};
use crate::http::query::{Issues, Query};
use crate::state::SimState;

pub(super) async fn variables(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:variables:read"])?;
    let mut issues = Issues::default();
    issues.reject_unknown(&Query::parse(raw.as_deref()), &[], &[]);
    issues.finish("invalid_query_params")?;
    let dataset = state.dataset();
    let data: Vec<Value> = dataset
        .environment_variables
        .iter()
        .map(|v| json!({ "name": v.name, "value": v.value }))
        .collect();
    Ok(ok(&Value::Array(data)))
}

fn script_json(function: &Function) -> Value {
    let mut map = Map::new();
    map.insert("id".to_owned(), json!(function.id));
    map.insert("name".to_owned(), json!(function.name));
    map.insert("type".to_owned(), json!(function.kind));
    map.insert("returns".to_owned(), json!(function.returns));
    map.insert(
        "description".to_owned(),
        json!(function.description.clone().unwrap_or_default()),
    );
    map.insert("attributes".to_owned(), json!({}));
    map.insert("scopes".to_owned(), json!(function.scopes));
    map.insert("version".to_owned(), json!(function.version));
    map.insert("source".to_owned(), json!(function.source));
    map.insert("endpoints".to_owned(), json!(function.endpoints));
    if let Some(input) = &function.input {
        map.insert("input".to_owned(), json!(input));
    }
    map.insert("enabled".to_owned(), json!(function.enabled));
    map.insert(
        "last_deployed".to_owned(),
        json!(iso_millis(function.last_deployed)),
    );
    map.insert("webhookSubscriptions".to_owned(), json!([]));
    map.insert("json_schema".to_owned(), function.json_schema.clone());
    map.insert("sdk_version".to_owned(), json!(function.sdk_version));
    let mut models: Vec<Value> = function
        .returns
        .iter()
        .map(|m| json!({ "name": m, "fields": [] }))
        .collect();
    if let Some(input) = &function.input {
        models.push(json!({ "name": input, "fields": [] }));
    }
    map.insert("models".to_owned(), Value::Array(models));
    map.insert("features".to_owned(), json!([]));
    if function.is_sync() {
        map.insert(
            "sync_type".to_owned(),
            json!(
                function
                    .sync_type
                    .clone()
                    .unwrap_or_else(|| "incremental".to_owned())
            ),
        );
        map.insert("auto_start".to_owned(), json!(function.auto_start));
        map.insert("runs".to_owned(), json!(function.runs));
        map.insert("track_deletes".to_owned(), json!(function.track_deletes));
    }
    Value::Object(map)
}

fn of_kind<'a>(integration: &'a Integration, kind: &'a str) -> impl Iterator<Item = &'a Function> {
    integration.functions.iter().filter(move |f| f.kind == kind)
}

fn nango_format(integration: &Integration) -> Value {
    json!({
        "actions": of_kind(integration, "action").map(script_json).collect::<Vec<_>>(),
        "providerConfigKey": integration.unique_key,
        "provider": integration.provider,
        "syncs": of_kind(integration, "sync").map(script_json).collect::<Vec<_>>(),
        "on-events": of_kind(integration, "on-event").map(script_json).collect::<Vec<_>>(),
    })
}

/// OpenAI function-calling shape: syncs take no parameters, actions take their input model.
fn openai_format(function: &Function) -> Value {
    let parameters = function
        .input
        .as_ref()
        .and_then(|input| {
            function
                .json_schema
                .get("definitions")
                .and_then(|d| d.get(input))
        })
        .map_or_else(
            || json!({ "type": "object", "properties": {}, "required": [] }),
            |schema| {
                json!({
                    "type": "object",
                    "properties": schema.get("properties").cloned().unwrap_or_else(|| json!({})),
                    "required": schema.get("required").cloned().unwrap_or_else(|| json!([])),
                })
            },
        );
    json!({ "name": function.name, "description": function.description.clone().unwrap_or_default(), "parameters": parameters })
}

pub(super) async fn scripts_config(
    State(state): State<SimState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    caller.require_any(&["environment:integrations:list_functions"])?;
    // Not strictly validated by Nango: unknown params are ignored.
    let query = Query::parse(raw.as_deref());
    let dataset = state.dataset();
    let deployed = dataset
        .integrations
        .iter()
        .filter(|i| !i.functions.is_empty());
    if query.all("format").first() == Some(&"openai") {
        let data: Vec<Value> = deployed
            .flat_map(|i| i.functions.iter().filter(|f| f.enabled))
            .map(openai_format)
            .collect();
        return Ok(ok(&json!({ "data": data })));
    }
    Ok(ok(&Value::Array(deployed.map(nango_format).collect())))
}
