//! What the EVTX reader reads from a chunk's bytes itself, so that it can leave the records the
//! catalog does not want to the `evtx` crate untouched: the record headers of a chunk, the
//! substitution values of a record's template instance, and what a template definition says
//! about the `System` values and the named `EventData` fields.
//!
//! Source: the BinXml format as MS-EVEN6 describes it (tokens, template instances, value
//! types) and the EVTX chunk and record layout of the libevtx documentation. Every read is
//! bounds-checked; whatever is not the plain shape Windows writes gives `None`, and the reader
//! then renders through the crate instead.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::flatten::{SYSTEM_VALUES, SystemSlot};

/// Size of an EVTX chunk header; the first record follows it.
pub(crate) const CHUNK_HEADER_SIZE: usize = 512;
/// Record header: magic, size, record id, FILETIME.
const RECORD_HEADER_SIZE: usize = 24;
/// The record header's magic.
const RECORD_MAGIC: [u8; 4] = [0x2a, 0x2a, 0, 0];
/// Latest FILETIME the crate accepts in a record header (9999-12-31T23:59:59Z); later ones
/// are errors there, so the walk leaves such a chunk to the crate.
const MAX_FILETIME: u64 = 2_650_467_743_990_000_000;
/// Most substitution values read from one template instance.
const MAX_VALUES: usize = 1024;
/// Most elements read from one template definition.
const MAX_ELEMENTS: usize = 512;
/// Longest string substitution turned into text here.
const MAX_TEXT_CHARS: usize = 4096;

/// BinXml value types (MS-EVEN6 2.2.12), as the descriptors of a template instance give them.
pub(crate) mod kind {
    /// No value.
    pub const NULL: u8 = 0x00;
    /// UTF-16LE text.
    pub const STRING: u8 = 0x01;
    /// Text in the machine's code page.
    pub const ANSI_STRING: u8 = 0x02;
    /// Signed 8-bit integer.
    pub const INT8: u8 = 0x03;
    /// Unsigned 8-bit integer.
    pub const UINT8: u8 = 0x04;
    /// Signed 16-bit integer.
    pub const INT16: u8 = 0x05;
    /// Unsigned 16-bit integer.
    pub const UINT16: u8 = 0x06;
    /// Signed 32-bit integer.
    pub const INT32: u8 = 0x07;
    /// Unsigned 32-bit integer.
    pub const UINT32: u8 = 0x08;
    /// Signed 64-bit integer.
    pub const INT64: u8 = 0x09;
    /// Unsigned 64-bit integer.
    pub const UINT64: u8 = 0x0a;
    /// A 32-bit boolean.
    pub const BOOL: u8 = 0x0d;
    /// Bytes, rendered as upper-case hex.
    pub const BINARY: u8 = 0x0e;
    /// A GUID.
    pub const GUID: u8 = 0x0f;
    /// A pointer-sized integer, rendered as hex of its width.
    pub const SIZE_T: u8 = 0x10;
    /// A FILETIME.
    pub const FILETIME: u8 = 0x11;
    /// A SID.
    pub const SID: u8 = 0x13;
    /// 32-bit integer rendered as hex.
    pub const HEX_INT32: u8 = 0x14;
    /// 64-bit integer rendered as hex.
    pub const HEX_INT64: u8 = 0x15;
    /// A nested BinXml fragment.
    pub const BINXML: u8 = 0x21;
    /// NUL-terminated UTF-16LE strings one after the other.
    pub const STRING_ARRAY: u8 = 0x81;
    /// The bit that makes any type an array of it.
    pub const ARRAY: u8 = 0x80;
}

/// BinXml tokens (MS-EVEN6 2.2.11); the 0x40 bit marks "more of the same follows".
mod token {
    pub const EOF: u8 = 0x00;
    pub const OPEN_START: u8 = 0x01;
    pub const CLOSE_START: u8 = 0x02;
    pub const CLOSE_EMPTY: u8 = 0x03;
    pub const END_ELEMENT: u8 = 0x04;
    pub const VALUE: u8 = 0x05;
    pub const ATTRIBUTE: u8 = 0x06;
    pub const CDATA: u8 = 0x07;
    pub const CHAR_REF: u8 = 0x08;
    pub const ENTITY_REF: u8 = 0x09;
    pub const PI_TARGET: u8 = 0x0a;
    pub const PI_DATA: u8 = 0x0b;
    pub const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub const SUBSTITUTION: u8 = 0x0d;
    pub const OPTIONAL_SUBSTITUTION: u8 = 0x0e;
    pub const FRAGMENT_HEADER: u8 = 0x0f;
    pub const MORE: u8 = 0x40;
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// One record found by walking a chunk's record headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordAt {
    /// `EventRecordID`.
    pub id: u64,
    /// The header's FILETIME.
    pub filetime: u64,
    /// The record's BinXml, as chunk offsets.
    pub binxml: Range<usize>,
}

/// The records of a chunk, walked by their headers from the end of the chunk header to the
/// free space (or the record with `last_record_id`), as the crate walks a sound chunk. `None`
/// when something else than a plain record header comes first: the crate then reads the chunk,
/// resynchronising and reporting what it cannot read.
pub(crate) fn records(chunk: &[u8], free_space: u32, last_record_id: u64) -> Option<Vec<RecordAt>> {
    let live_end = usize::try_from(free_space).ok()?.min(chunk.len());
    let mut out = Vec::new();
    let mut at = CHUNK_HEADER_SIZE;
    while at < live_end {
        if chunk.get(at..at.checked_add(4)?)? != RECORD_MAGIC {
            return None;
        }
        let size = usize::try_from(u32_at(chunk, at + 4)?).ok()?;
        let id = u64_at(chunk, at + 8)?;
        let filetime = u64_at(chunk, at + 16)?;
        if size < RECORD_HEADER_SIZE + 4 || filetime > MAX_FILETIME {
            return None;
        }
        let start = at + RECORD_HEADER_SIZE;
        let end = at.checked_add(size)?.checked_sub(4)?;
        if end > chunk.len() {
            return None;
        }
        out.push(RecordAt {
            id,
            filetime,
            binxml: start..end,
        });
        if id == last_record_id {
            break;
        }
        at += size;
    }
    Some(out)
}

/// One substitution value of a template instance: its type and bytes, and where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Value<'c> {
    /// The BinXml value type ([`kind`]).
    pub kind: u8,
    /// The value's bytes.
    pub bytes: &'c [u8],
    /// Chunk offset of the bytes.
    pub at: usize,
}

impl<'c> Value<'c> {
    /// An unsigned 16-bit value.
    pub fn u16(&self) -> Option<u16> {
        (self.kind == kind::UINT16 && self.bytes.len() == 2).then(|| u16_at(self.bytes, 0))?
    }

    /// An unsigned integer of any width (UInt8–UInt64), as it is written.
    pub fn unsigned(&self) -> Option<u64> {
        let b = self.bytes;
        match (self.kind, b.len()) {
            (kind::UINT8, 1) => b.first().map(|&v| u64::from(v)),
            (kind::UINT16, 2) => u16_at(b, 0).map(u64::from),
            (kind::UINT32, 4) => u32_at(b, 0).map(u64::from),
            (kind::UINT64, 8) => u64_at(b, 0),
            _ => None,
        }
    }

    /// A GUID value's 16 bytes, in the Windows layout.
    pub fn guid_bytes(&self) -> Option<[u8; 16]> {
        (self.kind == kind::GUID).then(|| self.bytes.try_into().ok())?
    }

    /// A FILETIME value.
    pub fn filetime(&self) -> Option<u64> {
        (self.kind == kind::FILETIME && self.bytes.len() == 8).then(|| u64_at(self.bytes, 0))?
    }

