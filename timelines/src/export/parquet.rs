//! `events.parquet`: the rows of the CSV with typed columns, written with polars.
//!
//! Columns: `time`, `time_corrected` (Datetime µs, UTC), `connection_id`, `cause`, `outcome`,
//! `host`, `lane`, `relation` (strings, null when absent), `distance_seconds` (f64),
//! `channel`, `provider` (strings), `event_id` (u32), `record_id` (u64), `activity_id`
//! (string), `level` (u8), `message`, `source`, `locator`, `fields` (compact JSON). Values are
//! stored as they are (Parquet is data, not a spreadsheet: no formula guard).

use std::io::Write;

use polars::prelude::*;

use super::{
    Annotator, ExportError, ExportOptions, Row, lane_name, outcome_name, push_fields_json,
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

fn strings<'s>(column: &str, values: impl ExactSizeIterator<Item = Option<&'s str>>) -> Column {
    let mut builder = StringChunkedBuilder::new(column.into(), values.len());
    for value in values {
        builder.append_option(value);
    }
    builder.finish().into_series().into_column()
}

/// A string column of text each row writes into a reused buffer (`None` for a null).
fn written<'r>(
    column: &str,
    rows: &[Row<'r>],
    mut write: impl FnMut(&Row<'r>, &mut String) -> bool,
) -> Column {
    let mut builder = StringChunkedBuilder::new(column.into(), rows.len());
    let mut text = String::with_capacity(256);
    for row in rows {
        text.clear();
        if write(row, &mut text) {
            builder.append_value(&text);
        } else {
            builder.append_null();
        }
    }
    builder.finish().into_series().into_column()
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
    frame_of(&rows_with(t, opts), annotator)
}

/// Rows per row group of `events.parquet`: the file is built and written a row group at a
/// time, so the memory it takes is bounded by one group, not by the number of events.
pub const ROW_GROUP_ROWS: usize = 16_384;

/// A frame of the given rows. Text is copied into the columns as it is written, without a
/// string per cell.
fn frame_of(all: &[Row<'_>], annotator: &dyn Annotator) -> Result<DataFrame, ExportError> {
    let n = all.len();
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
            all.iter().map(|r| r.connection.map(|c| c.id.as_str())),
        ),
        written("cause", all, |r, text| {
            match r.connection.and_then(|c| annotator.cause(&c.id)) {
                Some(cause) => {
                    text.push_str(&cause);
                    true
                }
                None => false,
            }
        }),
        strings(
            "outcome",
            all.iter()
                .map(|r| r.connection.map(|c| outcome_name(c.outcome))),
        ),
        strings("host", all.iter().map(|r| Some(r.host))),
        strings("lane", all.iter().map(|r| Some(lane_name(r.lane)))),
        strings(
            "relation",
            all.iter().map(|r| r.relation.map(relation_name)),
        ),
        Series::new(
            "distance_seconds".into(),
            all.iter()
                .map(|r| r.distance_seconds)
                .collect::<Vec<Option<f64>>>(),
        )
        .into_column(),
        strings("channel", all.iter().map(|r| Some(&*r.event.channel))),
        strings("provider", all.iter().map(|r| Some(&*r.event.provider))),
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
        written("activity_id", all, |r, text| match r.event.activity_id {
            Some(g) => {
                g.push_to(text);
                true
            }
            None => false,
        }),
        Series::new(
            "level".into(),
            all.iter()
                .map(|r| r.event.level)
                .collect::<Vec<Option<u8>>>(),
        )
        .into_column(),
        {
            let mut builder = StringChunkedBuilder::new("message".into(), n);
            for r in all {
                builder.append_value(&*annotator.line(r.index, r.event));
            }
            builder.finish().into_series().into_column()
        },
        strings("source", all.iter().map(|r| Some(&*r.event.source.input))),
        written("locator", all, |r, text| {
            r.event.source.locator.push_to(text);
            true
        }),
        written("fields", all, |r, text| {
            push_fields_json(text, r.event);
            true
        }),
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
    write_groups(&rows_with(t, opts), annotator, out, ROW_GROUP_ROWS)
}

/// Writes `events.parquet` of the given rows (as [`rows_with`] or
/// [`Prepared::rows`](super::Prepared::rows) give them).
pub fn write_parquet_rows(
    rows: &[Row<'_>],
    annotator: &dyn Annotator,
    out: impl Write,
) -> Result<(), ExportError> {
    write_groups(rows, annotator, out, ROW_GROUP_ROWS)
}

/// Writes the rows, `group_rows` per row group.
fn write_groups(
    rows: &[Row<'_>],
    annotator: &dyn Annotator,
    out: impl Write,
    group_rows: usize,
) -> Result<(), ExportError> {
    // Columns are encoded on polars' own threads unless the caller's pool has one thread.
    let writer = ParquetWriter::new(out)
        .with_compression(ParquetCompression::Snappy)
        .set_parallel(rayon::current_num_threads() > 1);
    let mut groups = rows.chunks(group_rows.max(1));
    let Some(first) = groups.next() else {
        // No rows: the schema alone, from an empty frame.
        let mut df = frame_of(&[], annotator)?;
        writer.finish(&mut df).map_err(frame_error)?;
        return Ok(());
    };
    let df = frame_of(first, annotator)?;
    let mut batched = writer.batched(df.schema()).map_err(frame_error)?;
    batched.write_batch(&df).map_err(frame_error)?;
    drop(df);
    for group in groups {
        batched
            .write_batch(&frame_of(group, annotator)?)
            .map_err(frame_error)?;
    }
    batched.finish().map_err(frame_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::DefaultAnnotator;
    use crate::testutil::*;

    #[test]
    fn typed_columns_round_trip() {
        let events = refused_attempt_and_its_host();
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
    fn row_groups_read_back_as_the_whole_frame() {
        let mut events = refused_attempt_and_its_host();
        events.extend(client_attempt("WS2", guid(3), 90, "srv01", None, 0, true));
        let t = crate::build(events, &[]);
        let rows = crate::export::rows(&t);
        assert!(rows.len() > 6, "{} rows", rows.len());
        let whole = frame(&t, &DefaultAnnotator).unwrap();
        for group_rows in [1, 3, rows.len(), rows.len() + 5] {
            let mut buf = Vec::new();
            write_groups(&rows, &DefaultAnnotator, &mut buf, group_rows).unwrap();
            let back = ParquetReader::new(std::io::Cursor::new(buf))
                .finish()
                .unwrap();
            assert!(back.equals_missing(&whole), "{group_rows} rows per group");
        }
        let mut buf = Vec::new();
        write_groups(&[], &DefaultAnnotator, &mut buf, 4).unwrap();
        let empty = ParquetReader::new(std::io::Cursor::new(buf))
            .finish()
            .unwrap();
        assert_eq!(empty.height(), 0);
        assert_eq!(empty.width(), whole.width());
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
