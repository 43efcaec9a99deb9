//! How long to wait before retrying a transient failure (502/503/504, network errors).

use std::time::Duration;

use super::config::RetryPolicy;

/// Exponential backoff with "equal jitter": half the exponential delay is fixed, half random,
/// so concurrent clients spread out without any delay collapsing to zero.
/// `failures` counts the failed attempts so far (1 after the first failure).
pub(crate) fn backoff_delay(policy: &RetryPolicy, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(31);
    let exponential = policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    let half = exponential / 2;
    let jitter_nanos = fastrand::u64(0..=u64::try_from(half.as_nanos()).unwrap_or(u64::MAX));
    half + Duration::from_nanos(jitter_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for _ in 0..200 {
            let first = backoff_delay(&policy, 1);
            assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
            let third = backoff_delay(&policy, 3);
            assert!(third >= Duration::from_millis(500) && third <= Duration::from_secs(1));
            let late = backoff_delay(&policy, 40);
            assert!(late >= Duration::from_secs(4) && late <= Duration::from_secs(8));
        }
    }
}
