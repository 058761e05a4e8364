//! The format-neutral record every reader fills, and its one conversion into an [`Event`].
//!
//! Readers (EVTX, XML export, evtx_dump JSON/JSONL) only extract text: the System values as
//! they appear and the payload flattened by the naming rules of [`Fields`]. (The EVTX reader,
//! building records from their substitutions, hands System numbers over as numbers instead:
//! [`SystemNumbers`].) Everything the
//! exports disagree on — an `EventID` that is a number, a string or carries `Qualifiers`, numbers
//! written as strings, absent System keys, GUID case, padding, empty values, hostile sizes — is
//! settled here, once, so the same record gives the same [`Event`] from every format.

use std::cell::RefCell;
use std::sync::Arc;
use std::thread::LocalKey;

use rustc_hash::FxHashSet;

use crate::catalog::Catalog;
use crate::event::{
    Event, FieldValue, Fields, Guid, MAX_FIELD_BYTES, MAX_FIELDS, Rendering, SourceRef,
    TRUNCATION_MARK, Timestamp, parse_u64,
};

/// The System block of a record, as text (numbers also as [`SystemNumbers`] when the reader
/// has them so). Every value is optional: classic events omit
/// `Version`, `Opcode`, `Correlation` and `Execution` altogether.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawSystem {
    /// `Provider/@Name`.
    pub provider: Option<String>,
    /// `EventID` text (`"131"`), whatever the export's type.
    pub event_id: Option<String>,
    /// `EventID/@Qualifiers`.
    pub qualifiers: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `Level`.
    pub level: Option<String>,
    /// `TimeCreated/@SystemTime`.
    pub time: Option<String>,
    /// The time when the reader already has it as FILETIME-precision ticks (EVTX header).
    pub timestamp: Option<Timestamp>,
    /// `EventRecordID`.
    pub record_id: Option<String>,
    /// `Correlation/@ActivityID`.
    pub activity_id: Option<String>,
    /// `Execution/@ProcessID`.
    pub process_id: Option<String>,
    /// `Execution/@ThreadID`.
    pub thread_id: Option<String>,
    /// `Channel`.
    pub channel: Option<String>,
    /// `Computer`.
    pub computer: Option<String>,
    /// `Security/@UserID`.
    pub user_sid: Option<String>,
    /// Values a reader already has as numbers (EVTX substitutions); each is used instead of
    /// its text.
    pub numbers: SystemNumbers,
}

/// System values as numbers, for readers that have them so (see [`RawSystem::numbers`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemNumbers {
    /// `EventID`.
    pub event_id: Option<u64>,
    /// `EventID/@Qualifiers`.
    pub qualifiers: Option<u64>,
    /// `Version`.
    pub version: Option<u64>,
    /// `Level`.
    pub level: Option<u64>,
    /// `EventRecordID`.
    pub record_id: Option<u64>,
    /// `Correlation/@ActivityID`.
    pub activity_id: Option<Guid>,
    /// `Execution/@ProcessID`.
    pub process_id: Option<u64>,
    /// `Execution/@ThreadID`.
    pub thread_id: Option<u64>,
}

/// A record as a reader extracted it, before normalisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// The System block.
    pub system: RawSystem,
    /// The root element of a `UserData` payload.
    pub user_data_root: Option<String>,
    /// The flattened payload, in document order (see [`Fields`] for the naming rules); names
    /// are shared ([`field_name`]).
    pub fields: Vec<(Arc<str>, FieldValue)>,
    /// `RenderingInfo` of an Event Viewer export.
    pub rendering: Option<Rendering>,
}

/// Why a record could not become an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    /// A System value every event has is absent or unreadable.
    #[error("record has no usable {0}")]
    Missing(&'static str),
    /// A System value is present but malformed.
    #[error("record has an invalid {field}: {value:?}")]
    Invalid {
        /// Which value.
        field: &'static str,
        /// The text found (cut to 80 characters).
        value: String,
    },
}

