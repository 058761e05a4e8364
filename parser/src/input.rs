//! Inputs: what a source is, how its format is recognised, and what reading it reported.
//!
//! A [`Source`] is one log to read — a file on disk or a member of a zip archive — with the
//! format recognised from its first bytes (never from its extension) and a host hint taken
//! from the bundle layout. Reading it yields an [`InputReport`]: records read, kept and failed,
//! located errors, and the channels and time span it covers (the coverage summary's raw data).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::event::Timestamp;

/// A log format, recognised by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Windows Vista+ binary event log (`ElfFile\0` magic).
    Evtx,
    /// Windows XP/2003 binary event log (`LfLe` magic): recognised, not supported.
    LegacyEvt,
    /// Event Viewer "Save as XML" or `wevtutil qe /f:xml` (an `<Events>` wrapper or bare `<Event>`s).
    XmlExport,
    /// `evtx_dump -o json` (pretty objects, optionally preceded by `Record N` lines) or a JSON array.
    EvtxDumpJson,
    /// `evtx_dump -o jsonl`: one JSON object per line.
    JsonLines,
    /// Windows Firewall text log (`pfirewall.log`).
    FirewallLog,
    /// A zip archive (KAPE / Velociraptor collection).
    Zip,
    /// Nothing rdpsleuth reads.
    Unknown,
}

impl Format {
    /// Recognises a format from the first bytes of an input (4 KiB is plenty).
    pub fn sniff(head: &[u8]) -> Format {
        if head.starts_with(b"ElfFile\0") {
            return Format::Evtx;
        }
        if head.len() >= 8 && &head[4..8] == b"LfLe" {
            return Format::LegacyEvt;
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            return Format::Zip;
        }
        let text = decode_head(head);
        let trimmed = text.trim_start();
        if trimmed.starts_with("#Version:")
            || trimmed.starts_with("#Software: Microsoft Windows Firewall")
        {
            return Format::FirewallLog;
        }
        if trimmed.starts_with('<') {
            let lower = trimmed.to_ascii_lowercase();
            if lower.contains("<event") || lower.contains("<events") {
                return Format::XmlExport;
            }
            return Format::Unknown;
        }
        if let Some(rest) = trimmed.strip_prefix("Record ") {
            // `evtx_dump` prints `Record N` before each record of its XML output too.
            let next = rest
                .lines()
                .skip(1)
                .map(str::trim_start)
                .find(|l| !l.is_empty());
            if next.is_some_and(|l| l.starts_with('<')) {
                return Format::XmlExport;
            }
            return Format::EvtxDumpJson;
        }
        if trimmed.starts_with('[') {
            return Format::EvtxDumpJson;
        }
        if trimmed.starts_with('{') {
            // One compact object per line is JSONL; a pretty-printed object spans lines.
            let first_line = trimmed.lines().next().unwrap_or("").trim_end();
            if first_line.ends_with('}') && first_line.len() > 2 {
                return Format::JsonLines;
            }
            return Format::EvtxDumpJson;
        }
        Format::Unknown
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Evtx => "EVTX",
            Format::LegacyEvt => "legacy EVT",
            Format::XmlExport => "XML export",
            Format::EvtxDumpJson => "evtx_dump JSON",
            Format::JsonLines => "JSONL",
            Format::FirewallLog => "pfirewall.log",
            Format::Zip => "zip archive",
            Format::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text of the first bytes, tolerating a UTF-8 BOM and UTF-16 (Event Viewer writes both).
pub fn decode_head(head: &[u8]) -> String {
    if let Some(rest) = head.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |bytes: &[u8], le: bool| -> String {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = head.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = head.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    // UTF-16LE without BOM: ASCII letters interleaved with zero bytes.
    if head.len() >= 4 && head[1] == 0 && head[3] == 0 && head[0] != 0 {
        return utf16(head, true);
    }
    String::from_utf8_lossy(head).into_owned()
}

/// Where a source's bytes live.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A file on disk.
    File(PathBuf),
    /// A member of a zip archive on disk (read into memory, within the archive limits).
    ZipMember {
        /// The archive.
        archive: PathBuf,
        /// The member's index in the archive.
        index: usize,
        /// The member's name as stored.
        name: String,
    },
    /// A member of a zip archive that is itself a member of a zip archive on disk (archives
    /// are opened one level deep, in memory).
    NestedZipMember {
        /// The archive on disk.
        archive: PathBuf,
        /// The inner archive's index in the outer one.
        outer_index: usize,
        /// The inner archive's name as stored in the outer one.
        outer_name: String,
        /// The member's index in the inner archive.
        index: usize,
        /// The member's name as stored in the inner archive.
        name: String,
    },
}

/// The opened bytes of a source: a file handle, or an archive member read into memory.
#[derive(Debug)]
pub enum SourceData {
    /// An open file (EVTX is read with seeks; text formats stream).
    File(std::fs::File),
    /// An archive member, decompressed within the archive limits.
    Bytes(Vec<u8>),
}

impl SourceData {
    /// A sequential reader over the bytes.
    pub fn into_read(self) -> Box<dyn std::io::Read + Send> {
        match self {
            SourceData::File(f) => Box::new(f),
            SourceData::Bytes(b) => Box::new(std::io::Cursor::new(b)),
        }
    }
}

/// One log to read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Source {
    /// How the input is shown in messages and evidence: a path, or `archive.zip!member`.
    pub display: Arc<str>,
    /// Where the bytes are.
    pub location: Location,
    /// The recognised format.
    pub format: Format,
    /// The host the bundle layout suggests (a collection folder name), for logs that do not
    /// name their computer (pfirewall.log) and for reports.
    pub host_hint: Option<String>,
    /// Size in bytes (uncompressed for archive members).
    pub size: u64,
}

/// The file name of an input as displayed: the last component of its path or of its archive
/// member (`case.zip!logs/System.evtx` → `System.evtx`), with `/` or `\\` separators.
pub fn file_name_of(display: &str) -> &str {
    display.rsplit(['/', '\\', '!']).next().unwrap_or(display)
}

/// A problem met while reading an input, with its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    /// What went wrong, in one line.
    pub message: String,
    /// Byte offset in the input, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// 1-based line, for text inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// EVTX record id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// A warning: the input was read anyway and nothing is known to be lost (a CRC mismatch
    /// whose records still parse, a header out of date).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

impl InputError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        InputError {
            message: message.into(),
            offset: None,
            line: None,
            record: None,
            warning: false,
        }
    }

    /// Sets the byte offset.
    pub fn at_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Sets the line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the record id.
    pub fn at_record(mut self, record: u64) -> Self {
        self.record = Some(record);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        if let Some(record) = self.record {
            write!(f, " (record {record})")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " (offset {offset})")?;
        }
        Ok(())
    }
}

