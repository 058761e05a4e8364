//! EVTX reader: keeps the catalogued records of a Windows binary event log, rendering only
//! those the catalog can want.
//!
//! Chunks come from the `evtx` crate in record order ([`EvtxParser::chunks`]: oldest chunk
//! first, wrapped logs unrolled, empty chunks skipped) and are parsed in batches on the rayon
//! pool the reader runs in, results merged in chunk order, so the output is the same whatever the
//! thread count. (The crate's own `serialized_records` pipeline is not used: its closure must be
//! `'static`, so it cannot borrow the caller's catalog, and it blocks the calling thread on a
//! channel while it spawns onto that thread's rayon pool, which stalls when several files are
//! read at once inside one pool.)
//!
//! Relevance is decided before rendering. On records Windows writes, the first template
//! instance holds the `System` substitutions in a fixed layout ([`SYSTEM_LAYOUT`]; index 3 is
//! the event id, 6 the creation time), while provider, channel and computer are literals of the
//! template — or, in the Security log, string substitutions of their own. So the reader renders
//! the first record of each template in each chunk and learns where those three come from
//! (a literal, or the one substitution that holds the rendered text); each new combination of
//! them is confirmed by rendering one more record. From then on it reads the event id slot and
//! asks the catalog; only candidates are rendered (to XML, parsed by
//! [`crate::xml::parse_event`], the one normaliser shared with XML exports). Candidates of the
//! high-volume entries with a keep-filter (logons, WFP, SCM state changes, key operations) are
//! first decided from their substitutions — including those of the template nested in the
//! `EventData` value, where Windows writes most payloads: the template's rendered records show
//! which substitution holds each field the filter reads ([`crate::catalog::Keep::fields`]), and
//! only values whose rendering is plain are read that way. Records whose
//! substitutions do not look like that layout, or whose template cannot be read that way, are
//! all rendered. Every record read feeds the channel span of its report (its `TimeCreated`,
//! read from the substitutions; blank 1601 times are left out); failed chunks and records
//! become located errors and the rest is read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::sync::Arc;

use evtx::binxml::BinXmlTemplateValues;
use evtx::binxml::value_variant::BinXmlValue;
use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxParser, EvtxRecord, ParserSettings};
use rayon::prelude::*;

use crate::catalog::{Catalog, EventKind};
use crate::event::{Event, FieldValue, Fields, Locator, SourceRef, Timestamp};
use crate::flatten::normalise_value;
use crate::input::{
    ChannelSpan, InputError, InputReport, MAX_ERRORS_PER_INPUT, Source, SourceData,
};
use crate::reader::{ReadOptions, ReadOutcome};
use crate::record::{Normalised, RawRecord};

/// Size of the EVTX file header.
pub const FILE_HEADER_SIZE: u64 = 4096;
/// Size of an EVTX chunk.
pub const CHUNK_SIZE: u64 = 65536;
/// Chunks parsed per batch and worker thread.
const CHUNKS_PER_THREAD: usize = 4;

/// Which records the reader renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Only the records the catalog can want (the template shortcut). The normal mode.
    Catalog,
    /// Every record, then the catalog: the reference the shortcut is checked against, and the
    /// baseline of the benchmarks.
    Everything,
}

/// A kind of substitution value, as the `System` layout table names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// No value.
    Null,
    /// `UInt8`.
    U8,
    /// `UInt16`.
    U16,
    /// `UInt32`.
    U32,
    /// `UInt64`.
    U64,
    /// `HexInt64`.
    Hex64,
    /// `FileTime`.
    FileTime,
    /// `Guid`.
    Guid,
    /// `Sid`.
    Sid,
    /// Anything else.
    Other,
}

impl ValueKind {
    fn of(value: &BinXmlValue<'_>) -> ValueKind {
        match value {
            BinXmlValue::NullType => ValueKind::Null,
            BinXmlValue::UInt8Type(_) => ValueKind::U8,
            BinXmlValue::UInt16Type(_) => ValueKind::U16,
            BinXmlValue::UInt32Type(_) => ValueKind::U32,
            BinXmlValue::UInt64Type(_) => ValueKind::U64,
            BinXmlValue::HexInt64Type(_) => ValueKind::Hex64,
            BinXmlValue::FileTimeType(_) => ValueKind::FileTime,
            BinXmlValue::GuidType(_) => ValueKind::Guid,
            BinXmlValue::SidType(_) => ValueKind::Sid,
            _ => ValueKind::Other,
        }
    }
}

/// The `System` substitutions Windows writes in a record's first template instance, by index,
/// with the kinds each may hold (`Null` where Windows leaves a value out, as in the all-zero
/// records of damaged logs). Index 3 is the event id.
pub const SYSTEM_LAYOUT: [(&str, &[ValueKind]); 13] = [
    ("Level", &[ValueKind::U8, ValueKind::Null]),
    ("Opcode", &[ValueKind::U8, ValueKind::Null]),
    ("Task", &[ValueKind::U16, ValueKind::Null]),
    ("EventID", &[ValueKind::U16]),
    ("Qualifiers", &[ValueKind::U16, ValueKind::Null]),
    ("Keywords", &[ValueKind::Hex64, ValueKind::Null]),
    ("TimeCreated", &[ValueKind::FileTime, ValueKind::Null]),
    ("ActivityID", &[ValueKind::Guid, ValueKind::Null]),
    ("ProcessID", &[ValueKind::U32, ValueKind::Null]),
    ("ThreadID", &[ValueKind::U32, ValueKind::Null]),
    ("EventRecordID", &[ValueKind::U64, ValueKind::Null]),
    ("Version", &[ValueKind::U8, ValueKind::Null]),
    ("UserID", &[ValueKind::Sid, ValueKind::Null]),
];

/// Index of the event id in [`SYSTEM_LAYOUT`].
const EVENT_ID_SLOT: usize = 3;
/// Index of `TimeCreated` in [`SYSTEM_LAYOUT`].
const TIME_CREATED_SLOT: usize = 6;

