//! XML renderings of event records: Event Viewer "Save All Events As… XML", `wevtutil qe /f:xml`,
//! `evtx_dump -o xml`, and the records the EVTX reader renders itself.
//!
//! [`parse_event`] turns one `<Event>` element into a [`RawRecord`] without building a DOM: a
//! quick-xml pull parser over the record's bytes fills the `System` values from
//! [`crate::flatten::SYSTEM_VALUES`] and flattens the payload with the shared
//! [`Flattener`], resolving `EventData` the way the `evtx` crate's JSON does (named `Data` as
//! fields, unnamed `Data` as one list, `Binary` and other children as elements). Entities are
//! never expanded: only the five predefined ones and character references are resolved, any
//! other is an error for that record.
//!
//! [`read`] streams a whole export (an `<Events>` wrapper or a bare sequence of `<Event>`
//! elements, with `<?xml …?>` declarations, `Record N` lines or comments between them, in
//! UTF-8 or UTF-16): a byte-level [`Splitter`] cuts out one `<Event>` element at a time, so a
//! multi-gigabyte export is never held in memory, a damaged record costs only itself, and a
//! truncated one is reported where it starts.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as XmlEvent};

use std::io::{self, BufRead};

use crate::event::{FieldValue, Rendering, parse_u64};
use crate::flatten::{Flattener, MAX_PAYLOAD_DEPTH, normalise_value, system_has_text, system_slot};
use crate::input::{Source, SourceData};
use crate::reader::{ReadOptions, ReadOutcome};
use crate::record::{RawRecord, RawSystem, SiblingNames, field_name};
use crate::text::{
    Collector, DecodedText, MAX_RECORD_BYTES, Place, decode, input_offset, utf8_lossy,
};

/// Deepest element nesting accepted in a record, counting `<Event>` itself.
pub const MAX_XML_DEPTH: usize = MAX_PAYLOAD_DEPTH + 4;

/// Why one XML record could not be read. Offsets count bytes from the start of the record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {offset} of the record")]
    InvalidUtf8 {
        /// First invalid byte.
        offset: u64,
    },
    /// quick-xml refused the markup.
    #[error("XML error at byte {offset} of the record: {message}")]
    Syntax {
        /// Where the parser stopped.
        offset: u64,
        /// The parser's message.
        message: String,
    },
    /// No `<Event>` element at all.
    #[error("no <Event> element in the record")]
    NoEvent,
    /// The first element is not `<Event>`.
    #[error("expected an <Event> element, found <{found}> at byte {offset}")]
    NotAnEvent {
        /// The element found.
        found: String,
        /// Where.
        offset: u64,
    },
    /// An entity other than the five predefined ones (entities are never expanded).
    #[error("unknown or invalid entity &{name}; at byte {offset} (entities are not expanded)")]
    UnknownEntity {
        /// The entity's name (cut to 40 characters).
        name: String,
        /// Where.
        offset: u64,
    },
    /// Elements nested deeper than [`MAX_XML_DEPTH`].
    #[error("elements nested deeper than {max} levels at byte {offset}")]
    TooDeep {
        /// The cap.
        max: usize,
        /// Where.
        offset: u64,
    },
    /// The record stops before its `</Event>`.
    #[error("the record ends before </Event> (byte {offset})")]
    Truncated {
        /// Where the input ended.
        offset: u64,
    },
}

/// Parses one `<Event>` element (optionally preceded by an XML declaration, comments or
/// whitespace) into a [`RawRecord`]. Content after `</Event>` is ignored.
pub fn parse_event(xml: &[u8]) -> Result<RawRecord, XmlError> {
    let text = std::str::from_utf8(xml).map_err(|e| XmlError::InvalidUtf8 {
        offset: e.valid_up_to() as u64,
    })?;
    parse_event_str(text)
}

/// [`parse_event`] on text already known to be UTF-8.
pub fn parse_event_str(text: &str) -> Result<RawRecord, XmlError> {
    let mut p = Pull::new(text);
    loop {
        match p.next()? {
            XmlEvent::Start(e) => {
                if local(&e) == "Event" {
                    break;
                }
                return Err(XmlError::NotAnEvent {
                    found: cut(e.name().as_ref(), 40),
                    offset: p.pos(),
                });
            }
            XmlEvent::Empty(e) => {
                if local(&e) == "Event" {
                    return Err(XmlError::NoEvent);
                }
                return Err(XmlError::NotAnEvent {
                    found: cut(e.name().as_ref(), 40),
                    offset: p.pos(),
                });
            }
            XmlEvent::Eof => return Err(XmlError::NoEvent),
            XmlEvent::GeneralRef(r) => {
                resolve_entity(&r, p.pos())?;
            }
            _ => {}
        }
    }
    let mut record = RawRecord::default();
    loop {
        match p.next()? {
            XmlEvent::Start(e) => match local(&e) {
                "System" => p.system(&mut record.system)?,
                "EventData" => p.event_data(&mut record.fields)?,
                "UserData" => p.user_data(&mut record)?,
                "RenderingInfo" => record.rendering = Some(p.rendering()?),
                _ => p.skip()?,
            },
            XmlEvent::End(_) => return Ok(record),
            XmlEvent::Eof => return Err(XmlError::Truncated { offset: p.pos() }),
            XmlEvent::GeneralRef(r) => {
                resolve_entity(&r, p.pos())?;
            }
            _ => {}
        }
    }
}

fn local<'e>(e: &'e BytesStart<'_>) -> &'e str {
    e.local_name().into_inner()
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Resolves a reference: the five predefined entities and character references.
fn entity_char(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

fn resolve_entity(name: &str, offset: u64) -> Result<char, XmlError> {
    entity_char(name).ok_or_else(|| XmlError::UnknownEntity {
        name: cut(name, 40),
        offset,
    })
}

/// Replaces the references in an attribute's raw value.
fn unescape(raw: &str, offset: u64) -> Result<Cow<'_, str>, XmlError> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Err(XmlError::UnknownEntity {
                name: cut(after, 40),
                offset,
            });
        };
        out.push(resolve_entity(&after[..semi], offset)?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// One item of an `EventData` block, kept until the block ends (whether the named or the
/// positional form applies depends on all its `Data` children).
enum DataItem {
    /// A `Data` with a non-empty `Name`.
    Named { name: String, value: NamedValue },
    /// A `Data` without a name: its text.
    Positional(String),
    /// Any other child (`Binary`, …), flattened.
    Other(Vec<(Arc<str>, FieldValue)>),
}

/// The value of a named `Data`.
enum NamedValue {
    /// Text (or nothing): the common case, read without the flattener.
    Simple(FieldValue),
    /// Child elements: the flattened fields, the first ones named after the `Data`.
    Tree(Vec<(Arc<str>, FieldValue)>),
}

/// A leaf's text as a field value: `Null` when empty.
fn leaf_value(text: &str) -> FieldValue {
    if text.is_empty() {
        FieldValue::Null
    } else {
        FieldValue::Text(normalise_value(text).into())
    }
}

/// The pull parser over one record, with the element depth it has reached.
struct Pull<'a> {
    reader: Reader<&'a [u8]>,
    depth: usize,
}

