//! EVTX reader: keeps the catalogued records of a Windows binary event log, rendering only
//! those the catalog can want.
//!
//! Chunks come from the `evtx` crate in record order ([`EvtxParser::chunks`]: oldest chunk
//! first, wrapped logs unrolled, empty chunks skipped) and are read in batches on the rayon
//! pool the reader runs in, results merged in chunk order, so the output is the same whatever the
//! thread count. (The crate's own `serialized_records` pipeline is not used: its closure must be
//! `'static`, so it cannot borrow the caller's catalog, and it blocks the calling thread on a
//! channel while it spawns onto that thread's rayon pool, which stalls when several files are
//! read at once inside one pool.)
//!
//! Relevance is decided before anything is rendered, from the chunk's bytes ([`crate::binxml`]):
//! the record headers, the substitutions of each record's template instance — whose `System`
//! values Windows writes in a fixed layout ([`SYSTEM_LAYOUT`]; index 3 is the event id, 6 the
//! creation time) — and the template definitions, which say whether provider, channel and
//! computer are literals or substitutions and which substitution holds each named `EventData`
//! field or `UserData` leaf (in the template nested in the payload value, where Windows writes
//! it). From those the reader asks the catalog, and for the high-volume entries with a
//! keep-filter (logons, WFP, SCM state changes, key operations) evaluates the filter on the
//! fields it reads ([`crate::catalog::Keep::fields`]) when their values render plainly. A chunk
//! none of whose records is wanted is never parsed by the crate. A wanted record of the plain
//! `EventData` or `UserData` shape is built straight from its substitutions
//! ([`crate::direct`]), as reading its rendering would give it; the crate parses a chunk only
//! when some wanted record has another shape (a nested `UserData` tree, a NULL or array value,
//! …), and renders only those (to XML, read by [`crate::xml::parse_event`], the reader shared
//! with XML exports). Whatever does not have the plain shape Windows writes — another layout, a
//! definition not read here, a value whose rendering is not plain, a chunk failing its CRC or
//! whose record headers do not walk — is rendered and decided on its rendering. Every record
//! read feeds the channel span of its report (its `TimeCreated`; blank 1601 times are left
//! out); failed chunks and records become located errors and the rest is read.

use std::io::{Cursor, Read, Seek};
use std::sync::{Arc, Mutex};