/// The span of one channel of one computer inside an input: what coverage is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSpan {
    /// The channel.
    pub channel: String,
    /// The computer that logged it (or the host hint for text logs).
    pub host: String,
    /// Earliest record time.
    pub first: Timestamp,
    /// Latest record time.
    pub last: Timestamp,
    /// Records of this channel in the input.
    pub records: u64,
    /// Records the input's numbering says were written but that could not be read (a damaged
    /// or cut copy), with the times of their readable neighbours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostRecords>,
}

/// A run of records an EVTX log numbered but that could not be read: record numbers jump from
/// one readable record to the next, so the records between were written at some time between
/// the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRecords {
    /// The time of the last readable record before them.
    pub after: Timestamp,
    /// The time of the first readable record after them.
    pub before: Timestamp,
    /// How many record numbers are missing.
    pub records: u64,
}

/// Most errors kept per input; the rest are only counted in `failed`.
pub const MAX_ERRORS_PER_INPUT: usize = 100;

/// What reading one input gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputReport {
    /// The input as displayed.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// The host it belongs to (its computer name, or the bundle's hint).
    pub host: Option<String>,
    /// Records read (including those not kept).
    pub records: u64,
    /// Records kept as catalogued events.
    pub kept: u64,
    /// Records or chunks that could not be read.
    pub failed: u64,
    /// The first problems met, located.
    pub errors: Vec<InputError>,
    /// Why the input was not read at all, when it was not (unsupported format, irrelevant channel…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// How local times were turned into UTC (pfirewall.log), when that applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_basis: Option<String>,
    /// Channels and the time they cover.
    pub channels: Vec<ChannelSpan>,
    /// For an EVTX file that was read whole and holds no record: the channel its file name
    /// gives (`Microsoft-Windows-CAPI2%4Operational.evtx`), so coverage can say the log was
    /// collected but is empty (cleared, disabled or never written) rather than absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_channel: Option<String>,
}

