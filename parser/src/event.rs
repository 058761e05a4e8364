//! The normalised event every reader produces, whatever the export format.
//!
//! An [`Event`] is one catalogued Windows event record: where it was logged (host, channel,
//! provider), when (UTC, 100 ns), its correlation keys (activity id, process id, record id),
//! its payload as [`Fields`], and where it was read from ([`SourceRef`]). The same record read
//! from an EVTX file, an Event Viewer XML export or an `evtx_dump` JSON(L) file gives an
//! identical `Event` apart from `source` and the optional `rendering`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize, Serializer};

use crate::catalog::EventKind;

/// Longest field value kept, in bytes; longer values are cut at a character boundary and
/// marked with [`TRUNCATION_MARK`]. Event fields come from attackers too.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Most fields kept per event; the rest are dropped (and counted by the reader).
pub const MAX_FIELDS: usize = 512;
/// Appended to a value that was cut to [`MAX_FIELD_BYTES`].
pub const TRUNCATION_MARK: &str = "…[truncated]";

/// A point in time in UTC with the 100 ns precision of Windows FILETIME.
///
/// Stored as 100 ns ticks since 1970-01-01T00:00:00Z (negative before 1970, e.g. the
/// all-zero FILETIME of 1601 seen in damaged records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Ticks in one second.
    pub const TICKS_PER_SECOND: i64 = 10_000_000;
    /// FILETIME ticks between 1601-01-01 and 1970-01-01.
    const FILETIME_UNIX_OFFSET: i64 = 116_444_736_000_000_000;

    /// From a Windows FILETIME (100 ns ticks since 1601-01-01 UTC).
    pub fn from_filetime(filetime: u64) -> Self {
        // FILETIMEs past i64's range (year 30828 on) are clamped, never wrapped to the past.
        let ticks = filetime as i128 - Self::FILETIME_UNIX_OFFSET as i128;
        Timestamp(ticks.min(i64::MAX as i128) as i64)
    }

    /// As a Windows FILETIME; `None` before 1601.
    pub fn to_filetime(self) -> Option<u64> {
        u64::try_from(self.0 as i128 + Self::FILETIME_UNIX_OFFSET as i128).ok()
    }

    /// From a chrono UTC time (sub-100 ns digits are dropped).
    pub fn from_chrono(t: DateTime<Utc>) -> Self {
        let secs = t.timestamp() as i128;
        let ticks =
            secs * Self::TICKS_PER_SECOND as i128 + (t.timestamp_subsec_nanos() / 100) as i128;
        Timestamp(ticks.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
    }

    /// As a chrono UTC time.
    pub fn to_chrono(self) -> DateTime<Utc> {
        let secs = self.0.div_euclid(Self::TICKS_PER_SECOND);
        let nanos = (self.0.rem_euclid(Self::TICKS_PER_SECOND) * 100) as u32;
        Utc.timestamp_opt(secs, nanos)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Parses ISO-8601 / RFC 3339 text as Windows exports write it: `2020-11-13T11:09:07.0840538Z`,
    /// with 0–9 fractional digits, a `Z` or a numeric offset, or no zone at all (taken as UTC).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::from_chrono(t.with_timezone(&Utc)));
        }
        let bare = text.strip_suffix('Z').unwrap_or(text);
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(bare, format) {
                return Some(Self::from_chrono(t.and_utc()));
            }
        }
        None
    }

    /// RFC 3339 in UTC with exactly 7 fractional digits, e.g. `2020-11-13T11:09:07.0840538Z`.
    pub fn to_rfc3339(self) -> String {
        let t = self.to_chrono();
        format!(
            "{}.{:07}Z",
            t.format("%Y-%m-%dT%H:%M:%S"),
            self.0.rem_euclid(Self::TICKS_PER_SECOND)
        )
    }

    /// Microseconds since the Unix epoch (Timesketch's `timestamp`).
    pub fn unix_micros(self) -> i64 {
        self.0.div_euclid(10)
    }

    /// Seconds since the Unix epoch, as a float (for offsets and distances).
    pub fn unix_seconds_f64(self) -> f64 {
        self.0 as f64 / Self::TICKS_PER_SECOND as f64
    }

    /// This time moved by a (possibly fractional, possibly negative) number of seconds.
    pub fn add_seconds(self, seconds: f64) -> Self {
        Timestamp(
            self.0
                .saturating_add((seconds * Self::TICKS_PER_SECOND as f64).round() as i64),
        )
    }

    /// `self - earlier`, in seconds.
    pub fn seconds_since(self, earlier: Timestamp) -> f64 {
        (self.0 as i128 - earlier.0 as i128) as f64 / Self::TICKS_PER_SECOND as f64
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).ok_or_else(|| serde::de::Error::custom("invalid timestamp"))
    }
}

