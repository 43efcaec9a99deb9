//! Lenient argument shapes agents commonly send.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, de::DeserializeOwned, de::Error};
use serde_json::Value;

/// Accepts `"a"` as well as `["a","b"]` for list arguments; models often send the single value.
/// Pair it with `#[schemars(schema_with = "one_or_many_schema::<T>")]` so the schema says so.
pub fn one_or_many<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    // Through a Value rather than an untagged enum, so a bad item keeps serde's own message
    // ("unknown variant `brokn`, expected one of …") instead of "did not match any variant".
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(many @ Value::Array(_)) => serde_json::from_value(many).map(Some),
        Some(one) => serde_json::from_value(one).map(|one| Some(vec![one])),
    }
    .map_err(D::Error::custom)
}

/// [`one_or_many`] for a required list argument: absent is serde's "missing field", and the
/// schema lists the argument under `required`.
pub fn one_or_many_required<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    one_or_many(deserializer).map(Option::unwrap_or_default)
}

/// The schema of a list argument that also takes one value: a list of `T`, or one string (the
/// item's allowed values are listed once, under the list, to keep `tools/list` short).
pub fn one_or_many_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    let item = generator.subschema_for::<T>();
    json_schema!({ "anyOf": [{ "type": "array", "items": item }, { "type": "string" }] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    enum Colour {
        Red,
        Blue,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Args {
        #[serde(default, deserialize_with = "one_or_many")]
        #[schemars(schema_with = "one_or_many_schema::<String>")]
        names: Option<Vec<String>>,
        #[serde(default, deserialize_with = "one_or_many")]
        #[schemars(schema_with = "one_or_many_schema::<Colour>")]
        colours: Option<Vec<Colour>>,
    }

    #[test]
    fn accepts_string_or_list() {
        let one: Args = serde_json::from_str(r#"{"names":"a","colours":"red"}"#).unwrap();
        assert_eq!(one.names.unwrap(), ["a"]);
        assert_eq!(one.colours.unwrap(), [Colour::Red]);
        let many: Args =
            serde_json::from_str(r#"{"names":["a","b"],"colours":["red","blue"]}"#).unwrap();
        assert_eq!(many.names.unwrap(), ["a", "b"]);
        assert_eq!(many.colours.unwrap(), [Colour::Red, Colour::Blue]);
        let none: Args = serde_json::from_str("{}").unwrap();
        assert!(none.names.is_none());
        assert!(serde_json::from_str::<Args>(r#"{"colours":"green"}"#).is_err());
    }

    #[test]
    fn the_schema_offers_a_list_or_one_value() {
        let schema = serde_json::Value::Object(crate::schema::input_schema::<Args>());
        let options = &schema["properties"]["colours"]["anyOf"];
        assert_eq!(options[0]["type"], "array");
        assert_eq!(
            options[0]["items"]["enum"],
            serde_json::json!(["red", "blue"])
        );
        assert_eq!(options[1], serde_json::json!({"type": "string"}));
        assert_eq!(schema["properties"]["names"]["anyOf"][1]["type"], "string");
    }
}
