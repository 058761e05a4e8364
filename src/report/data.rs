//! The data document embedded in `report.html`: everything the page's script renders, built
//! from the analysis (events, timelines, diagnoses) and from `diagnoses.json`'s model.
//!
//! Times are UTC: milliseconds since the Unix epoch (`ms`, fractional for sub-millisecond
//! order) or RFC 3339 text as logged; the page turns them into the display zone with
//! [`ZoneJson`]'s table. The document is built for size: every connection gets one compact row;
//! only failed connections get a [`Detail`] (lanes, diagnosis), and only the events they refer
//! to (their own events, their context, their evidence, the changes before their onset) are in
//! the [`EventRow`] table, once each, with their raw fields capped. Repeated text (channels,
//! providers, hosts, input paths, field names, rule descriptions, fix steps) is stored once in
//! [`ReportData::strings`] and referred to by index.

use std::collections::{BTreeMap, HashMap};

use rdpsleuth_analyzers::report::{DiagnosisJson, EvidenceJson, Report};
use rdpsleuth_analyzers::{Analysed, Cause};
use rdpsleuth_parser::{Event, FieldValue, InputReport, Timestamp};
use rdpsleuth_timelines::{Lane, Outcome, Relation, TimelineEntry};
use serde::Serialize;

use super::spans::{ZoneJson, zone_json};
use crate::zone::DisplayZone;

/// The schema id of the embedded document.
pub const SCHEMA: &str = "rdpsleuth.report/1";
/// Longest raw field value embedded, in characters (longer ones are cut and marked).
pub const MAX_FIELD_CHARS: usize = 2_000;
/// Most raw fields embedded per event.
pub const MAX_FIELDS: usize = 120;
/// Most timeline entries (owned plus context) embedded per failed connection; the nearest to
/// the connection's window are kept and the rest counted.
pub const MAX_MARKS: usize = 300;
/// Most inputs listed one by one (those with problems first); the rest are counted.
pub const MAX_INPUTS: usize = 2_000;
/// Appended to a value cut to [`MAX_FIELD_CHARS`].
pub const CUT_MARK: &str = "…[cut]";

/// The whole document.
#[derive(Debug, Serialize)]
pub struct ReportData {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// `rdpsleuth <version>`.
    pub generator: String,
    /// The display zone and its offsets.
    pub zone: ZoneJson,
    /// Every cause id with its title, in the design's order.
    pub causes: Vec<CauseJson>,
    /// What was read.
    pub totals: Totals,
    /// The inputs (those with problems first, capped at [`MAX_INPUTS`]).
    pub inputs: Vec<InputRow>,
    /// The hosts, in the order of `diagnoses.json`.
    pub hosts: Vec<HostRow>,
    /// Clock offsets per linked client/server pair.
    pub offsets: Vec<OffsetRow>,
    /// Which logs each host contributed and which are missing.
    pub coverage: Vec<CoverageRow>,
    /// Runs of failures per host and what changed before them.
    pub onsets: Vec<OnsetRow>,
    /// Every connection, compact, in id order.
    pub connections: Vec<ConnRow>,
    /// The details of the failed connections.
    pub details: Vec<Detail>,
    /// The events the details refer to, once each.
    pub events: Vec<EventRow>,
    /// The evidence rules the details refer to.
    pub rules: Vec<RuleJson>,
    /// Why an event is on a connection's lanes, by [`Mark`] code.
    pub relations: Vec<&'static str>,
    /// Text referred to by index from events, evidence and fixes.
    pub strings: Vec<String>,
}

/// An evidence rule.
#[derive(Debug, Serialize)]
pub struct RuleJson {
    /// Its id.
    pub id: &'static str,
    /// What a match means.
    pub about: &'static str,
}

/// A cause id and its title.
#[derive(Debug, Serialize)]
pub struct CauseJson {
    /// `cert_expired`, …
    pub id: &'static str,
    /// The human title.
    pub title: &'static str,
}

/// Counts over the inputs.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    /// Inputs seen.
    pub inputs: usize,
    /// Records read.
    pub records: u64,
    /// Events kept.
    pub kept: u64,
    /// Inputs not read at all.
    pub skipped: usize,
    /// Inputs read with errors.
    pub damaged: usize,
    /// Inputs not listed in [`ReportData::inputs`].
    pub unlisted: usize,
}

