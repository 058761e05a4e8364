//! Measures the correlation stage and the timeline exports on real logs.
//!
//! ```text
//! cargo run --release -p rdpsleuth-timelines --example correlate [--features parquet] -- \
//!     [--threads N] [--repeat R] PATH...
//! ```
//!
//! Reads PATH... once with the parser's ingest (timed for reference), then builds the timelines
//! R times (default 5) and reports the median, then writes `timeline.csv`, `timeline.jsonl` (and
//! `events.parquet` with the `parquet` feature) to a temporary directory, R times each, and
//! reports medians and sizes. Prints a Markdown table row set for BENCHMARKS.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_timelines::export::DefaultAnnotator;
use rdpsleuth_timelines::export::csv::write_csv;
use rdpsleuth_timelines::export::jsonl::write_jsonl;
use rdpsleuth_timelines::{BuildOptions, Timelines, build_with};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn time_export(
    repeat: usize,
    path: &std::path::Path,
    write: impl Fn(&mut std::io::BufWriter<std::fs::File>) -> Result<(), String>,
) -> Result<(Duration, u64), String> {
    let mut times = Vec::new();
    for _ in 0..repeat {
        let started = Instant::now();
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        drop(out);
        times.push(started.elapsed());
    }
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    Ok((median(times), size))
}

fn main() -> Result<(), String> {
    let mut threads = 0usize;
    let mut repeat = 5usize;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--threads needs a number")?;
            }
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&r| r > 0)
                    .ok_or("--repeat needs a positive number")?;
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        return Err("usage: correlate [--threads N] [--repeat R] PATH...".into());
    }
    let opts = IngestOptions {
        threads,
        ..IngestOptions::default()
    };
    let started = Instant::now();
    let ingested = ingest(&paths, &opts, &());
    let ingest_time = started.elapsed();
    let build_opts = BuildOptions {
        threads,
        ..BuildOptions::default()
    };
    let mut times = Vec::new();
    let mut timelines: Option<Timelines> = None;
    for _ in 0..repeat {
        let events = ingested.events.clone();
        let started = Instant::now();
        let t = build_with(events, &ingested.reports, &build_opts);
        times.push(started.elapsed());
        timelines = Some(t);
    }
    let t = timelines.ok_or("no run")?;
    let build_time = median(times);
    let dir = std::env::temp_dir().join(format!("rdpsleuth-correlate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (csv_time, csv_size) = time_export(repeat, &dir.join("timeline.csv"), |out| {
        write_csv(&t, &DefaultAnnotator, out).map_err(|e| e.to_string())
    })?;
    let (jsonl_time, jsonl_size) = time_export(repeat, &dir.join("timeline.jsonl"), |out| {
        write_jsonl(&t, &DefaultAnnotator, out).map_err(|e| e.to_string())
    })?;
    #[cfg(feature = "parquet")]
    let parquet = Some(time_export(repeat, &dir.join("events.parquet"), |out| {
        rdpsleuth_timelines::export::parquet::write_parquet(&t, &DefaultAnnotator, out)
            .map_err(|e| e.to_string())
    })?);
    #[cfg(not(feature = "parquet"))]
    let parquet: Option<(Duration, u64)> = None;
    let rows = rdpsleuth_timelines::export::rows(&t).len();
    let _ = std::fs::remove_dir_all(&dir);

    let context: usize = t.connections.iter().map(|c| c.context.len()).sum();
    println!(
        "events {} · hosts {} · attempts {} · host connections {} · connections {} · context entries {} · export rows {}",
        t.events.len(),
        t.hosts.len(),
        t.attempts.len(),
        t.host_connections.len(),
        t.connections.len(),
        context,
        rows
    );
    println!(
        "threads: {}",
        if threads == 0 {
            format!("all ({})", rayon::current_num_threads())
        } else {
            threads.to_string()
        }
    );
    println!("| step | median of {repeat} | output |");
    println!("|---|---|---|");
    println!(
        "| ingest (reference, once) | {:.3} s | {} events |",
        ingest_time.as_secs_f64(),
        t.events.len()
    );
    println!(
        "| correlation (`build`) | {:.3} s | {} connections |",
        build_time.as_secs_f64(),
        t.connections.len()
    );
    println!(
        "| timeline.csv | {:.3} s | {:.1} MiB |",
        csv_time.as_secs_f64(),
        csv_size as f64 / 1_048_576.0
    );
    println!(
        "| timeline.jsonl | {:.3} s | {:.1} MiB |",
        jsonl_time.as_secs_f64(),
        jsonl_size as f64 / 1_048_576.0
    );
    if let Some((time, size)) = parquet {
        println!(
            "| events.parquet | {:.3} s | {:.1} MiB |",
            time.as_secs_f64(),
            size as f64 / 1_048_576.0
        );
    }
    if let Some(mib) = peak_rss_mib() {
        println!("peak resident memory: {mib:.0} MiB");
    }
    Ok(())
}
