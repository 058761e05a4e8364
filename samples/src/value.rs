//! Typed field values as BinXML substitution arrays carry them (MS-EVEN6 §2.2.4.1), the
//! Windows types they need (GUID, SID, FILETIME, SYSTEMTIME), and their wire encoding.
//!
//! Values serialise as externally tagged maps, e.g. `{"uint32": 5}`, `{"string": "TCP"}`,
//! `{"hex_int64": "0x8000000000000000"}`, `{"guid": "{1139c61b-b549-4251-8ed3-27250a1edec8}"}`,
//! `{"binary": "59EFF2E3"}`, `{"file_time": "2024-05-01T10:00:00.1234567Z"}`, and `"null"`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// BinXML value type codes (MS-EVEN6 §2.2.4.1) that the writer emits.
pub(crate) mod code {
    pub const NULL: u8 = 0x00;
    pub const STRING: u8 = 0x01;
    pub const ANSI_STRING: u8 = 0x02;
    pub const INT8: u8 = 0x03;
    pub const UINT8: u8 = 0x04;
    pub const INT16: u8 = 0x05;
    pub const UINT16: u8 = 0x06;
    pub const INT32: u8 = 0x07;
    pub const UINT32: u8 = 0x08;
    pub const INT64: u8 = 0x09;
    pub const UINT64: u8 = 0x0a;
    pub const BOOL: u8 = 0x0d;
    pub const BINARY: u8 = 0x0e;
    pub const GUID: u8 = 0x0f;
    pub const FILETIME: u8 = 0x11;
    pub const SYSTEMTIME: u8 = 0x12;
    pub const SID: u8 = 0x13;
    pub const HEX_INT32: u8 = 0x14;
    pub const HEX_INT64: u8 = 0x15;
    pub const BINXML: u8 = 0x21;
    pub const STRING_ARRAY: u8 = 0x81;
}

/// FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_TICKS: i128 = 116_444_736_000_000_000;

/// One typed value of an event field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    /// No value: an optional field left empty (renders as an empty element, or drops the
    /// attribute or element that depends on it).
    #[serde(rename = "null")]
    Null,
    /// UTF-16 string (`win:UnicodeString`).
    #[serde(rename = "string")]
    String(String),
    /// 8-bit string (`win:AnsiString`); the writer accepts ASCII only, so that every code page
    /// reads it back the same.
    #[serde(rename = "ansi_string")]
    AnsiString(String),
    /// `win:Int8`.
    #[serde(rename = "int8")]
    Int8(i8),
    /// `win:UInt8`.
    #[serde(rename = "uint8")]
    UInt8(u8),
    /// `win:Int16`.
    #[serde(rename = "int16")]
    Int16(i16),
    /// `win:UInt16`.
    #[serde(rename = "uint16")]
    UInt16(u16),
    /// `win:Int32`.
    #[serde(rename = "int32")]
    Int32(i32),
    /// `win:UInt32`.
    #[serde(rename = "uint32")]
    UInt32(u32),
    /// `win:Int64`.
    #[serde(rename = "int64")]
    Int64(i64),
    /// `win:UInt64`.
    #[serde(rename = "uint64")]
    UInt64(u64),
    /// `win:HexInt32`, rendered `0x…`.
    #[serde(rename = "hex_int32", with = "hex_u32")]
    HexInt32(u32),
    /// `win:HexInt64`, rendered `0x…`.
    #[serde(rename = "hex_int64", with = "hex_u64")]
    HexInt64(u64),
    /// `win:Boolean` (stored as a 32-bit integer).
    #[serde(rename = "bool")]
    Bool(bool),
    /// `win:Binary`, written in data files as hex digits.
    #[serde(rename = "binary", with = "hex_bytes")]
    Binary(Vec<u8>),
    /// `win:GUID`.
    #[serde(rename = "guid")]
    Guid(Guid),
    /// `win:SID`.
    #[serde(rename = "sid")]
    Sid(Sid),
    /// `win:FILETIME`: UTC, to the 100 ns.
    #[serde(rename = "file_time")]
    FileTime(DateTime<Utc>),
    /// `win:SYSTEMTIME`: UTC, to the millisecond.
    #[serde(rename = "system_time")]
    SystemTime(DateTime<Utc>),
    /// Array of UTF-16 strings (what classic event sources log their insertion strings as).
    #[serde(rename = "string_array")]
    StringArray(Vec<String>),
}

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A time outside what a FILETIME/SYSTEMTIME can hold.
    #[error("time {time} is outside {range}")]
    TimeOutOfRange {
        /// The time given.
        time: DateTime<Utc>,
        /// The range the type holds.
        range: &'static str,
    },
    /// A time finer than the type keeps.
    #[error("time {time} is finer than {precision}, which is all the type keeps")]
    TimePrecision {
        /// The time given.
        time: DateTime<Utc>,
        /// The precision of the type.
        precision: &'static str,
    },
    /// An ANSI string with a character outside ASCII.
    #[error("ANSI string {0:?} has a character outside ASCII")]
    AnsiNotAscii(String),
    /// An array item that contains the NUL that separates items.
    #[error("string array item {0:?} contains NUL, which separates items")]
    NulInArrayItem(String),
}

