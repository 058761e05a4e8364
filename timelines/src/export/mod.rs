//! Timeline exports: the rows every format shares, the annotations the diagnosis stage adds,
//! and the spreadsheet formula guard.
//!
//! Rows come in a stable order: each connection in id order with its owned events (and, for
//! failed connections by default — see [`ContextRows`] — its context) merged by time, then every
//! event no connection owns (connection id empty). Every event is exported at least once. Formats:
//! [`csv`] (`timeline.csv`), [`jsonl`] (`timeline.jsonl`, Timesketch-ready), and with the
//! `parquet` feature [`parquet`] (`events.parquet`) and [`summary`] (per-host summary built with
//! polars). Rows are rendered in parallel chunks and written in order, so the bytes do not
//! depend on the number of threads.

pub mod csv;
pub mod jsonl;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "parquet")]
pub mod summary;
pub mod text;

use std::borrow::Cow;

use rayon::prelude::*;
use rdpsleuth_parser::{Event, FieldValue, Side, Timestamp};

use crate::model::{Connection, EventIndex, Lane, Relation, Timelines};

/// Rows rendered per parallel chunk (then written in order).
pub(crate) const CHUNK_ROWS: usize = 4_096;
/// Rows one worker renders into one buffer.
pub(crate) const RUN_ROWS: usize = 512;
/// Longest message kept, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// What the diagnosis stage adds to the exports: the one-line message of each event and the
/// cause of each connection.
pub trait Annotator: Sync {
    /// A one-line message for an event.
    fn message(&self, event: &Event) -> String {
        generic_message(event)
    }

    /// The cause id of a connection, when diagnosed.
    fn cause(&self, connection_id: &str) -> Option<Cow<'_, str>> {
        let _ = connection_id;
        None
    }

    /// The message of event `index` (`event`) as the exports write it: on one line, cut to
    /// [`MAX_MESSAGE_CHARS`]. Computed here; [`Prepared`] hands out lines computed once.
    fn line(&self, index: EventIndex, event: &Event) -> Cow<'_, str> {
        let _ = index;
        Cow::Owned(line_of(self.message(event)))
    }
}

/// `message` on one line and cut, reusing it when it already is.
fn line_of(message: String) -> String {
    // Control characters are the ASCII ones and U+0080–U+009F (encoded 0xC2 0x80–0x9F); a
    // message of at most MAX_MESSAGE_CHARS bytes has at most as many characters.
    let bytes = message.as_bytes();
    let maybe_control = text::first_of(bytes, |b| (b < 0x20) | (b == 0x7f) | (b == 0xc2)).is_some();
    let maybe_long = bytes.len() > MAX_MESSAGE_CHARS;
    if (maybe_control && message.contains(|c: char| c.is_control()))
        || (maybe_long && message.chars().count() > MAX_MESSAGE_CHARS)
    {
        one_line(&message)
    } else {
        message
    }
}

/// The rows of a timelines' exports with what every format writes of them computed once, in
/// parallel: each event's line and each connection's cause. The exports share it instead of
/// each computing them again. As an annotator it answers for the events and connections of
/// the timelines it was prepared from; rows of other timelines must not be given to it.
pub struct Prepared<'a> {
    inner: &'a dyn Annotator,
    rows: Vec<Row<'a>>,
    lines: Vec<String>,
    causes: rustc_hash::FxHashMap<&'a str, Cow<'a, str>>,
}

impl<'a> Prepared<'a> {
    /// The default rows of `t`, the line of every event and the cause of every connection.
    pub fn new(t: &'a Timelines, inner: &'a dyn Annotator) -> Self {
        Self::with_options(t, inner, &ExportOptions::default())
    }

    /// [`Prepared::new`] with the rows `opts` asks for.
    pub fn with_options(t: &'a Timelines, inner: &'a dyn Annotator, opts: &ExportOptions) -> Self {
        let lines = t
            .events
            .par_iter()
            .map(|event| line_of(inner.message(event)))
            .collect();
        let causes = t
            .connections
            .iter()
            .filter_map(|c| Some((c.id.as_str(), inner.cause(&c.id)?)))
            .collect();
        Prepared {
            inner,
            rows: rows_with(t, opts),
            lines,
            causes,
        }
    }

