//! JSON Schemas for tool inputs and outputs, shaped for what MCP clients and model providers accept:
//! no `["string","null"]` unions (some providers reject them), no `$ref`s, and output schemas trimmed
//! to structure only, because every byte of `tools/list` is paid for in every conversation.

use schemars::{
    JsonSchema,
    generate::{Contract, SchemaSettings},
};
use serde_json::{Map, Value};

/// Input schema: descriptions kept (they guide the agent), nulls removed.
pub fn input_schema<T: JsonSchema>() -> Map<String, Value> {
    let mut schema = generate::<T>(Contract::Deserialize);
    strip_nulls(&mut schema);
    strip_keys(
        &mut schema,
        &["$schema", "title", "default", "format", "minimum"],
    );
    into_object(schema)
}

/// Output schema: structure only (types and property names), nulls removed, nesting capped.
pub fn output_schema<T: JsonSchema>() -> Map<String, Value> {
    let mut schema = generate::<T>(Contract::Serialize);
    strip_nulls(&mut schema);
    // `required` goes too: only top-level names and types are kept, and a shorter
    // `tools/list` is worth more to every conversation than a stricter output check.
    strip_keys(
        &mut schema,
        &[
            "$schema",
            "title",
            "default",
            "description",
            "format",
            "minimum",
            "maximum",
            "examples",
            "required",
        ],
    );
    cap_depth(&mut schema, 0);
    into_object(schema)
}

fn generate<T: JsonSchema>(contract: Contract) -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.meta_schema = None;
            settings.contract = contract;
        })
        .into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

fn into_object(schema: Value) -> Map<String, Value> {
    match schema {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `{"type":["string","null"]}` → `{"type":"string"}`; `anyOf:[X, {"type":"null"}]` → X.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let single = types.pop().unwrap_or(Value::Null);
                    map.insert("type".to_owned(), single);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(options)) = map.get_mut(key) {
                    options.retain(|option| option.get("type") != Some(&Value::from("null")));
                    if options.len() == 1 {
                        let Some(Value::Object(only)) = options.pop() else {
                            continue;
                        };
                        map.remove(key);
                        for (name, field) in only {
                            map.entry(name).or_insert(field);
                        }
                    }
                }
            }
            if let Some(Value::Array(variants)) = map.get_mut("enum") {
                variants.retain(|variant| !variant.is_null());
            }
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn strip_keys(value: &mut Value, keys: &[&str]) {
    match value {
        Value::Object(map) => {
            for key in keys {
                // A property *named* like a keyword is data, not a keyword: only strip keyword values.
                if map
                    .get(*key)
                    .is_some_and(|found| !found.is_object() || *key == "default")
                {
                    map.remove(*key);
                }
            }
            map.values_mut().for_each(|child| strip_keys(child, keys));
        }
        Value::Array(items) => items.iter_mut().for_each(|child| strip_keys(child, keys)),
        _ => {}
    }
}

/// Below the top level, objects and arrays are described by their type only: the top-level
/// property names tell a client what it gets, and the full shape would triple `tools/list`.
const MAX_OUTPUT_DEPTH: usize = 1;

fn cap_depth(value: &mut Value, depth: usize) {
    let Value::Object(map) = value else { return };
    if depth >= MAX_OUTPUT_DEPTH {
        for key in [
            "properties",
            "required",
            "additionalProperties",
            "items",
            "enum",
            "anyOf",
            "oneOf",
            "allOf",
        ] {
            map.remove(key);
        }
        if !map.contains_key("type") {
            map.insert("type".to_owned(), Value::from("object"));
        }
        return;
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties
            .values_mut()
            .for_each(|property| cap_depth(property, depth + 1));
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            cap_depth(child, depth);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Example {
        /// The name.
        name: Option<String>,
        count: Option<u32>,
        nested: Option<Inner>,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    #[test]
    fn optional_fields_have_no_null_union_and_no_refs() {
        let schema = Value::Object(input_schema::<Example>());
        let text = schema.to_string();
        assert!(!text.contains("null"), "{text}");
        assert!(!text.contains("$ref"), "{text}");
        assert_eq!(schema["properties"]["name"]["type"], "string");
        assert_eq!(schema["properties"]["name"]["description"], "The name.");
        assert_eq!(
            schema["properties"]["nested"]["properties"]["flag"]["type"],
            "boolean"
        );
    }

    #[test]
    fn output_schema_drops_descriptions() {
        let schema = Value::Object(output_schema::<Example>());
        assert!(!schema.to_string().contains("The name."));
    }
}