/// The template and event id of a record whose first instance has the Windows `System`
/// layout; `None` for any other shape (then the record is rendered).
pub fn windows_layout(instance: &BinXmlTemplateValues<'_>) -> Option<(u32, u16)> {
    if instance.values.len() < SYSTEM_LAYOUT.len() {
        return None;
    }
    let fits = SYSTEM_LAYOUT
        .iter()
        .zip(&instance.values)
        .all(|((_, kinds), value)| kinds.contains(&ValueKind::of(value)));
    match instance.values.get(EVENT_ID_SLOT) {
        Some(BinXmlValue::UInt16Type(id)) if fits => Some((instance.template_def_offset, *id)),
        _ => None,
    }
}

/// Reads an EVTX source, rendering only the records the catalog can want.
pub fn read(source: &Source, data: SourceData, opts: &ReadOptions) -> ReadOutcome {
    read_with(source, data, opts, Selection::Catalog)
}

/// Reads an EVTX source with the given [`Selection`].
pub fn read_with(
    source: &Source,
    data: SourceData,
    opts: &ReadOptions,
    selection: Selection,
) -> ReadOutcome {
    read_counted(source, data, opts, selection).0
}

/// How much rendering a read took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderCount {
    /// Records read.
    pub records: u64,
    /// Records rendered to XML (candidates, one per template and origin per chunk, and every
    /// record of templates that do not have the Windows layout).
    pub rendered: u64,
}

/// [`read_with`], also saying how many records were rendered.
pub fn read_counted(
    source: &Source,
    data: SourceData,
    opts: &ReadOptions,
    selection: Selection,
) -> (ReadOutcome, RenderCount) {
    let mut count = RenderCount::default();
    let mut report = InputReport::new(source);
    let mut events = Vec::new();
    let (input, size) = match data {
        SourceData::File(file) => {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            (EvtxInput::File(file), size)
        }
        SourceData::Bytes(bytes) => {
            let size = bytes.len() as u64;
            (EvtxInput::Memory(Cursor::new(bytes)), size)
        }
    };
    // Compact XML: a third of the indented size, for the same values.
    let settings = ParserSettings::default()
        .validate_checksums(false)
        .indent(false)
        .num_threads(1);
    let mut parser = match EvtxParser::from_read_seek(input) {
        Ok(p) => p.with_configuration(settings.clone()),
        Err(e) => {
            report.error(
                InputError::new(format!("not a readable EVTX file: {}", describe(&e))).at_offset(0),
            );
            return (ReadOutcome { events, report }, count);
        }
    };
    if !parser.header().validate_checksum() {
        note(
            &mut report,
            InputError::new("file header fails its CRC32 check; the chunks were read anyway")
                .at_offset(0),
        );
    }
    if let Some(partial) = size
        .checked_sub(FILE_HEADER_SIZE)
        .map(|rest| rest % CHUNK_SIZE)
        .filter(|p| *p > 0)
    {
        let offset = size - partial;
        report.error(
            InputError::new(format!(
                "the file ends {partial} bytes into chunk {} (a truncated copy?): that chunk was not read",
                (offset - FILE_HEADER_SIZE) / CHUNK_SIZE
            ))
            .at_offset(offset),
        );
    }
    let threads = match opts.evtx_threads {
        0 => rayon::current_num_threads(),
        n => n,
    };
    let reader = ChunkReader {
        catalog: opts.catalog,
        input: source.display.clone(),
        host_hint: source.host_hint.as_deref(),
        selection,
        settings: Arc::new(settings),
    };
    let mut spans = SpanSet::default();
    let mut chunks = parser.chunks();
    loop {
        let batch: Vec<Result<EvtxChunkData, EvtxError>> = chunks
            .by_ref()
            .take(threads.max(1) * CHUNKS_PER_THREAD)
            .collect();
        if batch.is_empty() {
            break;
        }
        let outcomes: Vec<ChunkOutcome> = if threads > 1 && batch.len() > 1 {
            batch
                .into_par_iter()
                .map(|c| reader.read_chunk(c))
                .collect()
        } else {
            batch.into_iter().map(|c| reader.read_chunk(c)).collect()
        };
        for outcome in outcomes {
            count.rendered += outcome.rendered;
            report.records += outcome.records;
            report.kept += outcome.events.len() as u64;
            events.extend(outcome.events);
            for (error, failed) in outcome.problems {
                if failed {
                    report.error(error);
                } else {
                    note(&mut report, error);
                }
            }
            spans.merge(outcome.spans);
        }
    }
    spans.into_report(&mut report);
    count.records = report.records;
    (ReadOutcome { events, report }, count)
}

/// Adds a problem that lost no record (a checksum mismatch): listed, not counted as failed.
fn note(report: &mut InputReport, error: InputError) {
    if report.errors.len() < MAX_ERRORS_PER_INPUT {
        report.errors.push(error);
    }
}

/// The bytes of an EVTX source.
enum EvtxInput {
    File(File),
    Memory(Cursor<Vec<u8>>),
}

impl Read for EvtxInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            EvtxInput::File(f) => f.read(buf),
            EvtxInput::Memory(c) => c.read(buf),
        }
    }
}

impl Seek for EvtxInput {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            EvtxInput::File(f) => f.seek(pos),
            EvtxInput::Memory(c) => c.seek(pos),
        }
    }
}

/// The channel and computer a template writes.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Origin {
    channel: String,
    computer: String,
}

/// What the reader learned about a template in one chunk.
enum Template {
    /// Windows layout whose provider, channel and computer are known or read from its values.
    Trusted(Learned),
    /// Something else: render each of its records.
    Untrusted,
}

/// Where a template takes one of provider, channel and computer from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// A literal of the template definition (the usual case).
    Literal(String),
    /// The string substitution at this index (the Security log's provider and channel).
    Slot(usize),
}

/// One provider / channel / computer combination of a template, seen rendered.
struct Variant {
    /// Provider, channel and computer, as the parts give them.
    key: [String; 3],
    origin: Arc<Origin>,
    provider: String,
    /// The catalog has entries for the channel at all.
    relevant: bool,
    /// Some entry takes every id of the channel, so the id bitset cannot rule records out.
    any_id: bool,
}