/// One input.
#[derive(Debug, Serialize)]
pub struct InputRow {
    /// As displayed (`bundle.zip!member` inside archives).
    pub path: String,
    /// The format recognised.
    pub format: &'static str,
    /// Its host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Records read.
    pub records: u64,
    /// Events kept.
    pub kept: u64,
    /// Records or chunks that could not be read.
    pub failed: u64,
    /// Why it was not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// How local times were read as UTC (`pfirewall.log`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_basis: Option<String>,
    /// The first problems, located.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// A machine.
#[derive(Debug, Serialize)]
pub struct HostRow {
    /// Display name.
    pub name: String,
    /// `client`, `server`.
    pub roles: Vec<String>,
    /// Addresses.
    pub addresses: Vec<String>,
    /// Its clock minus the reference clock, seconds.
    pub offset: Option<f64>,
    /// Earliest event (ms).
    pub first: Option<f64>,
    /// Latest event (ms).
    pub last: Option<f64>,
    /// Catalogued channels present.
    pub channels: Vec<String>,
}

/// A clock offset between a client and a server.
#[derive(Debug, Serialize)]
pub struct OffsetRow {
    /// Client host index.
    pub client: usize,
    /// Server host index.
    pub server: usize,
    /// Server clock minus client clock, seconds.
    pub seconds: f64,
    /// Linked pairs supporting it.
    pub pairs: usize,
    /// Spread of the pairs (median absolute deviation), seconds.
    pub spread: f64,
}

/// One host's log coverage.
#[derive(Debug, Serialize)]
pub struct CoverageRow {
    /// The host.
    pub host: String,
    /// Channels present: name, first and last record (ms), records.
    pub channels: Vec<ChannelRow>,
    /// Expected channels absent.
    pub missing: Vec<MissingRow>,
}

/// A channel a host contributed.
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    /// The channel.
    pub channel: String,
    /// First record (ms).
    pub first: f64,
    /// Last record (ms).
    pub last: f64,
    /// Records read.
    pub records: u64,
}

/// A channel a host should have and does not.
#[derive(Debug, Serialize)]
pub struct MissingRow {
    /// The channel.
    pub channel: String,
    /// Its absence is expected (off by default).
    pub optional: bool,
    /// What the analysis loses without it.
    pub why: String,
}

/// A run of failures and what changed before it.
#[derive(Debug, Serialize)]
pub struct OnsetRow {
    /// The host the run is about.
    pub host: String,
    /// True when that host is the server of the run's connections.
    pub server_side: bool,
    /// Start of the first failure (ms).
    pub first_failure: f64,
    /// End of the last success before it (ms).
    pub last_success: Option<f64>,
    /// Failed connections in the run.
    pub failures: usize,
    /// Ids of the first failed connections of the run.
    pub connections: Vec<String>,
    /// What changed before, in time order.
    pub changes: Vec<ChangeRow>,
}

/// A change of host state before a run.
#[derive(Debug, Serialize)]
pub struct ChangeRow {
    /// The event (index into [`ReportData::events`]).
    pub v: usize,
    /// The rule that recognised it (index into [`ReportData::rules`]).
    pub rule: usize,
    /// The causes it bears on.
    pub causes: Vec<&'static str>,
}

/// One connection, compact (short keys: there may be tens of thousands).
#[derive(Debug, Serialize)]
pub struct ConnRow {
    /// Id (`C0001`).
    pub id: String,
    /// Client host index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c: Option<usize>,
    /// Server host index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<usize>,
    /// Target as typed on the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
    /// Client address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    /// Start (ms, reference clock).
    pub b: f64,
    /// End (ms).
    pub e: f64,
    /// Outcome: `failed`, `succeeded`, `unknown`.
    pub o: &'static str,
    /// Cause id, for failed connections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<&'static str>,
    /// Confidence of the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// The client's disconnect reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r: Option<u32>,
    /// Index of its [`Detail`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<usize>,
    /// Events it owns.
    pub n: usize,
}

