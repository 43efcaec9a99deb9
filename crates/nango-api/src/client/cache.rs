//! A short-lived cache of the list-shaped answers a conversation repeats (connections pages,
//! integrations, deployed-script config, providers). Against a distant Nango every read is a
//! round trip; an agent asks "which connections are broken?" and then pages the answer or asks
//! about one of them seconds later, which re-reads the same lists.
//!
//! What it never holds: credentials (only endpoints that return none are cached: no
//! `/connections/{id}`, no `include=credentials`), error answers, or anything past its TTL. Memory
//! is bounded by [`MAX_CACHED_BYTES`] of response bodies and [`MAX_ENTRIES`] entries. Each client
//! (one environment, one key) has its own cache. It is only a speed-up: every cursor the tools hand
//! out is stateless, so a replica without this cache continues any listing by reading Nango.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::transport::{Answer, Call};

/// Upper bound on the bytes of cached bodies (a 2,000-row connections page is ~1 MiB).
pub const MAX_CACHED_BYTES: usize = 16 * 1024 * 1024;
/// Upper bound on the number of cached answers.
pub const MAX_ENTRIES: usize = 256;

/// The lists a write can make stale; pass to [`super::NangoClient::invalidate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CachedList {
    /// Every `GET /connections` page (create, delete, re-authorise, metadata or tag changes).
    Connections,
    /// `GET /integrations` (create, update, delete an integration).
    Integrations,
    /// `GET /scripts/config` (deploy, enable or disable a sync or action).
    ScriptsConfig,
    /// `GET /providers` (never changed by an environment's writes; here for completeness).
    Providers,
    /// Everything cached for this environment.
    All,
}

impl CachedList {
    /// The path every cached key of this list starts with (`None` = all keys).
    fn path(self) -> Option<&'static str> {
        match self {
            Self::Connections => Some("/connections"),
            Self::Integrations => Some("/integrations"),
            Self::ScriptsConfig => Some("/scripts/config"),
            Self::Providers => Some("/providers"),
            Self::All => None,
        }
    }

    fn covers(self, key: &str) -> bool {
        self.path().is_none_or(|path| {
            key.strip_prefix(path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('?'))
        })
    }
}

struct Entry {
    stored: SystemTime,
    status: u16,
    body: Bytes,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
    /// Bumped by every invalidation: an answer fetched before one is not stored after it.
    generation: u64,
}

/// A ticket for storing the answer of a request that missed the cache.
pub(crate) struct Miss {
    key: String,
    generation: u64,
}

/// Answers by `path?query`, each fresh for `ttl`; a zero TTL turns the cache off.
pub(crate) struct ResponseCache {
    ttl: Duration,
    entries: Mutex<Entries>,
}