struct Learned {
    /// Provider, channel, computer.
    parts: [Part; 3],
    /// Combinations met in this chunk, each confirmed by rendering one of its records.
    variants: Vec<Variant>,
    /// Where the template takes the fields the catalog's keep-filters read from, learned from
    /// its rendered records, per set of nested templates (one outer template carries the
    /// `EventData` of several events in a nested one).
    fields: Vec<(Vec<u32>, FieldSlots)>,
}

/// Where one shape of a template takes each filter field from.
type FieldSlots = Vec<(&'static str, FieldSlot)>;

/// True when the keep-filter of `kind` reads fields, so that deciding it before rendering
/// needs the record's substitutions.
fn filtered(kind: EventKind) -> bool {
    kind.entry()
        .keep
        .fields()
        .is_some_and(|names| !names.is_empty())
}

/// A record's substitution values: those of its first template instance, then those of the
/// template instances nested in its `BinXml` values (where Windows writes the `EventData` of
/// most events), with the nested templates' offsets (they vary between records of one outer
/// template: SCM writes every event id through the same one).
struct Substitutions<'a> {
    nested: Vec<u32>,
    values: Vec<BinXmlValue<'a>>,
}

/// Nested `BinXml` values read per record, at most.
const MAX_NESTED: usize = 4;

impl<'a> Substitutions<'a> {
    /// The substitutions of `record`, whose first instance is `first`; `None` when a nested
    /// value cannot be read that way (the record is then rendered).
    fn of(record: &EvtxRecord<'a>, first: Option<&BinXmlTemplateValues<'a>>) -> Option<Self> {
        let first = first?;
        let data = record.chunk.data;
        let base = data.as_ptr() as usize;
        let mut nested = Vec::new();
        let mut values = first.values.clone();
        for value in &first.values {
            let BinXmlValue::BinXmlType(bytes) = value else {
                continue;
            };
            if nested.len() >= MAX_NESTED {
                return None;
            }
            // The value borrows the chunk's bytes: its place there is where the nested
            // fragment starts.
            let start = (bytes.as_ptr() as usize).checked_sub(base)?;
            if start.checked_add(bytes.len())? > data.len() {
                return None;
            }
            let mut fragment = record.clone();
            fragment.binxml_offset = u64::try_from(start).ok()?;
            fragment.binxml_size = u32::try_from(bytes.len()).ok()?;
            let inner = fragment.template_instances().ok()?.into_iter().next()?;
            nested.push(inner.template_def_offset);
            values.extend(inner.values);
        }
        Some(Substitutions { nested, values })
    }
}

/// Where a template takes one named field from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FieldSlot {
    /// The template has no such field.
    Absent,
    /// One of these substitutions of the first instance holds it (several while the rendered
    /// records have not told them apart).
    Candidates(Vec<usize>),
    /// No single substitution holds it (a literal, a list, text the crate renders otherwise):
    /// its records are rendered to know.
    Opaque,
}

impl FieldSlot {
    /// What a rendered record shows, given what earlier ones showed.
    fn narrow(&self, seen: FieldSlot) -> FieldSlot {
        match (self, seen) {
            (FieldSlot::Absent, FieldSlot::Absent) => FieldSlot::Absent,
            (FieldSlot::Candidates(before), FieldSlot::Candidates(now)) => {
                let both: Vec<usize> = before.iter().copied().filter(|i| now.contains(i)).collect();
                FieldSlot::Candidates(both).settled()
            }
            _ => FieldSlot::Opaque,
        }
    }

    /// No candidate left means no substitution holds the field.
    fn settled(self) -> FieldSlot {
        match self {
            FieldSlot::Candidates(c) if c.is_empty() => FieldSlot::Opaque,
            other => other,
        }
    }
}

impl Learned {
    /// Provider, channel and computer of a record of this template; `None` when a slot does
    /// not hold a string.
    fn key(&self, values: &[BinXmlValue<'_>]) -> Option<[String; 3]> {
        let resolve = |part: &Part| match part {
            Part::Literal(text) => Some(text.clone()),
            Part::Slot(index) => values.get(*index).and_then(string_value),
        };
        Some([
            resolve(&self.parts[0])?,
            resolve(&self.parts[1])?,
            resolve(&self.parts[2])?,
        ])
    }

    /// Learns (or narrows down) where the fields the keep-filter of `kind` reads come from,
    /// from a rendered record of this template and its substitutions.
    fn learn_fields(&mut self, kind: EventKind, raw: &RawRecord, full: &Substitutions<'_>) {
        let Some(names) = kind.entry().keep.fields() else {
            return;
        };
        let values = &full.values;
        let index = match self.fields.iter().position(|(n, _)| *n == full.nested) {
            Some(index) => index,
            None => {
                self.fields.push((full.nested.clone(), Vec::new()));
                self.fields.len() - 1
            }
        };
        let Some((_, slots)) = self.fields.get_mut(index) else {
            return;
        };
        for &name in names {
            let seen = match raw.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v) {
                None => FieldSlot::Absent,
                Some(FieldValue::List(_)) => FieldSlot::Opaque,
                Some(value) => {
                    let text = value.as_text().unwrap_or("");
                    FieldSlot::Candidates(
                        values
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| substitution_text(v).as_deref() == Some(text))
                            .map(|(i, _)| i)
                            .collect(),
                    )
                    .settled()
                }
            };
            match slots.iter_mut().find(|(n, _)| *n == name) {
                Some((_, slot)) => *slot = slot.narrow(seen),
                None => slots.push((name, seen)),
            }
        }
    }

    /// Whether the catalog keeps a record of this template and `kind`, decided from its
    /// substitutions alone; `None` when they cannot tell (a field not learned, opaque, or
    /// candidates that disagree), and the record must be rendered.
    fn pre_decide(
        &self,
        catalog: &Catalog,
        kind: EventKind,
        full: &Substitutions<'_>,
    ) -> Option<bool> {
        let names = kind.entry().keep.fields()?;
        if names.is_empty() {
            return Some(true);
        }
        let values = &full.values;
        let (_, slots) = self.fields.iter().find(|(n, _)| *n == full.nested)?;
        let mut fields = Vec::with_capacity(names.len());
        for &name in names {
            let (_, slot) = slots.iter().find(|(n, _)| *n == name)?;
            let FieldSlot::Candidates(slots) = slot else {
                if *slot == FieldSlot::Absent {
                    continue;
                }
                return None;
            };
            let mut texts = slots
                .iter()
                .map(|&i| values.get(i).and_then(substitution_text));
            let text = texts.next()??;
            for other in texts {
                if other? != text {
                    return None;
                }
            }
            let value = if text.is_empty() {
                FieldValue::Null
            } else {
                FieldValue::Text(text.into())
            };
            fields.push((name.into(), value));
        }
        Some(catalog.keep(kind, &Fields(fields)))
    }
}

