//! Free-text decoding of a code: what `rdpsleuth explain <CODE>` prints.
//!
//! [`explain`] returns every plausible reading of the input, most plausible first; an input
//! that matches nothing gives an empty list. Accepted syntax (ASCII case is ignored everywhere):
//!
//! | input | read as |
//! |---|---|
//! | `0x904`, `0X80090331` | hexadecimal number, tried against every numeric table |
//! | `2308`, `-2146893007` | decimal (a negative number is the signed form of a 32-bit code); bare digits are also tried as hex, ranked lower |
//! | `80090331`, `C000006A`, `b50000d0` | bare hex (CAPI2 `Result` style); eight digits are also tried as a little-endian classic `Binary` (`5E0000C0` → 0xC000005E) |
//! | `SEC_E_ALGORITHM_MISMATCH`, `disconnectReasonAtClientWinsockFDCLOSE`, `WSAECONNRESET`, `handshake_failure`, `CERT_TRUST_IS_UNTRUSTED_ROOT`, `RemoteInteractive` | a symbolic name in any table |
//! | `%%2313`, `%%1058` | a message-table reference: msobjs.dll (logon failure, key operation, WFP) or a Win32 error (SCM parameters) |
//! | `PREFIX:VALUE` | one table only (VALUE as above, or a name from that table) |
//! | a long hex string | a classic `Binary`: TermDD IO_ERROR_LOG_PACKET, or SCM UTF-16LE service text |
//!
//! Prefixes: `disc:`/`reason:` client disconnect reason · `ext:`/`extended:`/`errinfo:` extended
//! reason · `lsm:` LocalSessionManager 40 reason · `alert:`/`tls:` TLS alert · `state:`/`schannel:`
//! Schannel error state · `hr:`/`hresult:` HRESULT · `nt:`/`ntstatus:`/`status:` NTSTATUS ·
//! `win32:`/`err:`/`wsa:` Win32 or Winsock error · `trust:` CERT_TRUST mask (bare digits are hex,
//! as CAPI2 writes them) · `logon:` logon type · `profile:`/`fw:` firewall profile mask ·
//! `svc:` service state · `binary:`/`bin:` any classic `Binary` · `termdd:` TermDD `Binary` ·
//! `scm:` SCM `Binary` · `ref:` message reference number.
//!
//! Ranking: every reading gets a score (0–100) from how specific the input was (a prefix or a
//! name beats a bare number), how likely the table is for a bare number (an RDP disconnect
//! reason before a Win32 error), whether the value is a known entry or only decodes
//! structurally, and how the text was read (bare digits taken as hex, or bytes reversed,
//! rank lower). The weights are the tables [`AUTO_TABLES`] and [`NOTATIONS`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::certtrust::{CERT_TRUST_BITS, cert_trust};
use super::disconnect::{
    DISCONNECT_REASONS, EXTENDED_REASONS, ExtendedReason, disconnect_reason, extended_reason,
    lsm_reason,
};
use super::firewall::firewall_profiles;
use super::hresult::{HRESULTS, HresultInfo, Wrapped, hresult};
use super::logon::{LOGON_TYPES, logon_type};
use super::msgref::{message_ref, parse_message_ref};
use super::ntstatus::{
    NTSTATUSES, NtSeverity, NtStatusInfo, clear_nt_bit, ntstatus_info, termdd_binary,
};
use super::service::{SERVICE_STATES, service_binary, service_state};
use super::tls::{SchannelState, TlsAlert, schannel_states_with, tls_alert, tls_alert_by_name};
use super::win32::{WIN32_ERRORS, win32_error};
use super::{CodeEntry, decode_hex, find_name};
use crate::cause::Cause;

/// The table a reading comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// RDPClient/Operational 1026 `Value`.
    DisconnectReason,
    /// ActiveX extended disconnect reason / MS-RDPBCGR errorInfo.
    ExtendedReason,
    /// LocalSessionManager/Operational 40 `Reason`.
    LsmReason,
    /// TLS alert description.
    TlsAlert,
    /// Schannel internal error state.
    SchannelState,
    /// HRESULT.
    Hresult,
    /// NTSTATUS.
    Ntstatus,
    /// Win32 or Winsock error.
    Win32Error,
    /// CERT_TRUST error status mask.
    CertTrust,
    /// `%%NNNN` msobjs.dll message reference.
    MessageRef,
    /// Security 4624/4625 logon type.
    LogonType,
    /// Windows Firewall profile mask.
    FirewallProfile,
    /// SERVICE_STATUS state.
    ServiceState,
    /// Service Control Manager `Binary`.
    ServiceBinary,
    /// TermDD `Binary` (IO_ERROR_LOG_PACKET).
    TermddBinary,
}

impl Table {
    /// A human title for the table.
    pub fn title(self) -> &'static str {
        match self {
            Table::DisconnectReason => "RDP client disconnect reason (RDPClient 1026 Value)",
            Table::ExtendedReason => "RDP extended disconnect reason / server errorInfo",
            Table::LsmReason => "LocalSessionManager 40 Reason",
            Table::TlsAlert => "TLS alert (Schannel 36887/36888 AlertDesc)",
            Table::SchannelState => "Schannel internal error state",
            Table::Hresult => "HRESULT",
            Table::Ntstatus => "NTSTATUS",
            Table::Win32Error => "Win32 / Winsock error",
            Table::CertTrust => "CERT_TRUST error status (CAPI2 ErrorStatus)",
            Table::MessageRef => "%% message reference (msobjs.dll)",
            Table::LogonType => "Logon type (4624/4625 LogonType)",
            Table::FirewallProfile => "Windows Firewall profile mask",
            Table::ServiceState => "Service state (SCM 7036 Binary)",
            Table::ServiceBinary => "Service Control Manager Binary",
            Table::TermddBinary => "TermDD Binary (IO_ERROR_LOG_PACKET)",
        }
    }

    /// Codes of this table are shown as 8-digit hex.
    fn wide_hex(self) -> bool {
        matches!(
            self,
            Table::Hresult
                | Table::Ntstatus
                | Table::TermddBinary
                | Table::CertTrust
                | Table::FirewallProfile
        )
    }
}

