//! Cursors as Nango makes them: standard base64 of the JSON sort values of the last row served
//! (`createCursor` in packages/logs: `[createdAt epoch ms, id]`). Opaque to clients; the
//! simulator puts its own unique tie-break key where Nango puts the operation id.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::history::LogMessage;

/// Rows of the operations listing sort by (created ns, connection index, slot), newest first.
pub(crate) type SortKey = (i64, usize, u16);

fn encode(values: &Value) -> String {
    STANDARD.encode(values.to_string())
}

fn decode(cursor: &str) -> Option<(i64, String)> {
    let bytes = STANDARD.decode(cursor).ok()?;
    let values: Vec<Value> = serde_json::from_slice(&bytes).ok()?;
    match values.as_slice() {
        [Value::Number(millis), Value::String(key)] => Some((millis.as_i64()?, key.clone())),
        _ => None,
    }
}

/// The cursor after an operations row with `key`.
pub(crate) fn operation_cursor(key: SortKey) -> String {
    let millis = key.0.div_euclid(1_000_000);
    encode(&json!([millis, format!("{}.{}.{}", key.0, key.1, key.2)]))
}

pub(crate) fn decode_operation_cursor(cursor: &str) -> Option<SortKey> {
    let (_, key) = decode(cursor)?;
    let mut parts = key.split('.');
    let key = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    parts.next().is_none().then_some(key)
}

/// The cursor after `message` (Nango's `cursorAfter`).
pub(crate) fn message_cursor(message: &LogMessage) -> String {
    encode(&json!([message.created_at.timestamp_millis(), message.id]))
}

/// Where the page after `cursor` starts in `messages` (newest first).
pub(crate) fn message_offset(messages: &[LogMessage], cursor: &str) -> Option<usize> {
    let (_, id) = decode(cursor)?;
    messages
        .iter()
        .position(|message| message.id == id)
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_cursors_round_trip_look_like_nangos_and_reject_garbage() {
        let key = (1_767_605_400_123_456_789, 41, 2);
        let cursor = operation_cursor(key);
        assert_eq!(decode_operation_cursor(&cursor), Some(key));
        let values: Value = serde_json::from_slice(&STANDARD.decode(&cursor).unwrap()).unwrap();
        assert_eq!(
            values[0],
            json!(1_767_605_400_123_i64),
            "epoch ms first, as Nango"
        );
        assert_eq!(decode_operation_cursor("not a cursor"), None);
        assert_eq!(
            decode_operation_cursor(&STANDARD.encode("[1,\"2.3\"]")),
            None
        );
    }
}
