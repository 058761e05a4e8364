//! What the text readers (XML export, evtx_dump JSON/JSONL, pfirewall.log) share: decoding an
//! input written as UTF-8 (with or without BOM) or UTF-16 (LE/BE, with or without BOM) into one
//! UTF-8 stream, reading lines with a length cap (an over-long line is skipped without being
//! held in memory), and collecting raw records into events with their located report.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use crate::event::{Event, Locator, SourceRef, Timestamp, parse_u64};
use crate::input::{InputError, InputReport, MAX_ERRORS_PER_INPUT, Source};
use crate::reader::{ReadOptions, ReadOutcome};
use crate::record::{Normalised, RawRecord};

/// Longest record (XML element, JSON object or line) a text reader holds; longer ones are
/// reported and skipped.
pub(crate) const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// Read buffer size of the decoded stream.
const BUFFER_BYTES: usize = 256 * 1024;

/// How an input's bytes encode its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    /// UTF-8 (or ASCII), with or without BOM.
    Utf8,
    /// UTF-16 little-endian.
    Utf16Le,
    /// UTF-16 big-endian.
    Utf16Be,
}

/// An input decoded to UTF-8.
pub(crate) struct DecodedText {
    /// The encoding found.
    pub encoding: TextEncoding,
    /// Bytes of byte-order mark skipped.
    pub bom_len: u64,
    /// The UTF-8 text.
    pub reader: Box<dyn BufRead + Send>,
}

/// The input offset of a position in the decoded stream, when the two coincide (UTF-8).
pub(crate) fn input_offset(encoding: TextEncoding, bom_len: u64, decoded: u64) -> Option<u64> {
    (encoding == TextEncoding::Utf8).then_some(decoded + bom_len)
}

/// Recognises the encoding from the first bytes and returns the text as a UTF-8 stream.
pub(crate) fn decode(mut read: Box<dyn Read + Send>) -> io::Result<DecodedText> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match read.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = &head[..got];
    let (encoding, bom) = sniff_encoding(head);
    let rest = head.get(bom..).unwrap_or_default().to_vec();
    let chained = io::Cursor::new(rest).chain(read);
    let reader: Box<dyn BufRead + Send> = match encoding {
        TextEncoding::Utf8 => Box::new(BufReader::with_capacity(BUFFER_BYTES, chained)),
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => Box::new(BufReader::with_capacity(
            BUFFER_BYTES,
            Utf16Decoder::new(chained, encoding == TextEncoding::Utf16Le),
        )),
    };
    Ok(DecodedText {
        encoding,
        bom_len: bom as u64,
        reader,
    })
}