/// Longest string substitution [`substitution_text`] renders itself.
const MAX_SUBSTITUTION_CHARS: usize = 4096;

/// The text a substitution value gives a field, as the `evtx` crate renders it and
/// [`crate::xml::parse_event`] reads it back, for the kinds whose rendering is plain: strings
/// without control or replacement characters, integers, hex integers and binary. `None` for
/// any other value (the record is then rendered to know).
fn substitution_text<'v>(value: &BinXmlValue<'v>) -> Option<Cow<'v, str>> {
    let plain = |text: &str| {
        text.chars().count() <= MAX_SUBSTITUTION_CHARS
            && !text
                .chars()
                .any(|c| c < ' ' || matches!(c, '\u{fffd}' | '\u{fffe}' | '\u{ffff}'))
    };
    let normalised = |text: String| match normalise_value(&text) {
        Cow::Borrowed(_) => Cow::Owned(text),
        Cow::Owned(changed) => Cow::Owned(changed),
    };
    Some(match value {
        BinXmlValue::NullType => Cow::Borrowed(""),
        BinXmlValue::StringType(s) => {
            let text = s.to_string().ok().filter(|t| plain(t))?;
            normalised(text)
        }
        BinXmlValue::AnsiStringType(s) if plain(s) => match normalise_value(s) {
            Cow::Borrowed(b) => Cow::Borrowed(b),
            Cow::Owned(o) => Cow::Owned(o),
        },
        BinXmlValue::Int8Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::UInt8Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::Int16Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::UInt16Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::Int32Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::UInt32Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::Int64Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::UInt64Type(v) => Cow::Owned(v.to_string()),
        BinXmlValue::HexInt32Type(v) => Cow::Owned(format!("{v:#x}")),
        BinXmlValue::HexInt64Type(v) => Cow::Owned(format!("{v:#x}")),
        BinXmlValue::BinaryType(bytes) if bytes.len() <= MAX_SUBSTITUTION_CHARS => {
            let mut hex = String::with_capacity(bytes.len() * 2);
            for b in bytes.iter() {
                hex.push_str(&format!("{b:02X}"));
            }
            Cow::Owned(hex)
        }
        _ => return None,
    })
}

/// Per-chunk caches: templates by definition offset, catalog answers by (template, variant, id).
#[derive(Default)]
struct ChunkState {
    templates: HashMap<u32, Template>,
    wanted: HashMap<(u32, usize, u16), Option<EventKind>>,
}

/// Channel spans of records read, by origin, before they reach the report.
#[derive(Default)]
struct SpanSet {
    spans: Vec<(Arc<Origin>, Timestamp, Timestamp, u64)>,
}

impl SpanSet {
    fn saw(&mut self, origin: &Arc<Origin>, time: Timestamp) {
        if origin.channel.is_empty() || time == Timestamp::from_filetime(0) {
            return;
        }
        match self
            .spans
            .iter_mut()
            .find(|(o, ..)| Arc::ptr_eq(o, origin) || **o == **origin)
        {
            Some((_, first, last, count)) => {
                *first = (*first).min(time);
                *last = (*last).max(time);
                *count += 1;
            }
            None => self.spans.push((origin.clone(), time, time, 1)),
        }
    }

    fn merge(&mut self, other: SpanSet) {
        for (origin, first, last, count) in other.spans {
            match self.spans.iter_mut().find(|(o, ..)| **o == *origin) {
                Some((_, f, l, c)) => {
                    *f = (*f).min(first);
                    *l = (*l).max(last);
                    *c += count;
                }
                None => self.spans.push((origin, first, last, count)),
            }
        }
    }

    /// Writes the spans into the report and names its host after the computer with most records.
    fn into_report(self, report: &mut InputReport) {
        let mut by_computer: Vec<(&str, u64)> = Vec::new();
        for (origin, _, _, count) in &self.spans {
            if origin.computer.is_empty() {
                continue;
            }
            match by_computer.iter_mut().find(|(c, _)| *c == origin.computer) {
                Some((_, n)) => *n += count,
                None => by_computer.push((&origin.computer, *count)),
            }
        }
        if let Some((computer, _)) =
            by_computer
                .iter()
                .fold(None::<(&str, u64)>, |best, &(c, n)| match best {
                    Some((_, bn)) if bn >= n => best,
                    _ => Some((c, n)),
                })
        {
            report.host = Some(computer.to_string());
        }
        for (origin, first, last, records) in self.spans {
            report.channels.push(ChannelSpan {
                channel: origin.channel.clone(),
                host: origin.computer.clone(),
                first,
                last,
                records,
            });
        }
    }
}

/// What one chunk gave.
#[derive(Default)]
struct ChunkOutcome {
    records: u64,
    rendered: u64,
    events: Vec<Event>,
    /// Problems in order; `true` when a record or chunk was lost.
    problems: Vec<(InputError, bool)>,
    spans: SpanSet,
}

