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
//! * [`onset`] — when failures began on a host and what changed before;
//! * [`remediation`] — the fix steps per cause, tied to the evidence;
//! * [`missing`] — the logs that would decide a diagnosis;
//! * [`diagnose`] — the diagnosis of every failed connection;
//! * [`report`] — `diagnoses.json` (schema `rdpsleuth.diagnoses/1`);
//! * [`pipeline`] — ingest → timelines → diagnoses for a set of paths;
//! * [`eval`] — accuracy against labelled sample bundles;
//! * [`summary`] — one-line, decoded summaries of events (also the timeline exports' messages).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cause;
pub mod codes;
pub mod diagnose;
pub mod eval;
pub mod evidence;
pub mod missing;
pub mod onset;
pub mod pipeline;
pub mod remediation;
pub mod report;
pub mod rules;
pub mod score;
pub mod summary;

#[cfg(test)]
mod testutil;

pub use cause::Cause;
pub use diagnose::{Diagnoses, Diagnosis, DiagnosisAnnotator, diagnose};
pub use eval::{Evaluation, eval};
pub use pipeline::{Analysed, analyse_paths};
pub use report::{Report, build_report};