/// A failed connection in full.
#[derive(Debug, Serialize)]
pub struct Detail {
    /// Index of the connection in [`ReportData::connections`].
    pub conn: usize,
    /// Client ActivityID.
    pub client_activity: Option<String>,
    /// Server ActivityID.
    pub server_activity: Option<String>,
    /// The user, when logged.
    pub user: Option<String>,
    /// `TCP` / `UDP`.
    pub transport: Option<String>,
    /// Its events and the context around it, in time order.
    pub marks: Vec<Mark>,
    /// Entries left out to keep the page small ([`MAX_MARKS`]).
    pub marks_cut: usize,
    /// Context left out by the timelines stage, per kind.
    pub context_omitted: Vec<(String, usize)>,
    /// The diagnosis.
    pub dx: Dx,
}

/// One event on a connection's lanes, as an array `[event, lane, relation, time, distance]`:
/// the event's index in [`ReportData::events`], 0 for the client lane or 1 for the server's,
/// why it is here (index into [`ReportData::relations`]), its time on the connection's
/// reference clock, skew corrected (ms), and its distance from the connection's window in
/// seconds (0 inside).
pub type Mark = (usize, u8, u8, f64, f64);

/// The diagnosis of a failed connection.
#[derive(Debug, Serialize)]
pub struct Dx {
    /// The cause id.
    pub cause: &'static str,
    /// Its confidence.
    pub confidence: f64,
    /// Other causes, best first.
    pub alternatives: Vec<(&'static str, f64)>,
    /// Evidence for the cause and the leading alternatives.
    pub evidence: Vec<EvidenceRow>,
    /// What argues against the cause.
    pub against: Vec<EvidenceRow>,
    /// Fix steps (indices into [`ReportData::strings`]).
    pub remediation: Vec<usize>,
    /// Logs that would decide it (indices into [`ReportData::strings`]).
    pub missing: Vec<usize>,
    /// Index of its run in [`ReportData::onsets`].
    pub onset: Option<usize>,
}

/// One piece of evidence (as in `diagnoses.json`, plus the event and the rule). What the
/// event itself says (host, time, source, summary) is not repeated when the event is listed.
#[derive(Debug, Serialize)]
pub struct EvidenceRow {
    /// The cause it argues for (in `against`: the cause it argues against).
    pub k: &'static str,
    /// The rule that found it (index into [`ReportData::rules`]).
    pub r: usize,
    /// The event (index into [`ReportData::events`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v: Option<usize>,
    /// What it says, when it says more than the event's own summary (facts), or when there is
    /// no event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    /// The host, when there is no event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h: Option<String>,
}

/// An event, with its raw fields (short keys: there may be tens of thousands). `h`, `c`, `ch`,
/// `p`, `src` and field names are indices into [`ReportData::strings`].
#[derive(Debug, Serialize)]
pub struct EventRow {
    /// Time as logged, on the host's own clock (ms, UTC).
    pub ms: f64,
    /// The host (as identified by the timelines).
    pub h: usize,
    /// The Computer value as recorded.
    pub c: usize,
    /// Channel.
    pub ch: usize,
    /// Provider.
    pub p: usize,
    /// Event id.
    pub id: u32,
    /// Level (1 critical … 4 information).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l: Option<u8>,
    /// Record id.
    pub r: u64,
    /// The input it was read from.
    pub src: usize,
    /// Where in the input (`record 12`, `line 5`, `offset 4096`).
    pub at: String,
    /// ActivityID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    /// The decoded one-line summary.
    pub s: String,
    /// Raw fields in document order, `[name, value]`, capped ([`MAX_FIELDS`],
    /// [`MAX_FIELD_CHARS`]).
    pub f: Vec<(usize, String)>,
    /// Fields left out.
    #[serde(skip_serializing_if = "is_zero")]
    pub fc: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Text stored once, referred to by index.
#[derive(Debug, Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Strings {
    fn add(&mut self, text: &str) -> usize {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let i = self.list.len();
        self.list.push(text.to_string());
        self.index.insert(text.to_string(), i);
        i
    }
}

/// The evidence rules referred to, once each.
#[derive(Debug, Default)]
struct Rules {
    list: Vec<RuleJson>,
    index: HashMap<&'static str, usize>,
}

impl Rules {
    fn add(&mut self, id: &'static str, about: &'static str) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.list.len();
        self.list.push(RuleJson { id, about });
        self.index.insert(id, i);
        i
    }
}