use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxParser, EvtxRecord, ParserSettings};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::binxml::{
    self, FIRST_FILETIME_PAST_9999, Source as ValueSource, Value, kind, renders_as_is,
};
use crate::catalog::{Catalog, EventKind};
use crate::direct;
use crate::event::{Event, FieldValue, Fields, Locator, SourceRef, Timestamp};
use crate::flatten::{SystemSlot, normalise_value};
use crate::input::{ChannelSpan, InputError, InputReport, LostRecords, Source, SourceData};
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
    /// The kind of a substitution: its type, when its size fits the type.
    fn of(value: &Value<'_>) -> ValueKind {
        let size = value.bytes.len();
        match (value.kind, size) {
            (kind::NULL, _) => ValueKind::Null,
            (kind::UINT8, 1) => ValueKind::U8,
            (kind::UINT16, 2) => ValueKind::U16,
            (kind::UINT32, 4) => ValueKind::U32,
            (kind::UINT64, 8) => ValueKind::U64,
            (kind::HEX_INT64, 8) => ValueKind::Hex64,
            (kind::FILETIME, 8) => ValueKind::FileTime,
            (kind::GUID, 16) => ValueKind::Guid,
            (kind::SID, _) => ValueKind::Sid,
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

/// The event id and `TimeCreated` of a record whose template instance has the Windows
/// `System` layout; `None` for any other shape (then the record is rendered).
fn windows_layout(values: &[Value<'_>]) -> Option<(u16, Timestamp)> {
    if values.len() < SYSTEM_LAYOUT.len() {
        return None;
    }
    let fits = SYSTEM_LAYOUT
        .iter()
        .zip(values)
        .all(|((_, kinds), value)| kinds.contains(&ValueKind::of(value)));
    if !fits {
        return None;
    }
    let event_id = values.get(EVENT_ID_SLOT)?.u16()?;
    // A record without a creation time (the blank records of damaged logs) is rendered, to
    // be read as the crate renders it.
    let filetime = values
        .get(TIME_CREATED_SLOT)?
        .filetime()
        .filter(|&t| t < FIRST_FILETIME_PAST_9999)?;
    Some((event_id, Timestamp::from_filetime(filetime)))
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
    /// Records rendered to XML: wanted records whose shape is not built from their values,
    /// and every record of templates that do not have the Windows layout.
    pub rendered: u64,
    /// Wanted records built from their template instance without rendering.
    pub built: u64,
}

/// [`read_with`], also saying how many records were rendered.
pub fn read_counted(
    source: &Source,
    data: SourceData,
    opts: &ReadOptions,
    selection: Selection,
) -> (ReadOutcome, RenderCount) {
    match data {
        SourceData::File(file) => {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            read_input(source, file, size, opts, selection)
        }
        SourceData::Bytes(bytes) => {
            let size = bytes.len() as u64;
            read_input(source, Cursor::new(bytes), size, opts, selection)
        }
    }
}

/// Reads an EVTX input of `size` bytes. Generic over the input, so that a file is read
/// through the standard library's own reader, which fills each chunk's buffer without
/// zeroing it first.
fn read_input<R: Read + Seek>(
    source: &Source,
    input: R,
    size: u64,
    opts: &ReadOptions,
    selection: Selection,
) -> (ReadOutcome, RenderCount) {
    let mut count = RenderCount::default();
    let mut report = InputReport::new(source);
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
            let events = Vec::new();
            return (ReadOutcome { events, report }, count);
        }
    };
    if !parser.header().validate_checksum() {
        report.warn(
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
    let counted = parser.header().chunk_count;
    if size < FILE_HEADER_SIZE + CHUNK_SIZE && counted > 0 {
        report.error(
            InputError::new(format!(
                "the file ends after its header, which counts {counted} chunk(s): a truncated copy, \
                 none of its records could be read"
            ))
            .at_offset(size.min(FILE_HEADER_SIZE)),
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
        templates: TemplateCache::default(),
    };
    let mut spans = SpanSet::default();
    let mut numbered: Vec<Numbered> = Vec::new();
    let mut chunk_events: Vec<Vec<Event>> = Vec::new();
    let mut kept = 0;
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
            count.built += outcome.built;
            report.records += outcome.records;
            report.kept += outcome.events.len() as u64;
            kept += outcome.events.len();
            chunk_events.push(outcome.events);
            for (error, failed) in outcome.problems {
                if failed {
                    report.error(error);
                } else {
                    report.warn(error);
                }
            }
            spans.merge(outcome.spans);
            numbered.extend(outcome.numbers);
        }
    }
    // One allocation of the file's events, each moved once (events are large).
    let mut events = Vec::with_capacity(kept);
    chunk_events
        .into_iter()
        .for_each(|chunk| events.extend(chunk));
    spans.into_report(&mut report);
    // Records numbered but not read belong to the spans around them.
    for lost in lost_runs(numbered) {
        for span in &mut report.channels {
            if span.first <= lost.after && lost.before <= span.last {
                span.lost.push(lost);
            }
        }
    }
    if report.records == 0 && report.failed == 0 && report.errors.is_empty() {
        report.empty_channel = channel_of_file_name(&source.display)
            .filter(|channel| opts.catalog.channel_is_relevant(channel));
    }
    count.records = report.records;
    (ReadOutcome { events, report }, count)
}

/// The channel an exported log's file name gives: `Microsoft-Windows-CAPI2%4Operational.evtx`
/// (and Velociraptor's `%254`) is `Microsoft-Windows-CAPI2/Operational`; `System.evtx` is
/// `System`. The last component of a path or archive member is used.
pub fn channel_of_file_name(display: &str) -> Option<String> {
    let name = crate::input::file_name_of(display);
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    let lower = decoded.to_ascii_lowercase();
    let stem_len = lower.strip_suffix(".evtx")?.len();
    let stem = decoded.get(..stem_len)?.replace("%4", "/");
    let stem = stem.trim();
    (!stem.is_empty()).then(|| stem.to_string())
}

/// The channel and computer a template writes.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Origin {
    channel: String,
    computer: String,
}

/// Channel spans of records read, by origin, before they reach the report.
#[derive(Default)]
struct SpanSet {
    spans: Vec<(Arc<Origin>, Timestamp, Timestamp, u64)>,
}

impl SpanSet {
    /// Adds a record of `origin` at `time` to its span.
    fn saw(&mut self, origin: &Arc<Origin>, time: Timestamp) {
        self.extend(
            &origin.channel,
            time,
            |o| Arc::ptr_eq(o, origin) || **o == **origin,
            || origin.clone(),
        );
    }

    /// [`SpanSet::saw`] for an origin known by its names: allocated only when first seen.
    fn saw_named(&mut self, channel: &str, computer: &str, time: Timestamp) {
        self.extend(
            channel,
            time,
            |o| o.channel == channel && o.computer == computer,
            || {
                Arc::new(Origin {
                    channel: channel.to_string(),
                    computer: computer.to_string(),
                })
            },
        );
    }

    /// Widens the span `is` finds to `time`, or starts one for the origin `new` gives. Records
    /// without a channel or with a blank (1601) time belong to no span.
    fn extend(
        &mut self,
        channel: &str,
        time: Timestamp,
        is: impl Fn(&Arc<Origin>) -> bool,
        new: impl FnOnce() -> Arc<Origin>,
    ) {
        if channel.is_empty() || time == Timestamp::from_filetime(0) {
            return;
        }
        match self.spans.iter_mut().find(|(o, ..)| is(o)) {
            Some((_, first, last, count)) => {
                *first = (*first).min(time);
                *last = (*last).max(time);
                *count += 1;
            }
            None => self.spans.push((new(), time, time, 1)),
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
                lost: Vec::new(),
            });
        }
    }
}

/// What one chunk gave.
#[derive(Default)]
struct ChunkOutcome {
    records: u64,
    rendered: u64,
    built: u64,
    events: Vec<Event>,
    /// Problems in order; `true` when a record or chunk was lost.
    problems: Vec<(InputError, bool)>,
    spans: SpanSet,
    /// The lowest and highest record numbers read, with their times.
    numbers: Option<Numbered>,
}

/// The record numbers a chunk's readable records span: (number, time) of the lowest and the
/// highest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Numbered {
    low: (u64, Timestamp),
    high: (u64, Timestamp),
}

/// Record-number jumps larger than this are taken for damaged numbers, not lost records.
const MAX_LOST_RUN: u64 = 10_000_000;

