//! Evaluating the rule table against one connection: which rules fire, on which events, with
//! which weight after the decay with distance in time.
//!
//! Owns the reading of event fields for the rules (names matched exactly, else ignoring case;
//! numbers in every rendering; HRESULTs written in decimal, signed decimal, hex with or without
//! `0x`), the decoding of codes through [`crate::codes`], the connection-level [`Fact`]s, and
//! the [`Analysis`] context shared by every connection (per-host time indexes, log spans,
//! compiled regexes). A [`Finding`] is one (rule, cause) argument with its final weight;
//! [`crate::score`] combines them.

use std::net::IpAddr;
use std::sync::OnceLock;

use foldhash::HashMap;
use rdpsleuth_parser::coverage::{Coverage, HostCoverage};
use rdpsleuth_parser::event::{parse_hex_u64, parse_u64};
use rdpsleuth_parser::{Event, FieldValue, Fields, LostRecords, Timestamp};
use rdpsleuth_timelines::{Connection, EventIndex, HostId, Lane, Outcome, Relation, Timelines};
use regex::Regex;

use crate::cause::Cause;
use crate::codes;
use crate::onset::Change;
use crate::rules::{
    CONNECT_FAILED_REASONS, CONNECT_REFUSED_SECONDS, CONNECT_TIMEOUT_SECONDS, CauseSource, Cond,
    Decode, Direction, Fact, MAX_DECODED_CAUSES, RULES, RUNNING_TEXT, Rule, SHUTDOWN_IDS,
    STARTUP_ID, STOPPED_TEXT, Scope, Side, TERMSERVICE_DISPLAY, Text, Trigger, patterns,
};

/// One argument for or against one cause.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule that fired.
    pub rule: &'static Rule,
    /// The cause argued about.
    pub cause: Cause,
    /// For or against.
    pub direction: Direction,
    /// Final weight: the rule's weight × the decay with distance × the context factor × the
    /// share of a decoded code's cause list.
    pub weight: f64,
    /// The event it rests on (facts point at the event that shows them best).
    pub event: Option<EventIndex>,
    /// When, on the connection's reference clock.
    pub time: Option<Timestamp>,
    /// Seconds from the connection's window (0 inside).
    pub distance: f64,
    /// What was decoded or observed, when the event alone does not say it.
    pub detail: Option<String>,
    /// The decoded code the cause was read from, for decoded rules.
    pub code: Option<u64>,
    /// What the finding rests on (for the calibration of [`crate::score`]).
    pub basis: Basis,
}

/// What a finding rests on: the connection's own records, the state of a machine around it, or
/// what the logs do not show. [`crate::score`] caps the confidence of a cause by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// A record of the connection itself (its ActivityID, or joined to it by address, port or
    /// logon id), or a fact read from those records.
    Record,
    /// The state of a machine around the connection: a record no connection owns, a service
    /// state, a change before the failures began, a later success.
    Context,
    /// What the host's logs do not show (no connection from the client). `shown`: the host's
    /// logs are shown to have been recording at the time — some log of the host holds records
    /// from the attempt's start on — so the absence is observed rather than assumed.
    Absence {
        /// The host's logs hold records from the attempt's start on.
        shown: bool,
    },
}

/// A value decoded with the code tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The numeric value.
    pub code: u64,
    /// How it reads, e.g. `0x8009030D SEC_E_UNKNOWN_CREDENTIALS`.
    pub label: String,
    /// The causes its table row names.
    pub causes: &'static [Cause],
}

/// Client disconnect reasons from this value up are RD Gateway errors (EVENTS.md §5.1).
pub const GATEWAY_REASONS: u32 = 0x0300_0000;
/// Most seconds after a failure that a later success is looked for.
pub const LATER_SUCCESS_SECONDS: f64 = 86_400.0;
/// How far after a failure the state of TermService is still read.
const SERVICE_STATE_SLACK_SECONDS: f64 = 5.0;
/// How far before a failure the last state change of TermService is looked for: a service
/// stopped (or disabled) stays so until something starts it, which SCM logs.
pub const SERVICE_STATE_LOOKBACK_SECONDS: f64 = 30.0 * 86_400.0;
/// How far before an attempt a shutdown marker is looked for.
const HOST_DOWN_LOOKBACK_SECONDS: f64 = 86_400.0;
/// Records a host still writes after its shutdown marker (services stopping) do not show it
/// was up again.
const SHUTDOWN_SECONDS: f64 = 600.0;
/// How far after a failing Open Key a successful Create Key of the same key makes it benign.
const BENIGN_CREATE_SECONDS: f64 = 120.0;

fn compiled() -> &'static HashMap<&'static str, Regex> {
    static CACHE: OnceLock<HashMap<&'static str, Regex>> = OnceLock::new();
    CACHE.get_or_init(|| {
        patterns()
            .filter_map(|p| {
                let source = if p.starts_with("(?i)") {
                    p.to_string()
                } else {
                    format!("(?i){p}")
                };
                Regex::new(&source).ok().map(|re| (p, re))
            })
            .collect()
    })
}