impl ChunkOutcome {
    /// Counts a record read and adds it to its channel's span; a blank (1601) time is noted
    /// and left out of the span.
    fn count(&mut self, origin: &Arc<Origin>, time: Timestamp, id: u64) {
        self.records += 1;
        if time == Timestamp::from_filetime(0) {
            self.problems.push((
                InputError::new("blank record with a zero (1601) time: left out of the time span")
                    .at_record(id),
                false,
            ));
        }
        self.spans.saw(origin, time);
    }
}

/// What the reader knows of a record before rendering it.
struct Shape<'s, 'v> {
    /// The template's definition offset in the chunk.
    template: u32,
    /// The id slot's value.
    event_id: u16,
    /// The first template instance's values.
    values: &'s [BinXmlValue<'v>],
}

/// A rendered record, its time and record id.
struct Rendered {
    raw: RawRecord,
    time: Timestamp,
    id: u64,
}

/// Reads chunks; shared by the worker threads.
struct ChunkReader<'a> {
    catalog: &'a Catalog,
    input: Arc<str>,
    host_hint: Option<&'a str>,
    selection: Selection,
    settings: Arc<ParserSettings>,
}

impl ChunkReader<'_> {
    fn read_chunk(&self, data: Result<EvtxChunkData, EvtxError>) -> ChunkOutcome {
        let mut out = ChunkOutcome::default();
        let mut data = match data {
            Ok(d) => d,
            Err(e) => {
                out.problems.push((locate(&e), true));
                return out;
            }
        };
        let offset = data
            .number
            .map(|n| FILE_HEADER_SIZE + n.saturating_mul(CHUNK_SIZE));
        let label = data
            .number
            .map(|n| format!("chunk {n}"))
            .unwrap_or_else(|| "a chunk".to_string());
        if !data.validate_checksum() {
            let mut error = InputError::new(format!(
                "{label} (records {}–{}) fails its CRC32 check; its records were read anyway",
                data.header.first_event_record_id, data.header.last_event_record_id
            ));
            error.offset = offset;
            out.problems.push((error, false));
        }
        let mut chunk = match data.parse(self.settings.clone()) {
            Ok(c) => c,
            Err(e) => {
                let mut error = InputError::new(format!("{label} cannot be parsed: {}", chain(&e)));
                error.offset = offset;
                out.problems.push((error, true));
                return out;
            }
        };
        let mut state = ChunkState::default();
        for item in chunk.iter() {
            match item {
                Ok(record) => self.read_record(record, &mut state, &mut out),
                Err(e) => out.problems.push((locate(&e), true)),
            }
        }
        out
    }

    fn read_record(&self, record: EvtxRecord<'_>, state: &mut ChunkState, out: &mut ChunkOutcome) {
        let id = record.event_record_id;
        let header_time = Timestamp(record.timestamp.as_nanosecond().div_euclid(100) as i64);
        if self.selection == Selection::Everything {
            return self.render_and_keep(record, id, header_time, out);
        }
        let instance = record
            .template_instances()
            .ok()
            .and_then(|instances| instances.into_iter().next());
        let Some((template, event_id)) = instance.as_ref().and_then(windows_layout) else {
            return self.render_and_keep(record, id, header_time, out);
        };
        let shape = Shape {
            template,
            event_id,
            values: instance.as_ref().map_or(&[], |i| &i.values),
        };
        let slot_time = instance.as_ref().and_then(created_time);
        let learned = match state.templates.get_mut(&template) {
            Some(Template::Untrusted) => return self.render_and_keep(record, id, header_time, out),
            Some(Template::Trusted(learned)) => learned,
            None => {
                // First record of the template in this chunk: render it and learn.
                let full = Substitutions::of(&record, instance.as_ref());
                let raw = match self.render(record, id, header_time, out) {
                    Ok(raw) => raw,
                    Err(error) => return out.problems.push((error, true)),
                };
                let time = raw_time(&raw, header_time);
                let learned = (slot_time == Some(time))
                    .then(|| learn(&raw, event_id, shape.values))
                    .flatten();
                let rendered = Rendered { raw, time, id };
                let Some(learned) = learned else {
                    state.templates.insert(template, Template::Untrusted);
                    return self.count_and_keep(rendered, out);
                };
                state.templates.insert(template, Template::Trusted(learned));
                return self.learn_variant(state, &shape, full.as_ref(), rendered, out);
            }
        };
        let Some(key) = learned.key(shape.values) else {
            return self.render_and_keep(record, id, header_time, out);
        };
        let Some(variant) = learned.variants.iter().position(|v| v.key == key) else {
            // A new provider / channel / computer: confirm it by rendering.
            let full = Substitutions::of(&record, instance.as_ref());
            let raw = match self.render(record, id, header_time, out) {
                Ok(raw) => raw,
                Err(error) => return out.problems.push((error, true)),
            };
            let time = raw_time(&raw, header_time);
            let rendered = Rendered { raw, time, id };
            return self.learn_variant(state, &shape, full.as_ref(), rendered, out);
        };
        let time = slot_time.unwrap_or(header_time);
        let kind = match state.wanted.get(&(template, variant, event_id)) {
            Some(kind) => *kind,
            None => {
                let kind = self.wants(&learned.variants[variant], event_id);
                state.wanted.insert((template, variant, event_id), kind);
                kind
            }
        };
        let origin = learned.variants[variant].origin.clone();
        let Some(kind) = kind else {
            return out.count(&origin, time, id);
        };
        let full = filtered(kind)
            .then(|| Substitutions::of(&record, instance.as_ref()))
            .flatten();
        if let Some(full) = &full {
            if learned.pre_decide(self.catalog, kind, full) == Some(false) {
                // The keep-filter drops it, as its substitutions show.
                return out.count(&origin, time, id);
            }
        }
        match self.render(record, id, header_time, out) {
            Ok(raw) => {
                if let Some(full) = &full {
                    learned.learn_fields(kind, &raw, full);
                }
                out.count(&origin, time, id);
                self.keep(raw, id, out);
            }
            Err(error) => out.problems.push((error, true)),
        }
    }

    /// Adds the variant a rendered record of a trusted template shows — when the template's
    /// parts, read from this record's values, give what its rendering shows, and the rendered
    /// id is the id slot's; else the template is not what it seemed and all of it is rendered —
    /// then counts the record and keeps it when the catalog does.
    fn learn_variant(
        &self,
        state: &mut ChunkState,
        shape: &Shape<'_, '_>,
        full: Option<&Substitutions<'_>>,
        rendered: Rendered,
        out: &mut ChunkOutcome,
    ) {
        let Some(Template::Trusted(learned)) = state.templates.get_mut(&shape.template) else {
            return self.count_and_keep(rendered, out);
        };
        let origin = origin_of(&rendered.raw);
        let provider = rendered
            .raw
            .system
            .provider
            .as_deref()
            .map(str::trim)
            .unwrap_or("");
        let key = [
            provider.to_string(),
            origin.channel.clone(),
            origin.computer.clone(),
        ];
        let rendered_id = rendered
            .raw
            .system
            .event_id
            .as_deref()
            .and_then(crate::event::parse_u64);
        let agrees = rendered_id == Some(u64::from(shape.event_id))
            && learned.key(shape.values).as_ref() == Some(&key);
        if !agrees {
            state.templates.insert(shape.template, Template::Untrusted);
            return self.count_and_keep(rendered, out);
        }
        let variant = Variant {
            relevant: self.catalog.channel_is_relevant(&origin.channel),
            any_id: self.catalog.channel_has_any_id_entries(&origin.channel),
            provider: provider.to_string(),
            key,
            origin: origin.clone(),
        };
        let kind = self.wants(&variant, shape.event_id);
        learned.variants.push(variant);
        let index = learned.variants.len() - 1;
        state
            .wanted
            .insert((shape.template, index, shape.event_id), kind);
        out.count(&origin, rendered.time, rendered.id);
        if let Some(kind) = kind {
            if let Some(full) = full.filter(|_| filtered(kind)) {
                learned.learn_fields(kind, &rendered.raw, full);
            }
            self.keep(rendered.raw, rendered.id, out);
        }
    }

    /// Counts a rendered record under the origin it names and keeps it when the catalog does.
    fn count_and_keep(&self, rendered: Rendered, out: &mut ChunkOutcome) {
        out.count(&origin_of(&rendered.raw), rendered.time, rendered.id);
        self.keep(rendered.raw, rendered.id, out);
    }

    /// The catalog entry a record of this variant with this id can match, if any.
    fn wants(&self, variant: &Variant, event_id: u16) -> Option<EventKind> {
        if !variant.relevant || !(variant.any_id || self.catalog.may_match_id(u32::from(event_id)))
        {
            return None;
        }
        self.catalog.lookup(
            &variant.origin.channel,
            &variant.provider,
            u32::from(event_id),
        )
    }

    fn render_and_keep(
        &self,
        record: EvtxRecord<'_>,
        id: u64,
        header_time: Timestamp,
        out: &mut ChunkOutcome,
    ) {
        match self.render(record, id, header_time, out) {
            Ok(raw) => {
                let time = raw_time(&raw, header_time);
                self.count_and_keep(Rendered { raw, time, id }, out);
            }
            Err(error) => out.problems.push((error, true)),
        }
    }

    /// Renders a record to XML and reads it back into a raw record.
    fn render(
        &self,
        record: EvtxRecord<'_>,
        id: u64,
        time: Timestamp,
        out: &mut ChunkOutcome,
    ) -> Result<RawRecord, InputError> {
        out.rendered += 1;
        let xml = record.into_xml_bytes().map_err(|e| {
            InputError::new(format!("record cannot be rendered: {}", chain(&e))).at_record(id)
        })?;
        let mut raw = crate::xml::parse_event(&xml.data).map_err(|e| {
            InputError::new(format!("rendered record cannot be read: {e}")).at_record(id)
        })?;
        if raw.system.timestamp.is_none() {
            raw.system.timestamp = Some(time);
        }
        Ok(raw)
    }

    /// Normalises a rendered record and keeps it when the catalog does.
    fn keep(&self, raw: RawRecord, id: u64, out: &mut ChunkOutcome) {
        let source = SourceRef {
            input: self.input.clone(),
            locator: Locator::Record(id),
        };
        match raw.normalise(self.catalog, source, self.host_hint) {
            Ok(Normalised::Event(event)) => out.events.push(*event),
            Ok(Normalised::NotCatalogued) => {}
            Err(problem) => out
                .problems
                .push((InputError::new(problem.to_string()).at_record(id), true)),
        }
    }
}