impl Value {
    /// The BinXML type code of the value.
    pub fn type_code(&self) -> u8 {
        match self {
            Value::Null => code::NULL,
            Value::String(_) => code::STRING,
            Value::AnsiString(_) => code::ANSI_STRING,
            Value::Int8(_) => code::INT8,
            Value::UInt8(_) => code::UINT8,
            Value::Int16(_) => code::INT16,
            Value::UInt16(_) => code::UINT16,
            Value::Int32(_) => code::INT32,
            Value::UInt32(_) => code::UINT32,
            Value::Int64(_) => code::INT64,
            Value::UInt64(_) => code::UINT64,
            Value::HexInt32(_) => code::HEX_INT32,
            Value::HexInt64(_) => code::HEX_INT64,
            Value::Bool(_) => code::BOOL,
            Value::Binary(_) => code::BINARY,
            Value::Guid(_) => code::GUID,
            Value::Sid(_) => code::SID,
            Value::FileTime(_) => code::FILETIME,
            Value::SystemTime(_) => code::SYSTEMTIME,
            Value::StringArray(_) => code::STRING_ARRAY,
        }
    }

    /// Append the value as a substitution array stores it. `nul_terminated` adds the
    /// terminating NUL that event payload strings carry (System strings have none).
    pub(crate) fn encode(&self, nul_terminated: bool, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match self {
            Value::Null => {}
            Value::String(s) => {
                put_utf16(out, s);
                if nul_terminated {
                    out.extend_from_slice(&[0, 0]);
                }
            }
            Value::AnsiString(s) => {
                if !s.is_ascii() {
                    return Err(ValueError::AnsiNotAscii(s.clone()));
                }
                out.extend_from_slice(s.as_bytes());
                if nul_terminated {
                    out.push(0);
                }
            }
            Value::Int8(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt8(v) => out.push(*v),
            Value::Int16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Int32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt32(v) | Value::HexInt32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Int64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::UInt64(v) | Value::HexInt64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::Bool(v) => out.extend_from_slice(&u32::from(*v).to_le_bytes()),
            Value::Binary(bytes) => out.extend_from_slice(bytes),
            Value::Guid(guid) => out.extend_from_slice(&guid.to_bytes()),
            Value::Sid(sid) => sid.encode(out),
            Value::FileTime(time) => out.extend_from_slice(&filetime(time)?.to_le_bytes()),
            Value::SystemTime(time) => out.extend_from_slice(&systemtime(time)?),
            Value::StringArray(items) => {
                for item in items {
                    if item.contains('\0') {
                        return Err(ValueError::NulInArrayItem(item.clone()));
                    }
                    put_utf16(out, item);
                    out.extend_from_slice(&[0, 0]);
                }
            }
        }
        Ok(())
    }

    /// The value as text, the way Windows renders it into XML; what an inline (template-less)
    /// fragment stores. `None` for [`Value::Null`].
    pub fn to_xml_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::String(s) | Value::AnsiString(s) => s.clone(),
            Value::Int8(v) => v.to_string(),
            Value::UInt8(v) => v.to_string(),
            Value::Int16(v) => v.to_string(),
            Value::UInt16(v) => v.to_string(),
            Value::Int32(v) => v.to_string(),
            Value::UInt32(v) => v.to_string(),
            Value::Int64(v) => v.to_string(),
            Value::UInt64(v) => v.to_string(),
            Value::HexInt32(v) => format!("{v:#x}"),
            Value::HexInt64(v) => format!("{v:#x}"),
            Value::Bool(v) => v.to_string(),
            Value::Binary(bytes) => hex_upper(bytes),
            Value::Guid(guid) => guid.to_string(),
            Value::Sid(sid) => sid.to_string(),
            Value::FileTime(time) => format!(
                "{}.{:07}Z",
                time.format("%Y-%m-%dT%H:%M:%S"),
                time.timestamp_subsec_nanos().min(999_999_999) / 100
            ),
            Value::SystemTime(time) => format!(
                "{}.{:03}Z",
                time.format("%Y-%m-%dT%H:%M:%S"),
                time.timestamp_subsec_nanos().min(999_999_999) / 1_000_000
            ),
            Value::StringArray(items) => items.join(" "),
        })
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<u8> for Value {
    fn from(value: u8) -> Self {
        Value::UInt8(value)
    }
}

