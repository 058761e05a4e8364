//! Writes the analysis outputs into the output folder: `diagnoses.json`, `timeline.csv`,
//! `timeline.jsonl`, `events.parquet` and the HTML report `report.html`. Each file is written to a
//! temporary name first and renamed, so a failed run never leaves a half-written file that
//! looks complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rdpsleuth_analyzers::{Analysed, Report};
use rdpsleuth_timelines::export::Prepared;
use rdpsleuth_timelines::export::csv::write_csv_rows;
use rdpsleuth_timelines::export::jsonl::write_jsonl_rows;
use rdpsleuth_timelines::export::parquet::write_parquet_rows;

use crate::report::write_report;
use crate::zone::DisplayZone;

/// Writes every output ([`FILES`]). `zone` is the display zone of the HTML report (the data
/// files stay UTC).
pub fn write_all(
    dir: &Path,
    analysed: &Analysed,
    report: &Report,
    zone: DisplayZone,
) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let diagnosis = analysed.diagnoses.annotator(&analysed.timelines);
    let t = &analysed.timelines;
    // The rows, each event's message and each connection's cause, computed once for the three
    // timeline exports.
    let annotator = Prepared::new(t, &diagnosis);

    // The files are independent: they are written side by side on the pool's threads, each
    // with the same bytes whatever the number of threads.
    let diagnoses = || {
        write_file(dir, "diagnoses.json", |w| {
            w.write_all(report.to_json().as_bytes())?;
            w.write_all(b"\n")?;
            Ok(())
        })
    };
    let rows = annotator.rows();
    let csv = || {
        write_file(dir, "timeline.csv", |w| {
            Ok(write_csv_rows(rows, &annotator, w)?)
        })
    };
    let jsonl = || {
        write_file(dir, "timeline.jsonl", |w| {
            Ok(write_jsonl_rows(rows, &annotator, w)?)
        })
    };
    let parquet = || {
        write_file(dir, "events.parquet", |w| {
            Ok(write_parquet_rows(rows, &annotator, w)?)
        })
    };
    let html = || {
        write_file(dir, "report.html", |w| {
            Ok(write_report(w, analysed, report, zone)?)
        })
    };
    let ((jsonl, csv), (parquet, (html, diagnoses))) = rayon::join(
        || rayon::join(jsonl, csv),
        || rayon::join(parquet, || rayon::join(html, diagnoses)),
    );
    // The first failure, in the order the files are listed.
    html.and(diagnoses).and(csv).and(jsonl).and(parquet)
}

/// The names of the output files, in the order they are listed.
pub const FILES: [&str; 5] = [
    "report.html",
    "diagnoses.json",
    "timeline.csv",
    "timeline.jsonl",
    "events.parquet",
];

/// Whether `dir` already holds an output of an earlier run.
pub fn earlier_outputs_in(dir: &Path) -> bool {
    FILES.iter().any(|name| dir.join(name).exists())
}

/// Writes one file through a temporary sibling and renames it into place.
fn write_file(
    dir: &Path,
    name: &str,
    body: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let path = dir.join(name);
    let partial: PathBuf = dir.join(format!(".{name}.partial"));
    let file =
        File::create(&partial).with_context(|| format!("cannot write {}", partial.display()))?;
    let mut w = BufWriter::new(file);
    let result = body(&mut w).and_then(|()| w.flush().map_err(Into::into));
    if let Err(e) = result {
        let _ = fs::remove_file(&partial);
        return Err(e.context(format!("cannot write {}", path.display())));
    }
    drop(w);
    fs::rename(&partial, &path)
        .with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}