/// The runs of records the chunks' numbering says exist but no chunk gave: between two chunks
/// whose numbers do not follow on (sorted by number, which also undoes a wrapped log's order).
fn lost_runs(mut chunks: Vec<Numbered>) -> Vec<LostRecords> {
    chunks.sort_by_key(|c| c.low.0);
    chunks
        .windows(2)
        .filter_map(|pair| {
            let [a, b] = pair else { return None };
            let missing = b.low.0.checked_sub(a.high.0)?.checked_sub(1)?;
            (missing > 0 && missing <= MAX_LOST_RUN && a.high.1 <= b.low.1).then_some(LostRecords {
                after: a.high.1,
                before: b.low.1,
                records: missing,
            })
        })
        .collect()
}

impl ChunkOutcome {
    /// Counts a record read and adds it to its channel's span and its number to the chunk's
    /// numbering; a blank (1601) time is noted and left out of both.
    fn count(&mut self, origin: &Arc<Origin>, time: Timestamp, id: u64) {
        self.number(time, id);
        self.spans.saw(origin, time);
    }

    /// [`ChunkOutcome::count`] for a record whose origin is known by its names (a built or
    /// rendered record): no origin is allocated for a channel already seen.
    fn count_named(&mut self, channel: &str, computer: &str, time: Timestamp, id: u64) {
        self.number(time, id);
        self.spans.saw_named(channel, computer, time);
    }

    fn number(&mut self, time: Timestamp, id: u64) {
        self.records += 1;
        if time == Timestamp::from_filetime(0) {
            self.problems.push((
                InputError::new("blank record with a zero (1601) time: left out of the time span")
                    .at_record(id),
                false,
            ));
        } else {
            let n = self.numbers.get_or_insert(Numbered {
                low: (id, time),
                high: (id, time),
            });
            if id < n.low.0 {
                n.low = (id, time);
            }
            if id > n.high.0 {
                n.high = (id, time);
            }
        }
    }
}

/// What the reader decided about one record from the chunk's bytes.
#[derive(Debug)]
enum Decision {
    /// Not wanted: counted under its origin at its time, never rendered.
    Skip(Arc<Origin>, Timestamp),
    /// Rendered, then decided on its rendering.
    Render,
    /// Wanted, and built from its template instance as rendering would read it.
    Built(Box<RawRecord>),
}

/// Where a chunk's templates take their origin from, resolved once per combination.
#[derive(Default)]
struct ScanState {
    /// Template definitions read, by chunk offset (`None`: not readable here).
    definitions: FxHashMap<usize, ReadDefinition>,
    /// Provider, channel and computer met, with their origin and whether some entry takes
    /// every id of the channel.
    origins: Vec<([String; 3], Arc<Origin>, bool)>,
    /// Catalog answers by origin and event id.
    kinds: FxHashMap<(usize, u16), Option<EventKind>>,
    /// Scratch space for template signatures.
    signature: Vec<u8>,
    /// The definition asked for last (records of one template often follow each other).
    last_definition: Option<(usize, ReadDefinition)>,
    /// Keep-filter answers by kind and the raw bytes of the fields it reads ([`raw_keep_key`]):
    /// service state changes, logons of a few kinds and addresses repeat within a chunk.
    raw_keep_memo: Vec<(EventKind, Box<[u8]>, bool)>,
    /// Scratch space for [`raw_keep_key`].
    raw_key: Vec<u8>,
    /// Origins already decoded, by template definition and the raw substitutions that hold
    /// provider, channel and computer (empty for literals): records of one template and
    /// origin skip decoding and comparing their texts.
    origin_memo: Vec<OriginMemo>,
}

/// A decoded origin and what it was decoded from.
struct OriginMemo {
    /// The template definition's chunk offset.
    definition: usize,
    /// Kind and bytes of each of the three substitutions (`None` for literals and absences).
    raw: [Option<(u8, Box<[u8]>)>; 3],
    /// Its index in [`ScanState::origins`].
    index: usize,
}

/// Most memoised keep-filter answers per chunk.
const MAX_KEEP_MEMO: usize = 32;

/// Most memoised origins per chunk (a chunk writes a handful; crafted ones are decoded).
const MAX_ORIGIN_MEMO: usize = 64;

/// The raw substitution behind an origin source, for [`OriginMemo`].
fn origin_raw<'c>(source: &ValueSource, values: &[Value<'c>]) -> Option<(u8, &'c [u8])> {
    match source {
        ValueSource::Slot { index, .. } => values.get(*index).map(|v| (v.kind, v.bytes)),
        _ => None,
    }
}

impl ScanState {
    /// The definition at chunk offset `at`, read once per chunk, and once per log for a
    /// template the log's chunks repeat (found by its [`binxml::signature`]).
    fn definition(
        &mut self,
        chunk: &[u8],
        at: usize,
        templates: &TemplateCache,
    ) -> Option<Arc<binxml::Definition>> {
        if let Some((last, known)) = &self.last_definition {
            if *last == at {
                return known.clone();
            }
        }
        if let Some(known) = self.definitions.get(&at) {
            self.last_definition = Some((at, known.clone()));
            return known.clone();
        }
        let read = match binxml::signature(chunk, at, &mut self.signature) {
            None => None,
            Some(()) => templates.get_or_read(&self.signature, || binxml::definition(chunk, at)),
        };
        self.definitions.insert(at, read.clone());
        self.last_definition = Some((at, read.clone()));
        read
    }
}