    /// The rows, in export order.
    pub fn rows(&self) -> &[Row<'a>] {
        &self.rows
    }
}

impl Annotator for Prepared<'_> {
    fn message(&self, event: &Event) -> String {
        self.inner.message(event)
    }

    fn cause(&self, connection_id: &str) -> Option<Cow<'_, str>> {
        self.causes.get(connection_id).map(|c| Cow::Borrowed(&**c))
    }

    fn line(&self, index: EventIndex, event: &Event) -> Cow<'_, str> {
        match self.lines.get(index) {
            Some(line) => Cow::Borrowed(line),
            None => Cow::Owned(line_of(self.inner.message(event))),
        }
    }
}

/// Messages `<provider> <id>: key=value …`, no causes.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultAnnotator;

impl Annotator for DefaultAnnotator {}

/// An annotator from two closures (message per event, cause per connection id).
pub struct FnAnnotator<M, C> {
    /// The message function.
    pub message: M,
    /// The cause function.
    pub cause: C,
}

impl<M, C> Annotator for FnAnnotator<M, C>
where
    M: Fn(&Event) -> String + Sync,
    C: Fn(&str) -> Option<String> + Sync,
{
    fn message(&self, event: &Event) -> String {
        (self.message)(event)
    }

    fn cause(&self, connection_id: &str) -> Option<Cow<'_, str>> {
        (self.cause)(connection_id).map(Cow::Owned)
    }
}

/// `<provider> <id>: key=value …` on one line.
pub fn generic_message(event: &Event) -> String {
    let mut line = text::OneLine::new(MAX_MESSAGE_CHARS);
    line.push(&event.provider);
    line.push(" ");
    line.push(&event.event_id.to_string());
    let mut first = true;
    for (name, value) in event.fields.iter() {
        if line.full() {
            break;
        }
        let items: &[Box<str>] = match value {
            FieldValue::Null => continue,
            other => other.items(),
        };
        line.push(if first { ": " } else { " " });
        first = false;
        line.push(name);
        line.push("=");
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                line.push(", ");
            }
            line.push(item);
        }
    }
    line.finish()
}

/// Control characters (line breaks, tabs…) become spaces; cut to [`MAX_MESSAGE_CHARS`].
pub fn one_line(text: &str) -> String {
    let mut line = text::OneLine::new(MAX_MESSAGE_CHARS);
    line.push(text);
    line.finish()
}

