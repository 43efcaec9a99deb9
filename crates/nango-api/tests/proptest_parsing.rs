//! Property tests for parsing what Nango (or anything pretending to be Nango) sends: arbitrary JSON
//! values and arbitrary bytes fed to every model never panic, and credentials parsed from any
//! shape print (Debug) none of their secret values — only the type, the expiry and scope words.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use nango_api::{
    DataEnvelope, NangoError, Timestamp,
    models::{
        AppCredentials, Connection, ConnectionCredentials, ConnectionDetail, ConnectionError,
        ConnectionErrorKind, ConnectionList, EndUser, EndUserOrganization, EnvironmentVariable,
        Function, FunctionsPage, Integration, IntegrationDetail, IntegrationScripts, ModelResult,
        Pagination, Provider, ProviderField, ProviderProxy, Record, RecordAction, RecordMetadata,
        RecordsPage, Script, ScriptEndpoint, SyncState, SyncStatus, SyncStatusList,
    },
    parse_error_response,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Field names the models read, so generated objects reach past "missing field" errors.
const FIELDS: &[&str] = &[
    "id",
    "connection_id",
    "provider_config_key",
    "providerConfigKey",
    "provider",
    "errors",
    "type",
    "log_id",
    "end_user",
    "display_name",
    "email",
    "organization",
    "tags",
    "metadata",
    "created",
    "created_at",
    "updated_at",
    "last_fetched_at",
    "connection_config",
    "credentials",
    "raw",
    "access_token",
    "refresh_token",
    "expires_at",
    "scope",
    "scopes",
    "client_id",
    "client_secret",
    "unique_key",
    "logo",
    "forward_webhooks",
    "webhook_url",
    "data",
    "pagination",
    "total",
    "page",
    "limit",
    "name",
    "description",
    "returns",
    "input",
    "runs",
    "enabled",
    "last_deployed",
    "syncs",
    "actions",
    "on-events",
    "endpoints",
    "method",
    "path",
    "version",
    "records",
    "next_cursor",
    "_nango_metadata",
    "first_seen_at",
    "last_modified_at",
    "last_action",
    "deleted_at",
    "cursor",
    "status",
    "latestExecutionStatus",
    "finishedAt",
    "latestResult",
    "recordCount",
    "added",
    "auth_mode",
    "categories",
    "proxy",
    "base_url",
    "connections",
];

/// String values the models give meaning to.
const WORDS: &[&str] = &[
    "",
    "auth",
    "sync",
    "OAUTH2",
    "API_KEY",
    "SUCCESS",
    "ERROR",
    "RUNNING",
    "ADDED",
    "DELETED",
    "2024-05-01T10:00:00.000Z",
    "2024-05-01 10:00:00.123456+00",
    "2024-05-01T10:00:00",
    "9999-12-31T23:59:59.999999999+14:00",
    "0000-01-01T00:00:00Z",
    "-262144-01-01T00:00:00Z",
    "2024-02-30T25:61:61Z",
    "repo user",
    "a,,b, c",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELDS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ]
}

/// Any JSON value, biased towards objects with the models' field names.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const FIXTURES: &str = include_str!("fixtures/local-server-responses.json");