/// How the input text was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Notation {
    /// `0x…`.
    Hex,
    /// Plain digits.
    Decimal,
    /// A negative decimal: the signed form of a 32-bit code.
    SignedDecimal,
    /// Hex digits without `0x`, containing a letter or exactly eight digits long.
    BareHex,
    /// Plain digits taken as hex (a less likely reading).
    DigitsAsHex,
    /// Plain digits taken as decimal where hex is the norm (CAPI2 masks; a less likely reading).
    DigitsAsDecimal,
    /// Eight hex digits taken as the bytes of a little-endian `Binary`.
    LittleEndian,
    /// A symbolic name.
    Name,
    /// `%%NNNN`.
    MessageRef,
    /// A hex `Binary` blob.
    Binary,
}

/// Score adjustments per notation for readings of a bare number. Source of the numbers: design
/// choice — readings that need a reinterpretation of the text rank below direct ones.
pub static NOTATIONS: &[(Notation, i16)] = &[
    (Notation::Hex, 0),
    (Notation::Decimal, 0),
    (Notation::SignedDecimal, 0),
    (Notation::BareHex, 0),
    (Notation::DigitsAsHex, -30),
    (Notation::DigitsAsDecimal, -30),
    (Notation::LittleEndian, -20),
    (Notation::Name, 0),
    (Notation::MessageRef, 0),
    (Notation::Binary, 0),
];

/// How plausible each table is for a bare number: the score of a known entry, and of a value
/// that only decodes structurally (0: not offered). Design choice: the RDP-specific tables and
/// the precise SSPI/NT codes first, then the generic ones.
pub static AUTO_TABLES: &[(Table, u8, u8)] = &[
    (Table::Hresult, 85, 40),
    (Table::Ntstatus, 85, 35),
    (Table::DisconnectReason, 80, 0),
    (Table::ExtendedReason, 70, 25),
    (Table::TlsAlert, 60, 0),
    (Table::Win32Error, 55, 0),
    (Table::LsmReason, 50, 0),
    (Table::SchannelState, 30, 0),
    (Table::MessageRef, 25, 0),
];

/// Score of a reading chosen by prefix or `%%` syntax.
const EXPLICIT: u8 = 100;
/// Score of a reading found by symbolic name.
const BY_NAME: u8 = 95;
/// Score of a known value wrapped in an HRESULT or NTSTATUS (HRESULT_FROM_WIN32, FACILITY_NTWIN32).
const WRAPPED_KNOWN: u8 = 75;
/// Score of a decoded `Binary`.
const BINARY: u8 = 90;
/// Score of a `%%` number read as a Win32 error (SCM parameters).
const REF_AS_WIN32: u8 = 60;

/// One reading of the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The table matched.
    pub table: Table,
    /// Its human title.
    pub table_title: &'static str,
    /// The value (for a `Binary`: the status it carries, else its error code).
    pub code: u32,
    /// The value in hex (`0x904`, `0x80090331`).
    pub hex: String,
    /// The value in decimal.
    pub decimal: u32,
    /// The signed 32-bit form, when the top bit is set (`-2146893007`).
    pub signed: Option<i32>,
    /// The symbolic name, if known.
    pub name: Option<String>,
    /// What it means.
    pub meaning: String,
    /// The failure causes it points to.
    pub causes: Vec<Cause>,
    /// Further decoding (structure, bits, wrapped values, caveats).
    pub details: Vec<String>,
    /// How the input was read.
    pub read_as: Notation,
    /// Plausibility, 0–100; the list is sorted by it.
    pub score: u8,
}

impl Explanation {
    fn new(
        table: Table,
        code: u32,
        name: Option<String>,
        meaning: String,
        causes: &[Cause],
    ) -> Self {
        let hex = if table.wide_hex() {
            format!("{code:#010X}")
        } else {
            format!("{code:#X}")
        };
        Explanation {
            table,
            table_title: table.title(),
            code,
            hex,
            decimal: code,
            signed: (code & 0x8000_0000 != 0).then_some(code as i32),
            name,
            meaning,
            causes: causes.to_vec(),
            details: Vec::new(),
            read_as: Notation::Decimal,
            score: 0,
        }
    }

    fn from_entry(table: Table, e: &CodeEntry) -> Self {
        Explanation::new(
            table,
            e.code,
            e.name.map(str::to_owned),
            e.meaning.to_owned(),
            e.causes,
        )
    }