/// Why an event is on a connection's lanes, with its name in the page; a [`Mark`] holds the
/// index in this table.
pub static RELATIONS: [(Relation, &str); 6] = [
    (Relation::Activity, "same activity"),
    (Relation::Address, "same address"),
    (Relation::Logon, "same logon"),
    (Relation::Network, "same network flow"),
    (Relation::Nearest, "nearest in time"),
    (Relation::Context, "context"),
];

/// Milliseconds since the Unix epoch, with microseconds as the fraction.
pub fn ms(t: Timestamp) -> f64 {
    t.unix_micros() as f64 / 1_000.0
}

/// `value` cut to `max` characters, marked when cut.
fn cap(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((end, _)) => format!("{}{CUT_MARK}", value.get(..end).unwrap_or(value)),
        None => value.to_string(),
    }
}

/// The raw fields of an event: lists spread as `Name[i]`, values capped.
fn raw_fields(e: &Event) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::new();
    let mut total = 0usize;
    for (name, value) in e.fields.iter() {
        let items: Vec<(String, String)> = match value {
            FieldValue::Null => vec![(name.to_string(), String::new())],
            FieldValue::Text(t) => vec![(name.to_string(), cap(t, MAX_FIELD_CHARS))],
            FieldValue::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{name}[{i}]"), cap(v, MAX_FIELD_CHARS)))
                .collect(),
        };
        for item in items {
            total += 1;
            if out.len() < MAX_FIELDS {
                out.push(item);
            }
        }
    }
    let cut = total - out.len();
    (out, cut)
}

fn lane_code(l: Lane) -> u8 {
    match l {
        Lane::Client => 0,
        Lane::Server => 1,
    }
}

/// The index of a relation in [`RELATIONS`].
fn relation_code(r: Relation) -> u8 {
    RELATIONS
        .iter()
        .position(|(x, _)| *x == r)
        .map_or(u8::MAX, |i| i as u8)
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Failed => "failed",
        Outcome::Succeeded => "succeeded",
        Outcome::Unknown => "unknown",
    }
}

/// Events referred to by the page, each once, in the order first referred to, with the text
/// tables they use.
struct EventTable<'a> {
    analysed: &'a Analysed,
    index: BTreeMap<usize, usize>,
    rows: Vec<EventRow>,
    strings: Strings,
    rules: Rules,
}

impl<'a> EventTable<'a> {
    fn new(analysed: &'a Analysed) -> Self {
        EventTable {
            analysed,
            index: BTreeMap::new(),
            rows: Vec::new(),
            strings: Strings::default(),
            rules: Rules::default(),
        }
    }

    /// The row of an event of the timelines, added on first use.
    fn add(&mut self, event: usize) -> Option<usize> {
        if let Some(&row) = self.index.get(&event) {
            return Some(row);
        }
        let t = &self.analysed.timelines;
        let e = t.events.get(event)?;
        let host = t
            .event_host
            .get(event)
            .and_then(|&h| t.hosts.get(h))
            .map_or_else(|| e.host.to_string(), |h| h.name.clone());
        let (fields, fc) = raw_fields(e);
        let s = &mut self.strings;
        let f = fields
            .into_iter()
            .map(|(name, value)| (s.add(&name), value))
            .collect();
        let row = self.rows.len();
        self.rows.push(EventRow {
            ms: ms(e.time),
            h: s.add(&host),
            c: s.add(&cap(&e.host, MAX_FIELD_CHARS)),
            ch: s.add(&cap(&e.channel, MAX_FIELD_CHARS)),
            p: s.add(&cap(&e.provider, MAX_FIELD_CHARS)),
            id: e.event_id,
            l: e.level,
            r: e.record_id,
            src: s.add(&cap(&e.source.input, MAX_FIELD_CHARS)),
            at: e.source.locator.to_string(),
            a: e.activity_id.map(|g| g.to_string()),
            s: rdpsleuth_analyzers::summary::summarize(e),
            f,
            fc,
        });
        self.index.insert(event, row);
        Some(row)
    }

    /// The summary of a listed event.
    fn summary(&self, row: usize) -> Option<&str> {
        self.rows.get(row).map(|r| r.s.as_str())
    }
}