impl<'a> Pull<'a> {
    fn new(text: &'a str) -> Self {
        Pull {
            reader: Reader::from_str(text),
            depth: 0,
        }
    }

    fn pos(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The next event, tracking depth.
    fn next(&mut self) -> Result<XmlEvent<'a>, XmlError> {
        let event = self.reader.read_event().map_err(|e| XmlError::Syntax {
            offset: self.reader.error_position(),
            message: e.to_string(),
        })?;
        match &event {
            XmlEvent::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_XML_DEPTH {
                    return Err(XmlError::TooDeep {
                        max: MAX_XML_DEPTH,
                        offset: self.pos(),
                    });
                }
            }
            XmlEvent::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(event)
    }

    /// Skips the rest of the element just started (checking its references).
    fn skip(&mut self) -> Result<(), XmlError> {
        let level = self.depth;
        loop {
            match self.next()? {
                XmlEvent::End(_) if self.depth < level => return Ok(()),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                }
                _ => {}
            }
        }
    }

    /// The text of the element just started; nested elements are skipped.
    fn text(&mut self) -> Result<String, XmlError> {
        let level = self.depth;
        let mut text = String::new();
        loop {
            match self.next()? {
                XmlEvent::Text(t) if self.depth == level => text.push_str(&t),
                XmlEvent::CData(t) if self.depth == level => text.push_str(&t),
                XmlEvent::GeneralRef(r) => {
                    let c = resolve_entity(&r, self.pos())?;
                    if self.depth == level {
                        text.push(c);
                    }
                }
                XmlEvent::End(_) if self.depth < level => return Ok(text),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                _ => {}
            }
        }
    }

    fn system(&mut self, system: &mut RawSystem) -> Result<(), XmlError> {
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => return Ok(()),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            let name = local(&element);
            for attr in element.attributes() {
                let attr = attr.map_err(|e| XmlError::Syntax {
                    offset: self.pos(),
                    message: e.to_string(),
                })?;
                let key = attr.key.local_name().into_inner();
                if let Some(slot) = system_slot(name, Some(key)) {
                    let value = unescape(&attr.value, self.pos())?;
                    if !value.is_empty() {
                        *slot.of(system) = Some(value.into_owned());
                    }
                }
            }
            if started {
                if system_has_text(name) {
                    let slot = system_slot(name, None);
                    let text = self.text()?;
                    if let Some(slot) = slot.filter(|_| !text.is_empty()) {
                        *slot.of(system) = Some(text);
                    }
                } else {
                    self.skip()?;
                }
            }
        }
    }

    fn rendering(&mut self) -> Result<Rendering, XmlError> {
        let mut rendering = Rendering::default();
        loop {
            match self.next()? {
                XmlEvent::Start(e) => {
                    let target = match local(&e) {
                        "Message" => &mut rendering.message,
                        "Level" => &mut rendering.level,
                        "Task" => &mut rendering.task,
                        _ => {
                            self.skip()?;
                            continue;
                        }
                    };
                    let text = self.text()?;
                    if !text.is_empty() {
                        *target = Some(text.into_boxed_str());
                    }
                }
                XmlEvent::End(_) => return Ok(rendering),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                }
                _ => {}
            }
        }
    }

    /// Feeds the attributes of an element to the flattener.
    fn attributes(&self, e: &BytesStart<'_>, f: &mut Flattener<'_>) -> Result<(), XmlError> {
        for attr in e.attributes() {
            let attr = attr.map_err(|err| XmlError::Syntax {
                offset: self.pos(),
                message: err.to_string(),
            })?;
            let value = unescape(&attr.value, self.pos())?;
            f.attribute(attr.key.as_ref(), &value);
        }
        Ok(())
    }

    /// Flattens the content of the element just started and opened in `f`, up to its end.
    fn content(&mut self, f: &mut Flattener<'_>) -> Result<(), XmlError> {
        let level = self.depth;
        self.content_from(f, level)
    }

    /// Flattens content up to the end of the element at depth `level` (open in `f`).
    fn content_from(&mut self, f: &mut Flattener<'_>, level: usize) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                XmlEvent::Start(e) => {
                    f.open(e.name().as_ref(), false);
                    self.attributes(&e, f)?;
                }
                XmlEvent::Empty(e) => {
                    f.open(e.name().as_ref(), false);
                    self.attributes(&e, f)?;
                    f.close();
                }
                XmlEvent::Text(t) => f.text(&t),
                XmlEvent::CData(t) => f.text(&t),
                XmlEvent::GeneralRef(r) => {
                    let c = resolve_entity(&r, self.pos())?;
                    let mut buf = [0u8; 4];
                    f.text(c.encode_utf8(&mut buf));
                }
                XmlEvent::End(_) => {
                    f.close();
                    if self.depth < level {
                        return Ok(());
                    }
                }
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                _ => {}
            }
        }
    }

    fn user_data(&mut self, record: &mut RawRecord) -> Result<(), XmlError> {
        let mut f = Flattener::new(&mut record.fields);
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => {
                    f.finish();
                    return Ok(());
                }
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            if record.user_data_root.is_none() {
                record.user_data_root = Some(element.name().as_ref().to_string());
                f.open_root(element.name().as_ref());
            } else {
                f.open(element.name().as_ref(), false);
            }
            self.attributes(&element, &mut f)?;
            if started {
                self.content(&mut f)?;
            } else {
                f.close();
            }
        }
    }

    /// The value of the named `Data` just started: its text, or its flattened children.
    fn named_data(&mut self, name: &str) -> Result<NamedValue, XmlError> {
        let level = self.depth;
        let mut text = String::new();
        loop {
            let (child, started) = match self.next()? {
                XmlEvent::Text(t) => {
                    text.push_str(&t);
                    continue;
                }
                XmlEvent::CData(t) => {
                    text.push_str(&t);
                    continue;
                }
                XmlEvent::GeneralRef(r) => {
                    text.push(resolve_entity(&r, self.pos())?);
                    continue;
                }
                XmlEvent::End(_) => return Ok(NamedValue::Simple(leaf_value(&text))),
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                _ => continue,
            };
            // Structured content: flatten it under the Data's name.
            let mut fields = Vec::new();
            let mut f = Flattener::new(&mut fields);
            f.open(name, true);
            f.text(&text);
            f.open(child.name().as_ref(), false);
            self.attributes(&child, &mut f)?;
            if !started {
                f.close();
            }
            self.content_from(&mut f, level)?;
            f.finish();
            return Ok(NamedValue::Tree(fields));
        }
    }

    fn event_data(&mut self, fields: &mut Vec<(Arc<str>, FieldValue)>) -> Result<(), XmlError> {
        let mut items = Vec::new();
        let mut other_names = SiblingNames::default();
        loop {
            let (element, started) = match self.next()? {
                XmlEvent::Start(e) => (e, true),
                XmlEvent::Empty(e) => (e, false),
                XmlEvent::End(_) => break,
                XmlEvent::Eof => return Err(XmlError::Truncated { offset: self.pos() }),
                XmlEvent::GeneralRef(r) => {
                    resolve_entity(&r, self.pos())?;
                    continue;
                }
                _ => continue,
            };
            if local(&element) == "Data" {
                let mut name = None;
                for attr in element.attributes() {
                    let attr = attr.map_err(|e| XmlError::Syntax {
                        offset: self.pos(),
                        message: e.to_string(),
                    })?;
                    if attr.key.as_ref() == "Name" {
                        name = Some(unescape(&attr.value, self.pos())?.into_owned());
                    }
                }
                match name.filter(|n| !n.is_empty()) {
                    Some(name) => {
                        let value = if started {
                            self.named_data(&name)?
                        } else {
                            NamedValue::Simple(FieldValue::Null)
                        };
                        items.push(DataItem::Named { name, value });
                    }
                    None => {
                        let text = if started { self.text()? } else { String::new() };
                        items.push(DataItem::Positional(text));
                    }
                }
            } else {
                let name = other_names.next(element.name().as_ref());
                let mut other = Vec::new();
                let mut f = Flattener::new(&mut other);
                f.open(&name, true);
                self.attributes(&element, &mut f)?;
                if started {
                    self.content(&mut f)?;
                } else {
                    f.close();
                }
                f.finish();
                items.push(DataItem::Other(other));
            }
        }
        resolve_event_data(items, fields);
        Ok(())
    }
}

