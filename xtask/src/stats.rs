//! Order statistics over measured samples (nearest-rank, so every figure is a value that was seen).

use serde::Serialize;

/// Nearest-rank percentile `p` (0–100) of `samples`; `None` when there are none.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied()
}

/// Median, minimum and maximum of a set of runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// Nearest-rank median (the lower middle for an even count).
    pub median: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Spread {
    /// `None` when there are no samples.
    pub fn of(samples: &[f64]) -> Option<Self> {
        Some(Self {
            median: percentile(samples, 50.0)?,
            min: percentile(samples, 0.0)?,
            max: percentile(samples, 100.0)?,
        })
    }
}

/// Milliseconds of a duration, as a float for tables and JSON.
pub fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_on_fixed_samples() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), Some(50.0));
        assert_eq!(percentile(&samples, 99.0), Some(99.0));
        assert_eq!(percentile(&samples, 100.0), Some(100.0));
        assert_eq!(percentile(&samples, 0.0), Some(1.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), Some(2.0));
        // A single slow outlier decides p99 of a small set, as it should.
        assert_eq!(percentile(&[1.0, 1.0, 1.0, 9.0], 99.0), Some(9.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[f64::NAN, 4.0], 50.0), Some(4.0));
    }

    #[test]
    fn spread_of_runs_with_negative_values() {
        let spread = Spread::of(&[5.0, -1.0, 7.0, 2.0, 3.0, 9.0, 4.0]).unwrap();
        assert_eq!(spread.median, 4.0);
        assert_eq!(spread.min, -1.0);
        assert_eq!(spread.max, 9.0);
        assert_eq!(Spread::of(&[]), None);
    }
}