    /// A UTF-16 string value up to its first NUL, as the crate decodes it; `None` for other
    /// types and unpaired surrogates. ASCII-only ANSI strings are read too (the same in every
    /// code page).
    pub fn string(&self) -> Option<Cow<'c, str>> {
        match self.kind {
            kind::STRING => {
                if self.bytes.len() % 2 != 0 || self.bytes.len() > 2 * MAX_TEXT_CHARS {
                    return None;
                }
                utf16_text(until_nul(self.bytes)).map(Cow::Owned)
            }
            kind::ANSI_STRING if self.bytes.is_ascii() && self.bytes.len() <= MAX_TEXT_CHARS => {
                let text = self.bytes.split(|&b| b == 0).next().unwrap_or_default();
                std::str::from_utf8(text).ok().map(Cow::Borrowed)
            }
            _ => None,
        }
    }

    /// The items of a string array, each NUL-terminated as Windows writes them; `None` for
    /// other values, an unterminated last item or unpaired surrogates.
    pub fn string_items(&self) -> Option<Vec<String>> {
        if self.kind != kind::STRING_ARRAY
            || self.bytes.is_empty()
            || self.bytes.len() % 2 != 0
            || self.bytes.len() > 2 * MAX_TEXT_CHARS
        {
            return None;
        }
        // Items end at NUL units; the last one must be terminated.
        let mut items = Vec::new();
        let mut rest = self.bytes;
        while !rest.is_empty() {
            let item = until_nul(rest);
            if item.len() == rest.len() {
                return None;
            }
            items.push(utf16_text(item)?);
            rest = rest.get(item.len() + 2..)?;
        }
        Some(items)
    }

    /// The text the crate renders for this value, for the types whose rendering is plain:
    /// strings without control or replacement characters, integers, hex integers, binary,
    /// booleans, GUIDs, SIDs and FILETIMEs before year 10000. `None` for any other value (the
    /// record is then rendered to know).
    pub fn text(&self) -> Option<Cow<'c, str>> {
        let b = self.bytes;
        let fixed = |n: usize| b.len() == n;
        Some(match self.kind {
            kind::NULL => Cow::Borrowed(""),
            kind::STRING | kind::ANSI_STRING => {
                let text = self.string()?;
                if text
                    .chars()
                    .any(|c| c < ' ' || matches!(c, '\u{fffd}' | '\u{fffe}' | '\u{ffff}'))
                {
                    return None;
                }
                text
            }
            kind::INT8 if fixed(1) => decimal(i8::from_le_bytes([*b.first()?])),
            kind::UINT8 if fixed(1) => decimal(*b.first()?),
            kind::INT16 if fixed(2) => decimal(u16_at(b, 0)? as i16),
            kind::UINT16 if fixed(2) => decimal(u16_at(b, 0)?),
            kind::INT32 if fixed(4) => decimal(u32_at(b, 0)? as i32),
            kind::UINT32 if fixed(4) => decimal(u32_at(b, 0)?),
            kind::INT64 if fixed(8) => decimal(u64_at(b, 0)? as i64),
            kind::UINT64 if fixed(8) => decimal(u64_at(b, 0)?),
            kind::HEX_INT32 | kind::SIZE_T if fixed(4) => hex(u64::from(u32_at(b, 0)?)),
            kind::HEX_INT64 | kind::SIZE_T if fixed(8) => hex(u64_at(b, 0)?),
            // Windows writes 0 and 1; other values render as the integer they hold.
            kind::BOOL if fixed(4) => match u32_at(b, 0)? as i32 {
                0 => Cow::Borrowed("false"),
                1 => Cow::Borrowed("true"),
                other => decimal(other),
            },
            kind::GUID if fixed(16) => Cow::Owned(guid_text(b)?),
            kind::SID => Cow::Owned(sid_text(b)?),
            kind::FILETIME if fixed(8) => Cow::Owned(filetime_text(u64_at(b, 0)?)?),
            kind::BINARY if b.len() <= MAX_TEXT_CHARS => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                let mut text = String::with_capacity(b.len() * 2);
                for byte in b {
                    text.push(char::from(*HEX.get(usize::from(byte >> 4))?));
                    text.push(char::from(*HEX.get(usize::from(byte & 0x0f))?));
                }
                Cow::Owned(text)
            }
            _ => return None,
        })
    }
}

/// A GUID as Windows renders it: braced, lower-case, the first three groups little-endian.
fn guid_text(b: &[u8]) -> Option<String> {
    let bytes: &[u8; 16] = b.try_into().ok()?;
    let [a0, a1, a2, a3, b0, b1, c0, c1, rest @ ..] = *bytes;
    let [d0, d1, e @ ..] = rest;
    let mut text = String::with_capacity(38);
    text.push('{');
    push_hex_bytes(&mut text, &[a3, a2, a1, a0]);
    text.push('-');
    push_hex_bytes(&mut text, &[b1, b0]);
    text.push('-');
    push_hex_bytes(&mut text, &[c1, c0]);
    text.push('-');
    push_hex_bytes(&mut text, &[d0, d1]);
    text.push('-');
    push_hex_bytes(&mut text, &e);
    text.push('}');
    Some(text)
}

/// Appends each byte as two lower-case hex digits.
fn push_hex_bytes(text: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}

/// An integer in decimal, as the crate renders it.
fn decimal<'c>(value: impl itoa::Integer) -> Cow<'c, str> {
    Cow::Owned(itoa::Buffer::new().format(value).to_owned())
}

/// An integer as `0x` and lower-case hex digits without padding, as the crate renders it.
fn hex<'c>(value: u64) -> Cow<'c, str> {
    Cow::Owned(format!("{value:#x}"))
}

/// A SID as `S-revision-authority-sub…`: the authority is 48-bit big-endian, each
/// sub-authority 32-bit little-endian. Only SIDs whose size matches their sub-authority count.
fn sid_text(b: &[u8]) -> Option<String> {
    let (&revision, rest) = b.split_first()?;
    let (&count, rest) = rest.split_first()?;
    let authority = rest.get(..6)?;
    let subs = rest.get(6..)?;
    if subs.len() != 4 * usize::from(count) {
        return None;
    }
    let mut value = 0u64;
    for byte in authority {
        value = value << 8 | u64::from(*byte);
    }
    let mut digits = itoa::Buffer::new();
    let mut text = String::with_capacity(16 + 11 * usize::from(count));
    text.push_str("S-");
    text.push_str(digits.format(revision));
    text.push('-');
    text.push_str(digits.format(value));
    for sub in subs.chunks_exact(4) {
        text.push('-');
        text.push_str(digits.format(u32_at(sub, 0)?));
    }
    Some(text)
}

/// A FILETIME as `YYYY-MM-DDTHH:MM:SS.fffffffZ`, the seven fractional digits it counts; `None`
/// from year 10000 on, which Windows renders differently.
fn filetime_text(filetime: u64) -> Option<String> {
    const TICKS: u64 = 10_000_000;
    const UNIX_EPOCH_SECONDS: i64 = 11_644_473_600;
    if filetime >= FIRST_FILETIME_PAST_9999 {
        return None;
    }
    use chrono::{Datelike, Timelike};
    let seconds = i64::try_from(filetime / TICKS).ok()? - UNIX_EPOCH_SECONDS;
    let time = chrono::DateTime::from_timestamp(seconds, 0)?;
    let mut text = String::with_capacity(28);
    let mut digits = |value: u32, width: usize, after: char| {
        let mut buffer = itoa::Buffer::new();
        let written = buffer.format(value);
        text.extend(std::iter::repeat_n(
            '0',
            width.saturating_sub(written.len()),
        ));
        text.push_str(written);
        text.push(after);
    };
    digits(u32::try_from(time.year()).ok()?, 4, '-');
    digits(time.month(), 2, '-');
    digits(time.day(), 2, 'T');
    digits(time.hour(), 2, ':');
    digits(time.minute(), 2, ':');
    digits(time.second(), 2, '.');
    digits(u32::try_from(filetime % TICKS).ok()?, 7, 'Z');
    Some(text)
}

/// The first FILETIME of year 10000 (10000-01-01T00:00:00Z). Later ones are rendered as Windows
/// renders them — the year cut to its last four digits, or all zeros past `i64::MAX` — not as
/// the time they count to, so only rendering says what such a record's time reads as.
pub(crate) const FIRST_FILETIME_PAST_9999: u64 = 2_650_467_744_000_000_000;