/// The compiled form of one of the table's patterns (`None` only if it failed to compile,
/// which a test rules out).
pub fn regex(pattern: &'static str) -> Option<&'static Regex> {
    compiled().get(pattern)
}

// ---- reading fields ---------------------------------------------------------------------------

/// A field by exact name, else by the same name ignoring case.
pub fn field<'a>(f: &'a Fields, name: &str) -> Option<&'a FieldValue> {
    f.get(name).or_else(|| {
        f.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A field's text, trimmed, `None` when empty.
pub fn text<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    field(f, name)
        .and_then(FieldValue::as_text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A field as a number: decimal, `0x` hex, signed 32-bit decimal, or bare hex.
pub fn number(f: &Fields, name: &str) -> Option<u64> {
    let t = text(f, name)?;
    parse_u64(t).or_else(|| parse_hex_u64(t))
}

/// A 32-bit error code (HRESULT or NTSTATUS) as Windows writes them: `0x8009030D`,
/// `"-2146893043"`, `2147500033`, or bare hex `800B0101` (CAPI2). Eight bare decimal digits are
/// read as hex when the decimal reading is not an error code (an error has the top bit set).
pub fn error_code(t: &str) -> Option<u32> {
    let t = t.trim();
    let value = if t.starts_with("0x") || t.starts_with("0X") || t.starts_with('-') {
        parse_u64(t)?
    } else if t.bytes().all(|b| b.is_ascii_digit()) {
        let decimal: u64 = t.parse().ok()?;
        if decimal < 0x8000_0000 && t.len() == 8 {
            parse_hex_u64(t)?
        } else {
            decimal
        }
    } else {
        parse_hex_u64(t)?
    };
    u32::try_from(value).ok()
}

/// All field values of an event, joined by spaces (for text rules over unknown layouts).
pub fn all_text(f: &Fields) -> String {
    let mut out = String::new();
    for (_, v) in f.iter() {
        for item in v.items() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(item.trim());
        }
    }
    out
}

fn read_text(e: &Event, which: Text) -> Option<String> {
    match which {
        Text::Field(name) => text(&e.fields, name).map(str::to_string),
        Text::Data(i) => e.fields.data(i).map(str::to_string),
        Text::All => {
            let mut t = all_text(&e.fields);
            if let Some(m) = e.rendering.as_ref().and_then(|r| r.message.as_deref()) {
                if !t.is_empty() {
                    t.push(' ');
                }
                t.push_str(m);
            }
            (!t.is_empty()).then_some(t)
        }
        Text::Message => e
            .rendering
            .as_ref()
            .and_then(|r| r.message.as_deref())
            .map(str::to_string),
        Text::Provider => Some(e.provider.to_string()),
    }
}

// ---- services -----------------------------------------------------------------------------------

/// The service key an SCM event is about: from `Binary`, from `param4` (7040), from a known
/// display name of TermService, or `param1` when it looks like a key name.
pub fn service_key(e: &Event) -> Option<String> {
    let f = &e.fields;
    if let Some(b) = text(f, "Binary").and_then(codes::service_binary) {
        return Some(b.key);
    }
    if e.event_id == 7040
        && let Some(k) = text(f, "param4")
    {
        return Some(k.to_string());
    }
    let name = text(f, "param1").or_else(|| text(f, "ServiceName"))?;
    if regex(TERMSERVICE_DISPLAY).is_some_and(|re| re.is_match(name)) {
        return Some("TermService".to_string());
    }
    if let Some(role) = codes::service::RDP_SERVICES
        .iter()
        .find(|s| s.display.eq_ignore_ascii_case(name))
    {
        return Some(role.key.to_string());
    }
    Some(name.to_string())
}

/// The SERVICE_STATUS state of an SCM 7036: the digit of its `Binary`, else its localised
/// `param2` (stopped → 1, running → 4).
pub fn service_state(e: &Event) -> Option<u32> {
    let f = &e.fields;
    if let Some(state) = text(f, "Binary")
        .and_then(codes::service_binary)
        .and_then(|b| b.state)
    {
        return Some(state);
    }
    let t = text(f, "param2")?;
    if regex(STOPPED_TEXT).is_some_and(|re| re.is_match(t)) {
        Some(1)
    } else if regex(RUNNING_TEXT).is_some_and(|re| re.is_match(t)) {
        Some(4)
    } else {
        None
    }
}

// ---- decoding -------------------------------------------------------------------------------------

fn hresult_decoded(code: u32) -> Decoded {
    let info = codes::hresult(code);
    let label = match info.name() {
        Some(name) => format!("{code:#010X} {name}"),
        None => format!("{code:#010X}"),
    };
    Decoded {
        code: u64::from(code),
        label: label.replacen("0X", "0x", 1),
        causes: info.causes(),
    }
}

fn ntstatus_decoded(code: u32) -> Option<Decoded> {
    let entry = codes::ntstatus(code)?;
    let label = match entry.name {
        Some(name) => format!("0x{code:08X} {name}"),
        None => format!("0x{code:08X}"),
    };
    Some(Decoded {
        code: u64::from(code),
        label,
        causes: entry.causes,
    })
}

/// An NTSTATUS or, failing that, an HRESULT.
fn status_or_hresult(code: u32) -> Decoded {
    if (code >> 16) == 0x8009 || (code >> 16) == 0x800B {
        return hresult_decoded(code);
    }
    ntstatus_decoded(code).unwrap_or_else(|| hresult_decoded(code))
}

/// Decodes a value of an event with the code tables.
pub fn decode(e: &Event, d: Decode) -> Option<Decoded> {
    let f = &e.fields;
    match d {
        Decode::Hresult(name) => {
            let code = error_code(text(f, name)?)?;
            (code != 0).then(|| hresult_decoded(code))
        }
        Decode::NtStatus(names) => {
            let mut fallback = None;
            for name in names {
                let Some(code) = text(f, name).and_then(error_code) else {
                    continue;
                };
                if code == 0 {
                    continue;
                }
                if let Some(d) = ntstatus_decoded(code) {
                    return Some(d);
                }
                fallback.get_or_insert(code);
            }
            fallback.map(status_or_hresult)
        }
        Decode::TermddStatus => {
            let packet = codes::termdd_binary(text(f, "Binary")?)?;
            let status = packet.status.or(Some(packet.error_code))?;
            Some(status_or_hresult(status))
        }
        Decode::NtStatusBinary => {
            let code = codes::ntstatus_binary(text(f, "Binary")?)?;
            ntstatus_decoded(code)
        }
        Decode::TlsAlert(name) => {
            let code = u8::try_from(number(f, name)?).ok()?;
            let alert = codes::tls_alert(code)?;
            Some(Decoded {
                code: u64::from(code),
                label: format!("alert {code} {}", alert.name),
                causes: alert.causes,
            })
        }
        Decode::SchannelState(name) => {
            let state = u32::try_from(number(f, name)?).ok()?;
            let alert = number(f, "AlertDesc").and_then(|a| u8::try_from(a).ok());
            let row = codes::schannel_state(e.event_id, state, alert)?;
            Some(Decoded {
                code: u64::from(state),
                label: format!("state {state}: {}", row.meaning),
                causes: row.causes,
            })
        }
        Decode::DisconnectReason(name) => {
            let code = u32::try_from(number(f, name)?).ok()?;
            let entry = codes::disconnect_reason(code)?;
            let label = match entry.name {
                Some(n) => format!("{code} ({code:#x}) {n}"),
                None => format!("{code} ({code:#x})"),
            };
            Some(Decoded {
                code: u64::from(code),
                label,
                causes: entry.causes,
            })
        }
        Decode::LsmReason(name) => {
            let code = u32::try_from(number(f, name)?).ok()?;
            let entry = codes::lsm_reason(code)?;
            Some(Decoded {
                code: u64::from(code),
                label: format!("reason {code}: {}", entry.meaning),
                causes: entry.causes,
            })
        }
        Decode::MessageRef(name) => {
            let id = codes::parse_message_ref(text(f, name)?)?;
            let r = codes::message_ref(id)?;
            Some(Decoded {
                code: u64::from(id),
                label: format!("%%{id} {}", r.text.trim_end_matches('.')),
                causes: r.causes,
            })
        }
        Decode::CodeInText(which) => {
            let t = read_text(e, which)?;
            let code = find_code_in_text(&t)?;
            Some(status_or_hresult(code))
        }
    }
}

/// The first `0x` followed by eight hex digits in a text.
fn find_code_in_text(t: &str) -> Option<u32> {
    let lower = t.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(pos) = rest.find("0x") {
        let after = rest.get(pos + 2..)?;
        let digits: String = after.chars().take_while(char::is_ascii_hexdigit).collect();
        if digits.len() == 8 {
            return u32::from_str_radix(&digits, 16).ok();
        }
        rest = after;
    }
    None
}

// ---- the analysis context -------------------------------------------------------------------------

/// First and last record of one log on one host, on that host's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Earliest record.
    pub first: Timestamp,
    /// Latest record.
    pub last: Timestamp,
}

/// Everything shared by the evaluation of all connections of one analysis.
pub struct Analysis<'a> {
    /// The timelines.
    pub timelines: &'a Timelines,
    /// What each host's logs cover.
    pub coverage: &'a Coverage,
    /// Per host, its events in time order.
    pub host_events: Vec<Vec<EventIndex>>,
    /// Per host, lower-case channel → span (from the coverage, else from the events).
    spans: Vec<HashMap<String, Span>>,
    /// Per host, its entry in the coverage.
    host_coverage: Vec<Option<&'a HostCoverage>>,
    rules_by_kind: HashMap<&'static str, Vec<&'static Rule>>,
}

