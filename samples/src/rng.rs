//! Deterministic randomness for the scenario generator: a SplitMix64 stream per purpose.
//!
//! Streams are forked by label from a seed, never from a stream's current state, so adding
//! a connection or a noise group to a scenario does not change the values drawn for the
//! others: regenerated bundles differ only where the scenario changed.

use crate::value::Guid;

/// A seeded stream of pseudo-random numbers (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng {
    seed: u64,
    state: u64,
}

/// FNV-1a over `bytes`, continuing from `hash`.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl Rng {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { seed, state: seed }
    }

    /// An independent stream named `label`, derived from this stream's seed (not from how
    /// much of it was used).
    pub fn fork(&self, label: &str) -> Rng {
        let hash = fnv1a(
            fnv1a(0xcbf2_9ce4_8422_2325, &self.seed.to_le_bytes()),
            label.as_bytes(),
        );
        let mut mixer = Rng::new(hash);
        Rng::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for sample data, and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// A real number in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform(0.0, 1.0) < p
    }

    /// One of `items`, `None` when there is none.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let len = items.len() as u64;
        items.get(self.below(len) as usize)
    }

    /// `N` random bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    /// A random (version 4 shaped) GUID.
    pub fn guid(&mut self) -> Guid {
        let mut bytes = self.bytes::<16>();
        bytes[7] = (bytes[7] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Guid::from_bytes(bytes)
    }

    /// A GUID shaped like the ActivityIDs the RDP stack uses: random, the last two bytes zero,
    /// optionally starting with `prefix` (the host's `f420…` ActivityIDs).
    pub fn activity_guid(&mut self, prefix: Option<u16>) -> Guid {
        let mut bytes = self.guid().to_bytes();
        if let Some(prefix) = prefix {
            // Data1 is little-endian on the wire: its two high bytes are bytes 3 and 2.
            let [high, low] = prefix.to_be_bytes();
            bytes[3] = high;
            bytes[2] = low;
        }
        bytes[14] = 0;
        bytes[15] = 0;
        Guid::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_forks_independent_of_use() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let drawn: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(drawn, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        let fresh = Rng::new(42).fork("x").next_u64();
        assert_eq!(a.fork("x").next_u64(), fresh);
        assert_ne!(a.fork("y").next_u64(), fresh);
    }

    #[test]
    fn ranges_stay_inside() {
        let mut rng = Rng::new(7);
        for _ in 0..1000 {
            let n = rng.between(3, 9);
            assert!((3..=9).contains(&n));
            let x = rng.uniform(1.5, 2.5);
            assert!((1.5..2.5).contains(&x));
        }
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.below(0), 0);
        assert!(rng.pick::<u8>(&[]).is_none());
    }

    #[test]
    fn activity_guids_have_the_rdp_shape() {
        let mut rng = Rng::new(1);
        let text = rng.activity_guid(Some(0xf420)).to_string().to_lowercase();
        assert!(text.starts_with("{f420"), "{text}");
        assert!(text.ends_with("0000}"), "{text}");
    }
}