/// Bytes the crate reads for a value of a fixed-width type, whatever size its descriptor
/// declares (MS-EVEN6 2.2.12: Int8 … HexInt64, Real32/64, Boolean, GUID, FILETIME, SYSTEMTIME).
const FIXED_WIDTHS: [(u8, usize); 16] = [
    (kind::INT8, 1),
    (kind::UINT8, 1),
    (kind::INT16, 2),
    (kind::UINT16, 2),
    (kind::INT32, 4),
    (kind::UINT32, 4),
    (kind::INT64, 8),
    (kind::UINT64, 8),
    (0x0b, 4),
    (0x0c, 8),
    (0x0d, 4),
    (kind::GUID, 16),
    (kind::FILETIME, 8),
    (0x12, 16),
    (kind::HEX_INT32, 4),
    (kind::HEX_INT64, 8),
];

/// Whether the crate reads a value in exactly the bytes its descriptor declares. It reads more
/// from a fixed-width value declared shorter, a SID whose sub-authorities run past its size
/// and a string array whose last item is not terminated within it, and then takes the values
/// after it from other bytes than their descriptors say.
fn read_as_declared(kind: u8, bytes: &[u8]) -> bool {
    if let Some(&(_, width)) = FIXED_WIDTHS.iter().find(|(k, _)| *k == kind) {
        return bytes.len() == width;
    }
    match kind {
        kind::SID => bytes
            .get(1)
            .is_some_and(|&count| 8 + 4 * usize::from(count) == bytes.len()),
        kind::STRING_ARRAY => {
            bytes.is_empty() || (bytes.len() % 2 == 0 && bytes.ends_with(&[0, 0]))
        }
        _ => true,
    }
}

/// A template instance read by [`instance`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Instance {
    /// Chunk offset of the template definition it uses.
    pub definition: usize,
    /// Chunk offset just past its last value.
    pub end: usize,
}

impl Instance {
    /// Whether the BinXml stream `range` holding this instance ends with it: nothing follows,
    /// or the end-of-stream token does. Anything else after it is more content, rendered too.
    pub fn ends(&self, chunk: &[u8], range: &Range<usize>) -> bool {
        self.end == range.end || (self.end < range.end && chunk.get(self.end) == Some(&token::EOF))
    }
}

/// Reads the template instance that starts the BinXml fragment at `at` (after an optional
/// fragment header): appends its substitution values to `values` and says where its template
/// definition is and where it ends. `None` also when a value is not read as declared
/// ([`read_as_declared`]): then the values are not where the descriptors say.
pub(crate) fn instance<'c>(
    chunk: &'c [u8],
    at: usize,
    values: &mut Vec<Value<'c>>,
) -> Option<Instance> {
    let mut p = at;
    if *chunk.get(p)? == token::FRAGMENT_HEADER {
        p = p.checked_add(4)?;
    }
    if *chunk.get(p)? != token::TEMPLATE_INSTANCE {
        return None;
    }
    // Token, an unknown byte, the template id.
    p = p.checked_add(6)?;
    let definition = usize::try_from(u32_at(chunk, p)?).ok()?;
    p += 4;
    if definition == p {
        // The definition itself follows (its first use in the chunk): skip it.
        let size = usize::try_from(u32_at(chunk, p + 20)?).ok()?;
        p = p.checked_add(24)?.checked_add(size)?;
    }
    let count = usize::try_from(u32_at(chunk, p)?).ok()?;
    if count > MAX_VALUES {
        return None;
    }
    let descriptors = p + 4;
    let mut data = descriptors.checked_add(count.checked_mul(4)?)?;
    let first = values.len();
    for i in 0..count {
        let size = usize::from(u16_at(chunk, descriptors + 4 * i)?);
        let kind = *chunk.get(descriptors + 4 * i + 2)?;
        let end = data.checked_add(size)?;
        let bytes = chunk.get(data..end)?;
        if !read_as_declared(kind, bytes) {
            return None;
        }
        values.push(Value {
            kind,
            bytes,
            at: data,
        });
        data = end;
    }
    debug_assert_eq!(values.len() - first, count);
    Some(Instance {
        definition,
        end: data,
    })
}

/// Where a template takes one value of the rendered record from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Nothing: the element or attribute is absent or empty.
    Absent,
    /// Text written in the template.
    Literal(String),
    /// One substitution; `optional` when the template may leave the element out for a null.
    Slot {
        /// Its index in the instance's values.
        index: usize,
        /// Declared as an optional substitution.
        optional: bool,
    },
    /// Anything else (several pieces, child elements, references): known only by rendering.
    Complex,
}

/// One piece of an element's content or an attribute's value in a template definition.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Slot { index: usize, optional: bool },
    Other,
}

/// One element of a template definition.
#[derive(Debug, Default)]
struct Element {
    name: String,
    parent: Option<usize>,
    attributes: Vec<(String, Vec<Piece>)>,
    content: Vec<Piece>,
    children: usize,
}

fn source(pieces: &[Piece], children: usize) -> Source {
    match (pieces, children) {
        ([], 0) => Source::Absent,
        ([Piece::Text(t)], 0) => Source::Literal(t.clone()),
        ([Piece::Slot { index, optional }], 0) => Source::Slot {
            index: *index,
            optional: *optional,
        },
        _ => Source::Complex,
    }
}

/// What a template definition says, for the values the reader decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Definition {
    /// The substitution that holds the payload, when `Event` carries one directly (Windows
    /// writes `EventData` as a nested BinXml value) or as the only content of its `UserData`
    /// (the nested value then holds the `UserData` root).
    pub payload: Option<usize>,
    /// The payload substitution sits in `UserData`: its template must be a
    /// [`Shape::UserDataRoot`].
    pub payload_in_user_data: bool,
    /// The named `EventData` fields (`Data Name="…"`, `Binary`), or the leaves of a `UserData`
    /// root, and where they come from; `None` when there is neither.
    pub fields: Option<Fields>,
    /// Where each `System` value rdpsleuth reads comes from ([`SYSTEM_VALUES`]); a value whose
    /// element is written more than once is [`Source::Complex`].
    pub system: Vec<(SystemSlot, Source)>,
    /// The overall shape, which says whether the record can be built without rendering.
    pub shape: Shape,
}

impl Definition {
    /// Where a `System` value comes from ([`Source::Absent`] when the template has none).
    pub fn system(&self, slot: SystemSlot) -> &Source {
        self.system
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(&Source::Absent, |(_, source)| source)
    }
}

/// The overall shape of a template definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// An `Event` with one `System`, no `RenderingInfo`, and one of: an `EventData` child; the
    /// substitution holding the payload as its only content; a `UserData` child whose only
    /// content is that substitution.
    Event,
    /// A lone `EventData` element (the payload template Windows nests in an event).
    EventData,
    /// A lone element of another name with only an `xmlns` attribute and no text of its own:
    /// the `UserData` root Windows nests in an event (`<EventXML xmlns="Event_NS">` of the
    /// TerminalServices logs). Its fields are its children, when they are plain leaves.
    UserDataRoot,
    /// Anything else: the record is rendered.
    Other,
}

/// What a child of an `EventData` element is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldItem {
    /// `Data Name="…"` with a literal, non-empty name, or a leaf of a `UserData` root.
    Named(Arc<str>),
    /// An unnamed `Data` (a classic event's `%1`, `%2`…).
    Positional,
    /// The `Binary` element, without attributes.
    Binary,
}

/// The fields of an `EventData` element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    /// Every child read, in document order, and where its value comes from; a name written
    /// twice, or with characters rendering changes, is [`Source::Complex`].
    pub items: Vec<(FieldItem, Source)>,
    /// Every child of the element is in `items` (no other child elements, no computed names).
    pub complete: bool,
    /// The root element's name, for the leaves of a `UserData` root.
    pub root: Option<String>,
}

impl FieldItem {
    /// The name the readers give its field: `None` for an unnamed `Data`.
    fn name(&self) -> Option<&str> {
        match self {
            FieldItem::Named(name) => Some(name),
            FieldItem::Binary => Some("Binary"),
            FieldItem::Positional => None,
        }
    }
}