/// The `TimeCreated` substitution of a Windows-layout instance (a missing one reads as the
/// zero FILETIME, as the crate renders it).
fn created_time(instance: &BinXmlTemplateValues<'_>) -> Option<Timestamp> {
    match instance.values.get(TIME_CREATED_SLOT)? {
        BinXmlValue::FileTimeType(filetime) => Some(Timestamp::from_filetime(filetime.0)),
        BinXmlValue::NullType => Some(Timestamp::from_filetime(0)),
        _ => None,
    }
}

/// A rendered record's `TimeCreated`, else its header time.
fn raw_time(raw: &RawRecord, header_time: Timestamp) -> Timestamp {
    raw.system
        .time
        .as_deref()
        .and_then(Timestamp::parse)
        .unwrap_or(header_time)
}

/// The origin a rendered record names.
fn origin_of(raw: &RawRecord) -> Arc<Origin> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
    Arc::new(Origin {
        channel: text(&raw.system.channel),
        computer: text(&raw.system.computer),
    })
}

/// What a template's first rendered record teaches, when the template can be trusted: the
/// rendered event id is the one in the id slot, and each of provider, channel and computer is
/// either a literal (no string substitution holds its text) or exactly one string substitution
/// (the Security log writes provider and channel that way). Two substitutions holding the same
/// text leave the source unknown: the template is then not trusted.
fn learn(raw: &RawRecord, event_id: u16, values: &[BinXmlValue<'_>]) -> Option<Learned> {
    let rendered_id = raw
        .system
        .event_id
        .as_deref()
        .and_then(crate::event::parse_u64)?;
    if rendered_id != u64::from(event_id) {
        return None;
    }
    let strings: Vec<(usize, String)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| string_value(v).map(|s| (i, s)))
        .collect();
    let part = |text: &str| -> Option<Part> {
        let mut matches = strings
            .iter()
            .filter(|(_, s)| !text.is_empty() && s.trim() == text);
        match (matches.next(), matches.next()) {
            (None, _) => Some(Part::Literal(text.to_string())),
            (Some((index, _)), None) => Some(Part::Slot(*index)),
            (Some(_), Some(_)) => None,
        }
    };
    let origin = origin_of(raw);
    let provider = raw.system.provider.as_deref().map(str::trim).unwrap_or("");
    Some(Learned {
        parts: [
            part(provider)?,
            part(&origin.channel)?,
            part(&origin.computer)?,
        ],
        variants: Vec::new(),
        fields: Vec::new(),
    })
}

