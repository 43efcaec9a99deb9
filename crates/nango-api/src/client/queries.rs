//! What callers can ask of the list endpoints, and how each ask becomes a query string made of
//! that endpoint's documented parameters only (Nango rejects unknown ones with 400).

use std::collections::BTreeMap;

use super::encode::{QueryString, header_value};
use crate::NangoError;
use crate::models::{FunctionKind, RecordAction, Timestamp};

/// Nango's own maximum for `GET /connections?limit=`.
pub const MAX_CONNECTIONS_PAGE: u32 = 2000;
/// Default connections page size: Nango's maximum, so 2,000 connections take one round trip
/// (each page costs one rate-limit point whatever its size).
pub const DEFAULT_CONNECTIONS_PAGE: u32 = MAX_CONNECTIONS_PAGE;
/// Nango's maximum for `GET /records?limit=`.
pub const MAX_RECORDS_PAGE: u32 = 10_000;
/// Nango's maximum for `GET /integrations/{key}/functions?limit=`.
pub const MAX_FUNCTIONS_PAGE: u32 = 100;

/// Which parts of an integration to include (`include=webhook&include=credentials`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntegrationInclude {
    /// The integration's webhook URL.
    pub webhook: bool,
    /// App credentials; only facts about them are kept (see [`crate::AppCredentials`]).
    pub credentials: bool,
}

/// Filters for `GET /connections`.
#[derive(Clone, Debug, Default)]
pub struct ConnectionsQuery {
    /// Exact connection id.
    pub connection_id: Option<String>,
    /// Substring of the connection id or the end user's name/email.
    pub search: Option<String>,
    /// Integration unique keys (sent comma-separated as `integrationId`).
    pub integration_ids: Vec<String>,
    /// Every tag must match (`tags[key]=value`); Nango lower-cases keys.
    pub tags: BTreeMap<String, String>,
    /// Rows per page for [`super::NangoClient::connections`]: default and at most 2000.
    pub page_size: Option<u32>,
}

impl ConnectionsQuery {
    /// Whether [`super::NangoClient::connections`] requests page n+1 together with page n.
    /// Against a distant Nango that halves the round trips of a long listing and makes a
    /// listing of one full page (exactly 2,000 connections) a single round trip. The cost is
    /// at most one request, one rate-limit point, per listing: the page after a short last
    /// page. A lookup of one `connection_id` never fills a page, so it never prefetches.
    pub fn prefetches(&self) -> bool {
        self.connection_id.is_none()
    }

    /// The page size actually used: `page_size` clamped to 1..=2000, default 2000.
    pub fn effective_page_size(&self) -> u32 {
        self.page_size
            .unwrap_or(DEFAULT_CONNECTIONS_PAGE)
            .clamp(1, MAX_CONNECTIONS_PAGE)
    }

    pub(crate) fn write(&self, query: &mut QueryString, page: u32, limit: u32) {
        query
            .push_opt("connectionId", self.connection_id.as_deref())
            .push_opt("search", self.search.as_deref());
        if !self.integration_ids.is_empty() {
            query.push("integrationId", &self.integration_ids.join(","));
        }
        for (key, value) in &self.tags {
            query.push_nested("tags", key, value);
        }
        // Always explicit: without `limit` Nango returns up to 10 000 rows.
        query
            .push("limit", &limit.clamp(1, MAX_CONNECTIONS_PAGE).to_string())
            .push("page", &page.to_string());
    }
}

/// `GET /records` for one model on one connection.
#[derive(Clone, Debug, Default)]
pub struct RecordsQuery {
    /// Sent as the `Connection-Id` header (ASCII, no control characters).
    pub connection_id: String,
    /// Integration unique key, sent as the `Provider-Config-Key` header.
    pub provider_config_key: String,
    /// Model name, e.g. `GithubIssue` (Nango requires a leading capital letter).
    pub model: String,
    /// Sync variant; `None` or `base` is the base variant.
    pub variant: Option<String>,
    /// Records strictly after this cursor (`next_cursor` or a record's `_nango_metadata.cursor`).
    pub cursor: Option<String>,
    /// Records per page, 1..=10 000 (Nango's default is 100; pages may hold fewer).
    pub limit: Option<u32>,
    /// Only records whose last action is one of these.
    pub filter: Vec<RecordAction>,
    /// Only records modified after this (Nango allows at most 12 months back).
    pub modified_after: Option<Timestamp>,
    /// Only these record ids (at most 100).
    pub ids: Vec<String>,
}