/// A template definition as read: `None` when it is not readable here.
type ReadDefinition = Option<Arc<binxml::Definition>>;

/// Template definitions already read in a log, by signature, shared by the chunk workers.
#[derive(Default)]
struct TemplateCache {
    known: Mutex<FxHashMap<Box<[u8]>, ReadDefinition>>,
}

/// Most definitions a log's cache holds (a log writes tens; crafted ones are read per chunk).
const MAX_CACHED_TEMPLATES: usize = 4096;

impl TemplateCache {
    fn get_or_read(
        &self,
        signature: &[u8],
        read: impl FnOnce() -> Option<binxml::Definition>,
    ) -> Option<Arc<binxml::Definition>> {
        if let Some(known) = self.known.lock().ok()?.get(signature) {
            return known.clone();
        }
        let definition = read().map(Arc::new);
        if let Ok(mut known) = self.known.lock() {
            if known.len() < MAX_CACHED_TEMPLATES {
                known.insert(Box::from(signature), definition.clone());
            }
        }
        definition
    }
}

/// The text of a provider, channel or computer: a literal, or a string substitution; `None`
/// when it is something else or does not render as it is (rendering decides those).
fn origin_text(source: &ValueSource, values: &[Value<'_>]) -> Option<String> {
    let text = match source {
        ValueSource::Absent => String::new(),
        ValueSource::Literal(text) => text.clone(),
        ValueSource::Slot { index, .. } => values.get(*index)?.string()?.into_owned(),
        ValueSource::Complex => return None,
    };
    if !renders_as_is(&text) {
        return None;
    }
    Some(text.trim().to_string())
}

/// Writes into `out` where each keep-filter field of `names` comes from, as bytes: a literal's
/// text, a substitution's type and bytes (the positional `Data` list item by item), or nothing.
/// Two records with the same key read the same field values. `None` when a source cannot be
/// told (the fields are then decoded, and decided on, one by one).
fn raw_keep_key(
    fields: &binxml::Fields,
    values: &[Value<'_>],
    names: &[&str],
    out: &mut Vec<u8>,
) -> Option<()> {
    out.clear();
    let source = |source: &ValueSource, out: &mut Vec<u8>| -> Option<()> {
        let (tag, kind, bytes) = match source {
            ValueSource::Absent => (0u8, 0u8, &[][..]),
            ValueSource::Literal(text) => (1, 0, text.as_bytes()),
            ValueSource::Slot { index, .. } => {
                let value = values.get(*index)?;
                (2, value.kind, value.bytes)
            }
            ValueSource::Complex => return None,
        };
        out.extend_from_slice(&[tag, kind]);
        out.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_le_bytes());
        out.extend_from_slice(bytes);
        Some(())
    };
    for &name in names {
        if name == "Data" {
            let items = fields.data_list()?;
            out.extend_from_slice(&u32::try_from(items.len()).ok()?.to_le_bytes());
            for item in items {
                source(item, out)?;
            }
        } else {
            source(fields.source(name), out)?;
        }
    }
    Some(())
}

/// Whether every value lies inside `range` of the chunk (a crafted instance could point its
/// values elsewhere; the crate then decides).
fn inside(values: &[Value<'_>], range: &std::ops::Range<usize>) -> bool {
    values
        .iter()
        .all(|v| v.at >= range.start && v.at.saturating_add(v.bytes.len()) <= range.end)
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
    templates: TemplateCache,
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
        let sound = data.validate_checksum();
        if !sound {
            let mut error = InputError::new(format!(
                "{label} (records {}–{}) fails its CRC32 check; its records were read anyway",
                data.header.first_event_record_id, data.header.last_event_record_id
            ));
            error.offset = offset;
            out.problems.push((error, false));
        }
        let mut decisions = if self.selection == Selection::Catalog && sound {
            self.scan(&data)
        } else {
            None
        };
        let cannot_parse = |e: evtx::err::ChunkError, out: &mut ChunkOutcome| {
            let mut error = InputError::new(format!("{label} cannot be parsed: {}", chain(&e)));
            error.offset = offset;
            out.problems.push((error, true));
        };
        if let Some(decisions) = decisions.take_if(|d| {
            !d.iter()
                .any(|(_, decision)| matches!(decision, Decision::Render))
        }) {
            // Nothing to render: the crate never iterates the chunk. When records were built,
            // it still reads the chunk's string table, so that a chunk it cannot parse loses
            // them as it does when they are rendered.
            if decisions
                .iter()
                .any(|(_, decision)| matches!(decision, Decision::Built(_)))
            {
                if let Err(e) = data.parse(self.settings.clone()) {
                    cannot_parse(e, &mut out);
                    return out;
                }
            }
            for (id, decision) in decisions {
                self.settle(id, decision, &mut out);
            }
            return out;
        }
        let mut chunk = match data.parse(self.settings.clone()) {
            Ok(c) => c,
            Err(e) => {
                cannot_parse(e, &mut out);
                return out;
            }
        };
        let mut decided = decisions.map(|d| d.into_iter().peekable());
        for item in chunk.iter() {
            match item {
                Ok(record) => {
                    let id = record.event_record_id;
                    let decision = decided
                        .as_mut()
                        .and_then(|d| d.next_if(|(next, _)| *next == id))
                        .map(|(_, decision)| decision);
                    match decision {
                        Some(Decision::Render) | None => {
                            let header_time =
                                Timestamp(record.timestamp.as_nanosecond().div_euclid(100) as i64);
                            self.render_and_keep(record, id, header_time, &mut out);
                        }
                        Some(decision) => self.settle(id, decision, &mut out),
                    }
                }
                Err(e) => out.problems.push((locate(&e), true)),
            }
        }
        out
    }

    /// Decides every record of a sound chunk from its bytes; `None` when its record headers
    /// do not walk (the crate then reads and reports it).
    fn scan(&self, data: &EvtxChunkData) -> Option<Vec<(u64, Decision)>> {
        let chunk = data.data.as_slice();
        let records = binxml::records(
            chunk,
            data.header.free_space_offset,
            data.header.last_event_record_id,
        )?;
        let mut state = ScanState::default();
        let mut values = Vec::new();
        let mut payload = Vec::new();
        Some(
            records
                .iter()
                .map(|record| {
                    values.clear();
                    payload.clear();
                    let mut decision = self
                        .decide(chunk, record, &mut state, &mut values, &mut payload)
                        .unwrap_or(Decision::Render);
                    if let Decision::Built(raw) = &mut decision {
                        // A record without a FILETIME TimeCreated has the record header's
                        // time, as a rendered one has it.
                        raw.system
                            .timestamp
                            .get_or_insert(Timestamp::from_filetime(record.filetime));
                    }
                    (record.id, decision)
                })
                .collect(),
        )
    }

    /// Decides one record; `None` when its bytes cannot tell (it is rendered).
    fn decide<'c>(
        &self,
        chunk: &'c [u8],
        record: &binxml::RecordAt,
        state: &mut ScanState,
        values: &mut Vec<Value<'c>>,
        payload: &mut Vec<Value<'c>>,
    ) -> Option<Decision> {
        let read = binxml::instance(chunk, record.binxml.start, values)?;
        let at = read.definition;
        // Content after the instance is rendered too: such a record is never built.
        let ends = read.ends(chunk, &record.binxml);
        if !inside(values, &record.binxml) {
            return None;
        }
        let (event_id, time) = windows_layout(values)?;
        let definition = state.definition(chunk, at, &self.templates)?;
        let is_slot = |source: &ValueSource, slot: usize| matches!(source, ValueSource::Slot { index, .. } if *index == slot);
        if !is_slot(definition.system(SystemSlot::EventId), EVENT_ID_SLOT)
            || !is_slot(definition.system(SystemSlot::Time), TIME_CREATED_SLOT)
        {
            return None;
        }
        let raw = [
            origin_raw(definition.system(SystemSlot::Provider), values),
            origin_raw(definition.system(SystemSlot::Channel), values),
            origin_raw(definition.system(SystemSlot::Computer), values),
        ];
        let memo = state.origin_memo.iter().find(|m| {
            m.definition == at
                && m.raw
                    .iter()
                    .zip(&raw)
                    .all(|(known, now)| match (known, now) {
                        (None, None) => true,
                        (Some((k, b)), Some((kind, bytes))) => k == kind && **b == **bytes,
                        _ => false,
                    })
        });
        let index = match memo {
            Some(memo) => memo.index,
            None => {
                let key = [
                    origin_text(definition.system(SystemSlot::Provider), values)?,
                    origin_text(definition.system(SystemSlot::Channel), values)?,
                    origin_text(definition.system(SystemSlot::Computer), values)?,
                ];
                // A record without a channel is an error once rendered: render it.
                if key[1].is_empty() {
                    return None;
                }
                let index = match state.origins.iter().position(|(k, ..)| *k == key) {
                    Some(index) => index,
                    None => {
                        let origin = Arc::new(Origin {
                            channel: key[1].clone(),
                            computer: key[2].clone(),
                        });
                        let any_id = self.catalog.channel_has_any_id_entries(&key[1]);
                        state.origins.push((key, origin, any_id));
                        state.origins.len() - 1
                    }
                };
                if state.origin_memo.len() < MAX_ORIGIN_MEMO {
                    state.origin_memo.push(OriginMemo {
                        definition: at,
                        raw: raw.map(|r| r.map(|(kind, bytes)| (kind, Box::from(bytes)))),
                        index,
                    });
                }
                index
            }
        };
        let (key, origin, any_id) = state.origins.get(index)?;
        let kind = match state.kinds.get(&(index, event_id)) {
            Some(kind) => *kind,
            None => {
                let kind = (*any_id || self.catalog.may_match_id(u32::from(event_id)))
                    .then(|| self.catalog.lookup(&key[1], &key[0], u32::from(event_id)))
                    .flatten();
                state.kinds.insert((index, event_id), kind);
                kind
            }
        };
        let origin = origin.clone();
        let Some(kind) = kind else {
            return Some(Decision::Skip(origin, time));
        };
        // The fields: in this template's EventData, or in the template of its payload value
        // (an EventData, or the root of a UserData).
        let payload_definition = match (&definition.fields, definition.payload) {
            (None, Some(slot)) => values
                .get(slot)
                .filter(|value| value.kind == kind::BINXML)
                .and_then(|value| {
                    let read = binxml::instance(chunk, value.at, payload)?;
                    let range = value.at..value.at.saturating_add(value.bytes.len());
                    if !inside(payload, &range) || !read.ends(chunk, &range) {
                        return None;
                    }
                    // EventData, or the root inside UserData.
                    let shape = if definition.payload_in_user_data {
                        binxml::Shape::UserDataRoot
                    } else {
                        binxml::Shape::EventData
                    };
                    state
                        .definition(chunk, read.definition, &self.templates)
                        .filter(|d| d.shape == shape)
                }),
            _ => None,
        };
        let event_data: Option<(&binxml::Fields, &[Value<'c>])> =
            match (&definition.fields, &payload_definition) {
                (Some(fields), _) => Some((fields, &*values)),
                (None, Some(nested)) => nested.fields.as_ref().map(|f| (f, &**payload)),
                (None, None) => None,
            };
        // Wanted: built from its values when it has the plain shape, else rendered.
        let wanted = || {
            // An event without a payload is built only when its template has none to give.
            let payload_free = definition.payload.is_none() && definition.fields.is_none();
            if !ends || (event_data.is_none() && !payload_free) {
                return Some(Decision::Render);
            }
            Some(match direct::raw_record(&definition, values, event_data) {
                Some(raw) => Decision::Built(Box::new(raw)),
                None => Decision::Render,
            })
        };
        let names = kind.entry().keep.fields()?;
        if names.is_empty() {
            return wanted();
        }
        let (fields, field_values) = event_data?;
        // The same bytes in the same places read as the same fields: a record whose keep-filter
        // fields repeat an earlier record's of this chunk gets its answer without decoding them.
        let raw_key = raw_keep_key(fields, field_values, names, &mut state.raw_key).is_some();
        if raw_key {
            let known = state
                .raw_keep_memo
                .iter()
                .find(|(k, bytes, _)| *k == kind && **bytes == *state.raw_key);
            if let Some((.., keep)) = known {
                return if *keep {
                    wanted()
                } else {
                    Some(Decision::Skip(origin, time))
                };
            }
        }
        let mut read = Vec::with_capacity(names.len());
        for &name in names {
            if name == "Data" {
                // The positional list of a classic event.
                let items = fields.data_list()?;
                if items.is_empty() {
                    continue;
                }
                let mut list = Vec::with_capacity(items.len());
                for source in items {
                    // An array substitution repeats its element once per item.
                    let texts = match source {
                        ValueSource::Literal(text) => vec![text.clone()],
                        ValueSource::Slot { index, .. } => {
                            let value = field_values.get(*index)?;
                            match value.kind {
                                kind::STRING_ARRAY => value.string_items()?,
                                _ => vec![value.text()?.into_owned()],
                            }
                        }
                        ValueSource::Absent | ValueSource::Complex => return None,
                    };
                    for text in texts {
                        if text.is_empty() || !renders_as_is(&text) {
                            return None;
                        }
                        list.push(normalise_value(&text).into());
                    }
                }
                read.push((name.into(), FieldValue::List(list)));
                continue;
            }
            let text = match fields.source(name) {
                ValueSource::Absent => continue,
                ValueSource::Literal(text) if renders_as_is(text) => text.clone(),
                ValueSource::Literal(_) => return None,
                ValueSource::Slot { index, .. } => field_values.get(*index)?.text()?.into_owned(),
                ValueSource::Complex => return None,
            };
            // Empty values render as empty or absent elements depending on the template:
            // rendering decides.
            if text.is_empty() {
                return None;
            }
            let value = FieldValue::Text(normalise_value(&text).into());
            read.push((name.into(), value));
        }
        let keep = self.catalog.keep(kind, &Fields(read));
        if raw_key && state.raw_keep_memo.len() < MAX_KEEP_MEMO {
            let bytes = Box::from(state.raw_key.as_slice());
            state.raw_keep_memo.push((kind, bytes, keep));
        }
        if keep {
            wanted()
        } else {
            Some(Decision::Skip(origin, time))
        }
    }

    /// Counts a record decided from its bytes, and keeps it when it was built.
    fn settle(&self, id: u64, decision: Decision, out: &mut ChunkOutcome) {
        match decision {
            Decision::Skip(origin, time) => out.count(&origin, time, id),
            Decision::Built(raw) => {
                out.built += 1;
                let header_time = raw.system.timestamp.unwrap_or(Timestamp::from_filetime(0));
                let time = raw_time(&raw, header_time);
                self.count_and_keep(
                    Rendered {
                        raw: *raw,
                        time,
                        id,
                    },
                    out,
                );
            }
            Decision::Render => {}
        }
    }

    /// Counts a rendered record under the origin it names and keeps it when the catalog does.
    fn count_and_keep(&self, rendered: Rendered, out: &mut ChunkOutcome) {
        fn name(v: &Option<String>) -> &str {
            v.as_deref().map_or("", str::trim)
        }
        let system = &rendered.raw.system;
        out.count_named(
            name(&system.channel),
            name(&system.computer),
            rendered.time,
            rendered.id,
        );
        self.keep(rendered.raw, rendered.id, out);
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

/// A rendered record's `TimeCreated`, else its header time.
fn raw_time(raw: &RawRecord, header_time: Timestamp) -> Timestamp {
    raw.system
        .time
        .as_deref()
        .and_then(Timestamp::parse)
        .unwrap_or(header_time)
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

    /// The substitutions Windows writes for a System template, as bytes and values.
    fn windows_values(event_id: u16, bytes: &mut Vec<Vec<u8>>) -> Vec<(u8, usize)> {
        let parts: Vec<(u8, Vec<u8>)> = vec![
            (kind::UINT8, vec![4]),
            (kind::UINT8, vec![0]),
            (kind::UINT16, 0u16.to_le_bytes().to_vec()),
            (kind::UINT16, event_id.to_le_bytes().to_vec()),
            (kind::UINT16, 16384u16.to_le_bytes().to_vec()),
            (
                kind::HEX_INT64,
                0x8080_0000_0000_0000u64.to_le_bytes().to_vec(),
            ),
            (
                kind::FILETIME,
                132_000_000_000_000_000u64.to_le_bytes().to_vec(),
            ),
            (kind::NULL, vec![]),
            (kind::UINT32, 520u32.to_le_bytes().to_vec()),
            (kind::UINT32, 580u32.to_le_bytes().to_vec()),
            (kind::UINT64, 1u64.to_le_bytes().to_vec()),
            (kind::UINT8, vec![0]),
            (kind::NULL, vec![]),
            (kind::NULL, vec![]),
        ];
        parts
            .into_iter()
            .map(|(k, b)| {
                bytes.push(b);
                (k, bytes.len() - 1)
            })
            .collect()
    }

    #[test]
    fn recognises_the_windows_system_layout() {
        let mut bytes = Vec::new();
        let layout = windows_values(7036, &mut bytes);
        let values = |layout: &[(u8, usize)]| -> Vec<Value<'_>> {
            layout
                .iter()
                .map(|&(kind, i)| Value {
                    kind,
                    bytes: &bytes[i],
                    at: 0,
                })
                .collect()
        };
        let (id, time) = windows_layout(&values(&layout)).unwrap();
        assert_eq!(id, 7036);
        assert_eq!(time, Timestamp::from_filetime(132_000_000_000_000_000));
        // Too few values, or a slot of another kind or size: not the layout.
        assert!(windows_layout(&values(&layout[..5])).is_none());
        let mut odd = layout.clone();
        odd[3].0 = kind::UINT32;
        assert!(windows_layout(&values(&odd)).is_none());
        let mut odd = layout.clone();
        odd[0] = (kind::UINT8, odd[2].1);
        assert!(windows_layout(&values(&odd)).is_none());
        // No creation time: rendered to be read as the crate renders it.
        let mut blank = layout.clone();
        blank[TIME_CREATED_SLOT].0 = kind::NULL;
        assert!(windows_layout(&values(&blank)).is_none());
        // A creation time past 9999 renders as another time (or zeros): rendered too.
        for filetime in [
            FIRST_FILETIME_PAST_9999 - 1,
            FIRST_FILETIME_PAST_9999,
            u64::MAX,
        ] {
            let mut late_bytes = bytes.clone();
            late_bytes[layout[TIME_CREATED_SLOT].1] = filetime.to_le_bytes().to_vec();
            let late: Vec<Value<'_>> = layout
                .iter()
                .map(|&(kind, i)| Value {
                    kind,
                    bytes: &late_bytes[i],
                    at: 0,
                })
                .collect();
            let decided = windows_layout(&late);
            if filetime < FIRST_FILETIME_PAST_9999 {
                let (_, time) = decided.unwrap();
                assert_eq!(time.to_rfc3339(), "9999-12-31T23:59:59.9999999Z");
            } else {
                assert!(decided.is_none(), "{filetime}");
            }
        }
    }

    #[test]
    fn origins_are_literals_or_plain_string_slots() {
        let utf16: Vec<u8> = "Security"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let values = [Value {
            kind: kind::STRING,
            bytes: &utf16,
            at: 0,
        }];
        let slot = ValueSource::Slot {
            index: 0,
            optional: false,
        };
        assert_eq!(origin_text(&slot, &values).as_deref(), Some("Security"));
        assert_eq!(
            origin_text(&ValueSource::Literal(" System ".into()), &values).as_deref(),
            Some("System")
        );
        assert_eq!(
            origin_text(&ValueSource::Absent, &values).as_deref(),
            Some("")
        );
        assert_eq!(origin_text(&ValueSource::Complex, &values), None);
        assert_eq!(
            origin_text(&ValueSource::Literal("Sys\u{1}tem".into()), &values),
            None
        );
        // Rendered as `Sys_tem`: decided by rendering.
        for odd in ["Sys\u{fffe}tem", "Sys\u{ffff}tem"] {
            assert_eq!(
                origin_text(&ValueSource::Literal(odd.into()), &values),
                None
            );
            let utf16: Vec<u8> = odd.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let values = [Value {
                kind: kind::STRING,
                bytes: &utf16,
                at: 0,
            }];
            assert_eq!(origin_text(&slot, &values), None);
        }
        let missing = ValueSource::Slot {
            index: 4,
            optional: false,
        };
        assert_eq!(origin_text(&missing, &values), None);
        assert!(inside(&values, &(0..16)));
        assert!(!inside(&values, &(0..15)));
        assert!(!inside(&values, &(1..40)));
    }

    #[test]
    fn raw_keep_keys_tell_values_apart_by_their_bytes() {
        use binxml::{FieldItem, Fields};
        let slot = |index| ValueSource::Slot {
            index,
            optional: false,
        };
        let fields = Fields {
            items: vec![
                (FieldItem::Named("LogonType".into()), slot(0)),
                (FieldItem::Named("IpAddress".into()), slot(1)),
                (
                    FieldItem::Named("Origin".into()),
                    ValueSource::Literal("x".into()),
                ),
            ],
            complete: true,
            root: None,
        };
        let key = |logon: &'static [u8], ip: &'static [u8], names: &[&str]| {
            let values = [
                Value {
                    kind: kind::UINT32,
                    bytes: logon,
                    at: 0,
                },
                Value {
                    kind: kind::STRING,
                    bytes: ip,
                    at: 4,
                },
            ];
            let mut out = Vec::new();
            raw_keep_key(&fields, &values, names, &mut out).map(|()| out)
        };
        let names = ["LogonType", "IpAddress"];
        let a = key(&[10, 0, 0, 0], &[0x31, 0], &names);
        assert!(a.is_some());
        assert_eq!(a, key(&[10, 0, 0, 0], &[0x31, 0], &names));
        assert_ne!(a, key(&[3, 0, 0, 0], &[0x31, 0], &names));
        assert_ne!(a, key(&[10, 0, 0, 0], &[0x32, 0], &names));
        // Bytes moved from one field to the next are another key.
        assert_ne!(
            key(&[10, 0], &[0, 0, 0x31, 0], &names),
            key(&[10, 0, 0, 0], &[0x31, 0], &names)
        );
        // A literal, an absent field, a field that cannot be told.
        assert!(key(&[10, 0, 0, 0], &[], &["Origin", "Missing"]).is_some());
        let open = Fields {
            complete: false,
            ..fields.clone()
        };
        let mut out = Vec::new();
        assert!(raw_keep_key(&open, &[], &["Missing"], &mut out).is_none());
    }

    #[test]
    fn record_numbers_that_jump_between_chunks_are_lost_records() {
        let t = |s: i64| Timestamp(s * Timestamp::TICKS_PER_SECOND);
        let chunk = |low: u64, high: u64, from: i64, to: i64| Numbered {
            low: (low, t(from)),
            high: (high, t(to)),
        };
        // A wrapped log: the oldest chunk sits last in the file; one chunk was cut out.
        let runs = lost_runs(vec![
            chunk(301, 400, 30, 40),
            chunk(101, 200, 10, 20),
            chunk(1, 100, 0, 9),
        ]);
        assert_eq!(
            runs,
            [LostRecords {
                after: t(20),
                before: t(30),
                records: 100
            }]
        );
        // Numbers that follow on lose nothing; damaged numbers (a huge jump, or a time going
        // back) are not taken for lost records.
        assert!(lost_runs(vec![chunk(1, 100, 0, 9), chunk(101, 200, 10, 20)]).is_empty());
        assert!(
            lost_runs(vec![
                chunk(1, 100, 0, 9),
                chunk(MAX_LOST_RUN + 200, MAX_LOST_RUN + 300, 10, 20)
            ])
            .is_empty()
        );
        assert!(lost_runs(vec![chunk(1, 100, 50, 60), chunk(201, 300, 10, 20)]).is_empty());
        assert!(lost_runs(Vec::new()).is_empty());
    }

    #[test]
    fn channels_from_file_names() {
        let cases = [
            (
                "C/Logs/Microsoft-Windows-CAPI2%4Operational.evtx",
                Some("Microsoft-Windows-CAPI2/Operational"),
            ),
            (
                "c.zip!uploads/auto/C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-TerminalServices-RDPClient%254Operational.evtx",
                Some("Microsoft-Windows-TerminalServices-RDPClient/Operational"),
            ),
            ("HOST\\System.EVTX", Some("System")),
            ("HOST/notes.txt", None),
            ("HOST/.evtx", None),
        ];
        for (display, want) in cases {
            assert_eq!(channel_of_file_name(display).as_deref(), want, "{display}");
        }
    }

    #[test]
    fn an_empty_log_names_its_channel_from_the_file_name() {
        // A real file header (from a sample bundle) saying the log holds no chunk.
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../samples/bundles/private_key_keyset/NW-TS01/System.evtx");
        let Ok(bytes) = std::fs::read(&sample) else {
            panic!("sample bundle file {} is there", sample.display());
        };
        let mut header = bytes[..FILE_HEADER_SIZE as usize].to_vec();
        header[8..24].fill(0); // first and last chunk numbers
        header[42..44].fill(0); // chunk count
        let crc = evtx::checksum_ieee(&header[..120]);
        header[124..128].copy_from_slice(&crc.to_le_bytes());
        let opts = ReadOptions::new(Catalog::global());
        let empty =
            |name: &str| read(&source(name), SourceData::Bytes(header.clone()), &opts).report;
        let capi2 = empty("HOST/Microsoft-Windows-CAPI2%4Operational.evtx");
        assert_eq!(capi2.records, 0);
        assert!(capi2.errors.is_empty(), "{:?}", capi2.errors);
        assert_eq!(
            capi2.empty_channel.as_deref(),
            Some("Microsoft-Windows-CAPI2/Operational")
        );
        // A channel the catalog does not want, or a name that gives none, is not reported.
        assert_eq!(
            empty("HOST/Microsoft-Windows-Sysmon%4Operational.evtx").empty_channel,
            None
        );
        assert_eq!(empty("HOST/export.evtx").empty_channel, None);
        // A log with records is not empty.
        let full = read(&source("HOST/System.evtx"), SourceData::Bytes(bytes), &opts).report;
        assert!(full.records > 0);
        assert_eq!(full.empty_channel, None);
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
