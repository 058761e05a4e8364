//! What the fuzz targets share: in-memory sources, the invariants every reader's outcome must
//! keep whatever its input ([`invariants`]), re-encodings of text inputs that must read the
//! same ([`encoding`]), the structure-aware EVTX mutator ([`evtx_shape`]) and the zip builder
//! ([`archive`]).
#![forbid(unsafe_code)]

pub mod archive;
pub mod encoding;
pub mod evtx_shape;
pub mod invariants;

use std::path::PathBuf;
use std::sync::Arc;

use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::{Format, Source};

/// The display name of every in-memory source.
pub const MEMORY_DISPLAY: &str = "fuzz-input";

/// The host hint of in-memory sources (as a collection folder would give it).
pub const MEMORY_HOST: &str = "FUZZHOST";

/// A source whose bytes are handed to the reader in memory, as archive members are.
pub fn memory_source(format: Format, size: usize) -> Source {
    Source {
        display: Arc::from(MEMORY_DISPLAY),
        location: Location::File(PathBuf::from(MEMORY_DISPLAY)),
        format,
        host_hint: Some(MEMORY_HOST.to_string()),
        size: size as u64,
    }
}

/// A small deterministic generator (splitmix64) for the mutators and builders.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// A 64-bit FNV-1a hash of the input: picks per-input choices (an encoding, an offset) that a
/// reproduction of the input makes again.
pub fn input_hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