/// The marks of a connection: owned entries and context, nearest to the window first when
/// they must be cut, then in time order.
/// The entries drawn for a connection: all of them, or the `max` nearest to its window (owned
/// events are at distance 0, so they stay), in time order.
fn nearest_entries<'e>(
    entries: &'e [TimelineEntry],
    context: &'e [TimelineEntry],
    max: usize,
) -> Vec<&'e TimelineEntry> {
    let mut all: Vec<&TimelineEntry> = entries.iter().chain(context).collect();
    if all.len() > max {
        all.sort_by(|a, b| {
            a.distance_seconds
                .abs()
                .total_cmp(&b.distance_seconds.abs())
                .then(a.time.cmp(&b.time))
                .then(a.event.cmp(&b.event))
        });
        all.truncate(max);
    }
    all.sort_by(|a, b| a.time.cmp(&b.time).then(a.event.cmp(&b.event)));
    all
}

fn marks(
    entries: &[TimelineEntry],
    context: &[TimelineEntry],
    events: &mut EventTable<'_>,
) -> (Vec<Mark>, usize) {
    let total = entries.len() + context.len();
    let marks: Vec<Mark> = nearest_entries(entries, context, MAX_MARKS)
        .into_iter()
        .filter_map(|x| {
            Some((
                events.add(x.event)?,
                lane_code(x.lane),
                relation_code(x.relation),
                ms(x.time),
                x.distance_seconds,
            ))
        })
        .collect();
    let cut = total - marks.len();
    (marks, cut)
}

fn evidence_rows(
    shown: &[EvidenceJson],
    found: &[rdpsleuth_analyzers::evidence::Finding],
    events: &mut EventTable<'_>,
) -> Vec<EvidenceRow> {
    // `diagnoses.json` lists the findings in the diagnosis' order, one row per finding.
    shown
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let f = found.get(i);
            let v = f.and_then(|f| f.event).and_then(|e| events.add(e));
            let same = v.and_then(|v| events.summary(v)) == Some(j.summary.as_str());
            EvidenceRow {
                k: j.cause.id(),
                r: match f {
                    Some(f) => events.rules.add(f.rule.id, f.rule.about),
                    None => events.rules.add("", ""),
                },
                v,
                s: (!same).then(|| j.summary.clone()),
                h: if v.is_none() { j.host.clone() } else { None },
            }
        })
        .collect()
}

fn input_rows(reports: &[InputReport]) -> (Vec<InputRow>, Totals) {
    let mut sorted: Vec<&InputReport> = reports.iter().collect();
    // Problems first, then by path.
    sorted.sort_by(|a, b| {
        let rank = |r: &InputReport| {
            if r.skipped.is_some() {
                0
            } else if r.failed > 0 || !r.errors.is_empty() {
                1
            } else {
                2
            }
        };
        rank(a).cmp(&rank(b)).then(a.path.cmp(&b.path))
    });
    let totals = Totals {
        inputs: reports.len(),
        records: reports.iter().map(|r| r.records).sum(),
        kept: reports.iter().map(|r| r.kept).sum(),
        skipped: reports.iter().filter(|r| r.skipped.is_some()).count(),
        damaged: reports
            .iter()
            .filter(|r| r.skipped.is_none() && r.failed > 0)
            .count(),
        unlisted: reports.len().saturating_sub(MAX_INPUTS),
    };
    let rows = sorted
        .into_iter()
        .take(MAX_INPUTS)
        .map(|r| InputRow {
            path: r.path.clone(),
            format: r.format.name(),
            host: r.host.clone(),
            records: r.records,
            kept: r.kept,
            failed: r.failed,
            skipped: r.skipped.clone(),
            time_basis: r.time_basis.clone(),
            errors: r.errors.iter().take(5).map(|e| e.to_string()).collect(),
        })
        .collect();
    (rows, totals)
}

fn dx_row(
    j: &DiagnosisJson,
    d: Option<&rdpsleuth_analyzers::Diagnosis>,
    onset: Option<usize>,
    events: &mut EventTable<'_>,
) -> Dx {
    let empty: &[rdpsleuth_analyzers::evidence::Finding] = &[];
    Dx {
        cause: j.cause.id(),
        confidence: j.confidence,
        alternatives: j
            .alternatives
            .iter()
            .map(|a| (a.cause.id(), a.confidence))
            .collect(),
        evidence: evidence_rows(&j.evidence, d.map_or(empty, |d| &d.evidence), events),
        against: evidence_rows(&j.against, d.map_or(empty, |d| &d.against), events),
        remediation: j
            .remediation
            .iter()
            .map(|x| events.strings.add(x))
            .collect(),
        missing: j
            .missing_sources
            .iter()
            .map(|x| events.strings.add(x))
            .collect(),
        onset,
    }
}