impl Fields {
    /// Where the field `name` comes from: [`Source::Absent`] when the element has no such
    /// field, [`Source::Complex`] when it cannot be told.
    pub fn source(&self, name: &str) -> &Source {
        match self
            .items
            .iter()
            .find(|(item, _)| item.name() == Some(name))
        {
            Some((_, source)) => source,
            None if self.complete => &Source::Absent,
            None => &Source::Complex,
        }
    }

    /// The sources of the positional `Data` list, which the readers name `Data`: present only
    /// when no `Data` is named (otherwise the unnamed ones are dropped, as the crate's JSON
    /// does); empty when the element has no such list.
    pub fn data_list(&self) -> Option<Vec<&Source>> {
        if !self.complete {
            return None;
        }
        if self
            .items
            .iter()
            .any(|(item, _)| matches!(item, FieldItem::Named(_)))
        {
            return Some(Vec::new());
        }
        Some(
            self.items
                .iter()
                .filter(|(item, _)| *item == FieldItem::Positional)
                .map(|(_, source)| source)
                .collect(),
        )
    }
}

/// True for text the crate renders as it is: no control characters, and neither U+FFFE nor
/// U+FFFF, which XML does not allow (it writes them as `_`, as Windows does).
pub(crate) fn renders_as_is(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}'))
}