/// Lays out an `EventData` block as the `evtx` crate's JSON does: when any `Data` is named, the
/// named ones become fields (a run of equal names one list; a later repeat gets `_N`) and
/// unnamed ones are dropped; otherwise all `Data` values form one `Data` list at the place of
/// the first. Other children keep their place.
fn resolve_event_data(items: Vec<DataItem>, fields: &mut Vec<(Arc<str>, FieldValue)>) {
    let named_form = items.iter().any(|i| matches!(i, DataItem::Named { .. }));
    let mut positional: Option<Vec<Box<str>>> = None;
    if !named_form {
        positional = Some(
            items
                .iter()
                .filter_map(|i| match i {
                    DataItem::Positional(t) => Some(Box::from(normalise_value(t).as_ref())),
                    _ => None,
                })
                .collect(),
        );
    }
    let mut data_names = SiblingNames::default();
    let mut items = items.into_iter().peekable();
    while let Some(item) = items.next() {
        match item {
            DataItem::Other(mut other) => fields.append(&mut other),
            DataItem::Positional(_) => {
                if let Some(list) = positional.take() {
                    fields.push((field_name("Data"), FieldValue::List(list)));
                }
            }
            DataItem::Named { name, value } => {
                let key = data_names.next(&name);
                match value {
                    NamedValue::Simple(first) => {
                        let mut run = Vec::new();
                        while let Some(DataItem::Named {
                            name: next_name,
                            value: NamedValue::Simple(_),
                        }) = items.peek()
                        {
                            if *next_name != name {
                                break;
                            }
                            if let Some(DataItem::Named {
                                value: NamedValue::Simple(v),
                                ..
                            }) = items.next()
                            {
                                run.push(v);
                            }
                        }
                        if run.is_empty() {
                            fields.push((field_name(&key), first));
                        } else {
                            let list = std::iter::once(first)
                                .chain(run)
                                .map(|v| Box::from(v.as_text().unwrap_or("")))
                                .collect();
                            fields.push((field_name(&key), FieldValue::List(list)));
                        }
                    }
                    NamedValue::Tree(tree) => {
                        for (k, v) in tree {
                            let renamed = match k.strip_prefix(name.as_str()) {
                                Some(rest) if key != name => field_name(&format!("{key}{rest}")),
                                _ => k,
                            };
                            fields.push((renamed, v));
                        }
                    }
                }
            }
        }
    }
}

/// Reads an XML export (Event Viewer, `wevtutil`, `evtx_dump -o xml`) and keeps its catalogued
/// events. Every record counts in the report; each problem is located by line (and byte offset
/// for UTF-8 inputs, record id when readable) and the rest is still read.
pub fn read(source: &Source, data: SourceData, opts: &ReadOptions) -> ReadOutcome {
    let mut collector = Collector::new(source, opts);
    let decoded = match decode(data.into_read()) {
        Ok(d) => d,
        Err(e) => {
            collector.problem(
                format!("cannot read the input: {e}"),
                Place::default(),
                None,
            );
            return collector.finish();
        }
    };
    let DecodedText {
        encoding,
        bom_len,
        reader,
    } = decoded;
    let encoding_offset = |offset: u64| input_offset(encoding, bom_len, offset);
    let mut splitter = Splitter::new(reader, MAX_RECORD_BYTES);
    loop {
        let piece = match splitter.next_piece() {
            Ok(Some(piece)) => piece,
            Ok(None) => break,
            Err(e) => {
                let place = Place {
                    line: splitter.line(),
                    offset: encoding_offset(splitter.offset()),
                };
                collector.problem(format!("read error: {e}"), place, None);
                break;
            }
        };
        let place = Place {
            line: piece.line,
            offset: encoding_offset(piece.offset),
        };
        match piece.kind {
            PieceKind::Record(bytes) => {
                let (text, lossy) = utf8_lossy(bytes);
                if lossy {
                    collector.warn(
                        "invalid UTF-8 in the record, replaced with U+FFFD".to_string(),
                        place,
                    );
                }
                match parse_event_str(&text) {
                    Ok(raw) => collector.record(raw, place),
                    Err(e) => collector.failed(
                        format!("unreadable XML record: {e}"),
                        place,
                        sniff_record_id(bytes),
                    ),
                }
            }
            PieceKind::Oversized(len) => collector.failed(
                format!("XML record of {len} bytes is longer than the {MAX_RECORD_BYTES}-byte limit: skipped"),
                place,
                None,
            ),
            PieceKind::Truncated(bytes) => collector.failed(
                format!(
                    "XML record truncated after {} bytes (no </Event>)",
                    bytes.len()
                ),
                place,
                sniff_record_id(bytes),
            ),
        }
    }
    collector.finish()
}