/// Bodies of the real server's answers: starting points that already have the right shape.
fn real_bodies() -> Vec<Value> {
    let root: Value = serde_json::from_str(FIXTURES).unwrap();
    root["samples"]
        .as_object()
        .unwrap()
        .values()
        .map(|sample| sample["body"].clone())
        .filter(|body| body.is_object() || body.is_array())
        .collect()
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Replaces the `n`th node (pre-order) with `replacement`.
fn replace_nth(value: &mut Value, n: &mut usize, replacement: &Value) -> bool {
    if *n == 0 {
        *value = replacement.clone();
        return true;
    }
    *n -= 1;
    match value {
        Value::Array(items) => items
            .iter_mut()
            .any(|item| replace_nth(item, n, replacement)),
        Value::Object(map) => map
            .values_mut()
            .any(|item| replace_nth(item, n, replacement)),
        _ => false,
    }
}

/// A real answer with up to three of its nodes (fields, items, the whole body) replaced by
/// arbitrary JSON: reaches deep into the models, where purely random objects rarely get.
fn mutated_real_body() -> impl Strategy<Value = Value> {
    let bodies = real_bodies();
    (
        prop::sample::select(bodies),
        prop::collection::vec((any::<prop::sample::Index>(), json_value()), 1..4),
    )
        .prop_map(|(mut body, mutations)| {
            for (at, replacement) in mutations {
                let mut n = at.index(count_nodes(&body));
                replace_nth(&mut body, &mut n, &replacement);
            }
            body
        })
}

/// Parses `value` as `T`; a success is also printed, as logs would.
fn parse<T: DeserializeOwned + std::fmt::Debug>(value: &Value) -> Option<T> {
    let parsed = serde_json::from_value::<T>(value.clone()).ok()?;
    let _ = format!("{parsed:?}");
    Some(parsed)
}

fn parse_bytes<T: DeserializeOwned + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(parsed) = serde_json::from_slice::<T>(bytes) {
        let _ = format!("{parsed:?}");
    }
}

/// Every model, and every method that reads a parsed one.
fn parse_every_model(value: &Value) {
    if let Some(connection) = parse::<Connection>(value) {
        let _ = connection.is_healthy();
        let _ = connection.has_error(ConnectionErrorKind::Auth);
        for error in &connection.errors {
            let _ = error.kind.as_str();
        }
    }
    parse::<ConnectionDetail>(value);
    parse::<ConnectionList>(value);
    parse::<ConnectionError>(value);
    parse::<EndUser>(value);
    parse::<EndUserOrganization>(value);
    parse::<AppCredentials>(value);
    parse::<IntegrationDetail>(value);
    parse::<DataEnvelope<Vec<Integration>>>(value);
    parse::<DataEnvelope<IntegrationDetail>>(value);
    parse::<FunctionsPage>(value);
    parse::<Function>(value);
    parse::<Pagination>(value);
    parse::<DataEnvelope<Vec<EnvironmentVariable>>>(value);
    parse::<Vec<IntegrationScripts>>(value);
    parse::<Script>(value);
    parse::<ScriptEndpoint>(value);
    parse::<DataEnvelope<Vec<Provider>>>(value);
    parse::<ProviderField>(value);
    parse::<ProviderProxy>(value);
    if let Some(page) = parse::<RecordsPage>(value) {
        for record in &page.records {
            let _ = record.id();
            let _ = record.metadata.last_action.as_str();
        }
    }
    if let Some(record) = parse::<Record>(value) {
        let _ = record.id();
    }
    parse::<RecordMetadata>(value);
    if let Some(action) = parse::<RecordAction>(value) {
        let _ = action.as_str();
    }
    if let Some(list) = parse::<SyncStatusList>(value) {
        for sync in &list.syncs.items {
            let _ = (sync.never_ran(), sync.is_failing(), sync.status.as_str());
        }
    }
    parse::<SyncStatus>(value);
    parse::<SyncState>(value);
    parse::<ModelResult>(value);
    if let Some(time) = parse::<Timestamp>(value) {
        let _ = time.to_rfc3339();
    }
    let credentials = ConnectionCredentials::from_json(value);
    let _ = format!("{credentials:?}");
    parse::<ConnectionCredentials>(value);
}

fn parse_every_model_from_bytes(bytes: &[u8]) {
    parse_bytes::<Connection>(bytes);
    parse_bytes::<ConnectionDetail>(bytes);
    parse_bytes::<ConnectionList>(bytes);
    parse_bytes::<AppCredentials>(bytes);
    parse_bytes::<ConnectionCredentials>(bytes);
    parse_bytes::<IntegrationDetail>(bytes);
    parse_bytes::<DataEnvelope<Vec<Integration>>>(bytes);
    parse_bytes::<FunctionsPage>(bytes);
    parse_bytes::<DataEnvelope<Vec<EnvironmentVariable>>>(bytes);
    parse_bytes::<Vec<IntegrationScripts>>(bytes);
    parse_bytes::<DataEnvelope<Vec<Provider>>>(bytes);
    parse_bytes::<RecordsPage>(bytes);
    parse_bytes::<SyncStatusList>(bytes);
    parse_bytes::<Timestamp>(bytes);
}