/// Prefixes a value a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR at the
/// start) with `'`. A plain negative number (`-3.5`) is left alone: it cannot be a formula, and
/// guarding it would turn numeric columns into text.
pub fn formula_guard(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().next().is_some_and(text::is_formula_start) && !is_plain_negative_number(value)
    {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// `-` followed by digits with at most one decimal point and nothing else.
fn is_plain_negative_number(value: &str) -> bool {
    let Some(rest) = value.strip_prefix('-') else {
        return false;
    };
    let mut dots = 0;
    !rest.is_empty()
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.chars().all(|c| {
            if c == '.' {
                dots += 1;
                dots == 1
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the output failed.
    #[error("cannot write {what}: {source}")]
    Io {
        /// Which output.
        what: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Building or writing the Parquet file or the summary failed.
    #[error("{what}: {message}")]
    Frame {
        /// Which output.
        what: &'static str,
        /// The error.
        message: String,
    },
}

/// One exported row: an event, and the connection it is shown in (if any).
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The connection, for rows of a connection's timeline.
    pub connection: Option<&'a Connection>,
    /// The event's index.
    pub index: EventIndex,
    /// The event.
    pub event: &'a Event,
    /// The host's display name.
    pub host: &'a str,
    /// The lane.
    pub lane: Lane,
    /// Why it is in the connection's timeline (`None` outside connections).
    pub relation: Option<Relation>,
    /// The time on the reference clock (the connection's, or the host's offset removed).
    pub corrected: Timestamp,
    /// Seconds from the connection's window.
    pub distance_seconds: Option<f64>,
}

/// The lane of an event outside connections: by the side its kind is logged on, else by the
/// host's role.
fn lane_of(t: &Timelines, index: EventIndex, event: &Event) -> Lane {
    match event.kind.side() {
        Side::Client => Lane::Client,
        Side::Host => Lane::Server,
        Side::Either => {
            let server = t
                .event_host
                .get(index)
                .and_then(|&h| t.hosts.get(h))
                .is_some_and(|h| h.roles.server);
            if server { Lane::Server } else { Lane::Client }
        }
    }
}

/// Which connections' context (host-state evidence in their window, shared between
/// connections) is exported as rows of their own. Owned events and events outside connections
/// are always exported, each once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContextRows {
    /// No context rows.
    None,
    /// Context of failed connections only: the evidence around failures, without repeating
    /// the same host-state events for every scanner probe and every successful session.
    #[default]
    Failed,
    /// Context of every connection.
    All,
}

/// How rows are exported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Which context rows.
    pub context: ContextRows,
}

/// Every row, in export order, with the default options.
pub fn rows(t: &Timelines) -> Vec<Row<'_>> {
    rows_with(t, &ExportOptions::default())
}

/// Every row, in export order: each connection (id order) with its owned events and, as
/// `opts` says, its context, merged by time; then every event no connection owns.
pub fn rows_with<'a>(t: &'a Timelines, opts: &ExportOptions) -> Vec<Row<'a>> {
    let host_name = |i: EventIndex| {
        t.event_host
            .get(i)
            .and_then(|&h| t.hosts.get(h))
            .map_or("", |h| h.name.as_str())
    };
    let with_context = |c: &Connection| match opts.context {
        ContextRows::None => false,
        ContextRows::Failed => c.outcome == crate::model::Outcome::Failed,
        ContextRows::All => true,
    };
    let owned = |i: usize| t.owner.get(i).is_some_and(Option::is_some);
    let mut out = Vec::new();
    for c in &t.connections {
        let context: &[crate::model::TimelineEntry] =
            if with_context(c) { &c.context } else { &[] };
        let mut entries: Vec<_> = c.entries.iter().chain(context).collect();
        entries.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then((a.relation == Relation::Context).cmp(&(b.relation == Relation::Context)))
                .then(a.event.cmp(&b.event))
        });
        for entry in entries {
            let Some(event) = t.events.get(entry.event) else {
                continue;
            };
            out.push(Row {
                connection: Some(c),
                index: entry.event,
                event,
                host: host_name(entry.event),
                lane: entry.lane,
                relation: Some(entry.relation),
                corrected: entry.time,
                distance_seconds: Some(entry.distance_seconds),
            });
        }
    }
    for (i, event) in t.events.iter().enumerate() {
        if owned(i) {
            continue;
        }
        let offset = t
            .event_host
            .get(i)
            .and_then(|&h| t.hosts.get(h))
            .and_then(|h| h.clock_offset_seconds)
            .unwrap_or(0.0);
        out.push(Row {
            connection: None,
            index: i,
            event,
            host: host_name(i),
            lane: lane_of(t, i, event),
            relation: None,
            corrected: event.time.add_seconds(-offset),
            distance_seconds: None,
        });
    }
    out
}

/// Names used for lanes, relations and outcomes in the exports.
pub fn lane_name(lane: Lane) -> &'static str {
    match lane {
        Lane::Client => "client",
        Lane::Server => "server",
    }
}

/// The export name of a relation.
pub fn relation_name(relation: Relation) -> &'static str {
    match relation {
        Relation::Activity => "activity",
        Relation::Address => "address",
        Relation::Logon => "logon",
        Relation::Network => "network",
        Relation::Nearest => "nearest",
        Relation::Context => "context",
    }
}