impl ResponseCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(Entries::default()),
        }
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The fresh cached answer to `call`, or a ticket to store the answer once fetched. `None`
    /// for both when caching is off or the call carries headers (those are per-connection reads).
    pub(crate) fn lookup(&self, call: &Call, now: SystemTime) -> Result<Answer, Option<Miss>> {
        if self.ttl.is_zero() || !call.headers.is_empty() {
            return Err(None);
        }
        let key = format!("{}?{}", call.path, call.query.as_str());
        let entries = self.lock();
        if let Some(entry) = entries.map.get(&key)
            && self.is_fresh(entry, now)
        {
            return Ok(Answer {
                status: entry.status,
                body: entry.body.clone(),
            });
        }
        Err(Some(Miss {
            key,
            generation: entries.generation,
        }))
    }

    fn is_fresh(&self, entry: &Entry, now: SystemTime) -> bool {
        // A clock that went backwards makes the entry stale, never immortal.
        now.duration_since(entry.stored)
            .is_ok_and(|age| age < self.ttl)
    }

    /// Keeps `answer` unless an invalidation happened since the miss or it cannot fit.
    pub(crate) fn store(&self, miss: Miss, answer: &Answer, now: SystemTime) {
        let size = answer.body.len();
        if size > MAX_CACHED_BYTES / 4 {
            return;
        }
        let mut entries = self.lock();
        if entries.generation != miss.generation {
            return;
        }
        if let Some(old) = entries.map.remove(&miss.key) {
            entries.bytes -= old.body.len();
        }
        self.make_room(&mut entries, size, now);
        entries.bytes += size;
        entries.map.insert(
            miss.key,
            Entry {
                stored: now,
                status: answer.status,
                body: answer.body.clone(),
            },
        );
    }

    /// Drops expired entries, then the oldest, until `incoming` more bytes and one more entry fit.
    fn make_room(&self, entries: &mut Entries, incoming: usize, now: SystemTime) {
        let fits = |entries: &Entries| {
            entries.bytes + incoming <= MAX_CACHED_BYTES && entries.map.len() < MAX_ENTRIES
        };
        if fits(entries) {
            return;
        }
        let ttl = self.ttl;
        let mut freed = 0;
        entries.map.retain(|_, entry| {
            let fresh = now.duration_since(entry.stored).is_ok_and(|age| age < ttl);
            if !fresh {
                freed += entry.body.len();
            }
            fresh
        });
        entries.bytes -= freed;
        while !fits(entries) {
            let oldest = entries
                .map
                .iter()
                .min_by_key(|(_, entry)| entry.stored)
                .map(|(key, _)| key.clone());
            let Some(entry) = oldest.and_then(|key| entries.map.remove(&key)) else {
                break;
            };
            entries.bytes -= entry.body.len();
        }
    }

    /// Forgets every cached answer of `list`, and any answer still in flight.
    pub(crate) fn invalidate(&self, list: CachedList) {
        let mut entries = self.lock();
        entries.generation += 1;
        let mut freed = 0;
        entries.map.retain(|key, entry| {
            let keep = !list.covers(key);
            if !keep {
                freed += entry.body.len();
            }
            keep
        });
        entries.bytes -= freed;
    }

    /// Bytes of cached bodies.
    #[cfg(test)]
    fn cached_bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(path: &str, query: &str) -> Call {
        let mut call = Call::new(path);
        if let Some((name, value)) = query.split_once('=') {
            call.query.push(name, value);
        }
        call
    }

    fn answer(body: &'static str) -> Answer {
        Answer {
            status: 200,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    fn fill(cache: &ResponseCache, call: &Call, body: &'static str, now: SystemTime) {
        let Err(Some(miss)) = cache.lookup(call, now) else {
            panic!("expected a miss");
        };
        cache.store(miss, &answer(body), now);
    }

    #[test]
    fn answers_are_fresh_for_the_ttl_and_keyed_by_query() {
        let cache = ResponseCache::new(Duration::from_secs(30));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let page0 = call("/connections", "page=0");
        fill(&cache, &page0, "[0]", now);
        let hit = cache.lookup(&page0, now + Duration::from_secs(29)).ok();
        assert_eq!(
            hit.map(|answer| answer.body),
            Some(Bytes::from_static(b"[0]"))
        );
        assert!(cache.lookup(&call("/connections", "page=1"), now).is_err());
        assert!(
            cache.lookup(&page0, now + Duration::from_secs(30)).is_err(),
            "expired at the TTL"
        );
        assert!(
            cache.lookup(&page0, now - Duration::from_secs(1)).is_err(),
            "a clock going backwards never extends a life"
        );
    }

    #[test]
    fn zero_ttl_and_calls_with_headers_are_never_cached() {
        let off = ResponseCache::new(Duration::ZERO);
        assert!(matches!(
            off.lookup(&call("/integrations", ""), SystemTime::now()),
            Err(None)
        ));
        let on = ResponseCache::new(Duration::from_secs(5));
        let mut with_header = call("/records", "model=Contact");
        with_header.headers.push((
            "Connection-Id",
            reqwest::header::HeaderValue::from_static("c"),
        ));
        assert!(matches!(
            on.lookup(&with_header, SystemTime::now()),
            Err(None)
        ));
    }

    #[test]
    fn invalidation_drops_one_list_and_answers_already_in_flight() {
        let cache = ResponseCache::new(Duration::from_secs(30));
        let now = SystemTime::now();
        fill(&cache, &call("/connections", "page=0"), "[c]", now);
        fill(&cache, &call("/integrations", ""), "[i]", now);
        let Err(Some(in_flight)) = cache.lookup(&call("/connections", "page=1"), now) else {
            panic!("expected a miss");
        };
        cache.invalidate(CachedList::Connections);
        cache.store(in_flight, &answer("[stale]"), now);
        assert!(cache.lookup(&call("/connections", "page=0"), now).is_err());
        assert!(cache.lookup(&call("/connections", "page=1"), now).is_err());
        assert!(cache.lookup(&call("/integrations", ""), now).is_ok());
        assert_eq!(cache.cached_bytes(), 3);
        cache.invalidate(CachedList::All);
        assert!(cache.lookup(&call("/integrations", ""), now).is_err());
        assert_eq!(cache.cached_bytes(), 0);
    }

    #[test]
    fn a_list_covers_its_path_only() {
        assert!(CachedList::Integrations.covers("/integrations?"));
        assert!(!CachedList::Integrations.covers("/integrations/github/functions?page=0"));
        assert!(CachedList::Connections.covers("/connections?limit=2000&page=0"));
        assert!(CachedList::All.covers("/providers?"));
    }

    #[test]
    fn memory_stays_bounded_by_entries_and_bytes() {
        let cache = ResponseCache::new(Duration::from_secs(30));
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        for page in 0..(MAX_ENTRIES + 10) {
            let at = start + Duration::from_millis(page as u64);
            let mut paged = Call::new("/connections");
            paged.query.push("page", &page.to_string());
            fill(&cache, &paged, "[]", at);
        }
        let later = start + Duration::from_secs(1);
        assert_eq!(cache.lock().map.len(), MAX_ENTRIES);
        assert_eq!(cache.cached_bytes(), 2 * MAX_ENTRIES);
        let mut first = Call::new("/connections");
        first.query.push("page", "0");
        assert!(
            cache.lookup(&first, later).is_err(),
            "the oldest went first"
        );
        let huge = Answer {
            status: 200,
            body: Bytes::from(vec![b' '; MAX_CACHED_BYTES / 2]),
        };
        let Err(Some(miss)) = cache.lookup(&call("/providers", ""), later) else {
            panic!("expected a miss");
        };
        cache.store(miss, &huge, later);
        assert_eq!(cache.cached_bytes(), 2 * MAX_ENTRIES, "too big to keep");
    }
}