impl<'a> Analysis<'a> {
    /// Prepares the shared indexes.
    pub fn new(timelines: &'a Timelines, coverage: &'a Coverage) -> Self {
        let hosts = timelines.hosts.len();
        let mut host_events: Vec<Vec<EventIndex>> = vec![Vec::new(); hosts];
        let mut spans: Vec<HashMap<String, Span>> = vec![HashMap::default(); hosts];
        for (i, e) in timelines.events.iter().enumerate() {
            let Some(&h) = timelines.event_host.get(i) else {
                continue;
            };
            if let Some(list) = host_events.get_mut(h) {
                list.push(i);
            }
            if let Some(map) = spans.get_mut(h) {
                let span = map.entry(e.channel.to_lowercase()).or_insert(Span {
                    first: e.time,
                    last: e.time,
                });
                span.first = span.first.min(e.time);
                span.last = span.last.max(e.time);
            }
        }
        let host_coverage: Vec<Option<&HostCoverage>> = timelines
            .hosts
            .iter()
            .map(|host| {
                std::iter::once(host.name.as_str())
                    .chain(host.aliases.iter().map(String::as_str))
                    .find_map(|n| coverage.host(n))
            })
            .collect();
        for (h, cov) in host_coverage.iter().enumerate() {
            let Some(cov) = cov else {
                continue;
            };
            let Some(map) = spans.get_mut(h) else {
                continue;
            };
            for c in &cov.channels {
                let span = map.entry(c.channel.to_lowercase()).or_insert(Span {
                    first: c.first,
                    last: c.last,
                });
                span.first = span.first.min(c.first);
                span.last = span.last.max(c.last);
            }
        }
        let mut rules_by_kind: HashMap<&'static str, Vec<&'static Rule>> = HashMap::default();
        for r in RULES {
            if let Trigger::Event { kind, .. } = r.trigger {
                rules_by_kind.entry(kind).or_default().push(r);
            }
        }
        Analysis {
            timelines,
            coverage,
            host_events,
            spans,
            host_coverage,
            rules_by_kind,
        }
    }

    /// The inputs of a host that are a channel's log but hold no record (collected, but
    /// cleared, disabled or never written), as the coverage names them.
    pub fn empty_inputs(&self, host: HostId, channel: &str) -> &'a [String] {
        self.host_coverage
            .get(host)
            .copied()
            .flatten()
            .and_then(|cov| {
                cov.missing
                    .iter()
                    .find(|m| m.channel.eq_ignore_ascii_case(channel))
            })
            .map_or(&[], |m| m.empty_inputs.as_slice())
    }

    /// The span of a channel in a host's logs, on the host's clock.
    pub fn span(&self, host: HostId, channel: &str) -> Option<Span> {
        self.spans
            .get(host)
            .and_then(|m| m.get(&channel.to_lowercase()))
            .copied()
    }

    /// Seconds to add to a reference-clock time to get the host's own clock reading.
    pub fn host_shift(&self, host: HostId, conn: &Connection) -> f64 {
        let offset = |h: HostId| {
            self.timelines
                .hosts
                .get(h)
                .and_then(|x| x.clock_offset_seconds)
        };
        let reference = conn.server.and_then(offset).unwrap_or(0.0);
        offset(host).map_or(0.0, |o| o - reference)
    }

    /// True when a host's log of this channel covers `[start, end]` (reference clock) well
    /// enough to speak about it: its records begin before the end, and do not end more than
    /// a day before the start (an export taken earlier).
    pub fn covers(
        &self,
        host: HostId,
        channel: &str,
        conn: &Connection,
        start: Timestamp,
        end: Timestamp,
    ) -> bool {
        let shift = self.host_shift(host, conn);
        self.span(host, channel).is_some_and(|s| {
            s.first <= end.add_seconds(shift)
                && s.last >= start.add_seconds(shift - LATER_SUCCESS_SECONDS)
        })
    }

    /// Records of a channel of `host` that its logs numbered but no input gave, written
    /// (by their neighbours' times) within `start`–`end` on the reference clock; the first run.
    pub fn lost_within(
        &self,
        host: HostId,
        channel: &str,
        conn: &Connection,
        start: Timestamp,
        end: Timestamp,
    ) -> Option<LostRecords> {
        let shift = self.host_shift(host, conn);
        let (from, to) = (start.add_seconds(shift), end.add_seconds(shift));
        self.host_coverage
            .get(host)
            .copied()
            .flatten()?
            .channels
            .iter()
            .filter(|c| c.channel.eq_ignore_ascii_case(channel))
            .flat_map(|c| c.lost.iter())
            .find(|run| run.after < to && from < run.before)
            .copied()
    }

    /// True when some log of `host` holds a record at or after `t` (host clock): the logs were
    /// collected after that time, so a record they do not show at that time was not written
    /// (unless a log wrapped or was cleared).
    pub fn recorded_after(&self, host: HostId, t: Timestamp) -> bool {
        self.spans
            .get(host)
            .is_some_and(|m| m.values().any(|s| s.last >= t))
    }

    /// The rules that read events of this catalog kind.
    pub fn rules_for(&self, kind: &str) -> &[&'static Rule] {
        self.rules_by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// The event at an index.
    pub fn event(&self, i: EventIndex) -> Option<&'a Event> {
        self.timelines.events.get(i)
    }

    /// The host that logged an event.
    pub fn host_of(&self, i: EventIndex) -> Option<HostId> {
        self.timelines.event_host.get(i).copied()
    }

    /// A host's events between two times of its own clock (inclusive).
    pub fn host_events_between(
        &self,
        host: HostId,
        from: Timestamp,
        to: Timestamp,
    ) -> &[EventIndex] {
        let Some(list) = self.host_events.get(host) else {
            return &[];
        };
        let time = |i: &EventIndex| self.event(*i).map_or(Timestamp(i64::MIN), |e| e.time);
        let lo = list.partition_point(|i| time(i) < from);
        let hi = list.partition_point(|i| time(i) <= to);
        list.get(lo..hi.max(lo)).unwrap_or(&[])
    }

    /// The names and addresses that designate the connection's server: the target as typed,
    /// the server's names and its addresses, lower case.
    pub fn server_names(&self, conn: &Connection) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some(t) = &conn.target {
            names.push(strip_target(t).to_lowercase());
        }
        if let Some(h) = conn.server.and_then(|s| self.timelines.hosts.get(s)) {
            names.push(h.name.to_lowercase());
            names.extend(h.aliases.iter().map(|a| a.to_lowercase()));
            names.extend(h.addresses.iter().map(|a| a.ip.to_string()));
        }
        names.retain(|n| !n.is_empty());
        names.sort();
        names.dedup();
        names
    }
}

/// The host part of a target as typed (`srv01:3390` → `srv01`, `[fe80::1]:3389` → `fe80::1`).
pub fn strip_target(target: &str) -> &str {
    let t = target.trim();
    if let Some(inner) = t.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    if t.matches(':').count() == 1 {
        return t.split(':').next().unwrap_or(t);
    }
    t
}