/// The `EventRecordID` of a record that could not be parsed, to locate the error.
fn sniff_record_id(bytes: &[u8]) -> Option<u64> {
    let start = memchr::memmem::find(bytes, b"<EventRecordID>")? + "<EventRecordID>".len();
    let rest = bytes.get(start..)?;
    let end = memchr::memchr(b'<', rest)?;
    std::str::from_utf8(rest.get(..end)?)
        .ok()
        .and_then(parse_u64)
}

/// What the splitter cut out of the stream.
#[derive(Debug, PartialEq, Eq)]
struct Piece<'w> {
    /// Line where the element starts (1-based).
    line: u64,
    /// Offset of its `<` in the decoded stream.
    offset: u64,
    kind: PieceKind<'w>,
}

#[derive(Debug, PartialEq, Eq)]
enum PieceKind<'w> {
    /// A whole `<Event>…</Event>` element.
    Record(&'w [u8]),
    /// An element longer than the cap, skipped; its length.
    Oversized(u64),
    /// An element cut off by the end of input or by the next `<Event`.
    Truncated(&'w [u8]),
}

/// Where the splitter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SplitState {
    /// Between records.
    Outside,
    /// In markup between records that ends with this terminator (comment, PI, DOCTYPE, tag).
    Skip(&'static [u8]),
    /// In a record that starts at `window[0]` (unless oversized, then its bytes are dropped).
    Record {
        line: u64,
        offset: u64,
        oversized: bool,
        skip: Option<&'static [u8]>,
    },
}

/// Cuts `<Event>` elements out of a decoded XML stream, holding at most one record (and a
/// read buffer) at a time. Comments, CDATA sections, processing instructions and a DOCTYPE are
/// skipped as whole constructs (never interpreted), so markup inside them cannot split records.
struct Splitter<R> {
    reader: R,
    window: Vec<u8>,
    scan: usize,
    /// Bytes of the window to drop before the next step (the piece last returned).
    pending_drain: usize,
    /// After a truncated record, the next record starts at the window's start.
    restart: bool,
    base_offset: u64,
    base_line: u64,
    state: SplitState,
    eof: bool,
    cap: usize,
}

/// Bytes the splitter needs after a `<` to classify it (`<![CDATA[` is the longest).
const LOOKAHEAD: usize = 10;

impl<R: BufRead> Splitter<R> {
    fn new(reader: R, cap: usize) -> Self {
        Splitter {
            reader,
            window: Vec::new(),
            scan: 0,
            pending_drain: 0,
            restart: false,
            base_offset: 0,
            base_line: 1,
            state: SplitState::Outside,
            eof: false,
            cap,
        }
    }

    /// Line of the window's start.
    fn line(&self) -> u64 {
        self.base_line
    }

    /// Decoded offset of the window's start.
    fn offset(&self) -> u64 {
        self.base_offset
    }

    fn drain(&mut self, n: usize) {
        let n = n.min(self.window.len());
        let dropped = self.window.get(..n).unwrap_or_default();
        self.base_line += memchr::memchr_iter(b'\n', dropped).count() as u64;
        self.base_offset += n as u64;
        self.window.drain(..n);
        self.scan = self.scan.saturating_sub(n);
    }

    /// Reads more input into the window; false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let available = loop {
            match self.reader.fill_buf() {
                Ok(a) => break a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if available.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        let n = available.len();
        self.window.extend_from_slice(available);
        self.reader.consume(n);
        Ok(true)
    }

    /// True when `window[at..]` holds enough bytes to classify markup (or the input ended).
    fn can_classify(&self, at: usize) -> bool {
        self.eof || self.window.len() >= at + LOOKAHEAD
    }

    fn starts(&self, at: usize, pattern: &[u8]) -> bool {
        self.window
            .get(at..)
            .is_some_and(|rest| rest.starts_with(pattern))
    }

    /// True when `window[at..]` opens an element named exactly `name` (`<Event`, `</Event`).
    fn opens(&self, at: usize, name: &[u8]) -> bool {
        self.starts(at, name)
            && self
                .window
                .get(at + name.len())
                .is_none_or(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
    }

    /// Finds `pattern` from the scan position; when absent, moves the scan position to where a
    /// match could still begin.
    fn find_from_scan(&mut self, pattern: &[u8]) -> Option<usize> {
        let from = self.scan.min(self.window.len());
        match memchr::memmem::find(self.window.get(from..).unwrap_or_default(), pattern) {
            Some(i) => Some(from + i),
            None => {
                self.scan = self
                    .window
                    .len()
                    .saturating_sub(pattern.len().saturating_sub(1))
                    .max(from);
                None
            }
        }
    }

    /// The next piece, or `None` at the end of input.
    fn next_piece(&mut self) -> io::Result<Option<Piece<'_>>> {
        let pending = std::mem::take(&mut self.pending_drain);
        self.drain(pending);
        if std::mem::take(&mut self.restart) {
            self.state = SplitState::Record {
                line: self.base_line,
                offset: self.base_offset,
                oversized: false,
                skip: None,
            };
            self.scan = 1;
        }
        loop {
            match self.step() {
                Step::More => {
                    if !self.fill()? {
                        return Ok(self.at_end());
                    }
                }
                Step::Continue => {}
                Step::Record { end } => {
                    let (line, offset, oversized) = match self.state {
                        SplitState::Record {
                            line,
                            offset,
                            oversized,
                            ..
                        } => (line, offset, oversized),
                        _ => (self.base_line, self.base_offset, false),
                    };
                    self.state = SplitState::Outside;
                    self.pending_drain = end;
                    let kind = if oversized || end > self.cap {
                        PieceKind::Oversized(self.base_offset + end as u64 - offset)
                    } else {
                        PieceKind::Record(self.window.get(..end).unwrap_or_default())
                    };
                    return Ok(Some(Piece { line, offset, kind }));
                }
                Step::Cut { at } => {
                    let (line, offset, oversized) = match self.state {
                        SplitState::Record {
                            line,
                            offset,
                            oversized,
                            ..
                        } => (line, offset, oversized),
                        _ => (self.base_line, self.base_offset, false),
                    };
                    self.pending_drain = at;
                    self.restart = true;
                    let kind = if oversized || at > self.cap {
                        PieceKind::Oversized(self.base_offset + at as u64 - offset)
                    } else {
                        PieceKind::Truncated(self.window.get(..at).unwrap_or_default())
                    };
                    return Ok(Some(Piece { line, offset, kind }));
                }
            }
        }
    }

    /// At the end of input: a record still open is truncated.
    fn at_end(&mut self) -> Option<Piece<'_>> {
        let SplitState::Record {
            line,
            offset,
            oversized,
            ..
        } = self.state
        else {
            return None;
        };
        self.state = SplitState::Outside;
        let len = self.window.len();
        self.pending_drain = len;
        let kind = if oversized || len > self.cap {
            PieceKind::Oversized(self.base_offset + len as u64 - offset)
        } else {
            PieceKind::Truncated(self.window.get(..len).unwrap_or_default())
        };
        Some(Piece { line, offset, kind })
    }

    /// One step of the state machine over the window.
    fn step(&mut self) -> Step {
        match self.state {
            SplitState::Outside => {
                let from = self.scan.min(self.window.len());
                let Some(i) = memchr::memchr(b'<', self.window.get(from..).unwrap_or_default())
                else {
                    let all = self.window.len();
                    self.drain(all);
                    return Step::More;
                };
                let at = from + i;
                self.drain(at);
                if !self.can_classify(0) {
                    return Step::More;
                }
                let (next, skip): (usize, Option<&'static [u8]>) = if self.starts(0, b"<?") {
                    (2, Some(b"?>"))
                } else if self.starts(0, b"<!--") {
                    (4, Some(b"-->"))
                } else if self.starts(0, b"<![CDATA[") {
                    (9, Some(b"]]>"))
                } else if self.starts(0, b"<!") {
                    // A DOCTYPE: its internal subset ends with `]`, otherwise at `>`.
                    let rest = self.window.get(2..).unwrap_or_default();
                    let bracket = memchr::memchr(b'[', rest);
                    let close = memchr::memchr(b'>', rest);
                    match (bracket, close) {
                        (Some(b), Some(c)) if b < c => (2, Some(b"]")),
                        (Some(_), None) => (2, Some(b"]")),
                        _ => (2, Some(b">")),
                    }
                } else if self.opens(0, b"<Event") {
                    self.state = SplitState::Record {
                        line: self.base_line,
                        offset: self.base_offset,
                        oversized: false,
                        skip: None,
                    };
                    (1, None)
                } else {
                    (1, Some(b">"))
                };
                self.scan = next;
                if let Some(terminator) = skip {
                    self.state = SplitState::Skip(terminator);
                }
                Step::Continue
            }
            SplitState::Skip(terminator) => match self.find_from_scan(terminator) {
                Some(at) => {
                    self.scan = at + terminator.len();
                    self.state = SplitState::Outside;
                    Step::Continue
                }
                None => {
                    let safe = self.scan;
                    self.drain(safe);
                    Step::More
                }
            },
            SplitState::Record { skip, .. } => {
                let step = self.record_step(skip);
                if let SplitState::Record {
                    oversized: ref mut over,
                    ..
                } = self.state
                {
                    if !*over && self.scan > self.cap {
                        *over = true;
                    }
                    if *over && matches!(step, Step::More | Step::Continue) {
                        // Drop what has been scanned: the record will not be kept.
                        let safe = self.scan;
                        self.drain(safe);
                    }
                }
                step
            }
        }
    }

    /// One step inside a record.
    fn record_step(&mut self, skip: Option<&'static [u8]>) -> Step {
        if let Some(terminator) = skip {
            return match self.find_from_scan(terminator) {
                Some(at) => {
                    self.scan = at + terminator.len();
                    self.set_record_skip(None);
                    Step::Continue
                }
                None => Step::More,
            };
        }
        let from = self.scan.min(self.window.len());
        let Some(i) = memchr::memchr(b'<', self.window.get(from..).unwrap_or_default()) else {
            self.scan = self.window.len();
            return Step::More;
        };
        let at = from + i;
        self.scan = at;
        if !self.can_classify(at) {
            return Step::More;
        }
        if self.starts(at, b"<!--") {
            self.scan = at + 4;
            self.set_record_skip(Some(b"-->"));
        } else if self.starts(at, b"<![CDATA[") {
            self.scan = at + 9;
            self.set_record_skip(Some(b"]]>"));
        } else if self.opens(at, b"</Event") {
            let close = memchr::memchr(b'>', self.window.get(at..).unwrap_or_default());
            match close {
                Some(j) => return Step::Record { end: at + j + 1 },
                None if self.eof => self.scan = self.window.len(),
                None => return Step::More,
            }
        } else if at > 0 && self.opens(at, b"<Event") {
            // The next record begins before this one ended.
            return Step::Cut { at };
        } else {
            self.scan = at + 1;
        }
        Step::Continue
    }

    fn set_record_skip(&mut self, terminator: Option<&'static [u8]>) {
        if let SplitState::Record { ref mut skip, .. } = self.state {
            *skip = terminator;
        }
    }
}

