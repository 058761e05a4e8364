//! Reading throughput over a folder of EVTX files (the public corpus by default): the
//! catalog-filtered pass, the render-everything pass and `evtx_dump -o jsonl` on the same
//! files, single-threaded and with every core, plus the whole ingest of the folder.
//!
//! `cargo bench -p rdpsleuth-parser --bench read -- [DIR] [--runs N] [--evtx-dump PATH]
//! [--no-evtx-dump] [--only SUBSTRING] [--pass dump|full|catalog|parse|ingest]... [--problems]`
//! prints a Markdown table (best of N runs; MB/s over the files' sizes, records/s over the
//! records the full pass reads). `scripts/bench-read.sh` runs it and adds the machine details.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdpsleuth_parser::evtx::{Selection, read_counted};
use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::{Catalog, Format, Source, SourceData};

struct Args {
    dir: PathBuf,
    runs: usize,
    evtx_dump: Option<PathBuf>,
    /// Only files whose path contains this.
    only: Option<String>,
    /// Only these passes (`dump`, `full`, `catalog`, `parse`, `ingest`); all when empty.
    passes: Vec<String>,
    /// After the ingest pass, list the inputs with problems and print the coverage.
    show_problems: bool,
}

impl Args {
    fn runs_pass(&self, pass: &str) -> bool {
        self.passes.is_empty() || self.passes.iter().any(|p| p == pass)
    }
}

fn args() -> Args {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let mut runs = 5;
    let mut evtx_dump = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo/bin/evtx_dump"))
        .filter(|p| p.is_file());
    let mut only = None;
    let mut passes = Vec::new();
    let mut show_problems = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--evtx-dump" => evtx_dump = it.next().map(PathBuf::from),
            "--no-evtx-dump" => evtx_dump = None,
            "--only" => only = it.next(),
            "--pass" => passes.extend(it.next()),
            "--problems" => show_problems = true,
            "--bench" => {}
            other if !other.starts_with('-') => dir = PathBuf::from(other),
            _ => {}
        }
    }
    Args {
        dir,
        runs: runs.max(1),
        evtx_dump,
        only,
        passes,
        show_problems,
    }
}