/// What became of a raw record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Normalised {
    /// A catalogued event.
    Event(Box<Event>),
    /// Valid, but not in the catalog (or dropped by its keep-filter).
    NotCatalogued,
}

impl RawRecord {
    /// Turns the record into an [`Event`] when the catalog wants it.
    ///
    /// `host_hint` names the host for records without a `Computer` (text logs), usually the
    /// bundle folder name.
    pub fn normalise(
        self,
        catalog: &Catalog,
        source: SourceRef,
        host_hint: Option<&str>,
    ) -> Result<Normalised, RecordProblem> {
        let s = self.system;
        let n = s.numbers;
        let event_id = match n.event_id {
            Some(v) => u32::try_from(v).map_err(|_| invalid("EventID", &v.to_string()))?,
            None => {
                let text = s
                    .event_id
                    .as_deref()
                    .ok_or(RecordProblem::Missing("EventID"))?;
                parse_u64(text)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| invalid("EventID", text))?
            }
        };
        let provider = clean(s.provider.as_deref()).unwrap_or("");
        let channel = clean(s.channel.as_deref()).ok_or(RecordProblem::Missing("Channel"))?;
        let Some(kind) = catalog.lookup(channel, provider, event_id) else {
            return Ok(Normalised::NotCatalogued);
        };
        let fields = cap_fields(self.fields);
        if !catalog.keep(kind, &fields) {
            return Ok(Normalised::NotCatalogued);
        }
        let time = match (s.timestamp, s.time.as_deref()) {
            (_, Some(text)) if Timestamp::parse(text).is_some() => Timestamp::parse(text),
            (Some(t), _) => Some(t),
            (None, Some(text)) => return Err(invalid("TimeCreated", text)),
            (None, None) => None,
        }
        .ok_or(RecordProblem::Missing("TimeCreated"))?;
        let record_id = match (n.record_id, s.record_id.as_deref()) {
            (Some(v), _) => v,
            (None, Some(text)) => parse_u64(text).ok_or_else(|| invalid("EventRecordID", text))?,
            (None, None) => 0,
        };
        let host = clean(s.computer.as_deref())
            .or(host_hint)
            .unwrap_or("")
            .to_string();
        let small = |number: Option<u64>, v: Option<&String>| {
            number.or_else(|| v.and_then(|t| parse_u64(t)))
        };
        Ok(Normalised::Event(Box::new(Event {
            time,
            host: intern(&host),
            channel: intern(channel),
            provider: intern(provider),
            event_id,
            qualifiers: small(n.qualifiers, s.qualifiers.as_ref())
                .and_then(|v| u16::try_from(v).ok()),
            version: small(n.version, s.version.as_ref()).and_then(|v| u8::try_from(v).ok()),
            level: small(n.level, s.level.as_ref()).and_then(|v| u8::try_from(v).ok()),
            record_id,
            activity_id: n
                .activity_id
                .or_else(|| {
                    s.activity_id
                        .as_deref()
                        .and_then(|t| t.parse::<Guid>().ok())
                })
                .filter(|g| *g != Guid::NIL),
            process_id: small(n.process_id, s.process_id.as_ref())
                .and_then(|v| u32::try_from(v).ok()),
            thread_id: small(n.thread_id, s.thread_id.as_ref()).and_then(|v| u32::try_from(v).ok()),
            user_sid: clean(s.user_sid.as_deref()).map(Box::from),
            kind,
            user_data_root: self.user_data_root.map(Box::from),
            fields,
            rendering: self.rendering.map(Box::new),
            source,
        })))
    }
}

fn invalid(field: &'static str, value: &str) -> RecordProblem {
    RecordProblem::Invalid {
        field,
        value: value.chars().take(80).collect(),
    }
}