/// UTF-16LE bytes as text (an odd last byte is ignored); `None` for unpaired surrogates.
fn utf16_text(bytes: &[u8]) -> Option<String> {
    let pairs = bytes.chunks_exact(2);
    // Mostly ASCII: taken byte for byte.
    if pairs
        .clone()
        .all(|p| matches!(p, [low, 0] if low.is_ascii()))
    {
        let ascii: Vec<u8> = pairs.map(|p| p.first().copied().unwrap_or(0)).collect();
        return String::from_utf8(ascii).ok();
    }
    let units = pairs.map(|p| {
        u16::from_le_bytes([
            p.first().copied().unwrap_or(0),
            p.get(1).copied().unwrap_or(0),
        ])
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// The UTF-16LE bytes before the first NUL unit.
fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .chunks_exact(2)
        .position(|p| p == [0, 0])
        .map_or(bytes.len() - bytes.len() % 2, |i| 2 * i);
    bytes.get(..end).unwrap_or_default()
}

/// The UTF-16 bytes of a name in the chunk's string table (or written inline): next-link,
/// hash, length, UTF-16.
fn name_at(chunk: &[u8], at: usize) -> Option<&[u8]> {
    let len = usize::from(u16_at(chunk, at.checked_add(6)?)?);
    let start = at + 8;
    chunk.get(start..start.checked_add(len * 2)?)
}

/// Reads a name reference at `p`; returns the name's bytes and the position after it (and
/// after the name itself when it is written inline).
fn name_ref(chunk: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let offset = usize::try_from(u32_at(chunk, p)?).ok()?;
    let after = p + 4;
    let name = name_at(chunk, offset)?;
    if offset == after {
        let len = usize::from(u16_at(chunk, after + 6)?);
        return Some((name, after.checked_add(10 + 2 * len)?));
    }
    Some((name, after))
}

/// Length-prefixed UTF-16 text at `p` (a value or CDATA): its bytes and the position after it.
fn prefixed_text(chunk: &[u8], p: usize) -> Option<(&[u8], usize)> {
    let len = usize::from(u16_at(chunk, p)?);
    let start = p + 2;
    let end = start.checked_add(2 * len)?;
    Some((chunk.get(start..end)?, end))
}

/// Whether a value type is one MS-EVEN6 defines (and the crate reads): the scalars, handles,
/// BinXml, EvtXml and the arrays of the scalars.
fn known_type(value_type: u8) -> bool {
    matches!(value_type, 0x00..=0x15 | 0x20 | 0x21 | 0x23 | 0x81..=0x95)
}

/// One token of a template definition, as [`walk`] reads it; names and texts are UTF-16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'c> {
    /// An element starts.
    Open(&'c [u8]),
    /// An attribute of the element being started.
    Attribute(&'c [u8]),
    /// The start tag is complete.
    CloseStart,
    /// The start tag ends the element (an empty element).
    CloseEmpty,
    /// The end tag.
    End,
    /// Literal text.
    Text(&'c [u8]),
    /// A substitution, optional or not.
    Slot { index: u16, optional: bool },
    /// CDATA, a character or entity reference, a processing instruction: content this
    /// reader does not read.
    Other,
}

/// Walks the BinXml of the template definition at chunk offset `at` (next-link, GUID, size,
/// then its tokens), handing every token to `visit`. `None` when it is cut, holds a token or
/// value type not read here, or `visit` says so.
fn walk<'c>(
    chunk: &'c [u8],
    at: usize,
    mut visit: impl FnMut(Token<'c>) -> Option<()>,
) -> Option<()> {
    let size = usize::try_from(u32_at(chunk, at.checked_add(20)?)?).ok()?;
    let start = at + 24;
    let end = start.checked_add(size)?;
    if end > chunk.len() {
        return None;
    }
    let mut p = start;
    while p < end {
        let byte = *chunk.get(p)?;
        let token = byte & !token::MORE;
        p += 1;
        let read = match token {
            token::EOF => break,
            token::FRAGMENT_HEADER => {
                p += 3;
                continue;
            }
            token::OPEN_START => {
                // Dependency id (definitions only), data size, name.
                let (name, after) = name_ref(chunk, p + 6)?;
                p = after;
                if byte & token::MORE != 0 {
                    p += 4;
                }
                Token::Open(name)
            }
            token::ATTRIBUTE => {
                let (name, after) = name_ref(chunk, p)?;
                p = after;
                Token::Attribute(name)
            }
            token::CLOSE_START => Token::CloseStart,
            token::CLOSE_EMPTY => Token::CloseEmpty,
            token::END_ELEMENT => Token::End,
            token::VALUE => {
                if *chunk.get(p)? != kind::STRING {
                    return None;
                }
                let (text, after) = prefixed_text(chunk, p + 1)?;
                p = after;
                Token::Text(text)
            }
            token::SUBSTITUTION | token::OPTIONAL_SUBSTITUTION => {
                let index = u16_at(chunk, p)?;
                // The declared type, which the crate checks is one it knows.
                if !known_type(*chunk.get(p + 2)?) {
                    return None;
                }
                p += 3;
                Token::Slot {
                    index,
                    optional: token == token::OPTIONAL_SUBSTITUTION,
                }
            }
            token::CDATA | token::PI_DATA => {
                let (_, after) = prefixed_text(chunk, p)?;
                p = after;
                Token::Other
            }
            token::CHAR_REF => {
                p += 2;
                Token::Other
            }
            token::ENTITY_REF | token::PI_TARGET => {
                let (_, after) = name_ref(chunk, p)?;
                p = after;
                Token::Other
            }
            _ => return None,
        };
        visit(read)?;
    }
    Some(())
}

/// Writes what [`walk`] reads of the definition at `at` into `out` (cleared first), names and
/// texts resolved, so that two definitions with the same signature describe the same thing
/// wherever they are: a template repeated in every chunk of a log is read once. `None` when the
/// walk fails.
pub(crate) fn signature(chunk: &[u8], at: usize, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    let mut bytes = |tag: u8, bytes: &[u8]| {
        out.push(tag);
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    walk(chunk, at, |token| {
        match token {
            Token::Open(name) => bytes(1, name),
            Token::Attribute(name) => bytes(2, name),
            Token::CloseStart => bytes(3, &[]),
            Token::CloseEmpty => bytes(4, &[]),
            Token::End => bytes(8, &[]),
            Token::Text(text) => bytes(5, text),
            Token::Slot { index, optional } => {
                let [a, b] = index.to_le_bytes();
                bytes(6, &[a, b, u8::from(optional)]);
            }
            Token::Other => bytes(7, &[]),
        }
        Some(())
    })
}

/// Reads the template definition at chunk offset `at` (next-link, GUID, size, then its BinXml
/// with substitution tokens) and says where the values the reader decides on come from.
pub(crate) fn definition(chunk: &[u8], at: usize) -> Option<Definition> {
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    // The attribute being read, on the innermost open element (until its start tag closes).
    let mut attribute: Option<usize> = None;
    // Inside a start tag (between an element's name and the end of its attributes). Tokens out
    // of their place make the crate fail the record: such a definition is not read.
    let mut in_start = false;
    walk(chunk, at, |token| {
        let piece = match token {
            Token::Open(name) => {
                if elements.len() >= MAX_ELEMENTS || in_start {
                    return None;
                }
                in_start = true;
                let parent = open.last().copied();
                if let Some(parent) = parent {
                    elements.get_mut(parent)?.children += 1;
                }
                elements.push(Element {
                    name: utf16_text(name)?,
                    parent,
                    ..Element::default()
                });
                open.push(elements.len() - 1);
                attribute = None;
                return Some(());
            }
            Token::Attribute(name) => {
                if !in_start {
                    return None;
                }
                let element = elements.get_mut(*open.last()?)?;
                element.attributes.push((utf16_text(name)?, Vec::new()));
                attribute = Some(element.attributes.len() - 1);
                return Some(());
            }
            Token::CloseStart if in_start => {
                in_start = false;
                attribute = None;
                return Some(());
            }
            Token::CloseEmpty if in_start => {
                in_start = false;
                open.pop()?;
                attribute = None;
                return Some(());
            }
            Token::End if !in_start => {
                open.pop()?;
                return Some(());
            }
            Token::CloseStart | Token::CloseEmpty | Token::End => return None,
            Token::Text(text) => Piece::Text(utf16_text(text)?),
            Token::Slot { index, optional } => Piece::Slot {
                index: usize::from(index),
                optional,
            },
            Token::Other => Piece::Other,
        };
        // Text or a substitution outside any element, or in a start tag outside an attribute,
        // is not a shape read here.
        let element = elements.get_mut(*open.last()?)?;
        match (
            in_start,
            attribute.and_then(|a| element.attributes.get_mut(a)),
        ) {
            (true, Some((_, pieces))) => pieces.push(piece),
            (false, _) => element.content.push(piece),
            (true, None) => return None,
        }
        Some(())
    })?;
    // Every element closed.
    if in_start || !open.is_empty() {
        return None;
    }
    Some(describe(&elements))
}

/// The shape of a definition's elements ([`Shape`]).
fn shape(elements: &[Element]) -> Shape {
    // Only plain ASCII names: prefixed names are matched by their local part when read back,
    // and other characters may change in rendering or make the rendering unreadable.
    let plain = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !elements
        .iter()
        .all(|e| plain(&e.name) && e.attributes.iter().all(|(name, _)| plain(name)))
    {
        return Shape::Other;
    }
    let mut tops = elements
        .iter()
        .enumerate()
        .filter(|(_, e)| e.parent.is_none());
    let (Some((root, element)), None) = (tops.next(), tops.next()) else {
        return Shape::Other;
    };
    let children = || elements.iter().filter(move |e| e.parent == Some(root));
    let count = |name: &str| children().filter(|e| e.name == name).count();
    // `UserData` holding only the payload substitution.
    let user_data_payload = || {
        let mut user_data = children().filter(|e| e.name == "UserData");
        matches!(
            (user_data.next(), user_data.next()),
            (Some(e), None) if e.attributes.is_empty()
                && e.children == 0
                && matches!(e.content.as_slice(), [Piece::Slot { .. }])
        )
    };
    match element.name.as_str() {
        "EventData" if element.content.is_empty() => Shape::EventData,
        "Event"
            if count("System") == 1
                && count("RenderingInfo") == 0
                && match element.content.as_slice() {
                    [] => match (count("EventData"), count("UserData")) {
                        (0 | 1, 0) => true,
                        (0, 1) => user_data_payload(),
                        _ => false,
                    },
                    [Piece::Slot { .. }] => count("EventData") == 0 && count("UserData") == 0,
                    _ => false,
                } =>
        {
            Shape::Event
        }
        "Event" | "System" | "UserData" | "RenderingInfo" => Shape::Other,
        _ if element.content.is_empty()
            && element.attributes.iter().all(|(name, pieces)| {
                name == "xmlns" && matches!(pieces.as_slice(), [Piece::Text(_)])
            }) =>
        {
            Shape::UserDataRoot
        }
        _ => Shape::Other,
    }
}

/// The facts of a definition's elements.
fn describe(elements: &[Element]) -> Definition {
    let path_is = |index: usize, path: &[&str]| {
        let mut at = Some(index);
        for name in path.iter().rev() {
            match at.and_then(|i| elements.get(i)) {
                Some(e) if e.name == *name => at = e.parent,
                _ => return false,
            }
        }
        at.is_none()
    };
    let find = |path: &[&str]| {
        (0..elements.len())
            .find(|&i| path_is(i, path))
            .and_then(|i| elements.get(i))
    };
    let attribute = |path: &[&str], name: &str| match find(path) {
        None => Source::Absent,
        Some(e) => match e.attributes.iter().find(|(n, _)| n == name) {
            Some((_, pieces)) => source(pieces, 0),
            None => Source::Absent,
        },
    };
    let content = |path: &[&str]| match find(path) {
        None => Source::Absent,
        Some(e) => source(&e.content, e.children),
    };
    let only_slot = |path: &[&str]| {
        find(path).and_then(|e| match e.content.as_slice() {
            [Piece::Slot { index, .. }] => Some(*index),
            _ => None,
        })
    };
    let in_user_data = only_slot(&["Event", "UserData"]);
    let payload = only_slot(&["Event"]).or(in_user_data);
    let shape = shape(elements);
    let event_data = (0..elements.len())
        .find(|&i| path_is(i, &["EventData"]) || path_is(i, &["Event", "EventData"]));
    // The leaves of a UserData root: the root is the only top element.
    let user_data_root = (shape == Shape::UserDataRoot)
        .then(|| elements.iter().position(|e| e.parent.is_none()))
        .flatten();
    let fields = event_data.or(user_data_root).map(|parent| {
        let mut fields = Fields {
            items: Vec::new(),
            complete: true,
            root: user_data_root
                .and_then(|root| elements.get(root))
                .map(|root| root.name.clone()),
        };
        for child in elements.iter().filter(|e| e.parent == Some(parent)) {
            let item = match child.name.as_str() {
                // A leaf of a UserData root: named by its element, without attributes or
                // children of its own (those are paths, read by rendering).
                name if fields.root.is_some() => {
                    if !child.attributes.is_empty() || child.children != 0 {
                        fields.complete = false;
                        continue;
                    }
                    FieldItem::Named(name.into())
                }
                "Data" => {
                    let name = child.attributes.iter().find(|(n, _)| n == "Name");
                    match name.map(|(_, pieces)| pieces.as_slice()) {
                        Some([Piece::Text(name)]) if !name.is_empty() => {
                            FieldItem::Named(name.as_str().into())
                        }
                        // Unnamed (or empty-named) data become the positional `Data` list.
                        None | Some([]) => FieldItem::Positional,
                        Some(_) => {
                            fields.complete = false;
                            continue;
                        }
                    }
                }
                // Attributes of `Binary` would be fields of their own.
                "Binary" if child.attributes.is_empty() => FieldItem::Binary,
                _ => {
                    fields.complete = false;
                    continue;
                }
            };
            fields
                .items
                .push((item, source(&child.content, child.children)));
        }
        // A name written more than once is read as a run or renamed, and one with characters
        // rendering changes is read otherwise: never from one slot.
        let odd: Vec<bool> = fields
            .items
            .iter()
            .map(|(item, _)| {
                item.name().is_some_and(|name| {
                    !renders_as_is(name)
                        || fields
                            .items
                            .iter()
                            .filter(|(other, _)| other.name() == Some(name))
                            .count()
                            > 1
                })
            })
            .collect();
        for ((_, source), odd) in fields.items.iter_mut().zip(odd) {
            if odd {
                *source = Source::Complex;
            }
        }
        fields
    });
    let system = SYSTEM_VALUES
        .iter()
        .map(|&(element, attr, slot)| {
            let path = ["Event", "System", element];
            let written = (0..elements.len()).filter(|&i| path_is(i, &path)).count();
            let value = match (written, attr) {
                (0 | 1, Some(name)) => attribute(&path, name),
                (0 | 1, None) => content(&path),
                _ => Source::Complex,
            };
            (slot, value)
        })
        .collect();
    Definition {
        system,
        shape,
        payload,
        payload_in_user_data: payload.is_some() && payload == in_user_data,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes BinXml the way a chunk holds it, for the tests.
    #[derive(Default)]
    struct Chunk {
        bytes: Vec<u8>,
    }

    impl Chunk {
        fn u8(&mut self, v: u8) -> &mut Self {
            self.bytes.push(v);
            self
        }
        fn u16(&mut self, v: u16) -> &mut Self {
            self.bytes.extend(v.to_le_bytes());
            self
        }
        fn u32(&mut self, v: u32) -> &mut Self {
            self.bytes.extend(v.to_le_bytes());
            self
        }
        fn utf16(&mut self, s: &str) -> &mut Self {
            for u in s.encode_utf16() {
                self.u16(u);
            }
            self
        }
        /// A name written inline at the current position.
        fn inline_name(&mut self, name: &str) -> &mut Self {
            let here = self.bytes.len() as u32 + 4;
            self.u32(here)
                .u32(0)
                .u16(0)
                .u16(name.encode_utf16().count() as u16);
            self.utf16(name).u16(0)
        }
        fn open(&mut self, name: &str, attributes: bool) -> &mut Self {
            self.u8(if attributes { 0x41 } else { 0x01 })
                .u16(0xffff)
                .u32(0);
            self.inline_name(name);
            if attributes {
                self.u32(0);
            }
            self
        }
        fn attribute(&mut self, name: &str) -> &mut Self {
            self.u8(0x06).inline_name(name)
        }
        fn text(&mut self, s: &str) -> &mut Self {
            self.u8(0x05)
                .u8(kind::STRING)
                .u16(s.encode_utf16().count() as u16);
            self.utf16(s)
        }
        fn slot(&mut self, index: u16, value_kind: u8) -> &mut Self {
            self.u8(0x0d).u16(index).u8(value_kind)
        }
    }

    /// A System template as Windows writes it, with EventData inline.
    fn definition_chunk() -> (Vec<u8>, usize) {
        definition_chunk_after(100)
    }

    /// The test definition, written after `pad` bytes.
    fn definition_chunk_after(pad: usize) -> (Vec<u8>, usize) {
        let mut c = Chunk::default();
        c.bytes.resize(pad, 0);
        let at = c.bytes.len();
        c.u32(0).u32(0x1111_1111).u32(0).u32(0).u32(0).u32(0);
        let start = c.bytes.len();
        c.u8(0x0f).u8(1).u8(1).u8(0);
        c.open("Event", false).u8(0x02);
        c.open("System", false).u8(0x02);
        c.open("Provider", true)
            .attribute("Name")
            .text("Service Control Manager")
            .u8(0x03);
        c.open("EventID", false)
            .u8(0x02)
            .slot(3, kind::UINT16)
            .u8(0x04);
        c.open("TimeCreated", true)
            .attribute("SystemTime")
            .slot(6, kind::FILETIME)
            .u8(0x03);
        c.open("Channel", false).u8(0x02).text("System").u8(0x04);
        c.open("Computer", false)
            .u8(0x02)
            .slot(14, kind::STRING)
            .u8(0x04);
        c.u8(0x04);
        c.open("EventData", false).u8(0x02);
        c.open("Data", true)
            .attribute("Name")
            .text("param1")
            .u8(0x02)
            .slot(15, kind::STRING)
            .u8(0x04);
        c.open("Data", true)
            .attribute("Name")
            .text("param2")
            .u8(0x02)
            .u8(0x0e)
            .u16(16)
            .u8(kind::STRING)
            .u8(0x04);
        c.open("Binary", false)
            .u8(0x02)
            .slot(17, kind::BINARY)
            .u8(0x04);
        c.u8(0x04);
        c.u8(0x04).u8(0x00);
        let size = (c.bytes.len() - start) as u32;
        c.bytes.splice(at + 20..at + 24, size.to_le_bytes());
        (c.bytes, at)
    }

    #[test]
    fn reads_what_a_definition_says() {
        let (chunk, at) = definition_chunk();
        let d = definition(&chunk, at).unwrap();
        assert_eq!(
            *d.system(SystemSlot::Provider),
            Source::Literal("Service Control Manager".into())
        );
        assert_eq!(
            *d.system(SystemSlot::Channel),
            Source::Literal("System".into())
        );
        assert_eq!(
            *d.system(SystemSlot::Computer),
            Source::Slot {
                index: 14,
                optional: false
            }
        );
        assert_eq!(
            *d.system(SystemSlot::EventId),
            Source::Slot {
                index: 3,
                optional: false
            }
        );
        assert_eq!(
            *d.system(SystemSlot::Time),
            Source::Slot {
                index: 6,
                optional: false
            }
        );
        assert_eq!(d.payload, None);
        let fields = d.fields.unwrap();
        assert!(fields.complete);
        assert_eq!(
            *fields.source("param1"),
            Source::Slot {
                index: 15,
                optional: false
            }
        );
        assert_eq!(
            *fields.source("param2"),
            Source::Slot {
                index: 16,
                optional: true
            }
        );
        assert_eq!(
            *fields.source("Binary"),
            Source::Slot {
                index: 17,
                optional: false
            }
        );
        assert_eq!(*fields.source("LogonType"), Source::Absent);
        // Items in document order; the shape and the System values for the builder.
        let kinds: Vec<_> = fields.items.iter().map(|(item, _)| item.clone()).collect();
        assert_eq!(
            kinds,
            [
                FieldItem::Named("param1".into()),
                FieldItem::Named("param2".into()),
                FieldItem::Binary
            ]
        );
        assert_eq!(d.shape, Shape::Event);
        let system = |slot| d.system.iter().find(|(s, _)| *s == slot).map(|(_, v)| v);
        assert_eq!(
            system(SystemSlot::Computer),
            Some(&Source::Slot {
                index: 14,
                optional: false
            })
        );
        assert_eq!(system(SystemSlot::Level), Some(&Source::Absent));
    }

    #[test]
    fn utf16_is_decoded_as_the_crate_decodes_it() {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        for text in ["plain", "", "é→😀 mixed", "x\u{7f}"] {
            assert_eq!(utf16_text(&utf16(text)).as_deref(), Some(text));
        }
        // An unpaired surrogate; a NUL ends a string value.
        assert_eq!(utf16_text(&[0x00, 0xd8, 0x41, 0x00]), None);
        assert_eq!(until_nul(&utf16("ab\u{0}cd")), utf16("ab"));
        assert_eq!(until_nul(&[0x41, 0, 0x42]), [0x41, 0]);
        let value = Value {
            kind: kind::STRING,
            bytes: &utf16("Wer\u{0}junk"),
            at: 0,
        };
        assert_eq!(value.string().as_deref(), Some("Wer"));
        let items = |bytes: &'static [u8]| {
            Value {
                kind: kind::STRING_ARRAY,
                bytes,
                at: 0,
            }
            .string_items()
        };
        assert_eq!(items(b"A\0\0\0B\0\0\0"), Some(vec!["A".into(), "B".into()]));
        assert_eq!(items(b"A\0\0\0\0\0"), Some(vec!["A".into(), String::new()]));
        assert_eq!(items(b"A\0B\0"), None);
        assert_eq!(items(b""), None);
    }

    /// A definition whose BinXml `body` writes (after a fragment header, before EOF).
    fn definition_of(body: impl FnOnce(&mut Chunk)) -> (Vec<u8>, usize) {
        let mut c = Chunk::default();
        let at = c.bytes.len();
        c.u32(0).u32(0x1111_1111).u32(0).u32(0).u32(0).u32(0);
        let start = c.bytes.len();
        c.u8(0x0f).u8(1).u8(1).u8(0);
        body(&mut c);
        c.u8(0x00);
        let size = (c.bytes.len() - start) as u32;
        c.bytes.splice(at + 20..at + 24, size.to_le_bytes());
        (c.bytes, at)
    }

    #[test]
    fn tokens_out_of_their_place_are_not_read() {
        let read = |body: fn(&mut Chunk)| {
            let (chunk, at) = definition_of(body);
            definition(&chunk, at)
        };
        // <A x="1"><B/></A>: read.
        assert!(
            read(|c| {
                c.open("A", true).attribute("x").text("1").u8(0x02);
                c.open("B", false).u8(0x03).u8(0x04);
            })
            .is_some()
        );
        // An element started inside a start tag.
        assert!(
            read(|c| {
                c.open("A", true).open("B", false).u8(0x03).u8(0x03);
            })
            .is_none()
        );
        // An attribute in content.
        assert!(
            read(|c| {
                c.open("A", false)
                    .u8(0x02)
                    .attribute("x")
                    .text("1")
                    .u8(0x04);
            })
            .is_none()
        );
        // An end tag inside a start tag, text in a start tag outside an attribute.
        assert!(
            read(|c| {
                c.open("A", false).u8(0x04);
            })
            .is_none()
        );
        assert!(
            read(|c| {
                c.open("A", false).text("t").u8(0x03);
            })
            .is_none()
        );
        // An element never closed.
        assert!(
            read(|c| {
                c.open("A", false).u8(0x02).text("t");
            })
            .is_none()
        );
        // A substitution of a type MS-EVEN6 does not define.
        assert!(
            read(|c| {
                c.open("A", false).u8(0x02).slot(0, 0x19).u8(0x04);
            })
            .is_none()
        );
        assert!(
            read(|c| {
                c.open("A", false).u8(0x02).slot(0, kind::STRING).u8(0x04);
            })
            .is_some()
        );
    }

    #[test]
    fn names_other_than_plain_ascii_are_not_built() {
        let (chunk, at) = definition_chunk();
        assert_eq!(definition(&chunk, at).unwrap().shape, Shape::Event);
        let utf16: Vec<u8> = "Channel"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let name = chunk.windows(utf16.len()).position(|w| w == utf16).unwrap();
        for odd in [' ', '=', ':', 'é', '\u{0}'] {
            let mut c = chunk.clone();
            let [a, b] = (odd as u16).to_le_bytes();
            c[name + 2] = a;
            c[name + 3] = b;
            assert_eq!(definition(&c, at).unwrap().shape, Shape::Other, "{odd:?}");
        }
    }

    #[test]
    fn signatures_are_the_same_wherever_a_definition_is() {
        let (a, at_a) = definition_chunk_after(100);
        let (b, at_b) = definition_chunk_after(333);
        let (mut sig_a, mut sig_b) = (Vec::new(), Vec::new());
        signature(&a, at_a, &mut sig_a).unwrap();
        signature(&b, at_b, &mut sig_b).unwrap();
        assert_eq!(sig_a, sig_b);
        assert_ne!(
            a.get(at_a..),
            b.get(at_b..),
            "the inline name offsets differ"
        );
        // Another literal: another signature.
        let utf16: Vec<u8> = "System".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let at = b.windows(utf16.len()).rposition(|w| w == utf16).unwrap();
        let mut c = b.clone();
        c[at] = b'Z';
        let mut sig_c = Vec::new();
        signature(&c, at_b, &mut sig_c).unwrap();
        assert_ne!(sig_b, sig_c);
        // A cut definition has none.
        assert!(signature(b.get(..b.len() - 5).unwrap(), at_b, &mut sig_c).is_none());
    }

    #[test]
    fn repeated_or_odd_data_names_are_never_read_from_one_slot() {
        let mut c = Chunk::default();
        let at = c.bytes.len();
        c.u32(0).u32(0x1111_1111).u32(0).u32(0).u32(0).u32(0);
        let start = c.bytes.len();
        c.u8(0x0f).u8(1).u8(1).u8(0);
        c.open("EventData", false).u8(0x02);
        for (index, name) in ["a", "a", "b", "c\u{0}d"].iter().enumerate() {
            c.open("Data", true)
                .attribute("Name")
                .text(name)
                .u8(0x02)
                .slot(index as u16, kind::STRING)
                .u8(0x04);
        }
        c.u8(0x04).u8(0x00);
        let size = (c.bytes.len() - start) as u32;
        c.bytes.splice(at + 20..at + 24, size.to_le_bytes());
        let d = definition(&c.bytes, at).unwrap();
        assert_eq!(d.shape, Shape::EventData);
        let sources: Vec<_> = d
            .fields
            .unwrap()
            .items
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(
            sources,
            [
                Source::Complex,
                Source::Complex,
                Source::Slot {
                    index: 2,
                    optional: false
                },
                // A name with a character rendering changes.
                Source::Complex
            ]
        );
    }

    /// What [`definition`] reads of the definition `body` writes ([`definition_of`]).
    fn lone_definition(body: impl FnOnce(&mut Chunk)) -> Option<Definition> {
        let (bytes, at) = definition_of(body);
        definition(&bytes, at)
    }

    #[test]
    fn user_data_roots_of_plain_leaves_are_read() {
        // <EventXML xmlns="Event_NS"><User>%0</User><Session>%1</Session><Note/></EventXML>
        let d = lone_definition(|c| {
            c.open("EventXML", true)
                .attribute("xmlns")
                .text("Event_NS")
                .u8(0x02);
            c.open("User", false)
                .u8(0x02)
                .slot(0, kind::STRING)
                .u8(0x04);
            c.open("Session", false)
                .u8(0x02)
                .slot(1, kind::UINT32)
                .u8(0x04);
            c.open("Note", false).u8(0x03);
            c.u8(0x04);
        })
        .unwrap();
        assert_eq!(d.shape, Shape::UserDataRoot);
        let fields = d.fields.unwrap();
        assert!(fields.complete);
        assert_eq!(fields.root.as_deref(), Some("EventXML"));
        let slot = |index| Source::Slot {
            index,
            optional: false,
        };
        assert_eq!(
            fields.items,
            [
                (FieldItem::Named("User".into()), slot(0)),
                (FieldItem::Named("Session".into()), slot(1)),
                (FieldItem::Named("Note".into()), Source::Absent),
            ]
        );

        // A leaf with an attribute, or a deeper tree, is a path: not read as a leaf.
        let d = lone_definition(|c| {
            c.open("Root", false).u8(0x02);
            c.open("Leaf", true)
                .attribute("value")
                .slot(0, kind::STRING)
                .u8(0x03);
            c.open("Branch", false).u8(0x02);
            c.open("Twig", false)
                .u8(0x02)
                .slot(1, kind::STRING)
                .u8(0x04);
            c.u8(0x04);
            c.u8(0x04);
        })
        .unwrap();
        assert_eq!(d.shape, Shape::UserDataRoot);
        assert!(!d.fields.unwrap().complete);

        // A root with an attribute other than xmlns, or with text of its own, is rendered.
        let d = lone_definition(|c| {
            c.open("Root", true).attribute("kind").text("k").u8(0x02);
            c.u8(0x04);
        })
        .unwrap();
        assert_eq!(d.shape, Shape::Other);
        let d = lone_definition(|c| {
            c.open("Root", false).u8(0x02).text("own").u8(0x04);
        })
        .unwrap();
        assert_eq!(d.shape, Shape::Other);
    }

    #[test]
    fn an_event_may_hold_its_payload_in_user_data() {
        let event = |user_data: &dyn Fn(&mut Chunk)| {
            lone_definition(|c| {
                c.open("Event", false).u8(0x02);
                c.open("System", false).u8(0x02);
                c.open("EventID", false)
                    .u8(0x02)
                    .slot(3, kind::UINT16)
                    .u8(0x04);
                c.u8(0x04);
                user_data(c);
                c.u8(0x04);
            })
            .unwrap()
        };
        // <UserData>%17</UserData>: the payload, whose template must be a UserData root.
        let d = event(&|c| {
            c.open("UserData", false)
                .u8(0x02)
                .u8(0x0e)
                .u16(17)
                .u8(kind::BINXML)
                .u8(0x04);
        });
        assert_eq!(d.shape, Shape::Event);
        assert_eq!(d.payload, Some(17));
        assert!(d.payload_in_user_data);
        // Anything more in UserData: rendered.
        let d = event(&|c| {
            c.open("UserData", false)
                .u8(0x02)
                .slot(17, kind::BINXML)
                .text("x")
                .u8(0x04);
        });
        assert_eq!(d.shape, Shape::Other);
        // The payload directly in Event (the EventData form).
        let d = event(&|c| {
            c.slot(17, kind::BINXML);
        });
        assert_eq!(
            (d.shape, d.payload, d.payload_in_user_data),
            (Shape::Event, Some(17), false)
        );
    }

    #[test]
    fn cut_or_odd_definitions_are_not_read() {
        let (chunk, at) = definition_chunk();
        for cut in [at + 10, at + 30, chunk.len() - 5] {
            assert!(
                definition(chunk.get(..cut).unwrap(), at).is_none(),
                "cut at {cut}"
            );
        }
        let mut odd = chunk.clone();
        // An unknown token in the middle.
        odd[at + 28] = 0x3f;
        assert!(definition(&odd, at).is_none());
        assert!(definition(&chunk, usize::MAX - 3).is_none());
    }

    #[test]
    fn reads_an_instance_and_its_values() {
        let mut c = Chunk::default();
        c.bytes.resize(40, 0);
        let at = c.bytes.len();
        c.u8(0x0f).u8(1).u8(1).u8(0);
        c.u8(0x0c).u8(1).u32(7).u32(40);
        c.u32(3);
        c.u16(2).u8(kind::UINT16).u8(0);
        c.u16(8).u8(kind::STRING).u8(0);
        c.u16(0).u8(kind::NULL).u8(0);
        c.u16(7036).utf16("Wer\0");
        let mut values = Vec::new();
        let read = instance(&c.bytes, at, &mut values).unwrap();
        assert_eq!(read.definition, 40);
        assert_eq!(read.end, c.bytes.len());
        assert!(read.ends(&c.bytes, &(at..c.bytes.len())));
        // Followed by the end-of-stream token, or by more content.
        for (next, ends) in [(0x00, true), (0x81, false)] {
            let mut longer = c.bytes.clone();
            longer.push(next);
            assert_eq!(read.ends(&longer, &(at..longer.len())), ends);
        }
        assert_eq!(values.len(), 3);
        assert_eq!(values[0].u16(), Some(7036));
        assert_eq!(values[1].string().as_deref(), Some("Wer"));
        assert_eq!(values[1].text().as_deref(), Some("Wer"));
        assert_eq!(values[2].text().as_deref(), Some(""));
        // A value the crate reads past its declared size (a 16-bit id declared one byte long)
        // puts the later values elsewhere: no instance.
        let mut short = c.bytes.clone();
        short[at + 18] = 1;
        assert!(instance(&short, at, &mut Vec::new()).is_none());
        // Cut anywhere: no instance, no panic.
        for cut in 0..c.bytes.len() {
            let mut v = Vec::new();
            let _ = instance(c.bytes.get(..cut).unwrap(), at.min(cut), &mut v);
        }
    }

    #[test]
    fn values_render_as_the_crate_renders_them() {
        let text =
            |kind: u8, bytes: &[u8]| Value { kind, bytes, at: 0 }.text().map(|t| t.into_owned());
        assert_eq!(
            text(kind::UINT32, &10u32.to_le_bytes()).as_deref(),
            Some("10")
        );
        assert_eq!(
            text(kind::INT32, &(-5i32).to_le_bytes()).as_deref(),
            Some("-5")
        );
        assert_eq!(
            text(kind::HEX_INT32, &0x8009_0016u32.to_le_bytes()).as_deref(),
            Some("0x80090016")
        );
        assert_eq!(
            text(kind::HEX_INT64, &0u64.to_le_bytes()).as_deref(),
            Some("0x0")
        );
        assert_eq!(
            text(kind::BINARY, &[0x57, 0, 0x2f, 0xab]).as_deref(),
            Some("57002FAB")
        );
        let guid = [
            0x82, 0x44, 0x6e, 0x54, 0x62, 0x6a, 0x53, 0x46, 0x84, 0x4c, 0x97, 0xb1, 0x2f, 0x78,
            0x68, 0x5e,
        ];
        assert_eq!(
            text(kind::GUID, &guid).as_deref(),
            Some("{546e4482-6a62-4653-844c-97b12f78685e}")
        );
        let sid = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0];
        assert_eq!(text(kind::SID, &sid).as_deref(), Some("S-1-5-32-544"));
        assert_eq!(
            text(kind::FILETIME, &132_000_000_000_000_123u64.to_le_bytes()).as_deref(),
            Some("2019-04-17T18:40:00.0000123Z")
        );
        assert_eq!(
            text(kind::FILETIME, &0u64.to_le_bytes()).as_deref(),
            Some("1601-01-01T00:00:00.0000000Z")
        );
        assert_eq!(
            text(kind::BOOL, &1u32.to_le_bytes()).as_deref(),
            Some("true")
        );
        assert_eq!(
            text(kind::BOOL, &0u32.to_le_bytes()).as_deref(),
            Some("false")
        );
        assert_eq!(text(kind::BOOL, &7u32.to_le_bytes()).as_deref(), Some("7"));
        assert_eq!(
            text(kind::SIZE_T, &0x1f0u64.to_le_bytes()).as_deref(),
            Some("0x1f0")
        );
        // Wrong sizes, control characters, unpaired surrogates, far-future times: left to
        // rendering.
        assert_eq!(text(kind::UINT32, &[1, 2]), None);
        assert_eq!(text(kind::STRING, &[0x41, 0, 0x01, 0]), None);
        assert_eq!(text(kind::GUID, &[0; 15]), None);
        assert_eq!(text(kind::SID, &sid[..12]), None);
        assert_eq!(text(kind::STRING, &[0x00, 0xd8]), None);
        assert_eq!(
            text(kind::FILETIME, &FIRST_FILETIME_PAST_9999.to_le_bytes()),
            None
        );
    }

    #[test]
    fn values_read_as_declared() {
        assert!(read_as_declared(kind::UINT16, &[1, 0]));
        assert!(!read_as_declared(kind::UINT16, &[1]));
        assert!(!read_as_declared(kind::GUID, &[0; 15]));
        assert!(!read_as_declared(kind::FILETIME, &[0; 9]));
        // S-1-5-18: one sub-authority.
        let system = [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];
        assert!(read_as_declared(kind::SID, &system));
        assert!(!read_as_declared(kind::SID, &system[..8]));
        assert!(!read_as_declared(kind::SID, &[]));
        assert!(read_as_declared(kind::STRING_ARRAY, &[0x41, 0, 0, 0]));
        assert!(read_as_declared(kind::STRING_ARRAY, &[]));
        assert!(!read_as_declared(kind::STRING_ARRAY, &[0x41, 0]));
        assert!(!read_as_declared(kind::STRING_ARRAY, &[0x41, 0, 0]));
        assert!(read_as_declared(kind::STRING, &[0x41]));
        assert!(read_as_declared(kind::NULL, &[0; 3]));
    }

    #[test]
    fn walks_record_headers() {
        let mut chunk = vec![0u8; CHUNK_HEADER_SIZE];
        for id in [5u64, 6] {
            let size = 24 + 8 + 4;
            chunk.extend(RECORD_MAGIC);
            chunk.extend((size as u32).to_le_bytes());
            chunk.extend(id.to_le_bytes());
            chunk.extend(132_000_000_000_000_000u64.to_le_bytes());
            chunk.extend([0x0f, 1, 1, 0, 0, 0, 0, 0]);
            chunk.extend((size as u32).to_le_bytes());
        }
        let end = chunk.len() as u32;
        let found = records(&chunk, end, 6).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].id, 6);
        assert_eq!(
            found[0].binxml,
            CHUNK_HEADER_SIZE + 24..CHUNK_HEADER_SIZE + 32
        );
        // A bad magic before the free space: left to the crate.
        let mut bad = chunk.clone();
        bad[CHUNK_HEADER_SIZE + 36] = b'x';
        assert!(records(&bad, end, 6).is_none());
        // Free space beyond the data, cut chunks: no panic.
        for cut in 0..chunk.len() {
            let _ = records(chunk.get(..cut).unwrap(), u32::MAX, 6);
        }
    }
}
