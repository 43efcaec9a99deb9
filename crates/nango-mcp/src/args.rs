//! Lenient argument shapes agents commonly send.

use serde::{Deserialize, Deserializer};

/// Accepts `"a"` as well as `["a","b"]` for list arguments; agents often send a single string.
pub fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => None,
        Some(OneOrMany::One(one)) => Some(vec![one]),
        Some(OneOrMany::Many(many)) => Some(many),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Args {
        #[serde(default, deserialize_with = "one_or_many")]
        names: Option<Vec<String>>,
    }

    #[test]
    fn accepts_string_or_list() {
        let one: Args = serde_json::from_str(r#"{"names":"a"}"#).unwrap();
        assert_eq!(one.names.unwrap(), ["a"]);
        let many: Args = serde_json::from_str(r#"{"names":["a","b"]}"#).unwrap();
        assert_eq!(many.names.unwrap(), ["a", "b"]);
        let none: Args = serde_json::from_str("{}").unwrap();
        assert!(none.names.is_none());
    }
}
