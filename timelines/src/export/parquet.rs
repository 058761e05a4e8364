//! `events.parquet`: the rows of the CSV with typed columns, written with polars.
//!
//! Columns: `time`, `time_corrected` (Datetime µs, UTC), `connection_id`, `cause`, `outcome`,
//! `host`, `lane`, `relation` (strings, null when absent), `distance_seconds` (f64),
//! `channel`, `provider` (strings), `event_id` (u32), `record_id` (u64), `activity_id`
//! (string), `level` (u8), `message`, `source`, `locator`, `fields` (compact JSON). Values are
//! stored as they are (Parquet is data, not a spreadsheet: no formula guard).

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use super::{
    Annotator, ExportError, ExportOptions, Row, fields_json, lane_name, one_line, outcome_name,
    relation_name, rows_with,
};
use crate::model::Timelines;

fn frame_error(e: PolarsError) -> ExportError {
    ExportError::Frame {
        what: "events.parquet",
        message: e.to_string(),
    }
}

fn micros(column: &str, values: Vec<i64>) -> Column {
    Int64Chunked::from_vec(column.into(), values)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_series()
        .into_column()
}

fn strings(column: &str, values: Vec<Option<String>>) -> Column {
    Series::new(column.into(), values).into_column()
}

/// The rows as a polars frame, with the default options.
pub fn frame(t: &Timelines, annotator: &dyn Annotator) -> Result<DataFrame, ExportError> {
    frame_with(t, annotator, &ExportOptions::default())
}

/// The rows as a polars frame.
pub fn frame_with(
    t: &Timelines,
    annotator: &dyn Annotator,
    opts: &ExportOptions,
) -> Result<DataFrame, ExportError> {
    let all: Vec<Row<'_>> = rows_with(t, opts);
    let n = all.len();
    let rendered: Vec<(Option<String>, String, String)> = all
        .par_iter()
        .map(|r| {
            (
                r.connection.and_then(|c| annotator.cause(&c.id)),
                one_line(&annotator.message(r.event)),
                fields_json(r.event),
            )
        })
        .collect();
    let mut causes = Vec::with_capacity(n);
    let mut messages = Vec::with_capacity(n);
    let mut fields = Vec::with_capacity(n);
    for (c, m, f) in rendered {
        causes.push(c);
        messages.push(Some(m));
        fields.push(Some(f));
    }
    let columns = vec![
        micros(
            "time",
            all.iter().map(|r| r.event.time.unix_micros()).collect(),
        ),
        micros(
            "time_corrected",
            all.iter().map(|r| r.corrected.unix_micros()).collect(),
        ),
        strings(
            "connection_id",
            all.iter()
                .map(|r| r.connection.map(|c| c.id.clone()))
                .collect(),
        ),
        strings("cause", causes),
        strings(
            "outcome",
            all.iter()
                .map(|r| r.connection.map(|c| outcome_name(c.outcome).to_string()))
                .collect(),
        ),
        strings(
            "host",
            all.iter().map(|r| Some(r.host.to_string())).collect(),
        ),
        strings(
            "lane",
            all.iter()
                .map(|r| Some(lane_name(r.lane).to_string()))
                .collect(),
        ),
        strings(
            "relation",
            all.iter()
                .map(|r| r.relation.map(|x| relation_name(x).to_string()))
                .collect(),
        ),
        Series::new(
            "distance_seconds".into(),
            all.iter()
                .map(|r| r.distance_seconds)
                .collect::<Vec<Option<f64>>>(),
        )
        .into_column(),
        strings(
            "channel",
            all.iter()
                .map(|r| Some(r.event.channel.to_string()))
                .collect(),
        ),
        strings(
            "provider",
            all.iter()
                .map(|r| Some(r.event.provider.to_string()))
                .collect(),
        ),
        Series::new(
            "event_id".into(),
            all.iter().map(|r| r.event.event_id).collect::<Vec<u32>>(),
        )
        .into_column(),
        Series::new(
            "record_id".into(),
            all.iter().map(|r| r.event.record_id).collect::<Vec<u64>>(),
        )
        .into_column(),
        strings(
            "activity_id",
            all.iter()
                .map(|r| r.event.activity_id.map(|g| g.to_string()))
                .collect(),
        ),
        Series::new(
            "level".into(),
            all.iter()
                .map(|r| r.event.level)
                .collect::<Vec<Option<u8>>>(),
        )
        .into_column(),
        strings("message", messages),
        strings(
            "source",
            all.iter()
                .map(|r| Some(r.event.source.input.to_string()))
                .collect(),
        ),
        strings(
            "locator",
            all.iter()
                .map(|r| Some(r.event.source.locator.to_string()))
                .collect(),
        ),
        strings("fields", fields),
    ];
    DataFrame::new(n, columns).map_err(frame_error)
}

/// Writes `events.parquet` with the default options.
pub fn write_parquet(
    t: &Timelines,
    annotator: &dyn Annotator,
    out: impl Write,
) -> Result<(), ExportError> {
    write_parquet_with(t, annotator, &ExportOptions::default(), out)
}

/// Writes `events.parquet`.
pub fn write_parquet_with(
    t: &Timelines,
    annotator: &dyn Annotator,
    opts: &ExportOptions,
    out: impl Write,
) -> Result<(), ExportError> {
    let mut df = frame_with(t, annotator, opts)?;
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Snappy)
        .finish(&mut df)
        .map_err(frame_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::DefaultAnnotator;
    use crate::testutil::*;

    #[test]
    fn typed_columns_round_trip() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 2308, false);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            30,
            "10.0.0.5",
            50000,
            false,
        ));
        let t = crate::build(events, &[]);
        let df = frame(&t, &DefaultAnnotator).unwrap();
        assert_eq!(df.height(), crate::export::rows(&t).len());
        assert_eq!(
            df.column("time").unwrap().dtype(),
            &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        );
        assert_eq!(df.column("event_id").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(df.column("record_id").unwrap().dtype(), &DataType::UInt64);
        assert_eq!(df.column("level").unwrap().dtype(), &DataType::UInt8);
        let mut buf = Vec::new();
        write_parquet(&t, &DefaultAnnotator, &mut buf).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        assert_eq!(back.height(), df.height());
        assert_eq!(back.column("event_id").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(
            back.column("time_corrected").unwrap().dtype(),
            &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        );
    }

    #[test]
    fn same_bytes_with_one_thread_and_many() {
        let mut events = Vec::new();
        for n in 0..40i64 {
            events.extend(client_attempt(
                "WS1",
                guid(n as u128 + 100),
                n * 5_000,
                "srv01",
                None,
                2308,
                false,
            ));
            events.extend(host_connection(
                "SRV01",
                guid(n as u128),
                n * 5_000 + 30,
                "10.0.0.5",
                50000 + n as u16,
                n % 3 == 0,
            ));
        }
        let write = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let t = crate::build(events.clone(), &[]);
                let mut buf = Vec::new();
                write_parquet(&t, &DefaultAnnotator, &mut buf).unwrap();
                buf
            })
        };
        assert_eq!(write(1), write(4));
    }
}
