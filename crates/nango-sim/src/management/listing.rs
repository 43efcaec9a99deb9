//! `logs_list_operations`: every matching operation of every (connection, sync) history and
//! token refresh, merged newest first without materialising whole histories, with an exact
//! total and an opaque cursor (the sort key of the last row served).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use super::args::ListArgs;
use super::cursors::{SortKey, decode_operation_cursor, operation_cursor};
use super::history::schedule::SyncHistory;
use super::history::{LogOperation, OperationKind, RunState, token_refresh};
use crate::dataset::Dataset;

/// Sort slot of a connection's token refresh, after any sync index.
const REFRESH_SLOT: u16 = 256;

/// One page of operations.
pub(crate) struct Page {
    pub operations: Vec<LogOperation>,
    pub total: usize,
    pub cursor: Option<String>,
}

enum History<'a> {
    Sync(SyncHistory<'a>),
    Refresh(LogOperation),
}

struct Source<'a> {
    history: History<'a>,
    connection: usize,
    slot: u16,
}

fn nanos(time: DateTime<Utc>) -> i64 {
    time.timestamp_nanos_opt().unwrap_or(i64::MIN)
}

impl Source<'_> {
    fn len(&self) -> usize {
        match &self.history {
            History::Sync(history) => history.len(),
            History::Refresh(_) => 1,
        }
    }

    fn created_at(&self, run: usize) -> DateTime<Utc> {
        match &self.history {
            History::Sync(history) => history.started_at(run),
            History::Refresh(operation) => operation.created_at,
        }
    }

    fn key(&self, run: usize) -> SortKey {
        (nanos(self.created_at(run)), self.connection, self.slot)
    }

    fn state(&self, run: usize) -> RunState {
        match &self.history {
            History::Sync(history) => history.outcome(run).state(),
            History::Refresh(operation) => operation.state,
        }
    }

    fn operation(&self, run: usize) -> LogOperation {
        match &self.history {
            History::Sync(history) => history.operation(run),
            History::Refresh(operation) => operation.clone(),
        }
    }

    /// First run index whose key is below `bound` (`len()` when none is).
    fn first_below(&self, bound: SortKey) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.key(middle) < bound {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        low
    }
}

fn listed(filter: Option<&Vec<String>>, value: &str) -> bool {
    filter.is_none_or(|names| names.is_empty() || names.iter().any(|name| name == value))
}

fn wants(args: &ListArgs, kind: OperationKind) -> bool {
    args.operations.as_ref().is_none_or(|filters| {
        filters.is_empty()
            || filters
                .iter()
                .any(|filter| filter.accepts(kind.type_name(), kind.action()))
    })
}

fn sources<'a>(dataset: &'a Dataset, args: &ListArgs) -> Vec<Source<'a>> {
    let mut out = Vec::new();
    let refreshes =
        wants(args, OperationKind::TokenRefresh) && args.syncs.as_ref().is_none_or(Vec::is_empty);
    let runs = wants(args, OperationKind::SyncRun);
    for (index, connection) in dataset.connections.iter().enumerate() {
        if !listed(args.integrations.as_ref(), &connection.provider_config_key)
            || !listed(args.connections.as_ref(), &connection.connection_id)
        {
            continue;
        }
        if runs {
            for (sync_index, sync) in connection.syncs.iter().enumerate() {
                if listed(args.syncs.as_ref(), &sync.name)
                    && let Some(history) = SyncHistory::new(dataset, index, sync_index)
                {
                    out.push(Source {
                        history: History::Sync(history),
                        connection: index,
                        slot: u16::try_from(sync_index).unwrap_or(u16::MAX),
                    });
                }
            }
        }
        if refreshes && let Some(operation) = token_refresh(dataset, index) {
            out.push(Source {
                history: History::Refresh(operation),
                connection: index,
                slot: REFRESH_SLOT,
            });
        }
    }
    out
}

struct Matcher<'a> {
    states: Option<&'a [RunState]>,
    search: Option<String>,
}

impl Matcher<'_> {
    fn cheap_match(&self, source: &Source<'_>, run: usize) -> bool {
        self.states
            .is_none_or(|states| states.is_empty() || states.contains(&source.state(run)))
    }

    fn full_match(&self, operation: &LogOperation) -> bool {
        let Some(needle) = &self.search else {
            return true;
        };
        let haystacks = [
            Some(operation.connection_id.as_str()),
            Some(operation.integration.as_str()),
            operation.sync.as_deref(),
            operation.failure.as_ref().map(|f| f.message.as_str()),
        ];
        haystacks
            .into_iter()
            .flatten()
            .any(|text| text.to_lowercase().contains(needle))
    }

    fn matches(&self, source: &Source<'_>, run: usize) -> Option<LogOperation> {
        if !self.cheap_match(source, run) {
            return None;
        }
        let operation = source.operation(run);
        self.full_match(&operation).then_some(operation)
    }

    fn count(&self, source: &Source<'_>, runs: std::ops::Range<usize>) -> usize {
        if self.search.is_some() {
            runs.filter(|run| self.matches(source, *run).is_some())
                .count()
        } else if self.states.is_some_and(|states| !states.is_empty()) {
            runs.filter(|run| self.cheap_match(source, *run)).count()
        } else {
            runs.len()
        }
    }
}

/// One page of `logs_list_operations`.
pub(crate) fn list(dataset: &Dataset, args: &ListArgs) -> Result<Page, String> {
    let after = match &args.cursor {
        Some(cursor) => Some(decode_operation_cursor(cursor).ok_or("Invalid cursor")?),
        None => None,
    };
    let matcher = Matcher {
        states: args.states.as_deref(),
        search: args.search.as_ref().map(|s| s.to_lowercase()),
    };
    let sources = sources(dataset, args);
    // Keys just above `to` and at `from`: runs in [from, to] sit between them.
    let newest = (nanos(args.to), usize::MAX, u16::MAX);
    let oldest = (nanos(args.from), 0, 0);
    let mut total = 0;
    let mut heap = BinaryHeap::new();
    let mut ends = Vec::with_capacity(sources.len());
    for (index, source) in sources.iter().enumerate() {
        let first = source.first_below(newest);
        let end = source.first_below(oldest).max(first);
        total += matcher.count(source, first..end);
        let start = after.map_or(first, |key| source.first_below(key).max(first));
        if start < end {
            heap.push((source.key(start), Reverse(index), start));
        }
        ends.push(end);
    }
    let mut operations = Vec::new();
    while let Some((_, Reverse(index), run)) = heap.pop() {
        let (Some(source), Some(end)) = (sources.get(index), ends.get(index)) else {
            continue;
        };
        if run + 1 < *end {
            heap.push((source.key(run + 1), Reverse(index), run + 1));
        }
        if let Some(operation) = matcher.matches(source, run) {
            operations.push((source.key(run), operation));
            if operations.len() == args.limit {
                break;
            }
        }
    }
    // Nango's rule: a cursor whenever the page is full and the total is larger than it, so
    // the page after the last full one can be empty.
    let full = operations.len() == args.limit && total > operations.len();
    let cursor = operations
        .last()
        .filter(|_| full)
        .map(|(key, _)| operation_cursor(*key));
    Ok(Page {
        operations: operations.into_iter().map(|(_, op)| op).collect(),
        total,
        cursor,
    })
}