/// A string substitution's text.
fn string_value(value: &BinXmlValue<'_>) -> Option<String> {
    match value {
        BinXmlValue::StringType(s) => s.to_string().ok(),
        BinXmlValue::AnsiStringType(s) => Some((*s).to_string()),
        _ => None,
    }
}

/// An error and its causes, in one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// An evtx error's message and causes.
fn describe(error: &EvtxError) -> String {
    chain(error)
}

/// An evtx error as a located input error.
fn locate(error: &EvtxError) -> InputError {
    let located = InputError::new(describe(error));
    match error {
        EvtxError::FailedToParseChunk { chunk_id, .. } => {
            located.at_offset(FILE_HEADER_SIZE + chunk_id.saturating_mul(CHUNK_SIZE))
        }
        EvtxError::FailedToParseRecord { record_id, .. } => located.at_record(*record_id),
        EvtxError::FailedToReadRecordAt {
            chunk: Some(chunk),
            offset,
            ..
        } => located.at_offset(
            FILE_HEADER_SIZE
                .saturating_add(chunk.saturating_mul(CHUNK_SIZE))
                .saturating_add(*offset),
        ),
        _ => located,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Format, Location};
    use std::path::PathBuf;

    fn source(name: &str) -> Source {
        Source {
            display: Arc::from(name),
            location: Location::File(PathBuf::from(name)),
            format: Format::Evtx,
            host_hint: Some("HINT".into()),
            size: 0,
        }
    }

    fn instance(values: Vec<BinXmlValue<'static>>) -> BinXmlTemplateValues<'static> {
        BinXmlTemplateValues {
            template_id: 1,
            template_def_offset: 550,
            template_guid: None,
            values,
        }
    }

    fn windows_values(event_id: u16) -> Vec<BinXmlValue<'static>> {
        vec![
            BinXmlValue::UInt8Type(4),
            BinXmlValue::UInt8Type(0),
            BinXmlValue::UInt16Type(0),
            BinXmlValue::UInt16Type(event_id),
            BinXmlValue::UInt16Type(16384),
            BinXmlValue::HexInt64Type(0x8080_0000_0000_0000),
            BinXmlValue::NullType,
            BinXmlValue::NullType,
            BinXmlValue::UInt32Type(520),
            BinXmlValue::UInt32Type(580),
            BinXmlValue::UInt64Type(1),
            BinXmlValue::UInt8Type(0),
            BinXmlValue::NullType,
            BinXmlValue::NullType,
        ]
    }

    #[test]
    fn recognises_the_windows_system_layout() {
        assert_eq!(
            windows_layout(&instance(windows_values(7036))),
            Some((550, 7036))
        );
        // Too few values, or the id slot holds something else: not the layout.
        assert_eq!(
            windows_layout(&instance(windows_values(1).into_iter().take(5).collect())),
            None
        );
        let mut odd = windows_values(1);
        odd[3] = BinXmlValue::UInt32Type(1);
        assert_eq!(windows_layout(&instance(odd)), None);
        let mut odd = windows_values(1);
        odd[0] = BinXmlValue::UInt64Type(1);
        assert_eq!(windows_layout(&instance(odd)), None);
    }

    fn raw(provider: &str, channel: &str, computer: &str, id: &str) -> RawRecord {
        let mut raw = RawRecord::default();
        raw.system.provider = Some(provider.into());
        raw.system.channel = Some(channel.into());
        raw.system.computer = Some(computer.into());
        raw.system.event_id = Some(id.into());
        raw
    }

    fn text(s: &str) -> BinXmlValue<'static> {
        BinXmlValue::AnsiStringType(Box::leak(s.to_string().into_boxed_str()))
    }

    #[test]
    fn learns_where_a_template_takes_its_origin_from() {
        let r = raw("Service Control Manager", "System", "WIN-1", "7036");
        let literal = learn(&r, 7036, &[text("Windows Event Log")]).unwrap();
        assert_eq!(
            literal.parts,
            [
                Part::Literal("Service Control Manager".into()),
                Part::Literal("System".into()),
                Part::Literal("WIN-1".into())
            ]
        );
        assert_eq!(
            literal.key(&[]).unwrap(),
            ["Service Control Manager", "System", "WIN-1"]
        );
        // The rendered id is not the slot's: the layout is not what it seems.
        assert!(learn(&r, 7035, &[]).is_none());
        // The Security log: provider and channel are substitutions.
        let security = raw(
            "Microsoft-Windows-Security-Auditing",
            "Security",
            "DC1",
            "4624",
        );
        let values = [
            BinXmlValue::NullType,
            text("Microsoft-Windows-Security-Auditing"),
            text("Security"),
        ];
        let learned = learn(&security, 4624, &values).unwrap();
        assert_eq!(
            learned.parts,
            [Part::Slot(1), Part::Slot(2), Part::Literal("DC1".into())]
        );
        let other = [
            BinXmlValue::NullType,
            text("Other-Provider"),
            text("Security"),
        ];
        assert_eq!(
            learned.key(&other).unwrap(),
            ["Other-Provider", "Security", "DC1"]
        );
        assert!(learned.key(&[BinXmlValue::NullType]).is_none());
        // Two substitutions hold the computer's name: its source is unknown.
        assert!(learn(&r, 7036, &[text("WIN-1"), text("WIN-1")]).is_none());
    }

    #[test]
    fn substitutions_render_as_the_crate_renders_them() {
        let t = |v: BinXmlValue<'static>| substitution_text(&v).map(|c| c.into_owned());
        assert_eq!(t(BinXmlValue::NullType).as_deref(), Some(""));
        assert_eq!(t(BinXmlValue::UInt32Type(10)).as_deref(), Some("10"));
        assert_eq!(t(BinXmlValue::Int32Type(-5)).as_deref(), Some("-5"));
        assert_eq!(
            t(BinXmlValue::HexInt32Type(0x8009_0016)).as_deref(),
            Some("0x80090016")
        );
        assert_eq!(t(BinXmlValue::HexInt64Type(0)).as_deref(), Some("0x0"));
        assert_eq!(
            t(BinXmlValue::BinaryType(&[0x57, 0x00, 0x2f, 0xab])).as_deref(),
            Some("57002FAB")
        );
        assert_eq!(t(text("10.0.0.5")).as_deref(), Some("10.0.0.5"));
        // Braced GUIDs are lower-cased as every reader does.
        assert_eq!(
            t(text("{F420C8F6-1234-4A5E-9A35-4E79CAA60000}")).as_deref(),
            Some("{f420c8f6-1234-4a5e-9a35-4e79caa60000}")
        );
        // Control characters, and kinds rendered in other ways: decided after rendering.
        assert_eq!(t(text("a\u{1}b")), None);
        assert_eq!(t(BinXmlValue::GuidType([0; 16])), None);
        assert_eq!(t(BinXmlValue::Real64Type(1.5)), None);
    }

    #[test]
    fn field_slots_narrow_to_the_substitution_that_holds_them() {
        let slot = FieldSlot::Candidates(vec![3, 7, 9]);
        assert_eq!(
            slot.narrow(FieldSlot::Candidates(vec![7, 9, 11])),
            FieldSlot::Candidates(vec![7, 9])
        );
        assert_eq!(
            slot.narrow(FieldSlot::Candidates(vec![1])),
            FieldSlot::Opaque
        );
        assert_eq!(slot.narrow(FieldSlot::Absent), FieldSlot::Opaque);
        assert_eq!(
            FieldSlot::Absent.narrow(FieldSlot::Absent),
            FieldSlot::Absent
        );
        assert_eq!(
            FieldSlot::Opaque.narrow(FieldSlot::Candidates(vec![1])),
            FieldSlot::Opaque
        );
    }

    #[test]
    fn keep_filters_are_decided_from_learned_substitutions() {
        let logon = EventKind::from_key("logon").unwrap();
        let record = |logon_type: &str, ip: &str| {
            let mut raw = raw(
                "Microsoft-Windows-Security-Auditing",
                "Security",
                "DC1",
                "4624",
            );
            raw.fields = vec![
                ("LogonType".into(), FieldValue::Text(logon_type.into())),
                ("IpAddress".into(), FieldValue::Text(ip.into())),
            ];
            raw
        };
        let values = |logon_type: u32, ip: &'static str, port: &'static str| Substitutions {
            nested: vec![700],
            values: vec![
                BinXmlValue::UInt8Type(4),
                BinXmlValue::UInt32Type(logon_type),
                text(ip),
                text(port),
            ],
        };
        let mut learned = learn(&record("5", "-"), 4624, &[]).unwrap();
        let catalog = Catalog::global();
        // Nothing learned yet: the record must be rendered.
        assert_eq!(
            learned.pre_decide(catalog, logon, &values(5, "-", "-")),
            None
        );
        // A local logon whose address and port both read "-": the address is one of two.
        learned.learn_fields(logon, &record("5", "-"), &values(5, "-", "-"));
        assert_eq!(
            learned.pre_decide(catalog, logon, &values(5, "-", "-")),
            Some(false)
        );
        assert_eq!(
            learned.pre_decide(catalog, logon, &values(10, "10.0.0.5", "50123")),
            None
        );
        // A rendered remote logon tells the two apart.
        learned.learn_fields(
            logon,
            &record("10", "10.0.0.5"),
            &values(10, "10.0.0.5", "50123"),
        );
        assert_eq!(
            learned.pre_decide(catalog, logon, &values(10, "10.0.0.6", "50124")),
            Some(true)
        );
        assert_eq!(
            learned.pre_decide(catalog, logon, &values(3, "-", "0")),
            Some(false)
        );
        // Another nested template (another event through the same outer one): not learned.
        let mut other = values(3, "-", "0");
        other.nested = vec![900];
        assert_eq!(learned.pre_decide(catalog, logon, &other), None);
    }

    #[test]
    fn text_named_evtx_is_an_error_not_a_panic() {
        let opts = ReadOptions::new(Catalog::global());
        for bytes in [
            b"just text, not a log\n".to_vec(),
            Vec::new(),
            b"\x30\0\0\0LfLe\x01\0\0\0\x01\0\0\0".to_vec(),
            b"ElfFile\0".to_vec(),
        ] {
            let out = read(&source("x.evtx"), SourceData::Bytes(bytes), &opts);
            assert!(out.events.is_empty());
            assert_eq!(out.report.records, 0);
            assert_eq!(out.report.failed, 1);
            assert!(
                out.report.errors[0]
                    .message
                    .starts_with("not a readable EVTX file")
            );
            assert_eq!(out.report.errors[0].offset, Some(0));
        }
    }

    #[test]
    fn error_chains_and_locations() {
        let e = std::io::Error::other("inner cause");
        assert_eq!(chain(&e), "inner cause");
        let located = locate(&EvtxError::FailedToReadRecordAt {
            chunk: Some(2),
            offset: 0x200,
            source: Box::new(EvtxError::Unimplemented { name: "x".into() }),
        });
        assert_eq!(
            located.offset,
            Some(FILE_HEADER_SIZE + 2 * CHUNK_SIZE + 0x200)
        );
        assert!(located.message.contains("Unimplemented: x"));
    }
}