/// What one step of the splitter found.
enum Step {
    /// Needs more input.
    More,
    /// Made progress; step again.
    Continue,
    /// The record in the window ends at this index (exclusive).
    Record { end: usize },
    /// The record in the window is cut off at this index by a new `<Event`.
    Cut { at: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(input: &[u8], buffer: usize, cap: usize) -> Vec<(u64, u64, String)> {
        let reader = std::io::BufReader::with_capacity(buffer, input);
        let mut splitter = Splitter::new(reader, cap);
        let mut out = Vec::new();
        while let Some(piece) = splitter.next_piece().unwrap() {
            let kind = match piece.kind {
                PieceKind::Record(b) => format!("record:{}", String::from_utf8_lossy(b)),
                PieceKind::Oversized(n) => format!("oversized:{n}"),
                PieceKind::Truncated(b) => format!("truncated:{}", String::from_utf8_lossy(b)),
            };
            out.push((piece.line, piece.offset, kind));
        }
        out
    }

    const EXPORT: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events>\r\n<!-- </Event> in a comment -->\r\n<Event a='1'><EventData><![CDATA[<Event>]]></EventData></Event>\r\n<Event><System/><!-- <Event> --></Event></Events>";

    #[test]
    fn splitter_finds_records_around_markup_at_any_buffer_size() {
        let input = EXPORT.as_bytes();
        let at = |needle: &str| EXPORT.find(needle).unwrap() as u64;
        let expected = vec![
            (
                4,
                at("<Event a="),
                "record:<Event a='1'><EventData><![CDATA[<Event>]]></EventData></Event>"
                    .to_string(),
            ),
            (
                5,
                at("<Event><System/>"),
                "record:<Event><System/><!-- <Event> --></Event>".to_string(),
            ),
        ];
        for buffer in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(pieces(input, buffer, 1 << 20), expected, "buffer {buffer}");
        }
    }