/// True when `value` (a DNS name, URL, address) designates one of `names`.
fn names_any(value: &str, names: &[String]) -> bool {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return false;
    }
    names.iter().any(|n| {
        if n.parse::<IpAddr>().is_ok() {
            return v.contains(n.as_str());
        }
        let short = |s: &str| s.split('.').next().unwrap_or(s).to_string();
        let host_of = |s: &str| {
            let s = s.split("://").nth(1).unwrap_or(s);
            let s = s.split(['/', ':']).next().unwrap_or(s);
            s.trim_end_matches('.').to_string()
        };
        let vh = host_of(&v);
        vh == *n || short(&vh) == short(n) && (!vh.contains('.') || !n.contains('.'))
    })
}

// ---- conditions ---------------------------------------------------------------------------------

/// What a condition may need about the connection being diagnosed.
#[derive(Clone, Copy)]
pub struct Subject<'c> {
    /// The connection, when an event is judged for one (onset scans judge events alone).
    pub conn: Option<&'c Connection>,
}

fn check(
    a: &Analysis<'_>,
    index: EventIndex,
    e: &Event,
    cond: &Cond,
    subject: Subject<'_>,
) -> bool {
    let f = &e.fields;
    match *cond {
        Cond::OneOf(which, values) => read_text(e, which)
            .is_some_and(|t| values.iter().any(|v| v.eq_ignore_ascii_case(t.trim()))),
        Cond::Num(names, values) => names
            .iter()
            .filter_map(|n| number(f, n))
            .any(|v| values.contains(&v)),
        Cond::NotNum(names, values) => !names
            .iter()
            .filter_map(|n| number(f, n))
            .any(|v| values.contains(&v)),
        Cond::NonZero(name) => number(f, name).is_some_and(|v| v != 0),
        Cond::Bits(name, mask) => text(f, name)
            .and_then(parse_hex_u64)
            .is_some_and(|v| v & mask != 0),
        Cond::Matches(which, pattern) => {
            read_text(e, which).is_some_and(|t| regex(pattern).is_some_and(|re| re.is_match(&t)))
        }
        Cond::AbsentOrMatches(which, pattern) => {
            read_text(e, which).is_none_or(|t| regex(pattern).is_some_and(|re| re.is_match(&t)))
        }
        Cond::NotMatches(which, pattern) => {
            !read_text(e, which).is_some_and(|t| regex(pattern).is_none_or(|re| re.is_match(&t)))
        }
        Cond::Service(keys) => {
            service_key(e).is_some_and(|k| keys.iter().any(|x| x.eq_ignore_ascii_case(&k)))
        }
        Cond::ServiceState(state) => service_state(e) == Some(state),
        Cond::Decoded(d, values) => decode(e, d).is_some_and(|x| values.contains(&x.code)),
        Cond::RdpMachineKey => {
            let name = text(f, "KeyName").unwrap_or("");
            let path = text(f, "KeyFilePath").unwrap_or("").to_ascii_lowercase();
            name.eq_ignore_ascii_case("TSSecKeySet1")
                || name
                    .to_ascii_lowercase()
                    .starts_with("rdcertificatefactory")
                || path.contains("\\machinekeys\\")
                || path.contains("f686aace6942fb7f7ceb231212eef4a4")
        }
        Cond::FromClient => {
            let Some(conn) = subject.conn else {
                return false;
            };
            let (Some(client), Some(flow)) =
                (conn.client_address, rdpsleuth_timelines::net::flow(e))
            else {
                return false;
            };
            flow.remote == Some(client)
        }
        Cond::ClientAddressUnknown => subject.conn.is_some_and(|c| c.client_address.is_none()),
        Cond::InboundToRdpPort => rdpsleuth_timelines::net::flow(e).is_some_and(|flow| {
            let ports = rdpsleuth_parser::catalog::Catalog::global().rdp_ports();
            flow.inbound != Some(false) && flow.local_port.is_some_and(|p| ports.contains(&p))
        }),
        Cond::TimeJump(min) => {
            let t = |name: &str| text(f, name).and_then(Timestamp::parse);
            matches!((t("NewTime"), t("OldTime")), (Some(n), Some(o)) if n.seconds_since(o).abs() >= min)
        }
        Cond::NotBenignKeyCreation => !benign_key_creation(a, index, e),
        Cond::CertNotAfterPassed => {
            let Some(conn) = subject.conn else {
                return false;
            };
            let names = a.server_names(conn);
            cert_not_after_passed(e, &names)
        }
        Cond::NamesServer(name) => {
            let Some(conn) = subject.conn else {
                return false;
            };
            let names = a.server_names(conn);
            text(f, name).is_some_and(|v| names_any(v, &names))
        }
    }
}

/// A failing Open Key (`0x80090016`) followed, on the same host, by a successful Create Key of
/// the same key name: the normal first step of creating a key (EVENTS.md §3.10).
fn benign_key_creation(a: &Analysis<'_>, index: EventIndex, e: &Event) -> bool {
    let f = &e.fields;
    if text(f, "ReturnCode").and_then(error_code) != Some(0x8009_0016) {
        return false;
    }
    let Some(name) = text(f, "KeyName") else {
        return false;
    };
    let Some(host) = a.host_of(index) else {
        return false;
    };
    a.host_events_between(host, e.time, e.time.add_seconds(BENIGN_CREATE_SECONDS))
        .iter()
        .filter(|&&j| j != index)
        .filter_map(|&j| a.event(j))
        .any(|x| {
            x.kind.key() == "key_operations"
                && text(&x.fields, "KeyName").is_some_and(|k| k.eq_ignore_ascii_case(name))
                && text(&x.fields, "Operation")
                    .and_then(codes::parse_message_ref)
                    .is_some_and(|op| op == 2481)
                && text(&x.fields, "ReturnCode")
                    .and_then(error_code)
                    .is_some_and(|c| c == 0)
        })
}

/// A CAPI2 90 certificate of the server (by its subject name) whose `NotAfter` lies before the
/// event.
fn cert_not_after_passed(e: &Event, server_names: &[String]) -> bool {
    e.fields.iter().any(|(k, v)| {
        let Some(prefix) = k.strip_suffix(".NotAfter") else {
            return false;
        };
        let subject = text(&e.fields, &format!("{prefix}@subjectName"));
        let ours = subject.is_some_and(|s| names_any(s, server_names));
        let expired = v
            .as_text()
            .and_then(Timestamp::parse)
            .is_some_and(|t| t < e.time);
        ours && expired
    })
}

/// True when an event passes a rule's trigger (kind, id and every condition).
pub fn event_matches(
    a: &Analysis<'_>,
    rule: &Rule,
    index: EventIndex,
    e: &Event,
    subject: Subject<'_>,
) -> bool {
    let Trigger::Event { kind, ids, conds } = rule.trigger else {
        return false;
    };
    e.kind.key() == kind
        && (ids.is_empty() || ids.contains(&e.event_id))
        && conds.iter().all(|c| check(a, index, e, c, subject))
}

// ---- findings ---------------------------------------------------------------------------------------

fn decay(distance: f64, half_life: f64) -> f64 {
    0.5_f64.powf(distance.abs() / half_life)
}

fn side_ok(side: Side, lane: Lane) -> bool {
    matches!(
        (side, lane),
        (Side::Either, _) | (Side::Client, Lane::Client) | (Side::Server, Lane::Server)
    )
}