/// The export name of an outcome.
pub fn outcome_name(outcome: crate::model::Outcome) -> &'static str {
    match outcome {
        crate::model::Outcome::Failed => "failed",
        crate::model::Outcome::Succeeded => "succeeded",
        crate::model::Outcome::Unknown => "unknown",
    }
}

/// Appends an event's fields as a compact JSON object, in document order.
pub fn push_fields_json(out: &mut String, event: &Event) {
    out.push('{');
    for (n, (name, value)) in event.fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        text::push_json_str(out, name, false);
        out.push(':');
        push_field_value_json(out, value, false);
    }
    out.push('}');
}

/// Appends a field value as JSON (null, a string, or an array of strings), text values
/// formula-guarded when `guard` is set.
pub fn push_field_value_json(out: &mut String, value: &FieldValue, guard: bool) {
    match value {
        FieldValue::Null => out.push_str("null"),
        FieldValue::Text(t) => text::push_json_str(out, t, guard),
        FieldValue::List(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                text::push_json_str(out, item, guard);
            }
            out.push(']');
        }
    }
}

/// Seconds with millisecond precision and no trailing zeros noise (`-3.25`, `0`).
pub(crate) fn seconds_text(x: f64) -> String {
    let rounded = (x * 1_000.0).round() / 1_000.0;
    if rounded == 0.0 {
        return "0".to_string();
    }
    let mut s = format!("{rounded:.3}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn guard_and_one_line() {
        assert_eq!(formula_guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_guard("+1"), "'+1");
        assert_eq!(formula_guard("-3.5"), "-3.5");
        assert_eq!(formula_guard("-12"), "-12");
        assert_eq!(formula_guard("-3.5.1"), "'-3.5.1");
        assert_eq!(
            formula_guard("-1+cmd|' /C calc'!A0"),
            "'-1+cmd|' /C calc'!A0"
        );
        assert_eq!(formula_guard("-"), "'-");
        assert_eq!(formula_guard("-.5"), "'-.5");
        assert_eq!(formula_guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_guard("\tx"), "'\tx");
        assert_eq!(formula_guard("\rx"), "'\rx");
        assert_eq!(formula_guard("plain"), "plain");
        assert_eq!(one_line("a\r\nb\tc"), "a  b c");
        assert_eq!(seconds_text(-3.25), "-3.25");
        assert_eq!(seconds_text(0.0), "0");
        assert_eq!(seconds_text(86_050.0), "86050");
    }

    #[test]
    fn context_rows_follow_the_options() {
        // A succeeded connection with a service event in its window: the event is exported
        // once (outside connections), as context only when asked for.
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 1, true);
        events.push(system(
            "WS1",
            "Service Control Manager",
            7036,
            500,
            fields(&[("param1", "x")]),
        ));
        let mut t = crate::build(events, &[]);
        // Only failed connections get context at build time.
        assert!(t.connections[0].context.is_empty());
        crate::gather_context(&mut t, crate::ContextScope::All);
        assert_eq!(t.connections[0].context.len(), 1);
        let count = |c| rows_with(&t, &ExportOptions { context: c }).len();
        assert_eq!(count(ContextRows::Failed), 5);
        assert_eq!(count(ContextRows::None), 5);
        assert_eq!(count(ContextRows::All), 6);
        assert_eq!(rows(&t).len(), 5);
    }

    #[test]
    fn generic_messages() {
        let e = corets(
            "SRV01",
            None,
            131,
            0,
            &[("ConnType", "TCP"), ("ClientIP", "10.0.0.5:1")],
        );
        assert_eq!(
            generic_message(&e),
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS 131: ConnType=TCP ClientIP=10.0.0.5:1"
        );
        let d = system(
            "SRV01",
            "TermDD",
            56,
            0,
            data(&["\\Device\\Termdd", "10.0.0.5"]),
        );
        assert_eq!(
            generic_message(&d),
            "TermDD 56: Data=\\Device\\Termdd, 10.0.0.5"
        );
        let mut fields = String::new();
        push_fields_json(&mut fields, &d);
        assert_eq!(fields, r#"{"Data":["\\Device\\Termdd","10.0.0.5"]}"#);
        let long = corets("SRV01", None, 131, 0, &[("ClientIP", &"x".repeat(5_000))]);
        assert!(generic_message(&long).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn lines_lose_every_control_character_and_stop_at_the_limit() {
        assert_eq!(line_of("plain é → ✓".to_string()), "plain é → ✓");
        for control in ['\u{1}', '\n', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert_eq!(line_of(format!("a{control}b")), "a b", "{control:?}");
        }
        // Many bytes, few characters: kept whole.
        let wide = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(line_of(wide.clone()), wide);
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(line_of(long).chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(line_of("y".repeat(MAX_MESSAGE_CHARS + 1)).ends_with('…'));
    }

    #[test]
    fn prepared_lines_are_the_lines_of_the_annotator() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 1, true);
        events.push(corets("SRV01", None, 131, 0, &[("ClientIP", "a\r\nb")]));
        let t = crate::build(events, &[]);
        // Messages with line breaks and past the length limit.
        let annotator = FnAnnotator {
            message: |e: &Event| format!("{}\r\n{}", e.event_id, "y".repeat(2 * MAX_MESSAGE_CHARS)),
            cause: |_: &str| None,
        };
        let prepared = Prepared::new(&t, &annotator);
        assert!(!t.events.is_empty());
        for (i, e) in t.events.iter().enumerate() {
            let line = prepared.line(i, e);
            assert_eq!(line, annotator.line(i, e));
            assert!(matches!(line, Cow::Borrowed(_)));
            assert!(!line.contains(['\r', '\n']));
            assert!(line.chars().count() <= MAX_MESSAGE_CHARS + 1);
        }
        // An index it was not prepared for is computed.
        let e = &t.events[0];
        assert_eq!(prepared.line(t.events.len(), e), annotator.line(0, e));
    }

    #[test]
    fn prepared_rows_and_causes_are_those_of_the_timelines() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 2308, false);
        events.extend(client_attempt("WS1", guid(2), 600, "srv01", None, 1, true));
        let t = crate::build(events, &[]);
        assert!(t.connections.len() >= 2);
        let annotator = FnAnnotator {
            message: generic_message,
            cause: |id: &str| (id == "C0001").then(|| "network".to_string()),
        };
        for opts in [
            ExportOptions::default(),
            ExportOptions {
                context: ContextRows::All,
            },
        ] {
            let prepared = Prepared::with_options(&t, &annotator, &opts);
            let expected = rows_with(&t, &opts);
            assert_eq!(prepared.rows().len(), expected.len());
            for (a, b) in prepared.rows().iter().zip(&expected) {
                assert_eq!((a.index, a.corrected), (b.index, b.corrected));
                assert_eq!(a.connection.map(|c| &c.id), b.connection.map(|c| &c.id));
            }
        }
        let prepared = Prepared::new(&t, &annotator);
        for c in &t.connections {
            assert_eq!(prepared.cause(&c.id), annotator.cause(&c.id));
        }
        assert_eq!(prepared.cause("C0001").as_deref(), Some("network"));
        assert_eq!(prepared.cause("C9999"), None);
        // The exports of the prepared rows are the exports of the timelines.
        let (mut direct, mut shared) = (Vec::new(), Vec::new());
        csv::write_csv(&t, &annotator, &mut direct).unwrap();
        csv::write_csv_rows(prepared.rows(), &prepared, &mut shared).unwrap();
        assert_eq!(direct, shared);
        let (mut direct, mut shared) = (Vec::new(), Vec::new());
        jsonl::write_jsonl(&t, &annotator, &mut direct).unwrap();
        jsonl::write_jsonl_rows(prepared.rows(), &prepared, &mut shared).unwrap();
        assert_eq!(direct, shared);
    }
}