    #[test]
    fn splitter_reports_truncated_cut_and_oversized_records() {
        let input = b"Record 1\n<Event><A/>\nRecord 2\n<?xml version=\"1.0\"?>\n<Event>ok</Event>\n<Event>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</Event>\n<EventData/><Events/>\n<Event>cut";
        for buffer in [1, 5, 4096] {
            let got = pieces(input, buffer, 70);
            assert_eq!(
                got,
                vec![
                    (
                        2,
                        9,
                        "truncated:<Event><A/>\nRecord 2\n<?xml version=\"1.0\"?>\n".to_string()
                    ),
                    (5, 52, "record:<Event>ok</Event>".to_string()),
                    (6, 70, "oversized:84".to_string()),
                    (8, 177, "truncated:<Event>cut".to_string()),
                ],
                "buffer {buffer}"
            );
        }
    }

    fn source(display: &str, format: crate::input::Format) -> Source {
        Source {
            display: std::sync::Arc::from(display),
            location: crate::input::Location::File(display.into()),
            format,
            host_hint: Some("HOSTHINT".into()),
            size: 0,
        }
    }

    const RCM_1149: &str = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager' Guid='{C76BAA63-AE81-421C-B425-340B4B24157F}'/><EventID>1149</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x1000000000000000</Keywords><TimeCreated SystemTime='2021-03-04T05:06:07.123456700Z'/><EventRecordID>77</EventRecordID><Correlation ActivityID='{F4205BAC-1111-2222-3333-444455550000}'/><Execution ProcessID='1012' ThreadID='2024'/><Channel>Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational</Channel><Computer>srv-b.example.test</Computer><Security UserID='S-1-5-20'/></System><UserData><EventXML xmlns='Event_NS'><Param1>bob</Param1><Param2></Param2><Param3>198.51.100.4</Param3></EventXML></UserData><RenderingInfo Culture='en-US'><Message>Remote Desktop Services: User authentication succeeded</Message><Level>Information</Level></RenderingInfo></Event>"#;

    const OTHER: &str = "<Event><System><Provider Name='Microsoft-Windows-Kernel-Power'/><EventID>42</EventID><TimeCreated SystemTime='2021-03-04T05:00:00Z'/><EventRecordID>76</EventRecordID><Channel>System</Channel><Computer>srv-b.example.test</Computer></System></Event>";

    fn read_bytes(bytes: Vec<u8>) -> ReadOutcome {
        let src = source("export.xml", crate::input::Format::XmlExport);
        read(
            &src,
            SourceData::Bytes(bytes),
            &ReadOptions::new(crate::catalog::Catalog::global()),
        )
    }

    #[test]
    fn reads_an_event_viewer_export_in_utf8_and_utf16() {
        let export = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Events>\r\n{OTHER}\r\n{RCM_1149}\r\n</Events>"
        );
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        utf16.extend(export.encode_utf16().flat_map(u16::to_le_bytes));
        for bytes in [export.clone().into_bytes(), utf16] {
            let out = read_bytes(bytes);
            assert_eq!(out.report.records, 2);
            assert_eq!(out.report.kept, 1);
            assert_eq!(out.report.failed, 0, "{:?}", out.report.errors);
            assert_eq!(out.report.host.as_deref(), Some("HOSTHINT"));
            assert_eq!(out.report.channels.len(), 2);
            let e = &out.events[0];
            assert_eq!(e.event_id, 1149);
            assert_eq!(e.record_id, 77);
            assert_eq!(&*e.host, "srv-b.example.test");
            assert_eq!(e.time.to_rfc3339(), "2021-03-04T05:06:07.1234567Z");
            assert_eq!(
                e.activity_id.map(|g| g.to_string()).as_deref(),
                Some("{f4205bac-1111-2222-3333-444455550000}")
            );
            assert_eq!(e.user_data_root.as_deref(), Some("EventXML"));
            assert_eq!(e.fields.text("Param3"), Some("198.51.100.4"));
            assert_eq!(e.fields.get("Param2"), Some(&FieldValue::Null));
            assert_eq!(e.source.locator, crate::event::Locator::Line(4));
            assert_eq!(
                e.rendering.as_ref().and_then(|r| r.level.as_deref()),
                Some("Information")
            );
        }
    }

    #[test]
    fn damaged_records_are_located_and_the_rest_is_read() {
        let broken = RCM_1149.replace("<Param1>bob</Param1>", "<Param1>&evil;</Param1>");
        let no_channel = OTHER.replace("<Channel>System</Channel>", "");
        let mut export = format!("<Events>\n{broken}\n{RCM_1149}\n{no_channel}\n").into_bytes();
        export.extend_from_slice(b"<Event><System><EventID>1</EventID>\xff</System></Event>\n");
        export.extend_from_slice(b"<Event><System><EventRecordID>99</EventRecordID>");
        let out = read_bytes(export);
        assert_eq!(out.report.records, 5);
        assert_eq!(out.report.kept, 1);
        assert_eq!(out.report.failed, 4, "{:#?}", out.report.errors);
        let first = &out.report.errors[0];
        assert_eq!(
            (first.line, first.offset, first.record),
            (Some(2), Some(9), Some(77))
        );
        assert!(first.message.contains("evil"), "{}", first.message);
        assert!(
            out.report
                .errors
                .iter()
                .any(|e| e.message.contains("U+FFFD"))
        );
        let last = out.report.errors.last().unwrap();
        assert!(last.message.contains("truncated"), "{}", last.message);
        assert_eq!(last.record, Some(99));
    }

    fn text(v: &str) -> FieldValue {
        FieldValue::Text(v.into())
    }

    fn field<'r>(r: &'r RawRecord, name: &str) -> Option<&'r FieldValue> {
        r.fields.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }

    const CLASSIC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="TermDD"/>
    <EventID Qualifiers="49162">56</EventID>
    <Level>2</Level>
    <Task>0</Task>
    <Keywords>0x80000000000000</Keywords>
    <TimeCreated SystemTime="2019-05-04T10:11:12.1234567Z"/>
    <EventRecordID>4242</EventRecordID>
    <Channel>System</Channel>
    <Computer>HOST-A.example.test</Computer>
    <Security/>
  </System>
  <EventData>
    <Data>\Device\Termdd</Data>
    <Data>192.0.2.10</Data>
    <Binary>00000400B50000D0</Binary>
  </EventData>