/// One firing of a rule: what it rests on.
struct Firing<'e> {
    event: Option<(EventIndex, &'e Event)>,
    time: Option<Timestamp>,
    distance: f64,
    factor: f64,
    detail: Option<String>,
    change_causes: &'e [Cause],
    basis: Basis,
}

/// Pushes the findings of one firing of a rule.
fn push_effects(out: &mut Vec<Finding>, rule: &'static Rule, firing: &Firing<'_>) {
    let w = &rule.window;
    if firing.distance < -w.before || firing.distance > w.after {
        return;
    }
    let scale = firing.factor * decay(firing.distance, w.half_life);
    for effect in rule.effects {
        let (causes, label, code): (&[Cause], Option<String>, Option<u64>) = match effect.causes {
            CauseSource::Fixed(c) => (c, None, None),
            CauseSource::OfChange { .. } => (firing.change_causes, None, None),
            CauseSource::Decoded { decode: d, .. } => {
                let Some(decoded) = firing.event.and_then(|(_, e)| decode(e, d)) else {
                    continue;
                };
                if decoded.causes.len() > MAX_DECODED_CAUSES {
                    continue;
                }
                (decoded.causes, Some(decoded.label), Some(decoded.code))
            }
        };
        for (n, &cause) in causes.iter().enumerate() {
            let share = if n == 0 { 1.0 } else { 0.5 };
            out.push(Finding {
                rule,
                cause,
                direction: effect.direction,
                weight: effect.weight * scale * share,
                event: firing.event.map(|(i, _)| i),
                time: firing.time,
                distance: firing.distance,
                detail: label.clone().or_else(|| firing.detail.clone()),
                code,
                basis: firing.basis,
            });
        }
    }
}

/// Every finding for one connection: the event rules over its owned events and its context,
/// the connection-level facts, and the changes of host state before its run of failures began.
pub fn findings(a: &Analysis<'_>, conn_index: usize, changes: &[Change]) -> Vec<Finding> {
    let Some(conn) = a.timelines.connections.get(conn_index) else {
        return Vec::new();
    };
    let subject = Subject { conn: Some(conn) };
    let mut out = Vec::new();
    let owned = conn.entries.iter().map(|x| (x, true));
    let context = conn.context.iter().map(|x| (x, false));
    for (entry, is_owned) in owned.chain(context) {
        let Some(e) = a.event(entry.event) else {
            continue;
        };
        let is_owned = is_owned && entry.relation != Relation::Context;
        for &rule in a.rules_for(e.kind.key()) {
            if !side_ok(rule.side, entry.lane) {
                continue;
            }
            let factor = match (rule.scope, is_owned) {
                (Scope::Owned, false) | (Scope::Context, true) => continue,
                (Scope::Any(f), false) => f,
                _ => 1.0,
            };
            if !event_matches(a, rule, entry.event, e, subject) {
                continue;
            }
            let firing = Firing {
                event: Some((entry.event, e)),
                time: Some(entry.time),
                distance: entry.distance_seconds,
                factor,
                detail: None,
                change_causes: &[],
                basis: if is_owned {
                    Basis::Record
                } else {
                    Basis::Context
                },
            };
            push_effects(&mut out, rule, &firing);
        }
    }
    for rule in RULES {
        let Trigger::Fact(fact) = rule.trigger else {
            continue;
        };
        if fact == Fact::ChangedBeforeOnset {
            for change in changes.iter().filter(|c| !c.causes.is_empty()) {
                let Some(e) = a.event(change.event) else {
                    continue;
                };
                let firing = Firing {
                    event: Some((change.event, e)),
                    time: Some(e.time.add_seconds(-a.host_shift(change.host, conn))),
                    distance: 0.0,
                    factor: 1.0,
                    detail: Some(
                        "changed between the last success and the first failure".to_string(),
                    ),
                    change_causes: &change.causes,
                    basis: Basis::Context,
                };
                push_effects(&mut out, rule, &firing);
            }
        } else if let Some(seen) = observe(a, conn_index, conn, fact) {
            let firing = Firing {
                event: seen.event.and_then(|i| a.event(i).map(|e| (i, e))),
                time: seen.time,
                distance: seen.distance,
                factor: 1.0,
                detail: Some(seen.detail),
                change_causes: &[],
                basis: seen.basis,
            };
            push_effects(&mut out, rule, &firing);
        }
    }
    out
}

/// What a fact rests on when it holds.
struct Observation {
    event: Option<EventIndex>,
    time: Option<Timestamp>,
    distance: f64,
    detail: String,
    basis: Basis,
}

fn entry_time(conn: &Connection, i: EventIndex) -> Option<Timestamp> {
    conn.entries
        .iter()
        .chain(&conn.context)
        .find(|x| x.event == i)
        .map(|x| x.time)
}

fn find_owned(a: &Analysis<'_>, conn: &Connection, kind: &str, ids: &[u32]) -> Option<EventIndex> {
    conn.entries.iter().map(|x| x.event).find(|&i| {
        a.event(i)
            .is_some_and(|e| e.kind.key() == kind && ids.contains(&e.event_id))
    })
}

fn host_name(a: &Analysis<'_>, h: Option<HostId>) -> String {
    h.and_then(|h| a.timelines.hosts.get(h))
        .map_or_else(|| "the host".to_string(), |x| x.name.clone())
}