impl From<u16> for Value {
    fn from(value: u16) -> Self {
        Value::UInt16(value)
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::UInt32(value)
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Value::UInt64(value)
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::Int32(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<Guid> for Value {
    fn from(value: Guid) -> Self {
        Value::Guid(value)
    }
}

impl From<Sid> for Value {
    fn from(value: Sid) -> Self {
        Value::Sid(value)
    }
}

/// Append `s` as UTF-16LE code units.
pub(crate) fn put_utf16(out: &mut Vec<u8>, s: &str) {
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
}

/// FILETIME ticks (100 ns since 1601-01-01 UTC) of `time`.
pub fn filetime(time: &DateTime<Utc>) -> Result<u64, ValueError> {
    let nanos = time.timestamp_subsec_nanos();
    if nanos % 100 != 0 {
        return Err(ValueError::TimePrecision {
            time: *time,
            precision: "100 ns",
        });
    }
    let ticks =
        i128::from(time.timestamp()) * 10_000_000 + i128::from(nanos / 100) + UNIX_EPOCH_TICKS;
    u64::try_from(ticks).map_err(|_| ValueError::TimeOutOfRange {
        time: *time,
        range: "FILETIME (from 1601-01-01)",
    })
}

/// The 16-byte SYSTEMTIME of `time` (year, month, day of week, day, hour, minute, second,
/// milliseconds; little-endian 16-bit words).
fn systemtime(time: &DateTime<Utc>) -> Result<[u8; 16], ValueError> {
    let nanos = time.timestamp_subsec_nanos();
    if nanos % 1_000_000 != 0 {
        return Err(ValueError::TimePrecision {
            time: *time,
            precision: "1 ms",
        });
    }
    let year = u16::try_from(time.year())
        .ok()
        .filter(|year| (1601..=30827).contains(year))
        .ok_or(ValueError::TimeOutOfRange {
            time: *time,
            range: "SYSTEMTIME (years 1601 to 30827)",
        })?;
    // A leap second (nanos past 1e9) keeps second 59 and its milliseconds past 999.
    let words = [
        year,
        time.month() as u16,
        time.weekday().num_days_from_sunday() as u16,
        time.day() as u16,
        time.hour() as u16,
        time.minute() as u16,
        time.second() as u16,
        (nanos / 1_000_000) as u16,
    ];
    let mut out = [0u8; 16];
    for (slot, word) in out.chunks_exact_mut(2).zip(words) {
        slot.copy_from_slice(&word.to_le_bytes());
    }
    Ok(out)
}

/// Upper-case hex digits of `bytes`, as Windows renders binary data.
pub fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02X}");
    }
    out
}

/// Bytes of a hex string (either case, no separators).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return Err(format!("hex {text:?} has an odd number of digits"));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{text:?} is not hex"))
        })
        .collect()
}

/// A GUID, remembering whether it was written in upper case: a provider GUID that a
/// template holds as literal text keeps the case its event source registered it with.
#[derive(Clone, Copy, Debug)]
pub struct Guid {
    data1: u32,
    data2: u16,
    data3: u16,
    data4: [u8; 8],
    uppercase: bool,
}

impl Guid {
    /// The GUID with these fields, rendered in lower case.
    pub const fn from_fields(data1: u32, data2: u16, data3: u16, data4: [u8; 8]) -> Self {
        Guid {
            data1,
            data2,
            data3,
            data4,
            uppercase: false,
        }
    }

    /// The GUID whose `{…}` form is `u128` read as one hexadecimal number, e.g.
    /// `0x1139c61b_b549_4251_8ed3_27250a1edec8`.
    pub const fn from_u128(value: u128) -> Self {
        let d4 = ((value & 0xffff_ffff_ffff_ffff) as u64).to_be_bytes();
        Guid::from_fields(
            (value >> 96) as u32,
            (value >> 80) as u16,
            (value >> 64) as u16,
            d4,
        )
    }