fn clean(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Shares the few distinct host / channel / provider strings between the events read on this
/// thread. The cache is bounded like [`field_name`]'s.
fn intern(s: &str) -> Arc<str> {
    shared(&INTERNED, s)
}

thread_local! {
    static INTERNED: RefCell<FxHashSet<Arc<str>>> = RefCell::new(FxHashSet::default());
    static NAMES: RefCell<FxHashSet<Arc<str>>> = RefCell::new(FxHashSet::default());
}

/// The string from `cache`, added when new (up to [`MAX_SHARED`] strings).
fn shared(cache: &'static LocalKey<RefCell<FxHashSet<Arc<str>>>>, s: &str) -> Arc<str> {
    cache
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(existing) = cache.get(s) {
                return existing.clone();
            }
            let arc: Arc<str> = Arc::from(s);
            if cache.len() < MAX_SHARED {
                cache.insert(arc.clone());
            }
            arc
        })
        .unwrap_or_else(|_| Arc::from(s))
}

/// Strings each thread's caches keep: past it, new strings are allocated as they come, so
/// hostile input with endless distinct names costs only their own memory.
const MAX_SHARED: usize = 8192;

/// A field name, shared with every other field of that name read on this thread: names come
/// from a few hundred templates, so each is allocated once rather than once per event. The
/// cache is bounded (names past it are allocated as they come), so hostile input with endless
/// distinct names costs only their own memory.
pub fn field_name(name: &str) -> Arc<str> {
    shared(&NAMES, name)
}

/// Normalises one value: empty → `Null`, oversize → cut with a mark.
pub fn cap_value(value: FieldValue) -> FieldValue {
    match value {
        FieldValue::Text(t) if t.is_empty() => FieldValue::Null,
        FieldValue::Text(t) => FieldValue::Text(cap_text(t)),
        FieldValue::List(items) => {
            FieldValue::List(items.into_iter().take(MAX_FIELDS).map(cap_text).collect())
        }
        FieldValue::Null => FieldValue::Null,
    }
}

fn cap_text(t: Box<str>) -> Box<str> {
    if t.len() <= MAX_FIELD_BYTES {
        return t;
    }
    let mut end = MAX_FIELD_BYTES;
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}", &t[..end], TRUNCATION_MARK).into_boxed_str()
}

fn cap_fields(fields: Vec<(Arc<str>, FieldValue)>) -> Fields {
    Fields(
        fields
            .into_iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| {
                let k = if k.len() > MAX_NAME_BYTES {
                    let mut end = MAX_NAME_BYTES;
                    while !k.is_char_boundary(end) {
                        end -= 1;
                    }
                    field_name(k.get(..end).unwrap_or(""))
                } else {
                    k
                };
                (k, cap_value(v))
            })
            .collect(),
    )
}

/// Field names are cut to this many bytes.
const MAX_NAME_BYTES: usize = 256;

/// Adds the evtx-crate suffixes to repeated sibling names: the second `Certificate` becomes
/// `Certificate_1`, the third `Certificate_2`. Readers of tree formats (XML) call it per parent.
#[derive(Default, Debug)]
pub struct SiblingNames {
    seen: Vec<(String, usize)>,
}

