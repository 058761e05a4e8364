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

use std::io::Write;

use rayon::prelude::*;
use rdpsleuth_parser::catalog::channel;
use rdpsleuth_parser::{FieldValue, Timestamp};
use serde_json::Value;

use super::{
    Annotator, CHUNK_ROWS, ExportError, ExportOptions, Row, formula_guard, lane_name, one_line,
    outcome_name, relation_name, rows_with,
};
use crate::model::Timelines;

/// Prefix of the keys that hold event fields.
pub const FIELD_PREFIX: &str = "evt_";

/// ISO 8601 with microseconds and an explicit UTC offset, as Timesketch reads it.
pub fn datetime(t: Timestamp) -> String {
    t.to_chrono()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

fn text(value: &str) -> Value {
    Value::from(formula_guard(value).into_owned())
}

fn opt_text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, text)
}

/// The key of a field: prefixed and reduced to `[A-Za-z0-9_]`.
pub fn field_key(name: &str) -> String {
    let mut key = String::with_capacity(FIELD_PREFIX.len() + name.len());
    key.push_str(FIELD_PREFIX);
    key.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    key
}

fn render(row: &Row<'_>, annotator: &dyn Annotator) -> String {
    let e = row.event;
    let data_type = if &*e.channel == channel::FIREWALL_LOG {
        "windows:firewall:log"
    } else {
        "windows:evtx:record"
    };
    let cause = row.connection.and_then(|c| annotator.cause(&c.id));
    let mut pairs: Vec<(String, Value)> = vec![
        ("message".into(), text(&one_line(&annotator.message(e)))),
        ("datetime".into(), Value::from(datetime(e.time))),
        ("timestamp_desc".into(), Value::from("Event Logged")),
        ("timestamp".into(), Value::from(e.time.unix_micros())),
        ("data_type".into(), Value::from(data_type)),
        (
            "connection_id".into(),
            opt_text(row.connection.map(|c| c.id.as_str())),
        ),
        ("cause".into(), opt_text(cause.as_deref())),
        (
            "outcome".into(),
            opt_text(row.connection.map(|c| outcome_name(c.outcome))),
        ),
        ("host".into(), text(row.host)),
        ("lane".into(), Value::from(lane_name(row.lane))),
        ("relation".into(), opt_text(row.relation.map(relation_name))),
        (
            "distance_seconds".into(),
            row.distance_seconds.map_or(Value::Null, |d| {
                Value::from((d * 1_000.0).round() / 1_000.0)
            }),
        ),
        (
            "datetime_corrected".into(),
            Value::from(datetime(row.corrected)),
        ),
        ("channel".into(), text(&e.channel)),
        ("provider".into(), text(&e.provider)),
        ("event_id".into(), Value::from(e.event_id)),
        ("record_id".into(), Value::from(e.record_id)),
        (
            "activity_id".into(),
            e.activity_id
                .map_or(Value::Null, |g| Value::from(g.to_string())),
        ),
        ("level".into(), e.level.map_or(Value::Null, Value::from)),
        ("source".into(), text(&e.source.input)),
        ("locator".into(), Value::from(e.source.locator.to_string())),
    ];
    let reserved = pairs.len();
    for (name, value) in e.fields.iter() {
        let mut key = field_key(name);
        let mut n = 2;
        while pairs.iter().skip(reserved).any(|(k, _)| *k == key) {
            key = format!("{}_{n}", field_key(name));
            n += 1;
        }
        let value = match value {
            FieldValue::Null => Value::Null,
            FieldValue::Text(t) => text(t),
            FieldValue::List(items) => Value::Array(items.iter().map(|s| text(s)).collect()),
        };
        pairs.push((key, value));
    }
    let mut out = String::from("{");
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(k.as_str()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push_str("}\n");
    out
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
    mut out: impl Write,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        what: "timeline.jsonl",
        source,
    };
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
    use crate::export::DefaultAnnotator;
    use crate::testutil::*;

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
