//! rdpsleuth-parser: finds the Windows event logs in what a responder brings (files, folders,
//! KAPE / Velociraptor zips), reads every supported export format in parallel, and keeps only
//! the catalogued events, normalised into [`Event`]s with located errors and per-input counts.
//!
//! Layout:
//! * [`event`] — the normalised [`Event`] and its value types;
//! * [`catalog`] — the table of events that matter;
//! * [`record`] — the format-neutral record and its single normalisation into an `Event`;
//! * [`input`] — sources, format recognition and per-input reports;
//! * [`discover`] — walking paths, folders and archives into sources;
//! * [`evtx`], [`xml`], [`json`], [`firewall_log`] — the readers;
//! * [`ingest`] — reading all sources in parallel; [`coverage`] — what each host's logs cover;
//! * [`pool`] — the worker pool a stage runs on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod binxml;
pub mod catalog;
pub mod coverage;
mod direct;
pub mod discover;
pub mod event;
pub mod evtx;
pub mod firewall_log;
mod flatten;
pub mod ingest;
pub mod input;
pub mod json;
pub mod pool;
pub mod reader;
pub mod record;
mod text;
pub mod xml;

pub use catalog::{Area, Catalog, EventKind, Side};
pub use event::{Event, FieldValue, Fields, Guid, Locator, SourceRef, Timestamp};
pub use input::{Format, InputError, InputReport, LostRecords, Source, SourceData};