impl SiblingNames {
    /// The name to use for the next child called `name`.
    pub fn next(&mut self, name: &str) -> String {
        match self.seen.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => {
                let suffixed = format!("{name}_{count}");
                *count += 1;
                suffixed
            }
            None => {
                self.seen.push((name.to_string(), 1));
                name.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Locator;

    fn source() -> SourceRef {
        SourceRef {
            input: Arc::from("test.evtx"),
            locator: Locator::Record(1),
        }
    }

    fn raw(event_id: &str) -> RawRecord {
        RawRecord {
            system: RawSystem {
                provider: Some("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS".into()),
                event_id: Some(event_id.into()),
                time: Some("2020-11-13T11:09:07.0840538Z".into()),
                record_id: Some("12551".into()),
                activity_id: Some("{F4207C37-D7A8-4A5E-9A35-4E79CAA60000}".into()),
                process_id: Some("388".into()),
                channel: Some(
                    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational".into(),
                ),
                computer: Some("MSEDGEWIN10".into()),
                level: Some("4".into()),
                ..Default::default()
            },
            fields: vec![
                ("ConnType".into(), FieldValue::Text("TCP".into())),
                (
                    "ClientIP".into(),
                    FieldValue::Text("10.0.2.16:52202".into()),
                ),
            ],
            ..Default::default()
        }
    }

    fn event(r: RawRecord) -> Event {
        match r.normalise(Catalog::global(), source(), None).unwrap() {
            Normalised::Event(e) => *e,
            Normalised::NotCatalogued => panic!("not catalogued"),
        }
    }

    #[test]
    fn normalises_system_values() {
        let e = event(raw("131"));
        assert_eq!(e.event_id, 131);
        assert_eq!(e.record_id, 12551);
        assert_eq!(
            e.activity_id.unwrap().to_string(),
            "{f4207c37-d7a8-4a5e-9a35-4e79caa60000}"
        );
        assert_eq!(e.process_id, Some(388));
        assert_eq!(e.level, Some(4));
        assert_eq!(e.version, None);
        assert_eq!(&*e.host, "MSEDGEWIN10");
        assert_eq!(e.fields.text("ClientIP"), Some("10.0.2.16:52202"));
        assert_eq!(e.kind.key(), "rdpcorets");
    }

    #[test]
    fn event_id_as_padded_string_and_hex() {
        assert_eq!(event(raw(" 131 ")).event_id, 131);
        assert_eq!(event(raw("0x83")).event_id, 131);
    }

    #[test]
    fn uncatalogued_and_broken_records() {
        let r = raw("9999");
        assert_eq!(
            r.normalise(Catalog::global(), source(), None),
            Ok(Normalised::NotCatalogued)
        );
        let mut r = raw("131");
        r.system.event_id = None;
        assert_eq!(
            r.normalise(Catalog::global(), source(), None),
            Err(RecordProblem::Missing("EventID"))
        );
        let mut r = raw("131");
        r.system.time = Some("yesterday".into());
        assert!(matches!(
            r.normalise(Catalog::global(), source(), None),
            Err(RecordProblem::Invalid {
                field: "TimeCreated",
                ..
            })
        ));
    }

    #[test]
    fn zero_activity_and_1601_time() {
        let mut r = raw("131");
        r.system.activity_id = Some("{00000000-0000-0000-0000-000000000000}".into());
        r.system.time = None;
        r.system.timestamp = Some(Timestamp::from_filetime(0));
        let e = event(r);
        assert_eq!(e.activity_id, None);
        assert_eq!(e.time.to_rfc3339(), "1601-01-01T00:00:00.0000000Z");
    }

    #[test]
    fn hostile_sizes_are_capped() {
        let mut r = raw("131");
        r.fields.push((
            "Huge".into(),
            FieldValue::Text("é".repeat(MAX_FIELD_BYTES).into()),
        ));
        for i in 0..MAX_FIELDS * 2 {
            r.fields
                .push((Arc::from(format!("F{i}")), FieldValue::Text("x".into())));
        }
        let e = event(r);
        assert_eq!(e.fields.len(), MAX_FIELDS);
        let huge = e.fields.text("Huge").unwrap();
        assert!(huge.len() <= MAX_FIELD_BYTES + TRUNCATION_MARK.len());
        assert!(huge.ends_with(TRUNCATION_MARK));
    }

    #[test]
    fn host_hint_for_records_without_computer() {
        let mut r = raw("131");
        r.system.computer = None;
        let e = match r
            .normalise(Catalog::global(), source(), Some("SRV01"))
            .unwrap()
        {
            Normalised::Event(e) => e,
            Normalised::NotCatalogued => panic!(),
        };
        assert_eq!(&*e.host, "SRV01");
    }

    #[test]
    fn sibling_suffixes_match_evtx_json() {
        let mut s = SiblingNames::default();
        assert_eq!(s.next("Certificate"), "Certificate");
        assert_eq!(s.next("Certificate"), "Certificate_1");
        assert_eq!(s.next("Certificate"), "Certificate_2");
        assert_eq!(s.next("Result"), "Result");
    }
}