fn observe(
    a: &Analysis<'_>,
    conn_index: usize,
    conn: &Connection,
    fact: Fact,
) -> Option<Observation> {
    let tl = a.timelines;
    let host_conn = conn
        .host_connection
        .and_then(|k| tl.host_connections.get(k));
    let attempt = conn.attempt.and_then(|k| tl.attempts.get(k));
    let at = |i: Option<EventIndex>| Observation {
        event: i,
        time: i.and_then(|i| entry_time(conn, i)),
        distance: 0.0,
        detail: String::new(),
        basis: Basis::Record,
    };
    match fact {
        Fact::ConnectedButNeverAccepted | Fact::NeverReachedHost => {
            let attempt = attempt?;
            // Through an RD Gateway the client never talks to the host directly.
            let via_gateway = attempt
                .disconnect_reason
                .is_some_and(|r| r >= GATEWAY_REASONS);
            if host_conn.is_some() || conn.outcome != Outcome::Failed || via_gateway {
                return None;
            }
            let server = conn.server?;
            if Some(server) == conn.client
                || !a.covers(
                    server,
                    rdpsleuth_parser::catalog::channel::RDPCORETS,
                    conn,
                    conn.start,
                    conn.end,
                )
            {
                return None;
            }
            let wanted = if attempt.transport_connected {
                Fact::ConnectedButNeverAccepted
            } else {
                Fact::NeverReachedHost
            };
            if wanted != fact {
                return None;
            }
            let anchor = find_owned(a, conn, "rdpclient", &[1026])
                .or_else(|| conn.entries.first().map(|x| x.event));
            let shown =
                a.recorded_after(server, conn.start.add_seconds(a.host_shift(server, conn)));
            let mut o = at(anchor);
            o.basis = Basis::Absence { shown };
            o.detail = format!(
                "{} logged no connection from the client while its RdpCoreTS log covers the attempt{}{}",
                host_name(a, Some(server)),
                if attempt.transport_connected {
                    ", although the client's socket connected (1025)"
                } else {
                    ""
                },
                if shown {
                    ""
                } else {
                    " (its logs end before the attempt: the absence is assumed, not observed)"
                }
            );
            Some(o)
        }
        Fact::ConnectTimedOut | Fact::ConnectRefused => {
            let attempt = attempt?;
            let reason = attempt.disconnect_reason?;
            if attempt.transport_connected || !CONNECT_FAILED_REASONS.contains(&reason) {
                return None;
            }
            let took = attempt.end.seconds_since(attempt.start);
            let (wanted, detail) = if took >= CONNECT_TIMEOUT_SECONDS {
                (
                    Fact::ConnectTimedOut,
                    format!(
                        "the TCP connect failed after {}: its SYNs went unanswered",
                        human_duration(took)
                    ),
                )
            } else if took <= CONNECT_REFUSED_SECONDS {
                (
                    Fact::ConnectRefused,
                    format!(
                        "the TCP connect failed after {}: the host refused it at once",
                        human_duration(took)
                    ),
                )
            } else {
                return None;
            };
            if wanted != fact {
                return None;
            }
            let mut o = at(find_owned(a, conn, "rdpclient", &[1026]));
            o.detail = detail;
            Some(o)
        }
        Fact::AcceptedThenDropped => {
            let h = host_conn?;
            let has = |kind: &str, ids: &[u32]| {
                h.events
                    .iter()
                    .filter_map(|&i| tl.events.get(i))
                    .any(|e| e.kind.key() == kind && ids.contains(&e.event_id))
            };
            if !has("rdpcorets", &[131]) || has("rdpcorets", &[65, 72]) || has("rcm", &[1149]) {
                return None;
            }
            let anchor = h.events.iter().copied().find(|&i| {
                tl.events
                    .get(i)
                    .is_some_and(|e| e.kind.key() == "rdpcorets" && matches!(e.event_id, 142 | 143))
            })?;
            let mut o = at(Some(anchor));
            o.detail = "accepted (131), then the socket failed (142/143) before the RDP connection object was created (no 65/72)".to_string();
            Some(o)
        }
        Fact::ArbitrationNeverEnded => {
            let h = host_conn?;
            let lsm = |ids: &[u32]| {
                h.events.iter().copied().find(|&i| {
                    tl.events
                        .get(i)
                        .is_some_and(|e| e.kind.key() == "lsm" && ids.contains(&e.event_id))
                })
            };
            let begin = lsm(&[41])?;
            if lsm(&[42, 21, 25]).is_some() {
                return None;
            }
            let mut o = at(Some(begin));
            o.detail =
                "session arbitration began (LSM 41) and never ended (no 42, 21 or 25)".to_string();
            Some(o)
        }
        Fact::TermServiceStopped => {
            let server = conn.server?;
            // A dropped session was accepted, so its own 131/261 say nothing against a stop
            // at the drop; a failed setup that the listener accepted was not refused by a
            // stopped service.
            let dropped = conn.stage() == Some(rdpsleuth_timelines::Stage::Session);
            if !dropped
                && (find_owned(a, conn, "rdpcorets", &[131]).is_some()
                    || find_owned(a, conn, "rcm", &[261, 1149]).is_some())
            {
                return None;
            }
            let (fail_start, fail_end) = conn.failure_window();
            let shift = a.host_shift(server, conn);
            let to = fail_end.add_seconds(shift + SERVICE_STATE_SLACK_SECONDS);
            let mut from = fail_start.add_seconds(shift - SERVICE_STATE_LOOKBACK_SECONDS);
            if dropped {
                // The service ran when the session began: only a stop after that counts.
                from = from.max(conn.start.add_seconds(shift));
            }
            let last = a
                .host_events_between(server, from, to)
                .iter()
                .rev()
                .copied()
                .find(|&i| {
                    a.event(i).is_some_and(|e| {
                        e.kind.key() == "service_control"
                            && e.event_id == 7036
                            && service_key(e).is_some_and(|k| k.eq_ignore_ascii_case("TermService"))
                            && service_state(e).is_some()
                    })
                })?;
            let e = a.event(last)?;
            if service_state(e) != Some(1) {
                return None;
            }
            let time = e.time.add_seconds(-shift);
            // The state holds until SCM logs another change: when the System log runs past
            // the attempt without one, the service was still stopped at the time (distance 0);
            // otherwise the stop counts as an event at its own time.
            let in_effect = a
                .span(server, rdpsleuth_parser::catalog::channel::SYSTEM)
                .is_some_and(|s| s.last >= fail_start.add_seconds(shift));
            let distance = if in_effect {
                0.0
            } else {
                rdpsleuth_timelines::group::distance_to_window(time, fail_start, fail_end)
            };
            Some(Observation {
                event: Some(last),
                time: Some(time),
                distance,
                detail: format!(
                    "the last state change of TermService before the failure was \"stopped\" ({} before){}",
                    human_duration(fail_start.seconds_since(time)),
                    if in_effect {
                        ", and the System log shows no start since"
                    } else {
                        ""
                    }
                ),
                basis: Basis::Context,
            })
        }
        Fact::HostDown => {
            let server = conn.server?;
            // A host that accepted the connection was up at setup; a session it gave can
            // still be dropped by the host going down.
            let dropped = conn.stage() == Some(rdpsleuth_timelines::Stage::Session);
            if (!dropped && conn.host_connection.is_some()) || Some(server) == conn.client {
                return None;
            }
            let shift = a.host_shift(server, conn);
            let (fail_start, fail_end) = conn.failure_window();
            let start = fail_start.add_seconds(shift);
            let end = fail_end.add_seconds(shift);
            let mut lookback_from = start.add_seconds(-HOST_DOWN_LOOKBACK_SECONDS);
            if dropped {
                lookback_from = lookback_from.max(conn.start.add_seconds(shift));
            }
            let before = a.host_events_between(server, lookback_from, end);
            let is_marker = |e: &Event| {
                e.kind.key() == "eventlog_service"
                    && (SHUTDOWN_IDS.contains(&e.event_id) || e.event_id == STARTUP_ID)
            };
            let (k, marker) = before
                .iter()
                .enumerate()
                .rev()
                .find_map(|(k, &i)| a.event(i).filter(|e| is_marker(e)).map(|e| (k, (i, e))))?;
            let (index, e) = marker;
            if !SHUTDOWN_IDS.contains(&e.event_id) {
                return None;
            }
            // Up again in between: something logged well after the shutdown began.
            let settled = e.time.add_seconds(SHUTDOWN_SECONDS);
            if before
                .iter()
                .skip(k + 1)
                .filter_map(|&i| a.event(i))
                .any(|x| x.time > settled && x.time < start)
            {
                return None;
            }
            let back = a
                .host_events_between(server, end, end.add_seconds(HOST_DOWN_LOOKBACK_SECONDS))
                .iter()
                .filter_map(|&i| a.event(i))
                .find(|x| x.kind.key() == "eventlog_service" && x.event_id == STARTUP_ID)
                .map(|x| x.time);
            let time = e.time.add_seconds(-shift);
            Some(Observation {
                event: Some(index),
                time: Some(time),
                distance: 0.0,
                detail: format!(
                    "{} was going down ({} {} before the failure){}",
                    host_name(a, Some(server)),
                    if e.event_id == 1074 {
                        "restart or shutdown initiated,"
                    } else {
                        "event log stopped at shutdown,"
                    },
                    human_duration(start.seconds_since(e.time)),
                    back.map_or_else(
                        || ", and logged no start after it".to_string(),
                        |t| format!(
                            " and started again {} after it (6005)",
                            human_duration(t.seconds_since(end))
                        )
                    )
                ),
                basis: Basis::Context,
            })
        }
        // Judged from the onset of the connection's run of failures, in `findings`.
        Fact::ChangedBeforeOnset => None,
        Fact::LaterSuccessUnchanged => {
            if conn.outcome != Outcome::Failed {
                return None;
            }
            let server = conn.server?;
            let same_client = |c: &Connection| match (conn.client, c.client) {
                (Some(x), Some(y)) => x == y,
                (None, None) => {
                    conn.client_address.is_some() && conn.client_address == c.client_address
                }
                _ => false,
            };
            let (k, next) = tl.connections.iter().enumerate().find(|(k, c)| {
                *k != conn_index
                    && c.server == Some(server)
                    && c.outcome == Outcome::Succeeded
                    && c.start > conn.end
                    && same_client(c)
            })?;
            let gap = next.start.seconds_since(conn.end);
            if gap > LATER_SUCCESS_SECONDS {
                return None;
            }
            let shift = a.host_shift(server, conn);
            let changed = a
                .host_events_between(
                    server,
                    conn.end.add_seconds(shift),
                    next.start.add_seconds(shift),
                )
                .iter()
                .any(|&i| {
                    a.event(i).is_some_and(|e| {
                        tl.owner.get(i).copied().flatten().is_none()
                            && a.rules_for(e.kind.key()).iter().any(|r| {
                                r.onset && event_matches(a, r, i, e, Subject { conn: None })
                            })
                    })
                });
            if changed {
                return None;
            }
            let anchor = next
                .entries
                .iter()
                .find(|x| x.lane == Lane::Server)
                .or(next.entries.first())?;
            let _ = k;
            Some(Observation {
                event: Some(anchor.event),
                time: Some(anchor.time),
                distance: gap,
                detail: format!(
                    "{} from the same client succeeded {} later with no change on {} in between",
                    next.id,
                    human_duration(gap),
                    host_name(a, Some(server))
                ),
                basis: Basis::Context,
            })
        }
    }
}