    fn detail(mut self, line: String) -> Self {
        self.details.push(line);
        self
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({}", self.table_title, self.hex, self.decimal)?;
        if let Some(s) = self.signed {
            write!(f, ", {s}")?;
        }
        f.write_str(")")?;
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        writeln!(f)?;
        writeln!(f, "    {}", self.meaning)?;
        for d in &self.details {
            writeln!(f, "    {d}")?;
        }
        if self.causes.is_empty() {
            write!(f, "    points to: no failure cause")
        } else {
            let ids: Vec<&str> = self.causes.iter().map(|c| c.id()).collect();
            write!(f, "    points to: {}", ids.join(", "))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Readings per table.

fn read_disconnect(code: u32) -> Option<Explanation> {
    disconnect_reason(code).map(|e| Explanation::from_entry(Table::DisconnectReason, e))
}

fn extended_explanation(r: ExtendedReason, code: u32) -> Explanation {
    let x = Explanation::new(
        Table::ExtendedReason,
        code,
        Some(r.name().to_owned()),
        r.meaning().to_owned(),
        r.causes(),
    );
    match r {
        ExtendedReason::Exact(_) if code <= 12 => x.detail(
            "Only the ActiveX control reports it; the server sends the same value as its MS-RDPBCGR errorInfo.".to_owned(),
        ),
        _ => x,
    }
}

fn read_extended(code: u32) -> Option<(Explanation, bool)> {
    extended_reason(code).map(|r| {
        let exact = matches!(r, ExtendedReason::Exact(_));
        (extended_explanation(r, code), exact)
    })
}

fn read_lsm(code: u32) -> Option<Explanation> {
    lsm_reason(code).map(|e| Explanation::from_entry(Table::LsmReason, e))
}

fn alert_explanation(a: &TlsAlert) -> Explanation {
    let x = Explanation::new(
        Table::TlsAlert,
        u32::from(a.code),
        Some(a.name.to_owned()),
        a.meaning.to_owned(),
        a.causes,
    );
    match a.received_as {
        Some(code) => {
            let h = hresult(code);
            x.detail(format!(
                "Schannel reports {} ({code:#010X}) when it receives this alert.",
                h.name().unwrap_or_default()
            ))
        }
        None => x,
    }
}

fn read_alert(code: u32) -> Option<Explanation> {
    let code = u8::try_from(code).ok()?;
    tls_alert(code).map(alert_explanation)
}

fn state_explanation(s: &SchannelState) -> Explanation {
    let mut x = Explanation::new(
        Table::SchannelState,
        s.state,
        None,
        s.meaning.to_owned(),
        s.causes,
    );
    let with = s
        .alert
        .map(|a| format!(" with alert {a}"))
        .unwrap_or_default();
    x.details.push(format!(
        "Logged by Schannel {}{with}; source: {}.",
        s.event_id, s.source
    ));
    if !s.confirmed {
        x.details
            .push("Meaning unconfirmed: only seen in context.".to_owned());
    }
    x
}

fn read_states(code: u32) -> Vec<Explanation> {
    schannel_states_with(code).map(state_explanation).collect()
}

fn hresult_explanation(h: &HresultInfo) -> Explanation {
    let mut x = Explanation::new(Table::Hresult, h.code, h.name(), h.meaning(), h.causes());
    let structure = h.structure();
    if structure != x.meaning {
        x.details.push(structure);
    }
    if h.entry.is_some() {
        if let Some(w) = h.wrapped.and_then(|w| w.entry()) {
            x.details.push(format!(
                "Wraps {}: {}",
                w.name.unwrap_or("a known value"),
                w.meaning
            ));
        }
    }
    x
}

/// An HRESULT reading and how well it is known: its own entry, a known wrapped value, or structure only.
fn read_hresult(code: u32) -> (Explanation, Known) {
    let h = hresult(code);
    let known = if h.entry.is_some() {
        Known::Entry
    } else {
        match h.wrapped {
            Some(Wrapped::NtStatus { from_nt: false, .. }) => Known::NotThisTable,
            Some(w) if w.entry().is_some() => Known::Wrapped,
            // A customer-defined value decodes to nothing meaningful without its vendor.
            _ if h.failure && !h.customer => Known::Structure,
            _ => Known::NotThisTable,
        }
    };
    (hresult_explanation(&h), known)
}

fn ntstatus_explanation(n: &NtStatusInfo) -> Explanation {
    let (name, causes) = match (n.entry, n.win32) {
        (Some(e), _) => (e.name.map(str::to_owned), e.causes),
        (None, Some((w, Some(e)))) => (
            Some(format!(
                "NTSTATUS_FROM_WIN32({})",
                e.name.map_or_else(|| w.to_string(), str::to_owned)
            )),
            e.causes,
        ),
        _ => (None, &[][..]),
    };
    let mut x = Explanation::new(Table::Ntstatus, n.code, name, n.meaning(), causes);
    if n.entry.is_some() || n.win32.is_some() {
        let facility = match (n.facility, n.facility_name) {
            (0, _) => String::new(),
            (_, Some(name)) => format!(", {name}"),
            (f, None) => format!(", facility {f:#X}"),
        };
        x.details.push(format!(
            "{:?} severity{facility}, code {:#06X}",
            n.severity, n.status_code
        ));
    }
    x
}

fn read_ntstatus(code: u32) -> (Explanation, Known) {
    let n = ntstatus_info(code);
    let known = if n.entry.is_some() {
        Known::Entry
    } else if n.win32.is_some_and(|(_, e)| e.is_some()) {
        Known::Wrapped
    } else if n.severity == NtSeverity::Error && code & 0x1000_0000 == 0 {
        Known::Structure
    } else {
        Known::NotThisTable
    };
    (ntstatus_explanation(&n), known)
}

fn read_win32(code: u32) -> Option<Explanation> {
    win32_error(code).map(|e| Explanation::from_entry(Table::Win32Error, e))
}

fn read_message_ref(code: u32) -> Option<Explanation> {
    message_ref(code).map(|m| {
        Explanation::new(
            Table::MessageRef,
            m.id,
            Some(format!("%%{}", m.id)),
            m.text.to_owned(),
            m.causes,
        )
        .detail(format!("Used as: {}.", m.group.title()))
    })
}

fn read_trust(mask: u32) -> Explanation {
    let t = cert_trust(mask);
    let meaning = if t.bits.is_empty() && t.unknown_bits == 0 {
        "No trust error.".to_owned()
    } else {
        t.bits
            .iter()
            .map(|e| e.meaning)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut x = Explanation::new(
        Table::CertTrust,
        mask,
        Some(t.names()),
        meaning,
        &t.causes(),
    );
    if t.unknown_bits != 0 {
        x.details
            .push(format!("Bits {:#X} are not in the table.", t.unknown_bits));
    }
    x
}

fn read_profile(mask: u32) -> Explanation {
    let p = firewall_profiles(mask);
    Explanation::new(
        Table::FirewallProfile,
        mask,
        None,
        format!("Firewall profiles: {}.", p.describe()),
        &[],
    )
}

fn read_logon_type(code: u32) -> Option<Explanation> {
    logon_type(code).map(|e| Explanation::from_entry(Table::LogonType, e))
}

fn read_service_state(code: u32) -> Option<Explanation> {
    service_state(code).map(|e| Explanation::from_entry(Table::ServiceState, e))
}

/// Decodes a hex `Binary` in every form that fits.
fn read_binary(hex: &str, termdd: bool, scm: bool, le: bool) -> Vec<Explanation> {
    let mut out = Vec::new();
    if termdd {
        if let Some(p) = termdd_binary(hex) {
            let error = super::ntstatus::ntstatus(p.error_code);
            let status = p.status_entry();
            let code = p.status.unwrap_or(p.error_code);
            let name = status.or(error).and_then(|e| e.name).map(str::to_owned);
            let causes = status.or(error).map_or(&[][..], |e| e.causes);
            let error_name = error.and_then(|e| e.name).unwrap_or("unknown error code");
            let meaning = match status {
                Some(s) => format!(
                    "TermDD event {} ({error_name}) carrying status {}: {}",
                    p.message_id(),
                    s.name.unwrap_or("?"),
                    s.meaning
                ),
                None => format!(
                    "TermDD event {} ({error_name}): {}",
                    p.message_id(),
                    error.map_or("no description", |e| e.meaning)
                ),
            };
            let mut x = Explanation::new(Table::TermddBinary, code, name, meaning, causes);
            x.details.push(format!(
                "ErrorCode {:#010X}, DumpDataSize {}, {} string(s) at offset {:#X}",
                p.error_code, p.dump_data_size, p.number_of_strings, p.string_offset
            ));
            if let (Some(raw), Some(s)) = (p.status_raw, p.status) {
                if raw != s {
                    x.details.push(format!(
                        "Status stored as {raw:#010X} (HRESULT_FROM_NT); cleared to {s:#010X}."
                    ));
                }
            }
            if p.status.is_none() && !p.dump_data.is_empty() {
                let shown: String = p
                    .dump_data
                    .iter()
                    .take(64)
                    .map(|b| format!("{b:02X}"))
                    .collect();
                x.details.push(format!("Dump data: {shown}"));
            }
            if p.dump_truncated {
                x.details
                    .push("The blob ends before the declared dump data.".to_owned());
            }
            x.read_as = Notation::Binary;
            x.score = BINARY;
            out.push(x);
        }
    }
    if scm {
        if let Some(b) = service_binary(hex) {
            let code = b.state.unwrap_or(0);
            let mut meaning = match b.state_entry {
                Some(s) => format!("Service {} — {}", b.key, s.meaning),
                None => format!("Service {}", b.key),
            };
            if let Some(r) = b.role {
                meaning.push_str(&format!(" ({}: {})", r.display, r.role));
            }
            let causes = b.role.map_or(&[][..], |r| r.causes);
            let name = Some(match b.state {
                Some(n) => format!("{}/{n}", b.key),
                None => b.key.clone(),
            });
            let mut x = Explanation::new(Table::ServiceBinary, code, name, meaning, causes);
            if b.state.is_some() && b.state_entry.is_none() {
                x.details.push("Unknown state number.".to_owned());
            }
            x.read_as = Notation::Binary;
            x.score = BINARY;
            out.push(x);
        }
    }
    if le {
        if let Some(bytes) = decode_hex(hex).and_then(|b| <[u8; 4]>::try_from(b).ok()) {
            let (mut x, known) = read_ntstatus(clear_nt_bit(u32::from_le_bytes(bytes)));
            if known == Known::Entry {
                x.details
                    .push("Read as a little-endian classic Binary (NETLOGON, TermDD).".to_owned());
                x.read_as = Notation::Binary;
                x.score = BINARY;
                out.push(x);
            }
        }
    }
    out
}

/// How well a generic decoder knows a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    /// The value's own table entry.
    Entry,
    /// A known value wrapped inside it.
    Wrapped,
    /// Structure only.
    Structure,
    /// Not a value of this kind.
    NotThisTable,
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/// What a prefix selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Table(Table),
    /// `binary:` — any classic `Binary`.
    AnyBinary,
    /// `scm:`.
    ScmBinary,
}

/// Prefixes of `PREFIX:VALUE`, lower case.
static PREFIXES: &[(&str, Target)] = &[
    ("disc", Target::Table(Table::DisconnectReason)),
    ("reason", Target::Table(Table::DisconnectReason)),
    ("ext", Target::Table(Table::ExtendedReason)),
    ("extended", Target::Table(Table::ExtendedReason)),
    ("errinfo", Target::Table(Table::ExtendedReason)),
    ("lsm", Target::Table(Table::LsmReason)),
    ("alert", Target::Table(Table::TlsAlert)),
    ("tls", Target::Table(Table::TlsAlert)),
    ("state", Target::Table(Table::SchannelState)),
    ("schannel", Target::Table(Table::SchannelState)),
    ("hr", Target::Table(Table::Hresult)),
    ("hresult", Target::Table(Table::Hresult)),
    ("nt", Target::Table(Table::Ntstatus)),
    ("ntstatus", Target::Table(Table::Ntstatus)),
    ("status", Target::Table(Table::Ntstatus)),
    ("win32", Target::Table(Table::Win32Error)),
    ("err", Target::Table(Table::Win32Error)),
    ("wsa", Target::Table(Table::Win32Error)),
    ("trust", Target::Table(Table::CertTrust)),
    ("ref", Target::Table(Table::MessageRef)),
    ("logon", Target::Table(Table::LogonType)),
    ("profile", Target::Table(Table::FirewallProfile)),
    ("fw", Target::Table(Table::FirewallProfile)),
    ("svc", Target::Table(Table::ServiceState)),
    ("termdd", Target::Table(Table::TermddBinary)),
    ("binary", Target::AnyBinary),
    ("bin", Target::AnyBinary),
    ("scm", Target::ScmBinary),
];

/// Hex digits beyond which a bare hex string is a `Binary` rather than a number.
const MAX_NUMBER_DIGITS: usize = 8;

/// The numbers a piece of text can stand for, with how each was read.
fn numbers(text: &str, digits_are_hex: bool) -> Vec<(u32, Notation)> {
    let t = text.trim();
    let mut out = Vec::new();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if is_hex(hex) {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                out.push((v, Notation::Hex));
            }
        }
        return out;
    }
    if let Some(digits) = t.strip_prefix('-') {
        if is_digits(digits) {
            if let Ok(v) = digits.parse::<i64>().map(|v| -v) {
                if let Ok(v) = i32::try_from(v) {
                    out.push((v as u32, Notation::SignedDecimal));
                }
            }
        }
        return out;
    }
    if !is_hex(t) {
        return out;
    }
    // Hex only up to eight digits (longer is a `Binary`); decimal up to u32::MAX.
    let as_hex = (t.len() <= MAX_NUMBER_DIGITS)
        .then(|| u32::from_str_radix(t, 16).ok())
        .flatten();
    if is_digits(t) {
        let decimal = t.parse::<u32>().ok();
        let (dec_notation, hex_notation) = if digits_are_hex {
            (Notation::DigitsAsDecimal, Notation::BareHex)
        } else if t.len() == MAX_NUMBER_DIGITS {
            // Eight digits: as likely a CAPI2-style hex code as a decimal number.
            (Notation::Decimal, Notation::BareHex)
        } else {
            (Notation::Decimal, Notation::DigitsAsHex)
        };
        if let Some(v) = decimal {
            out.push((v, dec_notation));
        }
        if let Some(v) = as_hex.filter(|h| Some(*h) != decimal) {
            out.push((v, hex_notation));
        }
    } else if let Some(v) = as_hex {
        out.push((v, Notation::BareHex));
    }
    if t.len() == MAX_NUMBER_DIGITS {
        if let Some(v) = as_hex {
            out.push((v.swap_bytes(), Notation::LittleEndian));
        }
    }
    out
}

fn is_hex(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_digits(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

fn looks_like_name(t: &str) -> bool {
    t.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !is_hex(t)
}

fn notation_adjust(n: Notation) -> i16 {
    NOTATIONS
        .iter()
        .find(|(k, _)| *k == n)
        .map_or(0, |(_, d)| *d)
}

fn scored(mut x: Explanation, base: u8, read_as: Notation) -> Explanation {
    let s = i16::from(base) + notation_adjust(read_as);
    x.score = u8::try_from(s.clamp(0, 100)).unwrap_or(0);
    x.read_as = read_as;
    x
}

/// Readings of one number in one table; `explicit` when a prefix chose the table (then
/// structural decodings are always offered).
fn read_table(table: Table, code: u32, explicit: bool) -> Vec<(Explanation, u8)> {
    let weights = AUTO_TABLES.iter().find(|(t, _, _)| *t == table);
    let (known_w, generic_w) = if explicit {
        (EXPLICIT, EXPLICIT)
    } else {
        weights.map_or((0, 0), |(_, k, g)| (*k, *g))
    };
    let one = |x: Option<Explanation>| x.map(|x| vec![(x, known_w)]).unwrap_or_default();
    match table {
        Table::DisconnectReason => one(read_disconnect(code)),
        Table::ExtendedReason => read_extended(code)
            .map(|(x, exact)| vec![(x, if exact { known_w } else { generic_w })])
            .unwrap_or_default(),
        Table::LsmReason => one(read_lsm(code)),
        Table::TlsAlert => one(read_alert(code)),
        Table::SchannelState => read_states(code)
            .into_iter()
            .map(|x| (x, known_w))
            .collect(),
        Table::Hresult => {
            let (x, known) = read_hresult(code);
            match known {
                Known::Entry => vec![(x, known_w)],
                Known::Wrapped if explicit => vec![(x, EXPLICIT)],
                Known::Wrapped => vec![(x, WRAPPED_KNOWN)],
                Known::Structure if generic_w > 0 => vec![(x, generic_w)],
                _ if explicit => vec![(x, EXPLICIT)],
                _ => Vec::new(),
            }
        }
        Table::Ntstatus => {
            let (x, known) = read_ntstatus(code);
            match known {
                Known::Entry => vec![(x, known_w)],
                Known::Wrapped if explicit => vec![(x, EXPLICIT)],
                Known::Wrapped => vec![(x, WRAPPED_KNOWN)],
                Known::Structure if generic_w > 0 => vec![(x, generic_w)],
                _ if explicit => vec![(x, EXPLICIT)],
                _ => Vec::new(),
            }
        }
        Table::Win32Error => one(read_win32(code)),
        Table::MessageRef => one(read_message_ref(code)),
        Table::CertTrust if explicit => vec![(read_trust(code), EXPLICIT)],
        Table::FirewallProfile if explicit => vec![(read_profile(code), EXPLICIT)],
        Table::LogonType => one(read_logon_type(code)),
        Table::ServiceState => one(read_service_state(code)),
        Table::CertTrust | Table::FirewallProfile | Table::ServiceBinary | Table::TermddBinary => {
            Vec::new()
        }
    }
}

/// Smallest value read as an HRESULT or NTSTATUS from a bare number: below it the value has no
/// facility or severity, and an RDP table is the likelier reading (`0`, `5`, `7`).
const MIN_BARE_STATUS: u32 = 0x1_0000;

/// Readings of a bare number across the tables of [`AUTO_TABLES`].
fn read_number(code: u32, read_as: Notation, out: &mut Vec<Explanation>) {
    if read_as == Notation::LittleEndian {
        // Reversed bytes: only an exact NTSTATUS (HRESULT_FROM_NT bit cleared) or HRESULT entry.
        let (nt, known) = read_ntstatus(clear_nt_bit(code));
        if known == Known::Entry {
            out.push(scored(nt, weight(Table::Ntstatus), read_as));
        }
        let (hr, known) = read_hresult(code);
        if known == Known::Entry {
            out.push(scored(hr, weight(Table::Hresult), read_as));
        }
        return;
    }
    for (table, _, _) in AUTO_TABLES {
        let wanted = match table {
            // A reference number is only plausible when typed in decimal.
            Table::MessageRef => read_as == Notation::Decimal,
            Table::Hresult | Table::Ntstatus => code >= MIN_BARE_STATUS,
            _ => true,
        };
        if wanted {
            for (x, base) in read_table(*table, code, false) {
                out.push(scored(x, base, read_as));
            }
        }
    }
}

/// The score of a known entry of `table` read from a bare number.
fn weight(table: Table) -> u8 {
    AUTO_TABLES
        .iter()
        .find(|(t, _, _)| *t == table)
        .map_or(0, |(_, known, _)| *known)
}

/// Readings of a symbolic name, in any table (or only `only` when given).
fn read_name(name: &str, only: Option<Table>, score: u8, out: &mut Vec<Explanation>) {
    let wants = |t: Table| only.is_none_or(|o| o == t);
    let mut push = |x: Explanation| out.push(scored(x, score, Notation::Name));
    let entry_tables: [(Table, &'static [CodeEntry]); 8] = [
        (Table::DisconnectReason, DISCONNECT_REASONS),
        (Table::ExtendedReason, EXTENDED_REASONS),
        (Table::Hresult, HRESULTS),
        (Table::Ntstatus, NTSTATUSES),
        (Table::Win32Error, WIN32_ERRORS),
        (Table::CertTrust, CERT_TRUST_BITS),
        (Table::LogonType, LOGON_TYPES),
        (Table::ServiceState, SERVICE_STATES),
    ];
    for (table, entries) in entry_tables {
        if !wants(table) {
            continue;
        }
        if let Some(e) = find_name(entries, name) {
            let x = match table {
                Table::Hresult => hresult_explanation(&hresult(e.code)),
                Table::Ntstatus => ntstatus_explanation(&ntstatus_info(e.code)),
                Table::ExtendedReason => match extended_reason(e.code) {
                    Some(r) => extended_explanation(r, e.code),
                    None => Explanation::from_entry(table, e),
                },
                Table::CertTrust => read_trust(e.code),
                _ => Explanation::from_entry(table, e),
            };
            push(x);
        }
    }
    if wants(Table::TlsAlert) {
        if let Some(a) = tls_alert_by_name(name) {
            push(alert_explanation(a));
        }
    }
}

/// Every plausible reading of `input`, most plausible first; empty when nothing matches.
/// See the module documentation for the accepted syntax.
pub fn explain(input: &str) -> Vec<Explanation> {
    let text = input.trim();
    let mut out = Vec::new();
    if text.is_empty() {
        return out;
    }
    if let Some(id) = parse_message_ref(text) {
        if let Some(x) = read_message_ref(id) {
            out.push(scored(x, EXPLICIT, Notation::MessageRef));
        }
        if let Some(x) = read_win32(id) {
            out.push(scored(x, REF_AS_WIN32, Notation::MessageRef).detail(
                "As a Service Control Manager or NETLOGON parameter: a Win32 error.".to_owned(),
            ));
        }
    } else if let Some((prefix, rest)) = text.split_once(':') {
        let prefix = prefix.trim().to_ascii_lowercase();
        if let Some((_, target)) = PREFIXES.iter().find(|(p, _)| *p == prefix) {
            explain_prefixed(*target, rest.trim(), &mut out);
        }
    } else if looks_like_name(text) {
        read_name(text, None, BY_NAME, &mut out);
    } else {
        for (code, read_as) in numbers(text, false) {
            read_number(code, read_as, &mut out);
        }
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if is_hex(&compact) && compact.len() > MAX_NUMBER_DIGITS {
            out.extend(read_binary(&compact, true, true, false));
        }
    }
    rank(out)
}

fn explain_prefixed(target: Target, rest: &str, out: &mut Vec<Explanation>) {
    let table = match target {
        Target::AnyBinary => {
            out.extend(read_binary(rest, true, true, true));
            return;
        }
        Target::ScmBinary => {
            out.extend(read_binary(rest, false, true, false));
            return;
        }
        Target::Table(Table::TermddBinary) => {
            out.extend(read_binary(rest, true, false, false));
            return;
        }
        Target::Table(t) => t,
    };
    if table == Table::MessageRef {
        let id = parse_message_ref(rest).or_else(|| rest.parse().ok());
        if let Some(x) = id.and_then(read_message_ref) {
            out.push(scored(x, EXPLICIT, Notation::MessageRef));
        }
        return;
    }
    if looks_like_name(rest) {
        read_name(rest, Some(table), EXPLICIT, out);
        return;
    }
    let digits_are_hex = table == Table::CertTrust;
    for (code, read_as) in numbers(rest, digits_are_hex) {
        if read_as == Notation::LittleEndian {
            continue;
        }
        for (x, base) in read_table(table, code, true) {
            out.push(scored(x, base, read_as));
        }
    }
}

/// Readings scoring below this are dropped as noise (a bare number twisted twice).
const MIN_SCORE: u8 = 20;

/// Keeps the best-scored reading of each (table, code), best first; ties in table order.
fn rank(readings: Vec<Explanation>) -> Vec<Explanation> {
    let mut best: BTreeMap<(Table, u32), Explanation> = BTreeMap::new();
    for x in readings.into_iter().filter(|x| x.score >= MIN_SCORE) {
        let key = (x.table, x.code);
        match best.get(&key) {
            Some(kept) if kept.score >= x.score => {}
            _ => {
                best.insert(key, x);
            }
        }
    }
    let mut out: Vec<Explanation> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.table.cmp(&b.table))
            .then(a.code.cmp(&b.code))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(input: &str) -> Explanation {
        explain(input)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no reading for {input:?}"))
    }

    fn has(input: &str, table: Table, code: u32) -> bool {
        explain(input)
            .iter()
            .any(|x| x.table == table && x.code == code)
    }

    #[test]
    fn disconnect_reason_in_hex_and_decimal() {
        for input in ["0x904", "2308", "0X904", " 2308 "] {
            let x = first(input);
            assert_eq!(x.table, Table::DisconnectReason, "{input}");
            assert_eq!(x.code, 2308);
            assert_eq!(x.hex, "0x904");
            assert_eq!(
                x.name.as_deref(),
                Some("disconnectReasonAtClientWinsockFDCLOSE")
            );
            assert!(x.causes.contains(&Cause::Network));
        }
        // The same digits as a logon failure reference rank lower; 0x2308 (a protocol-range
        // extended reason reached by reading the digits as hex) is below the noise floor.
        let all = explain("2308");
        assert_eq!(all.len(), 2);
        assert!(
            all.iter()
                .any(|x| x.table == Table::MessageRef && x.code == 2308)
        );
        assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn bare_hex_digits_of_a_reason() {
        // "904" is no decimal code, but 0x904 is.
        let x = first("904");
        assert_eq!(x.code, 2308);
        assert_eq!(x.read_as, Notation::DigitsAsHex);
    }

    #[test]
    fn extended_reason_7() {
        for input in ["0x7", "7"] {
            let all = explain(input);
            let x = all.first().unwrap();
            assert_eq!(x.table, Table::ExtendedReason, "{input}");
            assert_eq!(
                x.name.as_deref(),
                Some("exDiscReasonServerDeniedConnection")
            );
            assert!(has(input, Table::LsmReason, 7));
        }
        let x = first("ext:7");
        assert_eq!(x.table, Table::ExtendedReason);
        assert_eq!(x.score, 100);
        assert_eq!(explain("ext:7").len(), 1);
        assert!(explain("ext:99").is_empty());
        let range = first("ext:0x10C9");
        assert_eq!(range.code, 0x10C9);
        assert!(range.name.unwrap().contains("ProtocolRange"));
    }

    #[test]
    fn hresult_in_every_notation() {
        for input in [
            "0x80090331",
            "80090331",
            "-2146893007",
            "SEC_E_ALGORITHM_MISMATCH",
            "sec_e_algorithm_mismatch",
            "hr:0x80090331",
            "2148074289",
        ] {
            let x = first(input);
            assert_eq!(x.table, Table::Hresult, "{input}");
            assert_eq!(x.code, 0x80090331, "{input}");
            assert_eq!(
                x.name.as_deref(),
                Some("SEC_E_ALGORITHM_MISMATCH"),
                "{input}"
            );
            assert_eq!(x.causes, vec![Cause::TlsMismatch]);
            assert_eq!(x.hex, "0x80090331");
            assert_eq!(x.signed, Some(-2146893007));
        }
        assert_eq!(first("SEC_E_ALGORITHM_MISMATCH").read_as, Notation::Name);
        assert_eq!(first("-2146893007").read_as, Notation::SignedDecimal);
    }

    #[test]
    fn decimal_form_of_sec_e_no_credentials() {
        let x = first("2148074254");
        assert_eq!(x.name.as_deref(), Some("SEC_E_NO_CREDENTIALS"));
    }

    #[test]
    fn ntstatus() {
        let x = first("0xC000006A");
        assert_eq!(x.table, Table::Ntstatus);
        assert_eq!(x.name.as_deref(), Some("STATUS_WRONG_PASSWORD"));
        assert_eq!(x.causes, vec![Cause::LogonDenied]);
        assert!(
            !has("0xC000006A", Table::Hresult, 0xC000006A),
            "a bare NTSTATUS is no HRESULT reading"
        );
        let y = first("c000006a");
        assert_eq!(y.code, 0xC000006A);
        let z = first("STATUS_RDP_PROTOCOL_ERROR");
        assert_eq!(z.code, 0xC00A0032);
        let unknown = first("nt:0xC0AB0001");
        assert!(unknown.name.is_none());
        assert!(unknown.meaning.contains("error NTSTATUS"));
    }

    #[test]
    fn hresult_from_nt_and_win32() {
        let x = first("0xD00000B5");
        assert_eq!(x.table, Table::Hresult);
        assert_eq!(
            x.name.as_deref(),
            Some("HRESULT_FROM_NT(STATUS_IO_TIMEOUT)")
        );
        assert_eq!(x.causes, vec![Cause::Network]);
        let w = first("0x80070040");
        assert_eq!(
            w.name.as_deref(),
            Some("HRESULT_FROM_WIN32(ERROR_NETNAME_DELETED)")
        );
        let rpc = first("0x800706BA");
        assert_eq!(
            rpc.name.as_deref(),
            Some("HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)")
        );
    }

    #[test]
    fn generic_hresult_is_offered_low() {
        let all = explain("0x80AB1234");
        let x = all.first().unwrap();
        assert_eq!(x.table, Table::Hresult);
        assert!(x.name.is_none());
        assert!(x.meaning.contains("failure HRESULT"));
        assert!(x.score < 50);
    }

    #[test]
    fn little_endian_binary_words() {
        let x = first("B50000D0");
        assert_eq!(x.table, Table::Ntstatus);
        assert_eq!(x.code, 0xC00000B5);
        assert_eq!(x.name.as_deref(), Some("STATUS_IO_TIMEOUT"));
        assert_eq!(x.read_as, Notation::LittleEndian);
        assert_eq!(
            explain("B50000D0").len(),
            1,
            "0xB50000D0 is a customer-bit value, no HRESULT reading"
        );
        let n = first("5E0000C0");
        assert_eq!(n.name.as_deref(), Some("STATUS_NO_LOGON_SERVERS"));
        let b = first("binary:8B0100C0");
        assert_eq!(b.name.as_deref(), Some("STATUS_NO_TRUST_SAM_ACCOUNT"));
        assert_eq!(b.read_as, Notation::Binary);
    }

    #[test]
    fn termdd_binary_blob() {
        let blob = "0000040002002C000000000038000AC00000000038000AC000000000000000000000000000000000B50000D0";
        for input in [
            blob.to_owned(),
            format!("termdd:{blob}"),
            format!("binary:{blob}"),
        ] {
            let x = first(&input);
            assert_eq!(x.table, Table::TermddBinary, "{input}");
            assert_eq!(x.code, 0xC00000B5);
            assert_eq!(x.name.as_deref(), Some("STATUS_IO_TIMEOUT"));
            assert!(x.meaning.contains("TermDD event 56"));
            assert!(x.meaning.contains("STATUS_CTX_SECURITY_LAYER_ERROR"));
            assert_eq!(x.causes, vec![Cause::Network]);
        }
    }

    #[test]
    fn scm_binary_blob() {
        let x = first("5700650072005300760063002F0034000000");
        assert_eq!(x.table, Table::ServiceBinary);
        assert_eq!(x.name.as_deref(), Some("WerSvc/4"));
        assert!(x.meaning.contains("running"));
        let t = first("scm:5400650072006D0053006500720076006900630065002F0031000000");
        assert_eq!(t.name.as_deref(), Some("TermService/1"));
        assert_eq!(t.causes, vec![Cause::ServiceUnavailable]);
    }

    #[test]
    fn tls_alerts() {
        for input in [
            "alert:40",
            "tls:40",
            "TLS:0x28",
            "handshake_failure",
            "alert:handshake_failure",
        ] {
            let x = first(input);
            assert_eq!(x.table, Table::TlsAlert, "{input}");
            assert_eq!(x.code, 40);
            assert_eq!(x.name.as_deref(), Some("handshake_failure"));
            assert!(
                x.details
                    .iter()
                    .any(|d| d.contains("SEC_E_ILLEGAL_MESSAGE"))
            );
        }
        let bare = first("40");
        assert_eq!(bare.table, Table::TlsAlert);
        assert!(
            has("40", Table::Win32Error, 64),
            "0x40 read as hex is ERROR_NETNAME_DELETED"
        );
        assert!(explain("alert:300").is_empty());
    }

    #[test]
    fn lsm_and_message_refs() {
        let x = first("lsm:5");
        assert_eq!(x.table, Table::LsmReason);
        assert!(x.meaning.contains("reconnected"));
        let r = first("%%2313");
        assert_eq!(r.table, Table::MessageRef);
        assert_eq!(r.name.as_deref(), Some("%%2313"));
        assert_eq!(r.causes, vec![Cause::LogonDenied]);
        let scm = first("%%1058");
        assert_eq!(scm.table, Table::Win32Error);
        assert_eq!(scm.name.as_deref(), Some("ERROR_SERVICE_DISABLED"));
        assert_eq!(first("%%14592").meaning, "Inbound.");
        assert_eq!(first("ref:2313").code, 2313);
        assert!(explain("%%1").is_empty());
    }

    #[test]
    fn cert_trust_masks() {
        for input in ["trust:0x21", "trust:21"] {
            let x = first(input);
            assert_eq!(x.table, Table::CertTrust);
            assert_eq!(x.code, 0x21);
            assert_eq!(
                x.name.as_deref(),
                Some("CERT_TRUST_IS_NOT_TIME_VALID | CERT_TRUST_IS_UNTRUSTED_ROOT")
            );
            assert_eq!(x.causes, vec![Cause::CertExpired]);
        }
        assert_eq!(
            first("trust:0").name.as_deref(),
            Some("CERT_TRUST_NO_ERROR")
        );
        assert_eq!(first("CERT_TRUST_IS_UNTRUSTED_ROOT").code, 0x20);
    }

    #[test]
    fn other_prefixed_tables() {
        assert_eq!(first("logon:10").name.as_deref(), Some("RemoteInteractive"));
        assert_eq!(first("RemoteInteractive").code, 10);
        assert!(first("profile:2147483649").meaning.contains("Domain"));
        assert_eq!(first("svc:1").name.as_deref(), Some("SERVICE_STOPPED"));
        assert_eq!(
            first("win32:1311").name.as_deref(),
            Some("ERROR_NO_LOGON_SERVERS")
        );
        assert_eq!(first("WSAECONNRESET").code, 10054);
        let state = first("state:10013");
        assert_eq!(state.table, Table::SchannelState);
        assert_eq!(state.causes, vec![Cause::TlsMismatch]);
        assert!(has("10013", Table::Win32Error, 10013));
        assert!(has("10013", Table::SchannelState, 10013));
    }

    #[test]
    fn no_match_is_empty() {
        for input in [
            "",
            "   ",
            "hello world",
            "foo:12",
            "0x",
            "0xZZ",
            "-",
            "--5",
            "%%",
            "12:34",
            "ext:",
            "SEC_E_NOPE",
            "0x1FFFFFFFF",
            "99999999999",
            "ext:SEC_E_ALGORITHM_MISMATCH",
        ] {
            assert!(
                explain(input).is_empty(),
                "{input:?} gave {:?}",
                explain(input)
            );
        }
    }

    #[test]
    fn display_and_json() {
        let x = first("0x904");
        let text = x.to_string();
        assert!(text.starts_with("RDP client disconnect reason (RDPClient 1026 Value): 0x904 (2308) disconnectReasonAtClientWinsockFDCLOSE\n"));
        assert!(text.contains("points to: cert_expired,"));
        let json = serde_json::to_value(&x).unwrap();
        assert_eq!(json["table"], "disconnect_reason");
        assert_eq!(json["hex"], "0x904");
        assert_eq!(json["decimal"], 2308);
        assert_eq!(json["read_as"], "hex");
        assert!(
            json["causes"]
                .as_array()
                .unwrap()
                .contains(&"network".into())
        );
        let h = first("-2146893007").to_string();
        assert!(h.contains("0x80090331 (2148074289, -2146893007) SEC_E_ALGORITHM_MISMATCH"));
        assert!(first("0x0").to_string().contains("no failure cause"));
    }

    #[test]
    fn ranking_is_sorted_and_deduplicated() {
        for input in [
            "0", "5", "7", "40", "260", "516", "10013", "80090331", "B50000D0",
        ] {
            let all = explain(input);
            assert!(all.windows(2).all(|w| w[0].score >= w[1].score), "{input}");
            let mut keys: Vec<(Table, u32)> = all.iter().map(|x| (x.table, x.code)).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), n, "{input}");
        }
    }

    mod never_panics {
        use super::super::explain;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn on_arbitrary_text(s in ".{0,200}") {
                let _ = explain(&s);
            }

            #[test]
            fn on_code_like_text(s in "(0x|-|%%|[a-z]{1,8}:)?[0-9A-Fa-fxX_: -]{0,120}") {
                for x in explain(&s) {
                    prop_assert!(x.score <= 100);
                    prop_assert!(!x.meaning.is_empty());
                    let _ = x.to_string();
                }
            }

            #[test]
            fn on_any_u32(v in any::<u32>()) {
                let _ = explain(&v.to_string());
                let _ = explain(&format!("{v:#x}"));
                let _ = explain(&format!("{v:08X}"));
                let _ = explain(&format!("trust:{v:#x}"));
                let _ = explain(&format!("profile:{v}"));
                let _ = explain(&format!("-{v}"));
            }
        }
    }
}
