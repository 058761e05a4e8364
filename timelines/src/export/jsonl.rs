//! `timeline.jsonl`: the same rows as the CSV, one JSON object per line, ready for Timesketch.
//!
//! Keys, in this order: Timesketch's `message`, `datetime` (ISO 8601, microseconds, `+00:00`),
//! `timestamp_desc` ("Event Logged"), `timestamp` (µs since the epoch), `data_type`
//! (`windows:evtx:record`, `windows:firewall:log`); then `connection_id`, `cause`, `outcome`,
//! `host`, `lane`, `relation`, `distance_seconds`, `datetime_corrected`, `channel`, `provider`,
//! `event_id`, `record_id`, `activity_id`, `level`, `source`, `locator`; then the event's fields
//! as `evt_<name>` (characters other than letters, digits and `_` become `_`; a clash gets a
//! numeric suffix), so they cannot clobber the keys above. Text values carry the same formula
//! guard as the CSV.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Write;

use rayon::prelude::*;
use rdpsleuth_parser::Timestamp;
use rdpsleuth_parser::catalog::channel;
use rustc_hash::{FxHashSet, FxHasher};

use super::text::{push_iso_micros, push_json_str};
use super::{
    Annotator, CHUNK_ROWS, ExportError, ExportOptions, RUN_ROWS, Row, lane_name, outcome_name,
    push_field_value_json, relation_name, rows_with,
};
use crate::model::Timelines;

/// Prefix of the keys that hold event fields.
pub const FIELD_PREFIX: &str = "evt_";

/// ISO 8601 with microseconds and an explicit UTC offset, as Timesketch reads it.
pub fn datetime(t: Timestamp) -> String {
    let mut out = String::with_capacity(32);
    push_iso_micros(&mut out, t);
    out
}

/// The key of a field: prefixed and reduced to `[A-Za-z0-9_]`.
pub fn field_key(name: &str) -> String {
    let mut key = String::with_capacity(FIELD_PREFIX.len() + name.len());
    push_field_key(&mut key, name);
    key
}

fn push_field_key(key: &mut String, name: &str) {
    key.push_str(FIELD_PREFIX);
    key.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
}

/// The field keys written in one row, so that a key two field names reduce to gets a numeric
/// suffix; reused from row to row.
#[derive(Default)]
struct RowKeys {
    keys: Vec<String>,
    used: usize,
    hashes: FxHashSet<u64>,
}

impl RowKeys {
    fn clear(&mut self) {
        self.used = 0;
        self.hashes.clear();
    }

    fn hash(key: &str) -> u64 {
        let mut hasher = FxHasher::default();
        key.hash(&mut hasher);
        hasher.finish()
    }

    fn seen(&self, key: &str) -> bool {
        self.hashes.contains(&Self::hash(key)) && self.keys.iter().take(self.used).any(|k| k == key)
    }

    /// The key of the field `name` in this row (see [`field_key`]).
    fn next(&mut self, name: &str) -> &str {
        if self.used == self.keys.len() {
            self.keys.push(String::new());
        }
        let mut key = self
            .keys
            .get_mut(self.used)
            .map(std::mem::take)
            .unwrap_or_default();
        key.clear();
        push_field_key(&mut key, name);
        let base = key.len();
        let mut n = 2;
        while self.seen(&key) {
            key.truncate(base);
            let _ = write!(key, "_{n}");
            n += 1;
        }
        self.hashes.insert(Self::hash(&key));
        let at = self.used;
        self.used += 1;
        match self.keys.get_mut(at) {
            Some(slot) => {
                *slot = key;
                slot
            }
            None => "",
        }
    }
}

/// Appends `,"key":` (every key but the first, `message`, which `render` writes itself).
fn key(out: &mut String, k: &str) {
    out.push_str(",\"");
    out.push_str(k);
    out.push_str("\":");
}

fn text_value(out: &mut String, k: &str, value: Option<&str>) {
    key(out, k);
    match value {
        Some(v) => push_json_str(out, v, true),
        None => out.push_str("null"),
    }
}