/// A GUID such as an ETW ActivityID. Displayed lower case in braces: `{f420c8f6-…}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(pub u128);

impl Guid {
    /// The all-zero GUID.
    pub const NIL: Guid = Guid(0);

    /// From the 16 bytes of a Windows GUID structure (Data1–3 little-endian).
    pub fn from_windows_bytes(b: [u8; 16]) -> Self {
        let d1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u128;
        let d2 = u16::from_le_bytes([b[4], b[5]]) as u128;
        let d3 = u16::from_le_bytes([b[6], b[7]]) as u128;
        let mut d4 = 0u128;
        for byte in &b[8..16] {
            d4 = (d4 << 8) | *byte as u128;
        }
        Guid((d1 << 96) | (d2 << 80) | (d3 << 64) | d4)
    }

    /// The 16 bytes of the Windows GUID structure (Data1–3 little-endian).
    pub fn to_windows_bytes(self) -> [u8; 16] {
        let v = self.0;
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&((v >> 96) as u32).to_le_bytes());
        b[4..6].copy_from_slice(&((v >> 80) as u16).to_le_bytes());
        b[6..8].copy_from_slice(&((v >> 64) as u16).to_le_bytes());
        b[8..16].copy_from_slice(&(v as u64).to_be_bytes());
        b
    }
}

impl FromStr for Guid {
    type Err = ();
    /// Accepts `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` with or without braces, any case.
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        let s = s
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(s);
        let groups: Vec<&str> = s.split('-').collect();
        let lengths = [8, 4, 4, 4, 12];
        if groups.len() != 5 || groups.iter().zip(lengths).any(|(g, n)| g.len() != n) {
            return Err(());
        }
        let hex: String = groups.concat();
        u128::from_str_radix(&hex, 16).map(Guid).map_err(|_| ())
    }
}

impl Guid {
    /// The braced, lower-case text `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` as bytes.
    fn braced(self) -> [u8; 38] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b'-'; 38];
        text[0] = b'{';
        text[37] = b'}';
        // The 32 digits, most significant first, skipping the dashes.
        let places = (1..9)
            .chain(10..14)
            .chain(15..19)
            .chain(20..24)
            .chain(25..37);
        for (n, place) in places.enumerate() {
            let nibble = (self.0 >> (124 - 4 * n)) & 0xf;
            text[place] = HEX[nibble as usize];
        }
        text
    }

    /// Appends the braced, lower-case text (as [`Display`](fmt::Display) writes it).
    pub fn push_to(self, out: &mut String) {
        out.push_str(std::str::from_utf8(&self.braced()).unwrap_or_default());
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.braced()).unwrap_or_default())
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom("invalid GUID"))
    }
}

/// One field value. Every export renders values as text in the end, so text is the lossless
/// common form; typed accessors on [`Fields`] parse it on demand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// An empty element, `null` in JSON, or an empty string.
    Null,
    /// A single value.
    Text(Box<str>),
    /// Unnamed classic `<Data>` elements, in order (`%1`, `%2`, …).
    List(Vec<Box<str>>),
}

