//! Valkey/Redis: every replica pointed at the same store shares spent codes and rate windows.
//!
//! One multiplexed connection per process (redis-rs's `ConnectionManager`: pipelined, so no
//! pool is needed, and it reconnects by itself after the store comes back). Every call is
//! bounded in time, and after a failure calls fail at once for a moment instead of each
//! waiting out a timeout: callers fall back (reads) or refuse (writes) without slowing down.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::{
    RateWindows, SAME_WINDOW_SECS, SharedState, SpentCodes, StoreFuture, Unreachable, WINDOW_KEPT,
};

/// A loopback or in-cluster store answers in well under a millisecond; waiting longer than
/// this would only delay the fallback.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Bounds a whole call, reconnection included.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// After a failure, calls fail at once for this long (`/readyz` still tries every time).
const QUIET_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Same rule as `next_count` in lib.rs, run atomically inside the store.
const COUNT_SCRIPT: &str = r"
local stored = redis.call('HMGET', KEYS[1], 'window', 'spent')
local window, floor = tonumber(ARGV[1]), tonumber(ARGV[2])
local same, keep = tonumber(ARGV[3]), tonumber(ARGV[4])
local current, spent = tonumber(stored[1]), tonumber(stored[2]) or 0
if current and window + same <= current then return floor + 1 end
local count
if current and window < current + same then
  count = math.max(spent, floor) + 1
else
  current = window
  count = floor + 1
end
redis.call('HSET', KEYS[1], 'window', current, 'spent', count)
redis.call('EXPIRE', KEYS[1], keep)
return count
";

/// The URL could not be used. Never echoes the URL: it may carry a password.
#[derive(Debug, thiserror::Error)]
#[error("the shared store URL is not a usable redis://, valkey:// or unix:// URL ({0})")]
pub struct StoreUrlError(String);

pub struct RedisStore {
    manager: ConnectionManager,
    count_script: redis::Script,
    quiet_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Prepares the connection without opening it: a store that is down at start-up does not
    /// stop the server (reads work without it; `/readyz` says it is missing). Must run inside
    /// a tokio runtime.
    pub fn connect_lazily(url: &str) -> Result<Self, StoreUrlError> {
        let url = url.trim();
        // Valkey speaks the same protocol; accept its scheme too.
        let url = match url.strip_prefix("valkey://") {
            Some(rest) => format!("redis://{rest}"),
            None => url.to_owned(),
        };
        let client = redis::Client::open(url.as_str())
            .map_err(|error| StoreUrlError(format!("{:?}", error.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| StoreUrlError(format!("{:?}", error.kind())))?;
        Ok(Self {
            manager,
            count_script: redis::Script::new(COUNT_SCRIPT),
            quiet_until: Mutex::new(None),
        })
    }

    /// Runs one call within [`CALL_TIMEOUT`], remembering failures. `always` skips the
    /// quiet period (for the readiness check, which must notice a recovery).
    ///
    /// A connection error is tried once more: the connection manager answers the first call
    /// after an outage with the failure it remembers and only then reconnects, so without the
    /// second try the first write after the store comes back would be refused.
    async fn call<T, F, Fut>(&self, always: bool, run: F) -> Result<T, Unreachable>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !always
            && let Some(until) = *self.quiet()
            && Instant::now() < until
        {
            return Err(Unreachable("it failed a moment ago".to_owned()));
        }
        let attempts = async {
            match run(self.manager.clone()).await {
                Err(error) if error.is_io_error() || error.is_connection_dropped() => {
                    run(self.manager.clone()).await
                }
                other => other,
            }
        };
        let result = match tokio::time::timeout(CALL_TIMEOUT, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(Unreachable(describe(&error))),
            Err(_) => Err(Unreachable(format!(
                "no answer within {} ms",
                CALL_TIMEOUT.as_millis()
            ))),
        };
        *self.quiet() = match &result {
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "shared store call failed");
                Some(Instant::now() + QUIET_AFTER_FAILURE)
            }
        };
        result
    }

    fn quiet(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.quiet_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The error's kind and, for I/O, the OS reason: enough to act on, never the URL.
fn describe(error: &redis::RedisError) -> String {
    if error.is_io_error() || error.is_connection_refusal() || error.is_timeout() {
        format!(
            "{:?} ({})",
            error.kind(),
            error.detail().unwrap_or("connection failed")
        )
    } else {
        format!("{:?}", error.kind())
    }
}

impl SpentCodes for RedisStore {
    fn spend<'a>(&'a self, nonce: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let key = format!("nango-mcp:spent:{nonce}");
            let mut command = redis::cmd("SET");
            command
                .arg(&key)
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(ttl.as_secs().max(1));
            let command = &command;
            let set: Option<String> = self
                .call(false, |mut connection| async move {
                    command.query_async(&mut connection).await
                })
                .await?;
            // SET NX answers OK when it set the key, nil when the key was there.
            Ok(set.is_some())
        })
    }
}

impl RateWindows for RedisStore {
    fn count<'a>(&'a self, scope: &'a str, window: u64, floor: u64) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let mut invocation = self.count_script.key(format!("nango-mcp:rate:{scope}"));
            invocation
                .arg(window)
                .arg(floor)
                .arg(SAME_WINDOW_SECS)
                .arg(WINDOW_KEPT.as_secs());
            let invocation = &invocation;
            self.call(false, |mut connection| async move {
                invocation.invoke_async(&mut connection).await
            })
            .await
        })
    }
}

impl SharedState for RedisStore {
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let _: String = self
                .call(true, |mut connection| async move {
                    redis::cmd("PING").query_async(&mut connection).await
                })
                .await?;
            Ok(())
        })
    }

    fn is_shared(&self) -> bool {
        true
    }
}
