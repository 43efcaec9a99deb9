//! Opaque cursors: URL-safe base64 of a small JSON state, so an agent passes `next_cursor` back
//! unchanged and the server stays stateless (any replica can continue any listing).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::errors::ToolError;

const MAX_CURSOR_LEN: usize = 4_096;

pub fn encode<T: Serialize>(state: &T) -> String {
    let json = serde_json::to_vec(state).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, ToolError> {
    let invalid = || {
        ToolError::invalid(
            "cursor",
            "not a cursor this server issued; pass `next_cursor` from the previous answer unchanged, \
             or omit it to start from the beginning",
        )
    };
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct State {
        offset: usize,
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        let cursor = encode(&State { offset: 42 });
        assert_eq!(decode::<State>(&cursor).unwrap(), State { offset: 42 });
        assert!(decode::<State>("../etc/passwd").is_err());
        assert!(decode::<State>(&"A".repeat(5_000)).is_err());
    }
}