impl FieldValue {
    /// The value as text: a single value, or the first element of a list.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Null => None,
            FieldValue::Text(t) => Some(t),
            FieldValue::List(items) => items.first().map(|s| &**s),
        }
    }

    /// The elements of a list, or a single value as a one-element slice.
    pub fn items(&self) -> &[Box<str>] {
        match self {
            FieldValue::Null => &[],
            FieldValue::Text(t) => std::slice::from_ref(t),
            FieldValue::List(items) => items,
        }
    }
}

/// Parses an unsigned number written as decimal (`"2308"`), hex with `0x` (`"0x904"`), or
/// bare upper-case hex where a field is known to hold it (see [`parse_hex_u64`]).
pub fn parse_u64(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(neg) = t.strip_prefix('-') {
        // Signed renderings of 32-bit codes (e.g. -2146893048) are the same bits.
        neg.parse::<i64>().ok().map(|v| (-v) as i32 as u32 as u64)
    } else {
        t.parse().ok()
    }
}

/// Parses hex with or without `0x` (CAPI2 `Result@value` is `"800B0101"`).
pub fn parse_hex_u64(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(t, 16).ok()
}

/// The payload of an event in document order: named `EventData` values, the flattened
/// `UserData` tree, or the unnamed classic `Data` list and `Binary`.
///
/// Naming rules (identical for every export format):
/// * named `<Data Name="X">` → `X`; unnamed `<Data>` elements → one `Data` list; `<Binary>` → `Binary`;
/// * `UserData` → paths below the root element joined by `.`, attributes as `@name`
///   (`CertificateChain.TrustStatus.ErrorStatus@value`); repeated siblings get `_1`, `_2`, …
///   like the `evtx` crate's JSON; `xmlns` attributes are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields(pub Vec<(Arc<str>, FieldValue)>);

impl Fields {
    /// The value of a field by exact name.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.0.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }

    /// A field's text, trimmed of the padding Windows leaves (`"NtLmSsp "`, trailing CRLF).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name)
            .and_then(FieldValue::as_text)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A field as an unsigned number (decimal, `0x` hex, or a signed 32-bit rendering).
    pub fn u64(&self, name: &str) -> Option<u64> {
        self.text(name).and_then(parse_u64)
    }

    /// A field as a 32-bit code.
    pub fn u32(&self, name: &str) -> Option<u32> {
        self.u64(name).and_then(|v| u32::try_from(v).ok())
    }

    /// A field that holds hex with or without `0x`.
    pub fn hex(&self, name: &str) -> Option<u64> {
        self.text(name).and_then(parse_hex_u64)
    }

    /// The n-th (0-based) unnamed `Data` element of a classic event.
    pub fn data(&self, index: usize) -> Option<&str> {
        self.get("Data")
            .and_then(|v| v.items().get(index))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// Fields whose name is `prefix` or `prefix_N` (repeated siblings), in order.
    pub fn repeated<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a FieldValue)> + 'a {
        self.0.iter().filter_map(move |(k, v)| {
            let rest = k.strip_prefix(prefix)?;
            let is_repeat = rest.is_empty()
                || rest.starts_with(['.', '@'])
                || rest.strip_prefix('_').is_some_and(|n| {
                    n.split(['.', '@'])
                        .next()
                        .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
                });
            is_repeat.then_some((&**k, v))
        })
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the event carries no payload.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates `(name, value)` in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

/// Where in an input a record was read: its EVTX record id, a line of a text export,
/// or a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locator {
    /// The EVTX `EventRecordID` (EVTX files).
    Record(u64),
    /// 1-based line number (JSONL, pfirewall.log, XML exports).
    Line(u64),
    /// Byte offset in the input.
    Offset(u64),
}