/// A duration in words: `45 s`, `12 min`, `3 h`, `2 days`.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.abs();
    if s < 120.0 {
        format!("{} s", s.round())
    } else if s < 7_200.0 {
        format!("{} min", (s / 60.0).round())
    } else if s < 172_800.0 {
        format!("{} h", (s / 3_600.0).round())
    } else {
        format!("{} days", (s / 86_400.0).round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_in_every_rendering() {
        assert_eq!(error_code("0x8009030D"), Some(0x8009_030D));
        assert_eq!(error_code("0X8009030d"), Some(0x8009_030D));
        assert_eq!(error_code("-2146893043"), Some(0x8009_030D));
        assert_eq!(error_code("2147500033"), Some(0x8000_4001));
        assert_eq!(error_code("800B0101"), Some(0x800B_0101));
        assert_eq!(error_code("80092013"), Some(0x8009_2013));
        assert_eq!(error_code("0"), Some(0));
        assert_eq!(error_code("c000006a"), Some(0xC000_006A));
        assert_eq!(error_code("nope"), None);
        assert_eq!(error_code("0x1FFFFFFFF"), None);
    }

    #[test]
    fn codes_inside_text() {
        assert_eq!(
            find_code_in_text("The account is locked (0xc0000234)."),
            Some(0xC000_0234)
        );
        assert_eq!(find_code_in_text("0x12 then 0x8009030D"), Some(0x8009_030D));
        assert_eq!(find_code_in_text("no code"), None);
    }

    #[test]
    fn targets_and_names() {
        assert_eq!(strip_target("srv01:3390"), "srv01");
        assert_eq!(strip_target("[fe80::1]:3389"), "fe80::1");
        assert_eq!(strip_target("fe80::1"), "fe80::1");
        let names = vec!["srv01.corp.local".to_string(), "10.0.0.10".to_string()];
        assert!(names_any("SRV01", &names));
        assert!(names_any("srv01.corp.local.", &names));
        assert!(names_any("https://10.0.0.10:3389/", &names));
        assert!(!names_any("srv02.corp.local", &names));
        assert!(!names_any("srv01.other.net", &names));
        assert!(!names_any("", &names));
    }

    #[test]
    fn decay_halves_at_the_half_life() {
        assert!((decay(0.0, 10.0) - 1.0).abs() < 1e-12);
        assert!((decay(-10.0, 10.0) - 0.5).abs() < 1e-12);
        assert!((decay(20.0, 10.0) - 0.25).abs() < 1e-12);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::testutil::*;
    use rdpsleuth_parser::coverage::Coverage;
    use rdpsleuth_timelines::build;

    fn failed_findings(events: Vec<Event>) -> Vec<(String, Direction, Cause)> {
        let t = build(events, &[]);
        let cov = Coverage::default();
        let a = Analysis::new(&t, &cov);
        let k = t
            .connections
            .iter()
            .position(|c| c.outcome == Outcome::Failed)
            .expect("a failed connection");
        findings(&a, k, &[])
            .into_iter()
            .map(|f| (f.rule.id.to_string(), f.direction, f.cause))
            .collect()
    }

    fn key_op(ms: i64, op: &str, code: &str, name: &str) -> Event {
        security(
            "SRV01.corp.local",
            5061,
            ms,
            &[
                ("SubjectUserSid", "S-1-5-18"),
                ("KeyName", name),
                ("KeyType", "%%2499"),
                ("Operation", op),
                ("ReturnCode", code),
            ],
        )
    }

    #[test]
    fn a_bad_keyset_inside_a_normal_key_creation_is_not_key_evidence() {
        let name = "RdCertificateFactory-Key1c9917e8-2343-4c44-95ef-f5405796479b";
        let mut events = attempt(0x2000, 0, 2308, false);
        events.extend(hosted(7, 80, 51_000, false));
        events.push(key_op(200, "%%2480", "0x80090016", name));
        events.push(key_op(230, "%%2481", "0x0", name));
        let f = failed_findings(events.clone());
        assert!(
            !f.iter().any(|x| x.0 == "rdp-key-operation-failed"),
            "{f:?}"
        );
        // Without the successful Create Key it is.
        events.pop();
        let f = failed_findings(events);
        assert!(
            f.iter()
                .any(|x| x.0 == "rdp-key-operation-failed" && x.2 == Cause::PrivateKeyAccess)
        );
    }

    #[test]
    fn facts_of_the_two_timelines() {
        // Accepted, then reset before the RDP stack started.
        let mut events = attempt(0x2000, 0, 2308, false);
        events.push(corets(
            "SRV01.corp.local",
            Some(host_guid(7)),
            131,
            80,
            &[("ConnType", "TCP"), ("ClientIP", "10.0.0.5:51000")],
        ));
        events.push(corets(
            "SRV01.corp.local",
            Some(host_guid(7)),
            143,
            100,
            &[("error", "64")],
        ));
        let f = failed_findings(events);
        assert!(
            f.iter()
                .any(|x| x.0 == "fact-accepted-then-dropped" && x.2 == Cause::SecuritySoftware)
        );
        assert!(
            f.iter()
                .any(|x| x.0 == "host-accepted" && x.1 == Direction::Against)
        );

        // A success from the same client three minutes later, nothing changed: host-state
        // causes are weakened.
        let mut events = attempt(0x1000, -600_000, 1, true);
        events.extend(hosted(1, -599_920, 50_000, true));
        events.extend(attempt(0x2000, 0, 2308, false));
        events.extend(hosted(2, 80, 50_001, false));
        events.extend(attempt(0x3000, 180_000, 1, true));
        events.extend(hosted(3, 180_080, 50_002, true));
        let f = failed_findings(events);
        assert!(f.iter().any(|x| x.0 == "fact-later-success"
            && x.1 == Direction::Against
            && x.2 == Cause::CertExpired));
    }

    #[test]
    fn how_long_a_failed_connect_took() {
        let with_connect_taking = |seconds: f64| {
            let mut events = attempt(0x1000, -3_600_000, 1, true);
            events.extend(hosted(1, -3_599_920, 50_000, true));
            let mut never = attempt(0x2000, 0, 516, false);
            never.retain(|e| e.event_id != 1025);
            let start = never.iter().map(|e| e.time).min().expect("1024");
            for e in never.iter_mut().filter(|e| e.event_id == 1026) {
                e.time = start.add_seconds(seconds);
            }
            events.extend(never);
            failed_findings(events)
        };
        let f = with_connect_taking(21.0);
        assert!(
            f.iter()
                .any(|x| x.0 == "fact-connect-timed-out" && x.2 == Cause::FirewallBlock),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x.0 == "fact-connect-refused"), "{f:?}");
        let f = with_connect_taking(1.2);
        assert!(
            f.iter()
                .any(|x| x.0 == "fact-connect-refused" && x.2 == Cause::ServiceUnavailable),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x.0 == "fact-connect-timed-out"), "{f:?}");
        // In between, or with a connected socket, neither.
        let f = with_connect_taking(9.0);
        assert!(!f.iter().any(|x| x.0.starts_with("fact-connect-")), "{f:?}");
    }

    #[test]
    fn an_attempt_while_the_host_restarts() {
        let mut events = attempt(0x1000, -3_600_000, 1, true);
        events.extend(hosted(1, -3_599_920, 50_000, true));
        let mut never = attempt(0x2000, 0, 516, false);
        never.retain(|e| e.event_id != 1025);
        events.extend(never);
        events.push(system("SRV01.corp.local", "User32", 1074, -90_000, &[]));
        events.push(system("SRV01.corp.local", "EventLog", 6006, -30_000, &[]));
        events.push(system("SRV01.corp.local", "EventLog", 6005, 80_000, &[]));
        let f = failed_findings(events.clone());
        assert!(
            f.iter()
                .any(|x| x.0 == "fact-host-down" && x.2 == Cause::ServiceUnavailable),
            "{f:?}"
        );
        // Up again before the attempt: not down.
        events.push(system("SRV01.corp.local", "EventLog", 6005, -10_000, &[]));
        let f = failed_findings(events);
        assert!(!f.iter().any(|x| x.0 == "fact-host-down"), "{f:?}");
    }

    #[test]
    fn context_drops_count_only_from_the_clients_address() {
        let drop = |ms: i64, from: &str| {
            security(
                "SRV01.corp.local",
                5152,
                ms,
                &[
                    ("Direction", "%%14592"),
                    ("SourceAddress", from),
                    ("SourcePort", "51000"),
                    ("DestAddress", "10.0.0.10"),
                    ("DestPort", "3389"),
                    ("Protocol", "6"),
                ],
            )
        };
        let mut events = attempt(0x1000, -3_600_000, 1, true);
        events.extend(hosted(1, -3_599_920, 50_000, true));
        let mut blocked = attempt(0x2000, 0, 516, false);
        blocked.retain(|e| e.event_id != 1025);
        events.extend(blocked);
        // A scanner's drop at the same time argues nothing.
        events.push(drop(1_000, "198.51.100.7"));
        let f = failed_findings(events.clone());
        assert!(!f.iter().any(|x| x.0.starts_with("wfp-blocked")), "{f:?}");
        // The client's own address, 20 s after its attempt (not joined to it): context.
        events.push(drop(21_000, "10.0.0.5"));
        let f = failed_findings(events);
        assert!(
            f.iter()
                .any(|x| x.0.starts_with("wfp-blocked") && x.2 == Cause::FirewallBlock),
            "{f:?}"
        );
    }

    #[test]
    fn rendered_messages_of_xml_exports_are_read() {
        let mut events = attempt(0x2000, 0, 2308, false);
        events.extend(hosted(7, 80, 51_000, false));
        let mut vendor = ev(
            "SRV01.corp.local",
            rdpsleuth_parser::catalog::channel::APPLICATION,
            "Bitdefender Endpoint Security",
            7,
            150,
            fields(&[]),
        );
        vendor.rendering = Some(Box::new(rdpsleuth_parser::event::Rendering {
            message: Some(
                "Network attack defense blocked a connection from 10.0.0.5 to port 3389".into(),
            ),
            level: None,
            task: None,
        }));
        events.push(vendor);
        let f = failed_findings(events);
        assert!(
            f.iter()
                .any(|x| x.0 == "security-product-block" && x.2 == Cause::SecuritySoftware),
            "{f:?}"
        );
    }

    #[test]
    fn termservice_state_is_read_from_binary_or_localised_text() {
        let svc = |ms: i64, pairs: &[(&str, &str)]| {
            system(
                "SRV01.corp.local",
                "Service Control Manager",
                7036,
                ms,
                pairs,
            )
        };
        let stopped = svc(
            0,
            &[("param1", "Remotedesktopdienste"), ("param2", "beendet")],
        );
        assert_eq!(service_key(&stopped).as_deref(), Some("TermService"));
        assert_eq!(service_state(&stopped), Some(1));
        let binary = svc(
            0,
            &[
                ("param1", "x"),
                ("param2", "y"),
                (
                    "Binary",
                    "5400650072006D0053006500720076006900630065002F0034000000",
                ),
            ],
        );
        assert_eq!(service_key(&binary).as_deref(), Some("TermService"));
        assert_eq!(service_state(&binary), Some(4));
        // Stopped ten minutes before an attempt that never reached the host.
        let mut events = attempt(0x1000, -3_600_000, 1, true);
        events.extend(hosted(1, -3_599_920, 50_000, true));
        events.push(svc(
            -600_000,
            &[("param1", "Remote Desktop Services"), ("param2", "stopped")],
        ));
        let mut blocked = attempt(0x2000, 0, 516, false);
        blocked.retain(|e| e.event_id != 1025);
        events.extend(blocked);
        let f = failed_findings(events.clone());
        assert!(f.iter().any(|x| x.0 == "fact-termservice-stopped"), "{f:?}");
        // Started again before the attempt: no longer stopped.
        events.push(svc(
            -300_000,
            &[("param1", "Remote Desktop Services"), ("param2", "running")],
        ));
        let f = failed_findings(events);
        assert!(
            !f.iter().any(|x| x.0 == "fact-termservice-stopped"),
            "{f:?}"
        );
    }
}