impl RecordsQuery {
    /// Writes the query with `cursor` in place of `self.cursor` (the paging stream moves it on).
    pub(crate) fn write(&self, query: &mut QueryString, cursor: Option<&str>) {
        query
            .push("model", &self.model)
            .push_opt("variant", self.variant.as_deref())
            .push_opt("cursor", cursor);
        if let Some(limit) = self.limit {
            query.push("limit", &limit.clamp(1, MAX_RECORDS_PAGE).to_string());
        }
        if !self.filter.is_empty() {
            let filter = self
                .filter
                .iter()
                .map(|action| action.as_str().to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(",");
            query.push("filter", &filter);
        }
        if let Some(after) = &self.modified_after {
            query.push("modified_after", &after.to_rfc3339());
        }
        for id in &self.ids {
            query.push("ids", id);
        }
    }

    /// The `Connection-Id` and `Provider-Config-Key` headers, validated.
    pub(crate) fn headers(
        &self,
    ) -> Result<Vec<(&'static str, reqwest::header::HeaderValue)>, NangoError> {
        Ok(vec![
            (
                "Connection-Id",
                header_value("Connection-Id", &self.connection_id)?,
            ),
            (
                "Provider-Config-Key",
                header_value("Provider-Config-Key", &self.provider_config_key)?,
            ),
        ])
    }
}

/// `GET /integrations/{key}/functions` filters and page.
#[derive(Clone, Debug, Default)]
pub struct FunctionsQuery {
    /// Only syncs, actions or on-event scripts.
    pub kind: Option<FunctionKind>,
    /// Substring of the function name.
    pub search: Option<String>,
    /// Zero-based page.
    pub page: u32,
    /// Rows per page, 1..=100; 0 means Nango's default (20).
    pub limit: u32,
}

impl FunctionsQuery {
    pub(crate) fn write(&self, query: &mut QueryString) {
        query
            .push_opt("type", self.kind.map(FunctionKind::as_str))
            .push_opt("search", self.search.as_deref())
            .push("page", &self.page.to_string());
        if self.limit > 0 {
            query.push("limit", &self.limit.min(MAX_FUNCTIONS_PAGE).to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_query_uses_documented_names_and_always_a_limit() {
        let query = ConnectionsQuery {
            connection_id: Some("c 1".into()),
            search: Some("acme".into()),
            integration_ids: vec!["github-test".into(), "anvil-test".into()],
            tags: [("end_user_id".to_owned(), "user-2".to_owned())].into(),
            page_size: None,
        };
        let mut text = QueryString::new();
        query.write(&mut text, 3, 5000);
        assert_eq!(
            text.as_str(),
            "connectionId=c%201&search=acme&integrationId=github-test,anvil-test&tags[end_user_id]=user-2&limit=2000&page=3"
        );
        assert_eq!(query.effective_page_size(), 2000);
        assert!(!query.prefetches(), "an exact id never fills a page");
        assert!(ConnectionsQuery::default().prefetches());
    }

    #[test]
    fn records_query_encodes_filters_and_repeats_ids() {
        let query = RecordsQuery {
            model: "GithubIssue".into(),
            limit: Some(0),
            filter: vec![RecordAction::Added, RecordAction::Deleted],
            modified_after: Timestamp::parse("2026-01-02T03:04:05Z"),
            ids: vec!["a".into(), "b&c".into()],
            ..RecordsQuery::default()
        };
        let mut text = QueryString::new();
        query.write(&mut text, None);
        assert_eq!(
            text.as_str(),
            "model=GithubIssue&limit=1&filter=added,deleted&modified_after=2026-01-02T03:04:05.000Z&ids=a&ids=b%26c"
        );
    }

    #[test]
    fn functions_query_defaults_to_nangos_page_size() {
        let mut text = QueryString::new();
        FunctionsQuery::default().write(&mut text);
        assert_eq!(text.as_str(), "page=0");
        let mut text = QueryString::new();
        FunctionsQuery {
            kind: Some(FunctionKind::OnEvent),
            limit: 500,
            page: 2,
            search: None,
        }
        .write(&mut text);
        assert_eq!(text.as_str(), "type=on-event&page=2&limit=100");
    }
}