/// EVTX files under `dir` (by signature), sorted.
fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mut head = [0u8; 8];
                let is_evtx = File::open(&path)
                    .and_then(|mut f| f.read_exact(&mut head))
                    .is_ok()
                    && &head == b"ElfFile\0";
                if is_evtx {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

fn source(path: &Path) -> Source {
    Source {
        display: Arc::from(path.to_string_lossy().as_ref()),
        location: Location::File(path.to_path_buf()),
        format: Format::Evtx,
        host_hint: None,
        size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    }
}

/// Best wall time of `runs` runs of `f`, and what its last run returned.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

/// What reading every file with the EVTX reader gave.
#[derive(Clone, Copy, Default)]
struct Pass {
    records: u64,
    rendered: u64,
    kept: u64,
}

fn read_all(files: &[PathBuf], selection: Selection, threads: usize) -> Pass {
    let mut opts = ReadOptions::new(Catalog::global());
    opts.evtx_threads = threads;
    let mut pass = Pass::default();
    for path in files {
        let Ok(file) = File::open(path) else { continue };
        let (out, count) = read_counted(&source(path), SourceData::File(file), &opts, selection);
        pass.records += out.report.records;
        pass.rendered += count.rendered;
        pass.kept += out.events.len() as u64;
    }
    pass
}

fn evtx_dump(tool: &Path, files: &[PathBuf], threads: usize) -> bool {
    files.iter().all(|path| {
        Command::new(tool)
            .args(["-o", "jsonl", "-t", &threads.to_string()])
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
}

fn row(name: &str, time: Duration, bytes: u64, records: u64, pass: Option<Pass>) {
    let secs = time.as_secs_f64();
    let (rendered, kept) = match pass {
        Some(p) => (
            format!(
                "{:.0} %",
                100.0 * p.rendered as f64 / p.records.max(1) as f64
            ),
            p.kept.to_string(),
        ),
        None => ("100 %".to_string(), "–".to_string()),
    };
    println!(
        "| {name} | {:.1} | {:.0} | {:.0} | {rendered} | {kept} |",
        secs * 1000.0,
        bytes as f64 / secs / 1e6,
        records as f64 / secs,
    );
}

fn main() {
    let args = args();
    let mut files = evtx_files(&args.dir);
    if let Some(only) = &args.only {
        files.retain(|p| p.to_string_lossy().contains(only.as_str()));
    }
    if files.is_empty() {
        println!(
            "no EVTX files under {}: nothing to measure",
            args.dir.display()
        );
        return;
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let cores = rayon::current_num_threads();
    // Both selections read the same records (tests check it); the shortcut counts them faster.
    let records = read_all(&files, Selection::Catalog, 1).records;
    println!(
        "{} EVTX files, {:.1} MB, {records} records, best of {} runs, {cores} threads available\n",
        files.len(),
        bytes as f64 / 1e6,
        args.runs
    );
    println!("| pass | ms | MB/s | records/s | rendered | events kept |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (threads, label) in [(1, "1 thread"), (0, "all threads")] {
        if let Some(tool) = args.evtx_dump.as_ref().filter(|_| args.runs_pass("dump")) {
            let (t, ok) = best(args.runs, || evtx_dump(tool, &files, threads));
            if ok {
                row(
                    &format!("evtx_dump -o jsonl, {label}"),
                    t,
                    bytes,
                    records,
                    None,
                );
            }
        }
        if args.runs_pass("full") {
            let (t, full) = best(args.runs, || {
                read_all(&files, Selection::Everything, threads)
            });
            row(
                &format!("render every record + catalog, {label}"),
                t,
                bytes,
                records,
                Some(full),
            );
        }
        if args.runs_pass("catalog") {
            let (t, fast) = best(args.runs, || read_all(&files, Selection::Catalog, threads));
            row(
                &format!("catalog-filtered (shortcut), {label}"),
                t,
                bytes,
                records,
                Some(fast),
            );
        }
    }
    if args.runs_pass("parse") {
        // Where the full pass spends its time: rendering to XML, and reading the XML back.
        let rendered: Vec<Vec<u8>> = files
            .iter()
            .filter_map(|p| evtx::EvtxParser::from_path(p).ok())
            .flat_map(|mut parser| {
                let settings = evtx::ParserSettings::default().indent(false).num_threads(1);
                parser = parser.with_configuration(settings);
                parser
                    .records_bytes()
                    .filter_map(Result::ok)
                    .map(|r| r.data)
                    .collect::<Vec<_>>()
            })
            .collect();
        let xml_bytes: u64 = rendered.iter().map(|x| x.len() as u64).sum();
        let (t, ok) = best(args.runs, || {
            rendered
                .iter()
                .filter(|x| rdpsleuth_parser::xml::parse_event(x).is_ok())
                .count()
        });
        println!(
            "| xml::parse_event alone over the {ok} rendered records ({:.1} MB of XML), 1 thread | {:.1} | | {:.0} | | |",
            xml_bytes as f64 / 1e6,
            t.as_secs_f64() * 1000.0,
            ok as f64 / t.as_secs_f64(),
        );
    }
    if !args.runs_pass("ingest") {
        return;
    }
    let (t, got) = best(args.runs, || {
        ingest(&[&args.dir], &IngestOptions::default(), &())
    });
    let totals = got.totals();
    println!(
        "| ingest of the whole folder (all formats, all threads) | {:.1} | {:.0} | {:.0} | | {} |",
        t.as_secs_f64() * 1000.0,
        bytes as f64 / t.as_secs_f64() / 1e6,
        totals.records as f64 / t.as_secs_f64(),
        totals.kept
    );
    if args.show_problems {
        println!();
        for report in got
            .reports
            .iter()
            .filter(|r| !r.errors.is_empty() || r.skipped.is_some())
        {
            println!(
                "- {}: {} records, {} kept, {} failed{}{}",
                report.path,
                report.records,
                report.kept,
                report.failed,
                report
                    .skipped
                    .as_deref()
                    .map(|s| format!(", skipped: {s}"))
                    .unwrap_or_default(),
                report
                    .errors
                    .first()
                    .map(|e| format!(", first problem: {e}"))
                    .unwrap_or_default(),
            );
        }
        println!("\n{}", got.coverage);
    }
}