/// What an error answer turns into must be printable and say something.
fn check_error_parsing(status: u16, content_type: Option<&str>, body: &[u8]) {
    let error: NangoError =
        parse_error_response("http://127.0.0.1:3003", status, content_type, body);
    assert!(!error.to_string().trim().is_empty(), "{error:?}");
}

/// A secret value: a token no field name, scaffolding or timestamp can contain.
fn secret() -> impl Strategy<Value = String> {
    "[A-Z0-9]{12,24}".prop_map(|token| format!("Sx{token}"))
}

fn scope_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec(secret(), 0..4).prop_map(|words| Value::from(words.join(" "))),
        prop::collection::vec(secret(), 0..4).prop_map(|words| Value::from(words.join(","))),
        prop::collection::vec(secret(), 0..4).prop_map(Value::from),
    ]
}

/// A secret-bearing value of any shape: a string, a number, nested objects and arrays of them.
fn secret_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => secret().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(secret_key(), inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Credential field names: the known ones and any lower-case name Nango may add tomorrow.
fn secret_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "access_token",
                "refresh_token",
                "api_key",
                "apiKey",
                "password",
                "username",
                "token",
                "client_secret",
                "private_key",
                "webhook_secret",
                "client_id",
                "app_id",
                "id_token",
                "oauth_token_secret",
                "expires_at",
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z_]{1,14}",
    ]
}

/// A credentials object: secrets under any name, maybe a `type`, an `expires_at`, a `raw` token
/// response with scopes, and top-level `scopes` (app credentials).
fn credentials() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(secret_key(), secret_value(), 0..8),
        prop::option::of(secret()),
        prop::option::of(prop::collection::btree_map(
            secret_key(),
            secret_value(),
            0..6,
        )),
        prop::option::of(scope_value()),
        prop::option::of(scope_value()),
        prop::option::of(prop::sample::select(
            &["2099-01-01T00:00:00.000Z", "soon"][..],
        )),
    )
        .prop_map(|(fields, kind, raw, raw_scope, app_scopes, expires)| {
            let mut map: Map<String, Value> = fields.into_iter().collect();
            if let Some(kind) = kind {
                map.insert("type".to_owned(), Value::from(kind));
            }
            if let Some(expires) = expires {
                map.insert("expires_at".to_owned(), Value::from(expires));
            }
            if let Some(raw) = raw {
                let mut raw: Map<String, Value> = raw.into_iter().collect();
                if let Some(scope) = raw_scope {
                    raw.insert("scope".to_owned(), scope);
                }
                map.insert("raw".to_owned(), Value::Object(raw));
            }
            if let Some(scopes) = app_scopes {
                map.insert("scopes".to_owned(), scopes);
            }
            Value::Object(map)
        })
}

/// Every string value in `value`, with the ones that may legitimately be printed (the type, the
/// expiry and scope values) left out.
fn secret_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| secret_strings(item, out)),
        Value::Object(map) => {
            for (key, item) in map {
                if !matches!(key.as_str(), "type" | "expires_at" | "scope" | "scopes") {
                    secret_strings(item, out);
                }
            }
        }
        _ => {}
    }
}

