//! `timeline.csv`: one row per (connection, event) — the events a connection owns, plus the
//! context of failed connections ([`super::ContextRows`]) — and one per event outside
//! connections.
//!
//! Columns, in this order ([`COLUMNS`]):
//! `time` (as logged, UTC, 7 fractional digits), `time_corrected` (on the connection's reference
//! clock — the server's — or with the host's clock offset removed), `connection_id`, `cause`,
//! `outcome`, `host`, `lane` (client/server), `relation` (activity, address, logon, network,
//! nearest, context; empty outside connections), `distance_seconds` (from the connection's
//! window), `channel`, `provider`, `event_id`, `record_id`, `activity_id`, `level`, `message`,
//! `source` (the input), `locator` (record / line / offset in it), `fields` (compact JSON).
//!
//! RFC 4180: CRLF line ends, cells with a comma, quote or line break quoted, quotes doubled.
//! Every cell is guarded against spreadsheet formula injection ([`super::formula_guard`]), which
//! also applies to negative numbers (`'-3.5`).

use std::io::Write;

use rayon::prelude::*;

use super::{
    Annotator, CHUNK_ROWS, ExportError, ExportOptions, Row, fields_json, formula_guard, lane_name,
    outcome_name, relation_name, rows_with, seconds_text,
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

/// Appends one cell: guarded, quoted when needed.
fn cell(out: &mut String, value: &str) {
    let guarded = formula_guard(value);
    if guarded.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
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

fn render(row: &Row<'_>, annotator: &dyn Annotator) -> String {
    let e = row.event;
    let id = row.connection.map_or("", |c| c.id.as_str());
    let cause = row
        .connection
        .and_then(|c| annotator.cause(&c.id))
        .unwrap_or_default();
    let outcome = row.connection.map_or("", |c| outcome_name(c.outcome));
    let message = annotator.message(e);
    let values = [
        e.time.to_rfc3339(),
        row.corrected.to_rfc3339(),
        id.to_string(),
        cause,
        outcome.to_string(),
        row.host.to_string(),
        lane_name(row.lane).to_string(),
        row.relation
            .map(relation_name)
            .unwrap_or_default()
            .to_string(),
        row.distance_seconds.map(seconds_text).unwrap_or_default(),
        e.channel.to_string(),
        e.provider.to_string(),
        e.event_id.to_string(),
        e.record_id.to_string(),
        e.activity_id.map(|g| g.to_string()).unwrap_or_default(),
        e.level.map(|l| l.to_string()).unwrap_or_default(),
        super::one_line(&message),
        e.source.input.to_string(),
        e.source.locator.to_string(),
        fields_json(e),
    ];
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    line(&refs)
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
    mut out: impl Write,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        what: "timeline.csv",
        source,
    };
    out.write_all(line(COLUMNS).as_bytes()).map_err(io)?;
    let all = rows_with(t, opts);
    for chunk in all.chunks(CHUNK_ROWS) {
        let text: Vec<String> = chunk.par_iter().map(|r| render(r, annotator)).collect();
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
