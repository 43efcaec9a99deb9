//! Turning caller input into URL paths, query strings and header values that cannot change
//! which host or route is called. Ids and keys come from an AI agent, which may be steered by
//! untrusted data, so every byte outside the unreserved set is percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::HeaderValue;

use crate::NangoError;

/// RFC 3986 unreserved characters stay; everything else (`/ ? # % [ ]`, spaces, unicode…) is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Query values may also keep `*` (`syncs=*`), `,` (comma lists) and `:` (`name::variant`),
/// which carry no meaning inside a query component.
const QUERY_VALUE: &AsciiSet = &SEGMENT.remove(b'*').remove(b',').remove(b':');

/// Encodes `value` as exactly one path segment.
///
/// `.` and `..` are rejected rather than encoded: URL parsers treat `%2E%2E` as `..` and would
/// resolve it, so no encoding of them can stay a single segment. An empty value is rejected
/// because it would address the parent collection (`/connections/` lists every connection).
pub(crate) fn path_segment(what: &'static str, value: &str) -> Result<String, NangoError> {
    if value.is_empty() {
        return Err(NangoError::InvalidInput {
            what,
            reason: "must not be empty".to_owned(),
        });
    }
    if value == "." || value == ".." {
        return Err(NangoError::InvalidInput {
            what,
            reason: format!("{value:?} cannot be sent as a URL path segment"),
        });
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// A header value Nango can match against what it stored.
///
/// Control characters (CR/LF would split headers) are rejected, and so is non-ASCII: HTTP
/// carries header bytes as Latin-1, so a unicode id would reach Nango altered and match nothing;
/// percent-encoding it would not match either. Leading/trailing spaces are rejected because
/// HTTP strips them.
pub(crate) fn header_value(what: &'static str, value: &str) -> Result<HeaderValue, NangoError> {
    let invalid = |reason: &str| NangoError::InvalidInput {
        what,
        reason: reason.to_owned(),
    };
    if value.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(
            "contains control characters, which cannot be sent in an HTTP header",
        ));
    }
    if !value.is_ascii() {
        return Err(invalid(
            "contains non-ASCII characters; Nango reads this value from an HTTP header, which \
             cannot carry them, so this connection cannot be addressed here",
        ));
    }
    if value.trim() != value {
        return Err(invalid(
            "has leading or trailing spaces, which HTTP headers drop",
        ));
    }
    HeaderValue::from_str(value).map_err(|error| invalid(&error.to_string()))
}

/// A query string built only from the parameters each endpoint documents.
#[derive(Debug, Default)]
pub(crate) struct QueryString {
    text: String,
}

impl QueryString {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`; `key` is a fixed parameter name written by this crate.
    pub(crate) fn push(&mut self, key: &str, value: &str) -> &mut Self {
        self.separator();
        self.text.push_str(key);
        self.text.push('=');
        self.text
            .extend(utf8_percent_encode(value, QUERY_VALUE).map(|part| part as &str));
        self
    }

    pub(crate) fn push_opt(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    /// Appends `outer[inner]=value` (deep-object style, e.g. `tags[end_user_id]=u1`), with the
    /// caller-chosen `inner` encoded so it cannot close the bracket or start a new parameter.
    pub(crate) fn push_nested(&mut self, outer: &str, inner: &str, value: &str) -> &mut Self {
        self.separator();
        self.text.push_str(outer);
        self.text.push('[');
        self.text
            .extend(utf8_percent_encode(inner, SEGMENT).map(|part| part as &str));
        self.text.push_str("]=");
        self.text
            .extend(utf8_percent_encode(value, QUERY_VALUE).map(|part| part as &str));
        self
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    fn separator(&mut self) {
        if !self.text.is_empty() {
            self.text.push('&');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape() {
        let cases = [
            ("../x", "..%2Fx"),
            ("a/b", "a%2Fb"),
            ("?x=1", "%3Fx%3D1"),
            ("#f", "%23f"),
            ("%2e%2e", "%252e%252e"),
            ("a b", "a%20b"),
            ("é", "%C3%A9"),
            ("...", "..."),
            ("conn-1.x_y~z", "conn-1.x_y~z"),
            ("a\\b", "a%5Cb"),
        ];
        for (input, expected) in cases {
            assert_eq!(path_segment("id", input).unwrap(), expected, "{input}");
        }
        for bad in ["", ".", ".."] {
            assert!(matches!(
                path_segment("id", bad),
                Err(NangoError::InvalidInput { what: "id", .. })
            ));
        }
    }

    #[test]
    fn header_values_reject_what_http_cannot_carry() {
        assert_eq!(header_value("h", "conn-1").unwrap(), "conn-1");
        for bad in [
            "",
            "a\r\nX-Evil: 1",
            "a\nb",
            "tab\there",
            "\u{7f}",
            "é",
            " a",
            "a ",
        ] {
            let error = header_value("Connection-Id", bad).unwrap_err();
            assert!(
                matches!(
                    error,
                    NangoError::InvalidInput {
                        what: "Connection-Id",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn query_values_and_nested_keys_are_encoded() {
        let mut query = QueryString::new();
        query
            .push("syncs", "*")
            .push("search", "a&b=c d#")
            .push_nested("tags", "k]&x[", "v&w")
            .push_opt("cursor", None)
            .push("syncs", "issues::v2,prs");
        assert_eq!(
            query.as_str(),
            "syncs=*&search=a%26b%3Dc%20d%23&tags[k%5D%26x%5B]=v%26w&syncs=issues::v2,prs"
        );
    }
}
