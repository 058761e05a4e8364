//! `timeline.csv`: one row per (connection, event) — the events a connection owns, plus the
//! context of failed connections ([`super::ContextRows`]) — and one per event outside
//! connections.
//!
//! Columns, in this order ([`COLUMNS`]):
//! `time` (as logged, UTC, 7 fractional digits), `time_corrected` (on the connection's reference
//! clock — the server's — or with the host's clock offset removed), `connection_id`, `cause`,
//! `outcome`, `host`, `lane` (client/server), `relation` (activity, address, logon, network,
//! nearest, context; empty outside connections), `distance_seconds` (from the connection's
//! window — the drop, for a session dropped after it began), `channel`, `provider`, `event_id`, `record_id`, `activity_id`, `level`, `message`,
//! `source` (the input), `locator` (record / line / offset in it), `fields` (compact JSON).
//!
//! RFC 4180: CRLF line ends, cells with a comma, quote or line break quoted, quotes doubled.
//! Every cell is guarded against spreadsheet formula injection ([`super::formula_guard`]), which
//! leaves plain negative numbers (`-3.5`) alone, since they cannot be formulas.

use std::io::Write;

use rayon::prelude::*;

use super::text::{first_of, is_formula_start, push_iso7};
use super::{
    Annotator, CHUNK_ROWS, ExportError, ExportOptions, RUN_ROWS, Row, lane_name, outcome_name,
    push_fields_json, relation_name, rows_with, seconds_text,
};
use crate::model::Timelines;

/// The CSV columns, in order.
pub const COLUMNS: &[&str] = &[
    "time",
    "time_corrected",
    "connection_id",
    "cause",
    "outcome",
    "host",
    "lane",
    "relation",
    "distance_seconds",
    "channel",
    "provider",
    "event_id",
    "record_id",
    "activity_id",
    "level",
    "message",
    "source",
    "locator",
    "fields",
];

/// Appends one cell: guarded, quoted when needed (RFC 4180).
fn cell(out: &mut String, value: &str) {
    let guard = value.chars().next().is_some_and(is_formula_start);
    // Bytes, not characters: the four are ASCII and never part of a longer character.
    let quote = first_of(value.as_bytes(), |b| {
        (b == b',') | (b == b'"') | (b == b'\n') | (b == b'\r')
    })
    .is_some();
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        let mut rest = value;
        while let Some(i) = memchr::memchr(b'"', rest.as_bytes()) {
            out.push_str(rest.get(..=i).unwrap_or(""));
            out.push('"');
            rest = rest.get(i + 1..).unwrap_or("");
        }
        out.push_str(rest);
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn line(cells: &[&str]) -> String {
    let mut out = String::new();
    for (n, c) in cells.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        cell(&mut out, c);
    }
    out.push_str("\r\n");
    out
}

/// Appends one row to `out`.
fn render(row: &Row<'_>, annotator: &dyn Annotator, out: &mut String, scratch: &mut String) {
    let e = row.event;
    let next = |out: &mut String, value: &str, first: bool| {
        if !first {
            out.push(',');
        }
        cell(out, value);
    };
    scratch.clear();
    push_iso7(scratch, e.time);
    next(out, scratch, true);
    scratch.clear();
    push_iso7(scratch, row.corrected);
    next(out, scratch, false);
    next(out, row.connection.map_or("", |c| c.id.as_str()), false);
    let cause = row.connection.and_then(|c| annotator.cause(&c.id));
    next(out, cause.as_deref().unwrap_or(""), false);
    next(
        out,
        row.connection.map_or("", |c| outcome_name(c.outcome)),
        false,
    );
    next(out, row.host, false);
    next(out, lane_name(row.lane), false);
    next(out, row.relation.map(relation_name).unwrap_or(""), false);
    let distance = row.distance_seconds.map(seconds_text);
    next(out, distance.as_deref().unwrap_or(""), false);
    next(out, &e.channel, false);
    next(out, &e.provider, false);
    let mut number = itoa::Buffer::new();
    next(out, number.format(e.event_id), false);
    next(out, number.format(e.record_id), false);
    scratch.clear();
    if let Some(g) = e.activity_id {
        g.push_to(scratch);
    }
    next(out, scratch, false);
    next(out, e.level.map_or("", |l| number.format(l)), false);
    next(out, &annotator.line(row.index, e), false);
    next(out, &e.source.input, false);
    scratch.clear();
    e.source.locator.push_to(scratch);
    next(out, scratch, false);
    scratch.clear();
    push_fields_json(scratch, e);
    next(out, scratch, false);
    out.push_str("\r\n");
}