impl Locator {
    /// Appends the text [`Display`](fmt::Display) writes (`record 42`, `line 7`, `offset 0`).
    pub fn push_to(&self, out: &mut String) {
        let (what, n) = match self {
            Locator::Record(r) => ("record ", *r),
            Locator::Line(l) => ("line ", *l),
            Locator::Offset(o) => ("offset ", *o),
        };
        out.push_str(what);
        out.push_str(itoa::Buffer::new().format(n));
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::Record(r) => write!(f, "record {r}"),
            Locator::Line(l) => write!(f, "line {l}"),
            Locator::Offset(o) => write!(f, "offset {o}"),
        }
    }
}

/// The file an event was read from and the place inside it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceRef {
    /// Display path of the input: a file path, or `archive.zip!member/path` inside an archive.
    pub input: Arc<str>,
    /// Where in that input.
    pub locator: Locator,
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.input, self.locator)
    }
}

/// Text Event Viewer adds to an XML export (`RenderingInfo`). Optional: never required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendering {
    /// The rendered message in the exporting machine's language.
    pub message: Option<Box<str>>,
    /// The level name (`Error`, `Warning`, …).
    pub level: Option<Box<str>>,
    /// The task name.
    pub task: Option<Box<str>>,
}

/// One catalogued event record, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `TimeCreated/@SystemTime`, UTC, 100 ns.
    pub time: Timestamp,
    /// The `Computer` that logged the event, as recorded (FQDN or short name).
    pub host: Arc<str>,
    /// The channel (`System`, `Microsoft-Windows-…/Operational`, …).
    pub channel: Arc<str>,
    /// The provider name (`Provider/@Name`).
    pub provider: Arc<str>,
    /// The event id, without qualifiers.
    pub event_id: u32,
    /// `EventID/@Qualifiers` of classic events.
    pub qualifiers: Option<u16>,
    /// Event version.
    pub version: Option<u8>,
    /// Level (1 critical, 2 error, 3 warning, 4 information, 0 log-always).
    pub level: Option<u8>,
    /// `EventRecordID`.
    pub record_id: u64,
    /// `Correlation/@ActivityID`.
    pub activity_id: Option<Guid>,
    /// `Execution/@ProcessID`.
    pub process_id: Option<u32>,
    /// `Execution/@ThreadID`.
    pub thread_id: Option<u32>,
    /// `Security/@UserID`.
    pub user_sid: Option<Box<str>>,
    /// Which catalog entry the event matched.
    pub kind: EventKind,
    /// The root element name of a `UserData` payload (`EventXML`, `CertGetCertificateChain`, …).
    pub user_data_root: Option<Box<str>>,
    /// The payload.
    pub fields: Fields,
    /// Event Viewer's rendered text, when the export carried it.
    pub rendering: Option<Box<Rendering>>,
    /// Where the event was read.
    pub source: SourceRef,
}