    /// The same GUID, rendered in upper case.
    pub const fn uppercase(mut self) -> Self {
        self.uppercase = true;
        self
    }

    /// Whether it renders in upper case.
    pub const fn is_uppercase(&self) -> bool {
        self.uppercase
    }

    /// The 16 bytes as Windows stores a GUID (first three fields little-endian).
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[0..4].copy_from_slice(&self.data1.to_le_bytes());
        out[4..6].copy_from_slice(&self.data2.to_le_bytes());
        out[6..8].copy_from_slice(&self.data3.to_le_bytes());
        out[8..16].copy_from_slice(&self.data4);
        out
    }

    /// The GUID stored as these 16 bytes (first three fields little-endian).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        let [a0, a1, a2, a3, b0, b1, c0, c1, d4 @ ..] = bytes;
        Guid::from_fields(
            u32::from_le_bytes([a0, a1, a2, a3]),
            u16::from_le_bytes([b0, b1]),
            u16::from_le_bytes([c0, c1]),
            d4,
        )
    }
}

impl PartialEq for Guid {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl Eq for Guid {}

impl Hash for Guid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_bytes().hash(state);
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [d0, d1, d2, d3, d4, d5, d6, d7] = self.data4;
        let text = format!(
            "{{{:08x}-{:04x}-{:04x}-{d0:02x}{d1:02x}-{d2:02x}{d3:02x}{d4:02x}{d5:02x}{d6:02x}{d7:02x}}}",
            self.data1, self.data2, self.data3
        );
        if self.uppercase {
            f.write_str(&text.to_ascii_uppercase())
        } else {
            f.write_str(&text)
        }
    }
}

/// A GUID string that is not `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` (braces optional).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a GUID ({{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}})")]
pub struct GuidParseError(String);