/// Writes `timeline.csv` with the default options.
pub fn write_csv(
    t: &Timelines,
    annotator: &dyn Annotator,
    out: impl Write,
) -> Result<(), ExportError> {
    write_csv_with(t, annotator, &ExportOptions::default(), out)
}

/// Writes `timeline.csv`.
pub fn write_csv_with(
    t: &Timelines,
    annotator: &dyn Annotator,
    opts: &ExportOptions,
    out: impl Write,
) -> Result<(), ExportError> {
    write_csv_rows(&rows_with(t, opts), annotator, out)
}

/// Writes `timeline.csv` of the given rows (as [`rows_with`] or [`Prepared::rows`](super::Prepared::rows) give them).
pub fn write_csv_rows(
    all: &[Row<'_>],
    annotator: &dyn Annotator,
    mut out: impl Write,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        what: "timeline.csv",
        source,
    };
    out.write_all(line(COLUMNS).as_bytes()).map_err(io)?;
    for chunk in all.chunks(CHUNK_ROWS) {
        // Each worker renders a run of rows into one buffer; buffers are written in order.
        let text: Vec<String> = chunk
            .par_chunks(RUN_ROWS)
            .map(|run| {
                let mut buffer = String::with_capacity(run.len() * 512);
                let mut scratch = String::with_capacity(256);
                for r in run {
                    render(r, annotator, &mut buffer, &mut scratch);
                }
                buffer
            })
            .collect();
        for s in text {
            out.write_all(s.as_bytes()).map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{DefaultAnnotator, FnAnnotator};
    use crate::testutil::*;

    #[test]
    fn cells_are_quoted_and_guarded() {
        let mut s = String::new();
        cell(&mut s, "a,b");
        cell(&mut s, "say \"hi\"");
        cell(&mut s, "=HYPERLINK(\"http://x\",\"y\")");
        cell(&mut s, "two\r\nlines");
        assert_eq!(
            s,
            "\"a,b\"\"say \"\"hi\"\"\"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\"two\r\nlines\""
        );
    }

    #[test]
    fn a_timeline_as_csv() {
        let mut events = client_attempt(
            "WS1",
            guid(1),
            0,
            "=cmd|' /C calc'!A0",
            Some("10.0.0.10"),
            2308,
            false,
        );
        events.push(system(
            "WS1",
            "Service Control Manager",
            7036,
            500,
            fields(&[("param1", "-evil")]),
        ));
        let t = crate::build(events, &[]);
        let mut buf = Vec::new();
        let ann = FnAnnotator {
            message: |e: &rdpsleuth_parser::Event| crate::export::generic_message(e),
            cause: |id: &str| (id == "C0001").then(|| "unknown".to_string()),
        };
        write_csv(&t, &ann, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        // 4 attempt rows (1024, 1102, 1025, 1026) + the service event as context + the service
        // event on its own (not owned).
        assert_eq!(lines.len(), 1 + 6 + 1, "{text}");
        assert!(lines[1].starts_with("2024-05-01T10:00:00.0000000Z,2024-05-01T10:00:00.0000000Z,C0001,unknown,failed,WS1,client,activity,0,"));
        let context = lines.iter().find(|l| l.contains(",context,")).unwrap();
        assert!(context.contains("C0001"));
        let loose = lines[lines.len() - 2];
        assert!(
            loose.starts_with(
                "2024-05-01T10:00:00.5000000Z,2024-05-01T10:00:00.5000000Z,,,,WS1,client,,,System,"
            ),
            "{loose}"
        );
        assert!(loose.contains("\"{\"\"param1\"\":\"\"-evil\"\"}\""));
        // The default annotator leaves causes empty.
        let mut plain = Vec::new();
        write_csv(&t, &DefaultAnnotator, &mut plain).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains(",unknown,"));
    }
}