impl Event {
    /// The fields that identify the record itself: everything but `source` and `rendering`.
    /// Two reads of the same record through different exports compare equal here.
    pub fn same_record(&self, other: &Event) -> bool {
        let strip = |e: &Event| {
            let mut e = e.clone();
            e.rendering = None;
            e.source = SourceRef {
                input: Arc::from(""),
                locator: Locator::Offset(0),
            };
            e
        };
        strip(self) == strip(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetimes_past_the_range_are_clamped_not_wrapped() {
        let last = Timestamp::from_filetime(u64::MAX);
        assert_eq!(last, Timestamp(i64::MAX));
        assert!(Timestamp::from_filetime(u64::MAX / 2 + 12_345) > Timestamp::from_filetime(0));
        assert_eq!(Timestamp::from_filetime(0).to_filetime(), Some(0));
    }

    #[test]
    fn timestamp_round_trips_seven_digits() {
        let t = Timestamp::parse("2020-11-13T11:09:07.0840538Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2020-11-13T11:09:07.0840538Z");
        let nine = Timestamp::parse("2021-06-03T19:39:52.893086100Z").unwrap();
        assert_eq!(nine.to_rfc3339(), "2021-06-03T19:39:52.8930861Z");
        let bare = Timestamp::parse("2021-06-03 19:39:52").unwrap();
        assert_eq!(bare.to_rfc3339(), "2021-06-03T19:39:52.0000000Z");
        let offset = Timestamp::parse("2021-06-03T21:39:52+02:00").unwrap();
        assert_eq!(offset, bare);
    }

    #[test]
    fn filetime_zero_is_1601() {
        let t = Timestamp::from_filetime(0);
        assert_eq!(t.to_rfc3339(), "1601-01-01T00:00:00.0000000Z");
        assert_eq!(t.to_filetime(), Some(0));
        let ft = 130399028489017265u64;
        assert_eq!(
            Timestamp::from_filetime(ft).to_rfc3339(),
            "2014-03-21T19:14:08.9017265Z"
        );
        assert_eq!(Timestamp::from_filetime(ft).to_filetime(), Some(ft));
    }

    #[test]
    fn guid_parse_display_and_bytes() {
        let g: Guid = "{F420C8F6-1234-4a5e-9A35-4e79caa60000}".parse().unwrap();
        assert_eq!(g.to_string(), "{f420c8f6-1234-4a5e-9a35-4e79caa60000}");
        assert_eq!(Guid::from_windows_bytes(g.to_windows_bytes()), g);
        assert!("not-a-guid".parse::<Guid>().is_err());
        // The text is the one the standard formatting writes, for values with every nibble.
        let mut v = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
        for _ in 0..64 {
            let g = Guid(v);
            let expected = format!(
                "{{{:08x}-{:04x}-{:04x}-{:04x}-{:012x}}}",
                (v >> 96) as u32,
                (v >> 80) as u16,
                (v >> 64) as u16,
                (v >> 48) as u16,
                v & 0xffff_ffff_ffff
            );
            assert_eq!(g.to_string(), expected);
            let mut pushed = String::from("x");
            g.push_to(&mut pushed);
            assert_eq!(pushed, format!("x{expected}"));
            v = v.rotate_left(7) ^ 0x9e37_79b9_7f4a_7c15;
        }
        for (locator, text) in [
            (Locator::Record(42), "record 42"),
            (Locator::Line(7), "line 7"),
            (Locator::Offset(u64::MAX), "offset 18446744073709551615"),
        ] {
            assert_eq!(locator.to_string(), text);
            let mut pushed = String::new();
            locator.push_to(&mut pushed);
            assert_eq!(pushed, text);
        }
        assert!(
            "{f420c8f6-1234-4a5e-9a35-4e79caa6000}"
                .parse::<Guid>()
                .is_err()
        );
    }

    #[test]
    fn numbers_in_every_rendering() {
        assert_eq!(parse_u64("2308"), Some(2308));
        assert_eq!(parse_u64("0x904"), Some(0x904));
        assert_eq!(parse_u64(" 7 "), Some(7));
        assert_eq!(parse_u64("-2146893048"), Some(0x8009_0308));
        assert_eq!(parse_hex_u64("800B0101"), Some(0x800B_0101));
        assert_eq!(parse_u64("abc"), None);
    }

    #[test]
    fn repeated_siblings_by_prefix() {
        let f = Fields(vec![
            (
                "Certificate@fileRef".into(),
                FieldValue::Text("a.cer".into()),
            ),
            (
                "Certificate_1@fileRef".into(),
                FieldValue::Text("b.cer".into()),
            ),
            (
                "CertificateChain@chainRef".into(),
                FieldValue::Text("c".into()),
            ),
        ]);
        let names: Vec<&str> = f.repeated("Certificate").map(|(k, _)| k).collect();
        assert_eq!(names, ["Certificate@fileRef", "Certificate_1@fileRef"]);
    }

    #[test]
    fn text_is_trimmed_and_empty_is_none() {
        let f = Fields(vec![
            (
                "LogonProcessName".into(),
                FieldValue::Text("NtLmSsp ".into()),
            ),
            ("Empty".into(), FieldValue::Text("  ".into())),
        ]);
        assert_eq!(f.text("LogonProcessName"), Some("NtLmSsp"));
        assert_eq!(f.text("Empty"), None);
    }
}
