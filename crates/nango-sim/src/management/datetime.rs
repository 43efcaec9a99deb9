//! Timestamps as Nango's schemas take them: `z.string().datetime()`, i.e. UTC with a `Z`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DDTHH:MM[:SS[.fraction]]Z`, the only form Nango's `z.string().datetime()` takes
/// (no offsets, not even `+00:00`).
pub(crate) fn parse_utc_datetime(text: &str) -> Option<DateTime<Utc>> {
    let body = text.strip_suffix('Z')?;
    let (date, time) = body.split_once('T')?;
    if date.len() != 10 || !digits(date.get(0..4)?) {
        return None;
    }
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) if digits(fraction) => (clock, Some(fraction)),
        Some(_) => return None,
        None => (time, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(parts.len() == 2 || (parts.len() == 3)) || parts.iter().any(|p| p.len() != 2 || !digits(p))
    {
        return None;
    }
    if fraction.is_some() && parts.len() != 3 {
        return None;
    }
    let number = |index: usize| parts.get(index).and_then(|p| p.parse::<u32>().ok());
    let nanos = fraction.map_or(Some(0), |fraction| {
        let kept: String = fraction
            .chars()
            .chain(std::iter::repeat('0'))
            .take(9)
            .collect();
        kept.parse::<u32>().ok()
    })?;
    let time = NaiveTime::from_hms_nano_opt(number(0)?, number(1)?, number(2).unwrap_or(0), nanos)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_utc_z_datetimes_are_accepted() {
        for good in [
            "2026-01-05T09:30Z",
            "2026-01-05T09:30:00Z",
            "2026-01-05T09:30:00.123Z",
            "2026-01-05T09:30:00.123456789Z",
            "2024-02-29T00:00:00Z",
        ] {
            assert!(parse_utc_datetime(good).is_some(), "{good}");
        }
        for bad in [
            "2026-01-05T09:30:00+00:00",
            "2026-01-05T09:30:00.123456+00:00",
            "2026-01-05 09:30:00Z",
            "2026-01-05",
            "2025-02-29T00:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T09:30.5Z",
        ] {
            assert!(parse_utc_datetime(bad).is_none(), "{bad}");
        }
    }
}