impl InputReport {
    /// An empty report for a source.
    pub fn new(source: &Source) -> Self {
        InputReport {
            path: source.display.to_string(),
            format: source.format,
            host: source.host_hint.clone(),
            records: 0,
            kept: 0,
            failed: 0,
            errors: Vec::new(),
            skipped: None,
            time_basis: None,
            channels: Vec::new(),
            empty_channel: None,
        }
    }

    /// Records a problem: counted always, kept up to [`MAX_ERRORS_PER_INPUT`].
    pub fn error(&mut self, error: InputError) {
        self.failed += 1;
        if self.errors.len() < MAX_ERRORS_PER_INPUT {
            self.errors.push(error);
        }
    }

    /// Records a warning: listed with the errors (marked), not counted as a failure.
    pub fn warn(&mut self, error: InputError) {
        if self.errors.len() < MAX_ERRORS_PER_INPUT {
            self.errors.push(InputError {
                warning: true,
                ..error
            });
        }
    }

    /// Notes a record of `channel` logged by `host` at `time`.
    pub fn saw(&mut self, channel: &str, host: &str, time: Timestamp) {
        if let Some(span) = self
            .channels
            .iter_mut()
            .find(|s| s.channel == channel && s.host == host)
        {
            span.first = span.first.min(time);
            span.last = span.last.max(time);
            span.records += 1;
        } else {
            self.channels.push(ChannelSpan {
                channel: channel.to_string(),
                host: host.to_string(),
                first: time,
                last: time,
                records: 1,
                lost: Vec::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_paths_and_archive_members() {
        assert_eq!(file_name_of("/case/SRV01/System.evtx"), "System.evtx");
        assert_eq!(file_name_of("C:\\case\\pfirewall.log"), "pfirewall.log");
        assert_eq!(file_name_of("case.zip!logs/Security.evtx"), "Security.evtx");
        assert_eq!(file_name_of("case.zip!Security.evtx"), "Security.evtx");
        assert_eq!(file_name_of("plain.evtx"), "plain.evtx");
        assert_eq!(file_name_of("dir/"), "");
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(Format::sniff(b"ElfFile\0\0\0"), Format::Evtx);
        assert_eq!(Format::sniff(b"\x30\0\0\0LfLe\x01\0"), Format::LegacyEvt);
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(
            Format::sniff(b"#Version: 1.5\r\n#Software: Microsoft Windows Firewall"),
            Format::FirewallLog
        );
        assert_eq!(
            Format::sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><Events><Event>"),
            Format::XmlExport
        );
        assert_eq!(
            Format::sniff(b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"),
            Format::XmlExport
        );
        assert_eq!(Format::sniff(b"<html><body>"), Format::Unknown);
        assert_eq!(
            Format::sniff(b"Record 1\n{\n  \"Event\": {"),
            Format::EvtxDumpJson
        );
        assert_eq!(Format::sniff(b"{\n  \"Event\": {"), Format::EvtxDumpJson);
        assert_eq!(
            Format::sniff(b"Record 1\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Event xmlns="),
            Format::XmlExport
        );
        assert_eq!(
            Format::sniff(b"{\"Event\":{\"System\":{}}}\n{\"Event\":{}}"),
            Format::JsonLines
        );
        assert_eq!(Format::sniff(b"just some text\n"), Format::Unknown);
        assert_eq!(Format::sniff(b""), Format::Unknown);
        let utf16: Vec<u8> = "\u{feff}<Events>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(Format::sniff(&utf16), Format::XmlExport);
    }

    #[test]
    fn report_counts_and_caps_errors() {
        let source = Source {
            display: Arc::from("x.evtx"),
            location: Location::File(PathBuf::from("x.evtx")),
            format: Format::Evtx,
            host_hint: Some("SRV01".into()),
            size: 0,
        };
        let mut r = InputReport::new(&source);
        for i in 0..(MAX_ERRORS_PER_INPUT as u64 + 5) {
            r.error(InputError::new("bad").at_offset(i));
        }
        assert_eq!(r.failed, MAX_ERRORS_PER_INPUT as u64 + 5);
        assert_eq!(r.errors.len(), MAX_ERRORS_PER_INPUT);
        r.saw("System", "SRV01", Timestamp(10));
        r.saw("System", "SRV01", Timestamp(5));
        assert_eq!(r.channels[0].first, Timestamp(5));
        assert_eq!(r.channels[0].records, 2);
    }
}
