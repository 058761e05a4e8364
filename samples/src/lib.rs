//! rdpsleuth-samples: writes EVTX files the way Windows writes them, so that sample bundles
//! can show what no public log shows (an RDP 0x904/0x7 failure with its Schannel, TermService
//! and CAPI2 evidence).
//!
//! Describe each record with an [`EventRecord`] (every `<System>` value and a [`Payload`]),
//! give them in order to an [`EvtxWriter`] (or [`write_log`]), and get the file bytes back.
//! The output is deterministic: the same records and options always give the same bytes.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rdpsleuth_samples::{EventRecord, NamedValue, Payload, WriteOptions, write_log};
//!
//! let mut record = EventRecord::new(
//!     "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
//!     131,
//!     "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
//!     "HOST",
//!     Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
//!     1,
//! );
//! record.payload = Payload::EventData {
//!     data: vec![NamedValue::new("ConnType", "TCP"), NamedValue::new("ClientIP", "10.0.0.5:50123")],
//!     binary: None,
//! };
//! let log = write_log([&record], &WriteOptions::default()).unwrap();
//! assert_eq!(&log.bytes[..8], b"ElfFile\0");
//! ```
//!
//! On top of the writer, the scenario generator: event shapes ([`defs`]), recipes as data
//! ([`recipe`]: shared flows, per-cause variants, background noise), scenarios ([`scenario`]),
//! and [`generate`], which lays a scenario down as a bundle of logs with its
//! [`expected::Expected`] ground truth.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod archive;
mod binxml;
pub mod bundle;
mod chunk;
pub mod defs;
pub mod digest;
pub mod expected;
pub mod export;
pub mod generate;
mod layout;
pub mod recipe;
mod record;
pub mod rng;
pub mod scale;
pub mod scenario;
pub mod template;
pub mod tree;
mod value;
mod writer;

pub use binxml::EncodeError;
pub use chunk::{CHUNK_SIZE, MAX_RECORD_SIZE};
pub use layout::EVENT_NAMESPACE;
pub use record::{
    Attribute, EVENT_XML_NAMESPACE, Element, EventRecord, NamedValue, Payload, SystemLayout,
    UserDataForm,
};
pub use value::{
    Guid, GuidParseError, Sid, SidParseError, Value, ValueError, filetime, hex_upper, parse_hex,
};
pub use writer::{
    EvtxStreamWriter, EvtxWriter, FILE_FLAG_DIRTY, FILE_HEADER_SIZE, MAX_CHUNKS, RecordError,
    StreamedLog, WriteError, WriteOptions, WrittenLog, write_log,
};
