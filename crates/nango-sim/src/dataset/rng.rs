//! Deterministic randomness: every generated datum is a pure function of the seed and a
//! few labels, so records can be produced lazily and two runs with one seed agree.

/// SplitMix64 finaliser: a cheap, well-distributed 64-bit mix.
pub(crate) fn mix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a seed and labels (FNV-1a over the bytes, then mixed) into one stable value.
pub(crate) fn hash_parts(seed: u64, parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325 ^ mix64(seed);
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xFF)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01B3);
        }
    }
    mix64(hash)
}

/// A tiny seeded generator (SplitMix64 stream).
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator whose stream depends only on the seed and the labels.
    pub(crate) fn for_parts(seed: u64, parts: &[&str]) -> Self {
        Self::new(hash_parts(seed, parts))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `0..n` (0 when `n` is 0); modulo bias is irrelevant for sample data.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `low..=high`.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = u64::try_from(high - low).unwrap_or(0).saturating_add(1);
        low.saturating_add(i64::try_from(self.below(span)).unwrap_or(0))
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or("")
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(len);
        out
    }

    /// Alphanumeric id shaped like Nango's log operation ids (20 chars).
    pub(crate) fn log_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..20)
            .map(|_| {
                let index = usize::try_from(self.below(ALPHABET.len() as u64)).unwrap_or(0);
                char::from(ALPHABET.get(index).copied().unwrap_or(b'a'))
            })
            .collect()
    }

    /// A UUID v4-shaped string.
    pub(crate) fn uuid(&mut self) -> String {
        let hex = self.hex(32);
        let variant = self.pick(&["8", "9", "a", "b"]);
        format!(
            "{}-{}-4{}-{}{}-{}",
            hex.get(0..8).unwrap_or(""),
            hex.get(8..12).unwrap_or(""),
            hex.get(13..16).unwrap_or(""),
            variant,
            hex.get(17..20).unwrap_or(""),
            hex.get(20..32).unwrap_or("")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_labels_give_same_stream() {
        let mut a = Rng::for_parts(7, &["conn-abc", "Deal"]);
        let mut b = Rng::for_parts(7, &["conn-abc", "Deal"]);
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(hash_parts(7, &["ab", "c"]), hash_parts(7, &["a", "bc"]));
        assert_ne!(hash_parts(7, &["x"]), hash_parts(8, &["x"]));
    }

    #[test]
    fn uuid_is_v4_shaped() {
        let id = Rng::new(1).uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.chars().nth(14), Some('4'));
        assert!(matches!(id.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
    }

    #[test]
    fn range_is_inclusive_and_bounded() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            let v = rng.range(-2, 2);
            assert!((-2..=2).contains(&v));
        }
        assert_eq!(rng.range(5, 5), 5);
    }
}