impl FromStr for Guid {
    type Err = GuidParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || GuidParseError(text.to_owned());
        let inner = text
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .unwrap_or(text);
        let groups: Vec<&str> = inner.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
        if lengths != [8, 4, 4, 4, 12] || !inner.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        {
            return Err(error());
        }
        let digits: String = groups.concat();
        let value = u128::from_str_radix(&digits, 16).map_err(|_| error())?;
        let guid = Guid::from_u128(value);
        let has_upper = inner.chars().any(|c| c.is_ascii_uppercase());
        let has_lower = inner.chars().any(|c| c.is_ascii_lowercase());
        Ok(if has_upper && !has_lower {
            guid.uppercase()
        } else {
            guid
        })
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A security identifier, `S-1-5-21-…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sid {
    revision: u8,
    authority: u64,
    sub_authorities: Vec<u32>,
}

/// The most sub-authorities a SID holds.
const MAX_SUB_AUTHORITIES: usize = 15;

/// The largest identifier authority (48 bits).
const MAX_AUTHORITY: u64 = (1 << 48) - 1;

impl Sid {
    /// Append the binary SID: revision, sub-authority count, 48-bit big-endian authority,
    /// little-endian sub-authorities.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.revision);
        // At most 15, checked when the SID was made.
        out.push(self.sub_authorities.len() as u8);
        out.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for sub in &self.sub_authorities {
            out.extend_from_slice(&sub.to_le_bytes());
        }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-{}-{}", self.revision, self.authority)?;
        for sub in &self.sub_authorities {
            write!(f, "-{sub}")?;
        }
        Ok(())
    }
}

/// A SID string that is not `S-<revision>-<authority>[-<sub-authority>]…`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a SID (S-1-5-21-…, at most 15 sub-authorities)")]
pub struct SidParseError(String);

impl FromStr for Sid {
    type Err = SidParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || SidParseError(text.to_owned());
        let mut parts = text.strip_prefix("S-").ok_or_else(error)?.split('-');
        let revision = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(error)?;
        let authority = parts
            .next()
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|authority| *authority <= MAX_AUTHORITY)
            .ok_or_else(error)?;
        let sub_authorities = parts
            .map(|p| p.parse::<u32>().map_err(|_| error()))
            .collect::<Result<Vec<_>, _>>()?;
        if sub_authorities.len() > MAX_SUB_AUTHORITIES {
            return Err(error());
        }
        Ok(Sid {
            revision,
            authority,
            sub_authorities,
        })
    }
}

impl Serialize for Sid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parse a `0x…` hex number (or decimal digits).
fn parse_u64_text(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("{text:?} is not a number (0x… or decimal)"))
}

/// A number written either as a `0x…` string or as a plain integer.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberRepr {
    Int(u64),
    Text(String),
}

impl NumberRepr {
    fn value(self) -> Result<u64, String> {
        match self {
            NumberRepr::Int(value) => Ok(value),
            NumberRepr::Text(text) => parse_u64_text(&text),
        }
    }
}

/// Serde for a `u64` written as `"0x…"` (and read from that, decimal text or an integer).
pub(crate) mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{value:#x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        super::NumberRepr::deserialize(deserializer)?
            .value()
            .map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional `u64` written as `"0x…"`.
pub(crate) mod hex_u64_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::hex_u64::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        Option::<super::NumberRepr>::deserialize(deserializer)?
            .map(super::NumberRepr::value)
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

/// Serde for a `u32` written as `"0x…"`.
pub(crate) mod hex_u32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{value:#x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        let value = super::NumberRepr::deserialize(deserializer)?
            .value()
            .map_err(serde::de::Error::custom)?;
        u32::try_from(value)
            .map_err(|_| serde::de::Error::custom(format!("{value:#x} is more than 32 bits")))
    }
}

/// Serde for bytes written as hex digits.
pub(crate) mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::hex_upper(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for optional bytes written as hex digits.
pub(crate) mod hex_bytes_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => super::hex_bytes::serialize(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::parse_hex(&text))
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn encoded(value: &Value, nul: bool) -> Vec<u8> {
        let mut out = Vec::new();
        value.encode(nul, &mut out).unwrap();
        out
    }

    #[test]
    fn guid_round_trips_with_its_case() {
        let lower: Guid = "{1139c61b-b549-4251-8ed3-27250a1edec8}".parse().unwrap();
        assert_eq!(lower.to_string(), "{1139c61b-b549-4251-8ed3-27250a1edec8}");
        assert_eq!(
            lower.to_bytes(),
            [
                0x1b, 0xc6, 0x39, 0x11, 0x49, 0xb5, 0x51, 0x42, 0x8e, 0xd3, 0x27, 0x25, 0x0a, 0x1e,
                0xde, 0xc8
            ]
        );
        let upper: Guid = "C76BAA63-AE81-421C-B425-340B4B24157F".parse().unwrap();
        assert!(upper.is_uppercase());
        assert_eq!(upper.to_string(), "{C76BAA63-AE81-421C-B425-340B4B24157F}");
        assert_eq!(Guid::from_bytes(upper.to_bytes()), upper);
        assert_eq!(
            Guid::from_u128(0x1139c61b_b549_4251_8ed3_27250a1edec8),
            lower
        );
        for bad in [
            "",
            "{1139c61b-b549-4251-8ed3-27250a1edec}",
            "1139c61bb5494251-8ed3-27250a1edec8x",
            "{g139c61b-b549-4251-8ed3-27250a1edec8}",
        ] {
            assert!(bad.parse::<Guid>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sid_encodes_like_windows() {
        let sid: Sid = "S-1-5-20".parse().unwrap();
        let mut out = Vec::new();
        sid.encode(&mut out);
        assert_eq!(out, [1, 1, 0, 0, 0, 0, 0, 5, 0x14, 0, 0, 0]);
        let long: Sid = "S-1-5-21-3866364563-2820027588-3952592390-500"
            .parse()
            .unwrap();
        assert_eq!(
            long.to_string(),
            "S-1-5-21-3866364563-2820027588-3952592390-500"
        );
        for bad in [
            "S-1",
            "1-5-20",
            "S-1-x",
            "S-1-5-99999999999",
            "S-1-281474976710656",
        ] {
            assert!(bad.parse::<Sid>().is_err(), "{bad}");
        }
        let too_many = format!("S-1-5{}", "-1".repeat(16));
        assert!(too_many.parse::<Sid>().is_err());
    }

    #[test]
    fn times_encode_to_windows_ticks() {
        let time = Utc.with_ymd_and_hms(2020, 11, 13, 11, 9, 7).unwrap()
            + chrono::Duration::nanoseconds(84_053_800);
        // 2020-11-13T11:09:07.0840538Z, as stored in a real RdpCoreTS 131 record.
        assert_eq!(
            encoded(&Value::FileTime(time), false),
            0x01d6_b9ad_677e_9eda_u64.to_le_bytes()
        );
        let fine = time + chrono::Duration::nanoseconds(1);
        assert!(matches!(
            Value::FileTime(fine).encode(false, &mut Vec::new()),
            Err(ValueError::TimePrecision { .. })
        ));
        let early = Utc.with_ymd_and_hms(1600, 12, 31, 0, 0, 0).unwrap();
        assert!(matches!(
            filetime(&early),
            Err(ValueError::TimeOutOfRange { .. })
        ));
        assert_eq!(
            filetime(&Utc.with_ymd_and_hms(1601, 1, 1, 0, 0, 0).unwrap()),
            Ok(0)
        );

        let st = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap()
            + chrono::Duration::milliseconds(250);
        let words: Vec<u16> = encoded(&Value::SystemTime(st), false)
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        // 2024-02-29 was a Thursday (day 4 counting from Sunday).
        assert_eq!(words, [2024, 2, 4, 29, 23, 59, 58, 250]);
        let sub_ms = st + chrono::Duration::microseconds(1);
        assert!(
            Value::SystemTime(sub_ms)
                .encode(false, &mut Vec::new())
                .is_err()
        );
    }

    #[test]
    fn strings_and_scalars_encode_little_endian() {
        assert_eq!(
            encoded(&Value::from("TCP"), false),
            [b'T', 0, b'C', 0, b'P', 0]
        );
        assert_eq!(encoded(&Value::from(""), true), [0, 0]);
        assert_eq!(
            encoded(&Value::AnsiString("ok".into()), true),
            [b'o', b'k', 0]
        );
        assert!(
            Value::AnsiString("é".into())
                .encode(false, &mut Vec::new())
                .is_err()
        );
        assert_eq!(
            encoded(&Value::HexInt64(0x4000_0000_0000_0000), false),
            [0, 0, 0, 0, 0, 0, 0, 0x40]
        );
        assert_eq!(encoded(&Value::Bool(true), false), [1, 0, 0, 0]);
        assert_eq!(encoded(&Value::Int8(-2), false), [0xfe]);
        assert_eq!(
            encoded(&Value::StringArray(vec!["a".into(), "".into()]), false),
            [b'a', 0, 0, 0, 0, 0]
        );
        assert!(
            Value::StringArray(vec!["a\0b".into()])
                .encode(false, &mut Vec::new())
                .is_err()
        );
        assert!(encoded(&Value::Null, true).is_empty());
    }

    #[test]
    fn values_read_from_data_files() {
        let values: Vec<Value> = serde_json::from_str(
            r#"[{"uint32": 5}, {"hex_int64": "0x8000000000000000"}, {"hex_int32": 16},
                {"binary": "59eff2"}, "null", {"guid": "{f4207c37-d7a8-4a5e-9a35-4e79caa60000}"},
                {"sid": "S-1-5-18"}, {"file_time": "2024-05-01T10:00:00.1234567Z"},
                {"string_array": ["a", "%%1311"]}]"#,
        )
        .unwrap();
        assert_eq!(values[0], Value::UInt32(5));
        assert_eq!(values[1], Value::HexInt64(1 << 63));
        assert_eq!(values[2], Value::HexInt32(16));
        assert_eq!(values[3], Value::Binary(vec![0x59, 0xef, 0xf2]));
        assert_eq!(values[4], Value::Null);
        let text = serde_json::to_string(&values).unwrap();
        let again: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(again, values);
        assert!(
            text.contains(r#"{"hex_int64":"0x8000000000000000"}"#),
            "{text}"
        );
        assert!(serde_json::from_str::<Value>(r#"{"hex_int32": "0x100000000"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"binary": "abc"}"#).is_err());
    }

    #[test]
    fn xml_text_matches_windows_rendering() {
        assert_eq!(
            Value::HexInt32(0x80090016).to_xml_text().as_deref(),
            Some("0x80090016")
        );
        assert_eq!(
            Value::Binary(vec![0x22, 0, 0, 0xc0])
                .to_xml_text()
                .as_deref(),
            Some("220000C0")
        );
        let time = Utc.with_ymd_and_hms(2015, 12, 28, 18, 45, 33).unwrap();
        assert_eq!(
            Value::FileTime(time).to_xml_text().as_deref(),
            Some("2015-12-28T18:45:33.0000000Z")
        );
        assert_eq!(Value::Null.to_xml_text(), None);
    }
}
