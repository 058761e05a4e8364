//! rdpsleuth-timelines: turns the catalogued events of many hosts into one timeline per RDP
//! connection attempt — host identity, client attempts and host connections grouped by their
//! ActivityIDs, linked across machines with estimated clock offsets, with the host-state and
//! network evidence of their time window — and exports the timelines (CSV, JSONL, Parquet).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attach;
pub mod build;
pub mod export;
pub mod group;
pub mod identity;
pub mod link;
pub mod model;
pub mod net;
pub mod outcome;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod testutil;

pub use build::{BuildOptions, ContextScope, build, build_with, gather_context};
pub use model::*;