/// Appends one row to `out`.
fn render(row: &Row<'_>, annotator: &dyn Annotator, out: &mut String, keys: &mut RowKeys) {
    let e = row.event;
    out.push_str("{\"message\":");
    push_json_str(out, &annotator.line(row.index, e), true);
    key(out, "datetime");
    out.push('"');
    push_iso_micros(out, e.time);
    out.push('"');
    key(out, "timestamp_desc");
    out.push_str("\"Event Logged\"");
    key(out, "timestamp");
    out.push_str(itoa::Buffer::new().format(e.time.unix_micros()));
    key(out, "data_type");
    out.push_str(if &*e.channel == channel::FIREWALL_LOG {
        "\"windows:firewall:log\""
    } else {
        "\"windows:evtx:record\""
    });
    text_value(out, "connection_id", row.connection.map(|c| c.id.as_str()));
    let cause = row.connection.and_then(|c| annotator.cause(&c.id));
    text_value(out, "cause", cause.as_deref());
    text_value(
        out,
        "outcome",
        row.connection.map(|c| outcome_name(c.outcome)),
    );
    text_value(out, "host", Some(row.host));
    text_value(out, "lane", Some(lane_name(row.lane)));
    text_value(out, "relation", row.relation.map(relation_name));
    key(out, "distance_seconds");
    match row.distance_seconds {
        Some(d) if d.is_finite() => {
            let _ = write!(out, "{}", (d * 1_000.0).round() / 1_000.0);
        }
        _ => out.push_str("null"),
    }
    key(out, "datetime_corrected");
    out.push('"');
    push_iso_micros(out, row.corrected);
    out.push('"');
    text_value(out, "channel", Some(&e.channel));
    text_value(out, "provider", Some(&e.provider));
    key(out, "event_id");
    out.push_str(itoa::Buffer::new().format(e.event_id));
    key(out, "record_id");
    out.push_str(itoa::Buffer::new().format(e.record_id));
    key(out, "activity_id");
    match e.activity_id {
        Some(g) => {
            out.push('"');
            g.push_to(out);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    key(out, "level");
    match e.level {
        Some(l) => out.push_str(itoa::Buffer::new().format(l)),
        None => out.push_str("null"),
    }
    text_value(out, "source", Some(&e.source.input));
    key(out, "locator");
    out.push('"');
    e.source.locator.push_to(out);
    out.push('"');
    keys.clear();
    for (name, value) in e.fields.iter() {
        out.push(',');
        push_json_str(out, keys.next(name), false);
        out.push(':');
        push_field_value_json(out, value, true);
    }
    out.push_str("}\n");
}

/// Writes `timeline.jsonl` with the default options.
pub fn write_jsonl(
    t: &Timelines,
    annotator: &dyn Annotator,
    out: impl Write,
) -> Result<(), ExportError> {
    write_jsonl_with(t, annotator, &ExportOptions::default(), out)
}

/// Writes `timeline.jsonl`.
pub fn write_jsonl_with(
    t: &Timelines,
    annotator: &dyn Annotator,
    opts: &ExportOptions,
    out: impl Write,
) -> Result<(), ExportError> {
    write_jsonl_rows(&rows_with(t, opts), annotator, out)
}

/// Writes `timeline.jsonl` of the given rows (as [`rows_with`] or [`Prepared::rows`](super::Prepared::rows) give them).
pub fn write_jsonl_rows(
    all: &[Row<'_>],
    annotator: &dyn Annotator,
    mut out: impl Write,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        what: "timeline.jsonl",
        source,
    };
    for chunk in all.chunks(CHUNK_ROWS) {
        // Each worker renders a run of rows into one buffer; buffers are written in order.
        let text: Vec<String> = chunk
            .par_chunks(RUN_ROWS)
            .map(|run| {
                let mut buffer = String::with_capacity(run.len() * 1_024);
                let mut keys = RowKeys::default();
                for r in run {
                    render(r, annotator, &mut buffer, &mut keys);
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
    use crate::export::DefaultAnnotator;
    use crate::testutil::*;

    #[test]
    fn field_keys_that_clash_get_suffixes() {
        let mut keys = RowKeys::default();
        let names = ["a b", "a_b", "a-b", "c", "a_b_2"];
        let written: Vec<String> = names.iter().map(|n| keys.next(n).to_string()).collect();
        assert_eq!(
            written,
            ["evt_a_b", "evt_a_b_2", "evt_a_b_3", "evt_c", "evt_a_b_2_2"]
        );
        // The next row starts afresh.
        keys.clear();
        assert_eq!(keys.next("a_b"), "evt_a_b");
    }

    #[test]
    fn timesketch_records() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 2308, false);
        events.push(system(
            "WS1",
            "Service Control Manager",
            7036,
            500,
            fields(&[("param1", "=1+1"), ("message", "x"), ("Threat Name", "y")]),
        ));
        let t = crate::build(events, &[]);
        let mut buf = Vec::new();
        write_jsonl(&t, &DefaultAnnotator, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["datetime"], "2024-05-01T10:00:00.000000+00:00");
        assert_eq!(first["timestamp"], 1_714_557_600_000_000i64);
        assert_eq!(first["timestamp_desc"], "Event Logged");
        assert_eq!(first["data_type"], "windows:evtx:record");
        assert_eq!(first["connection_id"], "C0001");
        assert_eq!(first["event_id"], 1024);
        assert_eq!(first["evt_Value"], "srv01");
        assert!(lines[0].starts_with("{\"message\":"));
        let last: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
        assert_eq!(last["connection_id"], serde_json::Value::Null);
        assert_eq!(last["evt_param1"], "'=1+1");
        // A field called "message" cannot clobber Timesketch's message.
        assert_eq!(last["evt_message"], "x");
        assert!(
            last["message"]
                .as_str()
                .unwrap()
                .starts_with("Service Control Manager 7036")
        );
        assert_eq!(last["evt_Threat_Name"], "y");
        assert_eq!(
            field_key("CertificateChain.TrustStatus@value"),
            "evt_CertificateChain_TrustStatus_value"
        );
    }
}