</Event>"#;

    #[test]
    fn classic_event_with_unnamed_data_and_binary() {
        let r = parse_event(CLASSIC.as_bytes()).unwrap();
        let s = &r.system;
        assert_eq!(s.provider.as_deref(), Some("TermDD"));
        assert_eq!(s.event_id.as_deref(), Some("56"));
        assert_eq!(s.qualifiers.as_deref(), Some("49162"));
        assert_eq!(s.version, None);
        assert_eq!(s.activity_id, None);
        assert_eq!(s.process_id, None);
        assert_eq!(s.time.as_deref(), Some("2019-05-04T10:11:12.1234567Z"));
        assert_eq!(s.record_id.as_deref(), Some("4242"));
        assert_eq!(s.computer.as_deref(), Some("HOST-A.example.test"));
        assert_eq!(s.user_sid, None);
        assert_eq!(
            r.fields,
            vec![
                (
                    Arc::from("Data"),
                    FieldValue::List(vec!["\\Device\\Termdd".into(), "192.0.2.10".into()])
                ),
                (Arc::from("Binary"), text("00000400B50000D0")),
            ]
        );
    }

    #[test]
    fn single_unnamed_data_is_a_list() {
        let xml = r#"<Event><System><EventID>1056</EventID></System>
            <EventData><Data>HOST-A</Data></EventData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            field(&r, "Data"),
            Some(&FieldValue::List(vec!["HOST-A".into()]))
        );
    }

    #[test]
    fn named_data_with_spaces_padding_and_empty_values() {
        let xml = r#"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
  <System>
    <Provider Name='Microsoft-Windows-Windows Defender' Guid='{11CD958A-C507-4EF3-B3F2-5FD9DFBD2C78}'/>
    <EventID>1116</EventID>
    <Version>0</Version>
    <Correlation ActivityID='{AABBCCDD-0000-1111-2222-333344445555}'/>
    <Execution ProcessID='3012' ThreadID='4410'/>
    <Channel>Microsoft-Windows-Windows Defender/Operational</Channel>
    <Security UserID='S-1-5-18'/>
  </System>
  <EventData>
    <Data Name='Threat Name'>Trojan:Test/Example</Data>
    <Data Name='LogonProcessName'>NtLmSsp </Data>
    <Data Name='Empty'></Data>
    <Data Name='SelfClosed'/>
    <Data>dropped in the named form</Data>
    <Data Name='Path'>C:\a &amp; b&#x20;&lt;c&gt;</Data>
  </EventData>
</Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            r.system.activity_id.as_deref(),
            Some("{AABBCCDD-0000-1111-2222-333344445555}")
        );
        assert_eq!(r.system.process_id.as_deref(), Some("3012"));
        assert_eq!(r.system.thread_id.as_deref(), Some("4410"));
        assert_eq!(r.system.user_sid.as_deref(), Some("S-1-5-18"));
        assert_eq!(
            r.fields,
            vec![
                (Arc::from("Threat Name"), text("Trojan:Test/Example")),
                (Arc::from("LogonProcessName"), text("NtLmSsp ")),
                (Arc::from("Empty"), FieldValue::Null),
                (Arc::from("SelfClosed"), FieldValue::Null),
                (Arc::from("Path"), text("C:\\a & b <c>")),
            ]
        );
    }

    #[test]
    fn repeated_named_data_runs_and_repeats() {
        let xml = r#"<Event><System/><EventData>
            <Data Name='A'>1</Data><Data Name='A'>2</Data><Data Name='B'>x</Data>
            <Data Name='A'>3</Data></EventData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(
            r.fields,
            vec![
                (
                    Arc::from("A"),
                    FieldValue::List(vec!["1".into(), "2".into()])
                ),
                (Arc::from("B"), text("x")),
                (Arc::from("A_1"), text("3")),
            ]
        );
    }

    #[test]
    fn user_data_tree_with_repeats_and_attributes() {
        let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System><Provider Name="Microsoft-Windows-CAPI2"/><EventID>11</EventID><Correlation/></System>
  <UserData>
    <CertGetCertificateChain xmlns:x="urn:test">
      <Certificate fileRef="AA.cer" subjectName="host-a"/>
      <AdditionalStore>
        <Certificate fileRef="BB.cer" subjectName="ca"/>
        <Certificate fileRef="CC.cer" subjectName="root"/>
      </AdditionalStore>
      <CertificateChain chainRef="{546E4482-6A62-4653-844C-97B12F78685E}">
        <TrustStatus>
          <ErrorStatus value="1" CERT_TRUST_IS_NOT_TIME_VALID="true"/>
        </TrustStatus>
      </CertificateChain>
      <IssuanceUsage/>
      <Result value="800B0101">A required certificate is not within its validity period.</Result>
    </CertGetCertificateChain>
  </UserData>
</Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(r.user_data_root.as_deref(), Some("CertGetCertificateChain"));
        assert_eq!(r.system.activity_id, None);
        let names: Vec<&str> = r.fields.iter().map(|(k, _)| &**k).collect();
        assert_eq!(
            names,
            [
                "Certificate@fileRef",
                "Certificate@subjectName",
                "AdditionalStore.Certificate@fileRef",
                "AdditionalStore.Certificate@subjectName",
                "AdditionalStore.Certificate_1@fileRef",
                "AdditionalStore.Certificate_1@subjectName",
                "CertificateChain@chainRef",
                "CertificateChain.TrustStatus.ErrorStatus@value",
                "CertificateChain.TrustStatus.ErrorStatus@CERT_TRUST_IS_NOT_TIME_VALID",
                "IssuanceUsage",
                "Result@value",
                "Result",
            ]
        );
        assert_eq!(
            field(&r, "CertificateChain@chainRef"),
            Some(&text("{546e4482-6a62-4653-844c-97b12f78685e}"))
        );
        assert_eq!(field(&r, "IssuanceUsage"), Some(&FieldValue::Null));
    }

    #[test]
    fn event_xml_root_and_empty_param() {
        let xml = r#"<Event><System><EventID>1149</EventID></System><UserData>
            <EventXML xmlns="Event_NS"><Param1>alice</Param1><Param2></Param2>
            <Param3>192.0.2.7</Param3></EventXML></UserData></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(r.user_data_root.as_deref(), Some("EventXML"));
        assert_eq!(
            r.fields,
            vec![
                (Arc::from("Param1"), text("alice")),
                (Arc::from("Param2"), FieldValue::Null),
                (Arc::from("Param3"), text("192.0.2.7")),
            ]
        );
    }

    #[test]
    fn rendering_info_is_optional_text() {
        let xml = r#"<Event><System><EventID>7036</EventID></System>
            <EventData><Data Name="param1">Remote Desktop Services</Data></EventData>
            <RenderingInfo Culture="en-US"><Message>The service entered the running state.</Message>
            <Level>Information</Level><Task></Task><Keywords><Keyword>Classic</Keyword></Keywords>
            </RenderingInfo></Event>"#;
        let r = parse_event(xml.as_bytes()).unwrap();
        let rendering = r.rendering.unwrap();
        assert_eq!(
            rendering.message.as_deref(),
            Some("The service entered the running state.")
        );
        assert_eq!(rendering.level.as_deref(), Some("Information"));
        assert_eq!(rendering.task, None);
        assert_eq!(r.fields.len(), 1);
    }

    #[test]
    fn hostile_records_fail_cleanly() {
        assert_eq!(parse_event(b""), Err(XmlError::NoEvent));
        assert!(matches!(
            parse_event(b"<html><body/></html>"),
            Err(XmlError::NotAnEvent { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System><EventID>1</EventID>"),
            Err(XmlError::Truncated { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System><Computer>&xxe;</Computer></System></Event>"),
            Err(XmlError::UnknownEntity { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><UserData><R a='&ent;'/></UserData></Event>"),
            Err(XmlError::UnknownEntity { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event><System></Wrong></Event>"),
            Err(XmlError::Syntax { .. })
        ));
        assert!(matches!(
            parse_event(b"<Event>\xff</Event>"),
            Err(XmlError::InvalidUtf8 { offset: 7 })
        ));
        let deep = format!(
            "<Event><UserData><R>{}{}</R></UserData></Event>",
            "<a>".repeat(10_000),
            "</a>".repeat(10_000)
        );
        assert!(matches!(
            parse_event(deep.as_bytes()),
            Err(XmlError::TooDeep { .. })
        ));
        let doctype = r#"<!DOCTYPE Event [<!ENTITY big "xxxxxxxxxx">]><Event><System><Computer>&big;</Computer></System></Event>"#;
        assert!(matches!(
            parse_event(doctype.as_bytes()),
            Err(XmlError::UnknownEntity { .. })
        ));
    }

    #[test]
    fn event_viewer_rendering_equals_the_evtx_crate_rendering() {
        // The same record as the evtx crate writes it and as Event Viewer saves it (single
        // quotes, upper-case GUIDs, nine fractional digits, RenderingInfo).
        let evtx = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>
    <EventID>5058</EventID>
    <TimeCreated SystemTime="2022-02-03T04:05:06.7654321Z"/>
    <EventRecordID>1200</EventRecordID>
    <Correlation ActivityID="{e4b1c6a2-1f00-0001-02c7-b1e4001fd801}"/>
    <Channel>Security</Channel>
    <Computer>HOST-D</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="SubjectLogonId">0x3e4</Data>
    <Data Name="ClientCreationTime">2022-02-03T04:00:00.1234567Z</Data>
    <Data Name="KeyName">RdCertificateFactory-Key{2f6c8a4e-0b0e-4d4f-9e54-7f1b2a3c4d5e}</Data>
    <Data Name="ProviderGuid">{2f6c8a4e-0b0e-4d4f-9e54-7f1b2a3c4d5e}</Data>
  </EventData>
</Event>"#;
        let event_viewer = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>5058</EventID><Version>1</Version><TimeCreated SystemTime='2022-02-03T04:05:06.765432100Z'/><EventRecordID>1200</EventRecordID><Correlation ActivityID='{E4B1C6A2-1F00-0001-02C7-B1E4001FD801}'/><Channel>Security</Channel><Computer>HOST-D</Computer><Security/></System><EventData><Data Name='SubjectLogonId'>0x3e4</Data><Data Name='ClientCreationTime'>2022-02-03T04:00:00.123456700Z</Data><Data Name='KeyName'>RdCertificateFactory-Key{2f6c8a4e-0b0e-4d4f-9e54-7f1b2a3c4d5e}</Data><Data Name='ProviderGuid'>{2F6C8A4E-0B0E-4D4F-9E54-7F1B2A3C4D5E}</Data></EventData><RenderingInfo Culture='en-US'><Message>Key file operation.</Message><Level>Information</Level><Task>Other System Events</Task></RenderingInfo></Event>";
        let a = parse_event(evtx.as_bytes()).unwrap();
        let mut b = parse_event(event_viewer.as_bytes()).unwrap();
        assert_eq!(a.fields, b.fields);
        assert_eq!(
            b.rendering.take().and_then(|r| r.task).as_deref(),
            Some("Other System Events")
        );
        let catalog = crate::catalog::Catalog::global();
        let source = || crate::event::SourceRef {
            input: std::sync::Arc::from("x"),
            locator: crate::event::Locator::Line(1),
        };
        let (Ok(crate::record::Normalised::Event(ea)), Ok(crate::record::Normalised::Event(eb))) = (
            a.normalise(catalog, source(), None),
            b.normalise(catalog, source(), None),
        ) else {
            panic!("not catalogued")
        };
        // Only the version differs (absent in one rendering): everything else agrees.
        let mut eb = *eb;
        eb.version = ea.version;
        assert!(ea.same_record(&eb), "{ea:#?}\n{eb:#?}");
    }

    #[test]
    fn control_characters_and_cdata() {
        let xml = "<Event><EventData><Data Name='a'>x&#1;y</Data><Data Name='b'><![CDATA[<raw>]]></Data></EventData></Event>";
        let r = parse_event(xml.as_bytes()).unwrap();
        assert_eq!(field(&r, "a"), Some(&text("x_y")));
        assert_eq!(field(&r, "b"), Some(&text("<raw>")));
    }
}