fn assert_no_secret_in(printed: &str, input: &Value) {
    let mut secrets = Vec::new();
    secret_strings(input, &mut secrets);
    for secret in secrets.iter().filter(|secret| secret.starts_with("Sx")) {
        assert!(
            !printed.contains(secret.as_str()),
            "{secret} leaked into {printed}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_json_value_parses_or_fails_without_panicking(value in json_value()) {
        parse_every_model(&value);
        // The same value wrapped the way the endpoints wrap it.
        let mut envelope = Map::new();
        envelope.insert("data".to_owned(), value.clone());
        envelope.insert("records".to_owned(), Value::Array(vec![value.clone()]));
        envelope.insert("syncs".to_owned(), Value::Array(vec![value.clone()]));
        envelope.insert("connections".to_owned(), Value::Array(vec![value.clone()]));
        envelope.insert("credentials".to_owned(), value);
        parse_every_model(&Value::Object(envelope));
    }

    #[test]
    fn real_answers_with_arbitrary_parts_parse_or_fail_without_panicking(body in mutated_real_body()) {
        parse_every_model(&body);
        if let Some(data) = body.get("data") {
            parse_every_model(data);
        }
        parse_every_model_from_bytes(&serde_json::to_vec(&body).unwrap());
    }

    #[test]
    fn any_bytes_parse_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_every_model_from_bytes(&bytes);
        check_error_parsing(503, Some("application/json"), &bytes);
        check_error_parsing(200, None, &bytes);
    }

    /// JSON text cut short or with one byte changed: what a broken connection or proxy delivers.
    #[test]
    fn damaged_json_text_fails_without_panicking(
        value in json_value(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let text = serde_json::to_vec(&value).unwrap();
        parse_every_model_from_bytes(&text);
        let cut_at = cut.index(text.len() + 1);
        parse_every_model_from_bytes(&text[..cut_at]);
        if !text.is_empty() {
            let mut flipped = text.clone();
            flipped[flip.index(text.len())] = byte;
            parse_every_model_from_bytes(&flipped);
        }
    }

    #[test]
    fn any_error_answer_becomes_a_printable_error(
        status in any::<u16>(),
        content_type in prop::option::of(prop_oneof![
            Just("application/json".to_owned()),
            Just("text/html; charset=utf-8".to_owned()),
            Just("application/problem+json".to_owned()),
            any::<String>(),
        ]),
        body in prop_oneof![
            json_value().prop_map(|value| serde_json::to_vec(&value).unwrap()),
            prop::collection::vec(any::<u8>(), 0..256),
        ],
    ) {
        check_error_parsing(status, content_type.as_deref(), &body);
    }

    #[test]
    fn any_text_is_a_timestamp_or_none(text in prop_oneof![
        any::<String>(),
        r"[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{0,12})?(Z|\+00|[+-][0-9]{2}:?[0-9]{2})?",
    ]) {
        if let Some(time) = Timestamp::parse(&text) {
            let _ = time.to_rfc3339();
        }
    }

    #[test]
    fn connection_credentials_print_no_secret(credentials in credentials()) {
        let parsed = ConnectionCredentials::from_json(&credentials);
        assert_no_secret_in(&format!("{parsed:?}"), &credentials);
        // Also through the connection that carries them, as a tool would debug-log it.
        let detail = serde_json::json!({
            "connection_id": "conn-1", "provider_config_key": "p", "provider": "p",
            "credentials": credentials,
        });
        let detail: ConnectionDetail = serde_json::from_value(detail.clone()).unwrap();
        assert_no_secret_in(&format!("{detail:?}"), &credentials);
    }

    #[test]
    fn app_credentials_print_no_secret(credentials in credentials()) {
        let parsed: AppCredentials = serde_json::from_value(credentials.clone()).unwrap();
        assert_no_secret_in(&format!("{parsed:?}"), &credentials);
        let detail = serde_json::json!({
            "unique_key": "k", "provider": "p", "credentials": credentials,
        });
        let detail: IntegrationDetail = serde_json::from_value(detail).unwrap();
        assert_no_secret_in(&format!("{detail:?}"), &credentials);
    }
}

/// The property above must be able to fail: a type that prints its input is caught.
#[test]
fn the_leak_check_catches_a_leak() {
    let input = serde_json::json!({"type": "SxTYPEISALLOWED", "access_token": "SxLEAKEDTOKEN12"});
    assert_no_secret_in("SxTYPEISALLOWED", &input);
    let caught = std::panic::catch_unwind(|| assert_no_secret_in("… SxLEAKEDTOKEN12 …", &input));
    assert!(caught.is_err());
}
