//! rdpsleuth-analyzers: turns correlated RDP connection timelines into diagnoses — the most
//! likely cause of each failure, with the evidence for and against it and the fix.
//!
//! Layout:
//! * [`cause`] — the fixed vocabulary of failure causes (the ids of `diagnoses.json`);
//! * [`codes`] — decoders for the numeric codes in the events (disconnect reasons, TLS alerts,
//!   HRESULT / NTSTATUS / Win32 errors, CAPI2 trust bits, `%%` references, classic `Binary`
//!   blobs) and the free-text [`codes::explain()`] behind `rdpsleuth explain`;
//! * [`rules`] — the evidence rules, one static table;
//! * [`evidence`] — evaluating the rules on a connection into findings;
//! * [`score`] — combining findings into a ranked cause with a confidence;
//! * [`summary`] — one-line, decoded summaries of events.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cause;
pub mod codes;
pub mod evidence;
pub mod rules;
pub mod score;
pub mod summary;

#[cfg(test)]
mod testutil;

pub use cause::Cause;