/// Builds the document from the analysis, its `diagnoses.json` model and the display zone.
pub fn build(analysed: &Analysed, report: &Report, zone: DisplayZone) -> ReportData {
    let t = &analysed.timelines;
    let mut events = EventTable::new(analysed);
    let (inputs, totals) = input_rows(&analysed.reports);

    let host_index = |name: &Option<String>| -> Option<usize> {
        let name = name.as_deref()?;
        report.hosts.iter().position(|h| h.name == name)
    };
    let hosts: Vec<HostRow> = report
        .hosts
        .iter()
        .map(|h| HostRow {
            name: h.name.clone(),
            roles: h.roles.clone(),
            addresses: h.addresses.clone(),
            offset: h.clock_offset_seconds,
            first: h.first_event.as_deref().and_then(Timestamp::parse).map(ms),
            last: h.last_event.as_deref().and_then(Timestamp::parse).map(ms),
            channels: h.channels.clone(),
        })
        .collect();
    let offsets = t
        .clock_offsets
        .iter()
        .map(|o| OffsetRow {
            client: o.client,
            server: o.server,
            seconds: rdpsleuth_analyzers::report::round(o.seconds),
            pairs: o.pairs,
            spread: rdpsleuth_analyzers::report::round(o.spread_seconds),
        })
        .collect();
    let coverage = analysed
        .coverage
        .hosts
        .iter()
        .map(|h| CoverageRow {
            host: h.host.clone(),
            channels: h
                .channels
                .iter()
                .map(|c| ChannelRow {
                    channel: c.channel.clone(),
                    first: ms(c.first),
                    last: ms(c.last),
                    records: c.records,
                })
                .collect(),
            missing: h
                .missing
                .iter()
                .map(|m| MissingRow {
                    channel: m.channel.clone(),
                    optional: m.optional,
                    why: m.why.clone(),
                })
                .collect(),
        })
        .collect();

    let runs = &analysed.diagnoses.onsets.runs;
    let onsets: Vec<OnsetRow> = runs
        .iter()
        .map(|run| OnsetRow {
            host: t
                .hosts
                .get(run.host)
                .map_or_else(String::new, |h| h.name.clone()),
            server_side: run.server_side,
            first_failure: ms(run.first_failure),
            last_success: run.last_success.map(ms),
            failures: run.failures.len(),
            connections: run
                .failures
                .iter()
                .take(20)
                .filter_map(|&k| t.connections.get(k).map(|c| c.id.clone()))
                .collect(),
            changes: run
                .changes
                .iter()
                .filter_map(|c| {
                    Some(ChangeRow {
                        v: events.add(c.event)?,
                        rule: events.rules.add(c.rule.id, c.rule.about),
                        causes: c.causes.iter().map(|c| c.id()).collect(),
                    })
                })
                .collect(),
        })
        .collect();

    let mut connections = Vec::with_capacity(report.connections.len());
    let mut details = Vec::new();
    for (k, j) in report.connections.iter().enumerate() {
        let conn = t.connections.get(k);
        let detail = j.diagnosis.as_ref().map(|dx| {
            let (marks, marks_cut) = conn.map_or((Vec::new(), 0), |c| {
                marks(&c.entries, &c.context, &mut events)
            });
            let hc = conn
                .and_then(|c| c.host_connection)
                .and_then(|h| t.host_connections.get(h));
            let onset = analysed
                .diagnoses
                .onsets
                .of_connection
                .get(k)
                .copied()
                .flatten();
            details.push(Detail {
                conn: k,
                client_activity: j.client_activity_id.clone(),
                server_activity: j.server_activity_id.clone(),
                user: hc.and_then(|h| h.user.clone()),
                transport: hc.and_then(|h| h.transport.clone()),
                marks,
                marks_cut,
                context_omitted: conn
                    .map(|c| {
                        c.context_omitted
                            .iter()
                            .map(|o| (o.kind.clone(), o.count))
                            .collect()
                    })
                    .unwrap_or_default(),
                dx: dx_row(dx, analysed.diagnoses.of(k), onset, &mut events),
            });
            details.len() - 1
        });
        connections.push(ConnRow {
            id: j.id.clone(),
            c: host_index(&j.client),
            s: host_index(&j.server),
            t: j.target.clone(),
            a: j.client_address.clone(),
            b: Timestamp::parse(&j.start).map_or(0.0, ms),
            e: Timestamp::parse(&j.end).map_or(0.0, ms),
            o: conn.map_or(
                match j.outcome.as_str() {
                    "failed" => "failed",
                    "succeeded" => "succeeded",
                    _ => "unknown",
                },
                |c| outcome_name(c.outcome),
            ),
            k: j.diagnosis.as_ref().map(|d| d.cause.id()),
            p: j.diagnosis.as_ref().map(|d| d.confidence),
            r: j.disconnect_reason,
            d: detail,
            n: conn.map_or(0, |c| c.entries.len()),
        });
    }

    // Every time the page shows, for the zone table.
    let mut times: Vec<f64> = Vec::new();
    times.extend(connections.iter().flat_map(|c| [c.b, c.e]));
    times.extend(hosts.iter().flat_map(|h| h.first.into_iter().chain(h.last)));
    times.extend(events.rows.iter().map(|e| e.ms));
    times.extend(details.iter().flat_map(|d| d.marks.iter().map(|m| m.3)));

    ReportData {
        schema: SCHEMA,
        generator: report.generator.clone(),
        zone: zone_json(zone, &times),
        causes: Cause::all()
            .map(|c| CauseJson {
                id: c.id(),
                title: c.title(),
            })
            .collect(),
        totals,
        inputs,
        hosts,
        offsets,
        coverage,
        onsets,
        connections,
        details,
        events: events.rows,
        rules: events.rules.list,
        relations: RELATIONS.iter().map(|(_, name)| *name).collect(),
        strings: events.strings.list,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_capped_at_a_character_boundary() {
        let long = "é".repeat(MAX_FIELD_CHARS + 5);
        let c = cap(&long, MAX_FIELD_CHARS);
        assert!(c.ends_with(CUT_MARK));
        assert_eq!(
            c.chars().count(),
            MAX_FIELD_CHARS + CUT_MARK.chars().count()
        );
        assert_eq!(cap("short", 10), "short");
    }

    #[test]
    fn milliseconds_keep_microseconds() {
        let t = Timestamp::parse("2024-04-22T07:03:51.4020538Z").unwrap();
        assert_eq!(ms(t), 1_713_769_431_402.053);
    }

    fn entry(event: usize, seconds: i64, distance: f64, relation: Relation) -> TimelineEntry {
        TimelineEntry {
            event,
            lane: Lane::Server,
            relation,
            time: Timestamp(seconds * Timestamp::TICKS_PER_SECOND),
            distance_seconds: distance,
        }
    }

    #[test]
    fn the_nearest_entries_are_kept_in_time_order() {
        let owned = [
            entry(10, 100, 0.0, Relation::Activity),
            entry(11, 101, 0.0, Relation::Activity),
        ];
        let context = [
            entry(1, 10, -90.0, Relation::Context),
            entry(2, 95, -5.0, Relation::Context),
            entry(3, 400, 299.0, Relation::Context),
            entry(4, 103, 2.0, Relation::Context),
        ];
        let kept: Vec<usize> = nearest_entries(&owned, &context, 4)
            .iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(kept, [2, 10, 11, 4]);
        let all: Vec<usize> = nearest_entries(&owned, &context, 10)
            .iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(all, [1, 2, 10, 11, 4, 3]);
    }

    #[test]
    fn relations_have_one_code_each() {
        for (i, (r, _)) in RELATIONS.iter().enumerate() {
            assert_eq!(relation_code(*r) as usize, i);
        }
    }

    #[test]
    fn an_empty_analysis_gives_an_empty_document() {
        let analysed = Analysed {
            reports: Vec::new(),
            coverage: Default::default(),
            timelines: Default::default(),
            diagnoses: Default::default(),
        };
        let report = analysed.report();
        let d = build(&analysed, &report, DisplayZone::Utc);
        assert_eq!(d.schema, SCHEMA);
        assert!(d.connections.is_empty() && d.events.is_empty());
        assert_eq!(d.causes.len(), Cause::all().len());
        assert_eq!(d.totals.inputs, 0);
    }
}