/// The encoding and BOM length of an input from its first (up to four) bytes.
fn sniff_encoding(head: &[u8]) -> (TextEncoding, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (TextEncoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (TextEncoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (TextEncoding::Utf16Be, 2),
        // No BOM: ASCII characters interleaved with zero bytes.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => (TextEncoding::Utf16Le, 0),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => (TextEncoding::Utf16Be, 0),
        _ => (TextEncoding::Utf8, 0),
    }
}

/// Streams UTF-16 as UTF-8. Unpaired surrogates and a dangling odd byte become U+FFFD.
struct Utf16Decoder<R> {
    inner: R,
    little_endian: bool,
    raw: Vec<u8>,
    /// Raw bytes kept for the next round: an odd byte, or a high surrogate at a chunk's end.
    carry: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Utf16Decoder<R> {
    fn new(inner: R, little_endian: bool) -> Self {
        Utf16Decoder {
            inner,
            little_endian,
            raw: vec![0; 64 * 1024],
            carry: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    fn unit(&self, pair: &[u8]) -> u16 {
        let bytes = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        if self.little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        }
    }

    /// Decodes the next chunk into `out`; false at the end of input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.eof {
                if self.carry.is_empty() {
                    return Ok(false);
                }
                // A lone trailing byte or high surrogate.
                self.carry.clear();
                self.out.extend_from_slice("\u{fffd}".as_bytes());
                return Ok(true);
            }
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
                continue;
            }
            let mut bytes = std::mem::take(&mut self.carry);
            bytes.extend_from_slice(self.raw.get(..n).unwrap_or_default());
            let whole = bytes.len() - bytes.len() % 2;
            let mut units: Vec<u16> = bytes
                .get(..whole)
                .unwrap_or_default()
                .chunks_exact(2)
                .map(|pair| self.unit(pair))
                .collect();
            let mut carry: Vec<u8> = bytes.get(whole..).unwrap_or_default().to_vec();
            // A high surrogate at the end may pair with the next chunk's first unit.
            if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                units.pop();
                let mut kept = bytes.get(whole - 2..whole).unwrap_or_default().to_vec();
                kept.extend_from_slice(&carry);
                carry = kept;
            }
            self.carry = carry;
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let available = self.out.get(self.out_pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// One line read by [`Lines`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// 1-based line number.
    pub number: u64,
    /// Offset of the line's first byte in the decoded stream.
    pub offset: u64,
    /// The line's full length when it was longer than the cap (its bytes were not kept).
    pub too_long: Option<u64>,
}

/// Reads lines of at most `cap` bytes; a longer line is consumed without being held and
/// reported through [`Line::too_long`]. Line ends (`\n`, `\r\n`) are removed.
pub(crate) struct Lines<R> {
    reader: R,
    number: u64,
    offset: u64,
    cap: usize,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`, each at most `cap` bytes.
    pub fn new(reader: R, cap: usize) -> Self {
        Lines {
            reader,
            number: 0,
            offset: 0,
            cap,
        }
    }

    /// The next line into `buf` (cleared first); `None` at the end of input.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
        buf.clear();
        let start = self.offset;
        let mut total: u64 = 0;
        let mut any = false;
        let mut overflow = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (piece, used, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (available.get(..i).unwrap_or_default(), i + 1, true),
                None => (available, available.len(), false),
            };
            if !overflow {
                if buf.len() + piece.len() <= self.cap {
                    buf.extend_from_slice(piece);
                } else {
                    overflow = true;
                    buf.clear();
                }
            }
            total += used as u64;
            self.reader.consume(used);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number += 1;
        self.offset += total;
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Line {
            number: self.number,
            offset: start,
            too_long: overflow.then_some(total),
        }))
    }
}

/// Where in a text input something was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Place {
    /// 1-based line.
    pub line: u64,
    /// Byte offset in the input, when known (UTF-8 inputs).
    pub offset: Option<u64>,
}

impl Place {
    fn locate(self, error: InputError) -> InputError {
        let error = error.at_line(self.line);
        match self.offset {
            Some(offset) => error.at_offset(offset),
            None => error,
        }
    }
}

/// Turns the raw records of one text input into kept events, counts and coverage.
pub(crate) struct Collector<'s> {
    source: &'s Source,
    input: Arc<str>,
    opts: ReadOptions<'s>,
    events: Vec<Event>,
    report: InputReport,
}

impl<'s> Collector<'s> {
    /// A collector for `source`.
    pub fn new(source: &'s Source, opts: &ReadOptions<'s>) -> Self {
        Collector {
            source,
            input: source.display.clone(),
            opts: *opts,
            events: Vec::new(),
            report: InputReport::new(source),
        }
    }

    /// Counts a record read, notes its coverage and keeps it when catalogued.
    pub fn record(&mut self, raw: RawRecord, place: Place) {
        self.report.records += 1;
        let host_hint = self.source.host_hint.as_deref();
        let computer = raw
            .system
            .computer
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if self.report.host.is_none() {
            self.report.host = computer.map(str::to_string);
        }
        let time = raw
            .system
            .time
            .as_deref()
            .and_then(Timestamp::parse)
            .or(raw.system.timestamp);
        let channel = raw
            .system
            .channel
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let (Some(channel), Some(time)) = (channel, time) {
            let host = computer.or(host_hint).unwrap_or("");
            self.report.saw(channel, host, time);
        }
        let record_id = raw.system.record_id.as_deref().and_then(parse_u64);
        let source = SourceRef {
            input: self.input.clone(),
            locator: Locator::Line(place.line),
        };
        match raw.normalise(self.opts.catalog, source, host_hint) {
            Ok(Normalised::Event(event)) => {
                self.report.kept += 1;
                self.events.push(*event);
            }
            Ok(Normalised::NotCatalogued) => {}
            Err(problem) => self.problem(problem.to_string(), place, record_id),
        }
    }

    /// Counts a record read and notes its coverage without keeping it (a text log line the
    /// reader filtered out itself).
    pub fn counted(&mut self, channel: &str, time: Timestamp) {
        self.report.records += 1;
        let host = self.source.host_hint.as_deref().unwrap_or("");
        self.report.saw(channel, host, time);
    }

    /// Says how the input's times were read (see [`InputReport::time_basis`]).
    pub fn set_time_basis(&mut self, basis: String) {
        self.report.time_basis = Some(basis);
    }

    /// Counts a record that was read but could not be used.
    pub fn failed(&mut self, message: String, place: Place, record_id: Option<u64>) {
        self.report.records += 1;
        self.problem(message, place, record_id);
    }

    /// A problem that is not a record (an unreadable stretch, an I/O error).
    pub fn problem(&mut self, message: String, place: Place, record_id: Option<u64>) {
        let mut error = place.locate(InputError::new(message));
        if let Some(id) = record_id {
            error = error.at_record(id);
        }
        self.report.error(error);
    }

    /// A note that does not count as a failure (data kept, but altered on the way).
    pub fn warn(&mut self, message: String, place: Place) {
        if self.report.errors.len() < MAX_ERRORS_PER_INPUT {
            self.report
                .errors
                .push(place.locate(InputError::new(message)));
        }
    }

    /// The kept events and the report.
    pub fn finish(self) -> ReadOutcome {
        ReadOutcome {
            events: self.events,
            report: self.report,
        }
    }
}

/// Text of a record's bytes: borrowed when valid UTF-8, else with U+FFFD replacements (and
/// `true`).
pub(crate) fn utf8_lossy(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), false),
        Err(_) => (String::from_utf8_lossy(bytes), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded_string(bytes: Vec<u8>) -> (TextEncoding, String) {
        let mut d = decode(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut s = String::new();
        d.reader.read_to_string(&mut s).unwrap();
        (d.encoding, s)
    }

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut units: Vec<u16> = Vec::new();
        if bom {
            units.push(0xFEFF);
        }
        units.extend(text.encode_utf16());
        units
            .into_iter()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    }

    #[test]
    fn decodes_every_encoding_windows_writes() {
        let text = "<Events>\r\n<Event>日本 😀 é</Event></Events>";
        assert_eq!(
            decoded_string(text.as_bytes().to_vec()),
            (TextEncoding::Utf8, text.to_string())
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decoded_string(bom), (TextEncoding::Utf8, text.to_string()));
        for (le, bom, encoding) in [
            (true, true, TextEncoding::Utf16Le),
            (true, false, TextEncoding::Utf16Le),
            (false, true, TextEncoding::Utf16Be),
            (false, false, TextEncoding::Utf16Be),
        ] {
            assert_eq!(
                decoded_string(utf16(text, le, bom)),
                (encoding, text.to_string())
            );
        }
        assert_eq!(
            decoded_string(Vec::new()),
            (TextEncoding::Utf8, String::new())
        );
    }

    #[test]
    fn utf16_surrogates_across_chunks_and_damage() {
        // Long enough to cross the decoder's 64 KiB chunks at every alignment.
        let text: String = std::iter::repeat_n("a😀", 40_000).collect();
        let (_, s) = decoded_string(utf16(&text, true, true));
        assert_eq!(s, text);
        // A lone high surrogate and an odd trailing byte.
        let mut bytes = utf16("ab", true, true);
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&utf16("c", true, false));
        bytes.push(0x41);
        let (_, s) = decoded_string(bytes);
        assert_eq!(s, "ab\u{fffd}c\u{fffd}");
    }

    #[test]
    fn lines_are_capped_without_holding_them() {
        let mut input = b"first\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100_000));
        input.extend_from_slice(b"\nthird\nlast-without-newline");
        let mut lines = Lines::new(BufReader::with_capacity(1024, &input[..]), 4096);
        let mut buf = Vec::new();
        let l = lines.next_line(&mut buf).unwrap().unwrap();
        assert_eq!(
            (l.number, l.offset, l.too_long, &buf[..]),
            (1, 0, None, &b"first"[..])
        );
        let l = lines.next_line(&mut buf).unwrap().unwrap();
        assert_eq!((l.number, l.offset, l.too_long), (2, 7, Some(100_001)));
        assert!(buf.is_empty());
        let l = lines.next_line(&mut buf).unwrap().unwrap();
        assert_eq!((l.number, &buf[..]), (3, &b"third"[..]));
        let l = lines.next_line(&mut buf).unwrap().unwrap();
        assert_eq!((l.number, &buf[..]), (4, &b"last-without-newline"[..]));
        assert_eq!(lines.next_line(&mut buf).unwrap(), None);
    }
}
