//! Gives memory back to the system once a burst of tool calls is over.
//!
//! glibc's allocator returns freed memory only from the top of each arena, so after a burst
//! (200 agents at once on a team server) the process stays at its peak although almost all of
//! it is free: 15 MiB before, 34 MiB after in the release bench (23 MiB with this). `malloc_trim(0)`
//! hands every whole free page back. It walks and locks the arenas, so it runs once per burst, on a blocking
//! thread, when a second has passed without a call. jemalloc and mimalloc were measured instead
//! (docs/benchmarks.md): both start larger, which issue 16 rules out.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};

/// Tool calls started since the process began.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// Whether this process serves (stdio or HTTP) and so wants the trimmer, from its first call.
static WANTED: AtomicBool = AtomicBool::new(false);

/// How often the trimmer looks; a burst counts as over after one look with no new call.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Counts one tool call (the trimmer waits for these to stop); the first starts the trimmer.
/// Must run inside the Tokio runtime.
pub fn note_call() {
    if CALLS.fetch_add(1, Ordering::Relaxed) == 0 && WANTED.load(Ordering::Relaxed) {
        spawn_trimmer();
    }
}

/// Asks for the trimmer: it starts with the first tool call, so a server nobody has called yet
/// runs no extra task and never wakes to look.
pub fn trim_after_bursts() {
    WANTED.store(can_trim(), Ordering::Relaxed);
}

/// The background task that trims after each burst.
fn spawn_trimmer() {
    tokio::spawn(async move {
        let mut after_burst = AfterBurst::default();
        let mut ticks = tokio::time::interval(LOOK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if after_burst.look(CALLS.load(Ordering::Relaxed)) {
                let released = tokio::task::spawn_blocking(release_free_memory).await;
                tracing::debug!(
                    released = released.unwrap_or(false),
                    "returned free memory after a burst of calls"
                );
            }
        }
    });
}

/// Decides when a burst is over: calls were made since the last look but not since.
#[derive(Debug, Default)]
struct AfterBurst {
    calls_seen: u64,
    busy: bool,
}

impl AfterBurst {
    /// Given the call count now, whether to trim now.
    fn look(&mut self, calls: u64) -> bool {
        if calls != self.calls_seen {
            self.calls_seen = calls;
            self.busy = true;
            return false;
        }
        std::mem::take(&mut self.busy)
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn can_trim() -> bool {
    true
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn can_trim() -> bool {
    false
}

/// Whether glibc gave any memory back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(
    unsafe_code,
    reason = "malloc_trim is C; it takes no pointers and has no preconditions"
)]
fn release_free_memory() -> bool {
    // SAFETY: malloc_trim reads no memory of ours; glibc serialises it with every other
    // allocator call.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_after_calls_stop_and_not_while_they_go_on() {
        let mut after_burst = AfterBurst::default();
        assert!(!after_burst.look(0), "nothing happened yet");
        assert!(!after_burst.look(5), "calls are coming in");
        assert!(!after_burst.look(9), "still coming in");
        assert!(after_burst.look(9), "a quiet second after calls: trim");
        assert!(!after_burst.look(9), "once per burst");
        assert!(!after_burst.look(10));
        assert!(after_burst.look(10));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn freed_memory_goes_back_to_the_system() {
        fn rss_kib() -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        }
        // 64 MiB in blocks below the mmap threshold, with a live block after each pair so
        // that the heap cannot simply shrink from the top.
        let mut kept = Vec::new();
        let mut freed = Vec::new();
        for _ in 0..2_048 {
            freed.push(vec![1u8; 32 * 1024]);
            kept.push(vec![1u8; 16]);
        }
        let before = rss_kib();
        drop(freed);
        release_free_memory();
        let after = rss_kib();
        assert!(after + 32 * 1024 < before, "RSS {before} kB -> {after} kB");
        drop(kept);
    }
}
