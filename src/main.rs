//! rdpsleuth: explains failed Remote Desktop connections from the event logs of client and host.
//!
//! The binary is thin: it parses the command line, shows progress, runs the library pipeline
//! (`rdpsleuth_analyzers::analyse_paths`: ingest → timelines → diagnoses) and writes the outputs.
//! Exit status: 0 analysed (even with per-file errors, which are reported), 1 nothing could be
//! read (or an output could not be written), 2 usage error.
#![forbid(unsafe_code)]

mod cli;
mod outputs;
mod progress;
mod report;
mod summary;
mod zone;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use rdpsleuth_analyzers::codes::explain;
use rdpsleuth_analyzers::{analyse_paths, eval};
use rdpsleuth_parser::ingest::{IngestOptions, ingest};

use crate::cli::{AnalyzeArgs, Cli, Command, CoverageArgs, EvalArgs, ExplainArgs, ReadArgs};
use crate::progress::Bars;
use crate::zone::{DisplayZone, parse_host_offset, parse_time};

/// mimalloc instead of the system allocator: the pipeline makes many small, short-lived
/// allocations (field values, rows), which it serves with less work (on the public corpus,
/// 10 % less user time for a whole run). Built without transparent huge pages (`no_thp`):
/// zeroing 2 MiB pages on first touch cost more system time than it saved. Its version 2
/// (`v2`) reuses freed memory sooner than version 3 here: on the public corpus a fifth less
/// memory touched (peak RSS 133 → 110 MiB) and so fewer page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status of a usage error (as clap uses).
const USAGE: u8 = 2;
/// Exit status when nothing could be read or written.
const FAILURE: u8 = 1;

/// An error in what the user asked for (exit status 2), as opposed to a failure to do it.
#[derive(Debug)]
struct UsageError(anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        // `rdpsleuth … | head`: the reader went away; nothing is wrong with the analysis.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let usage = e.downcast_ref::<UsageError>().is_some();
            eprintln!("rdpsleuth: error: {e:#}");
            ExitCode::from(if usage { USAGE } else { FAILURE })
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Explain(args) => explain_code(args),
        Command::Coverage(args) => coverage(args),
        Command::Eval(args) => evaluate(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "rdpsleuth",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .context("writing the man page")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes a line to stdout, returning a closed pipe as an error instead of panicking.
fn say(text: impl AsRef<str>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref().as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .context("writing to stdout")
}

/// Writes text that ends its own lines to stdout.
fn say_raw(text: impl AsRef<str>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref().as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")
}

/// True when writing failed because the reading end of a pipe was closed.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Turns the shared reading options into ingest options and the display zone.
fn read_options(args: &ReadArgs) -> Result<(IngestOptions, DisplayZone)> {
    let usage = |e: anyhow::Error| anyhow::Error::new(UsageError(e));
    let zone = match &args.tz {
        Some(tz) => DisplayZone::parse(tz).map_err(usage)?,
        None => DisplayZone::Utc,
    };
    let mut opts = IngestOptions::default();
    if let Some(threads) = args.threads {
        opts.threads = usize::from(threads);
    }
    for port in &args.rdp_ports {
        if !opts.rdp_ports.contains(port) {
            opts.rdp_ports.push(*port);
        }
    }
    opts.since = args
        .since
        .as_deref()
        .map(|t| parse_time(t, zone))
        .transpose()
        .map_err(usage)?;
    opts.until = args
        .until
        .as_deref()
        .map(|t| parse_time(t, zone))
        .transpose()
        .map_err(usage)?;
    if let (Some(a), Some(b)) = (opts.since, opts.until) {
        if a > b {
            return Err(usage(anyhow::anyhow!("--since is after --until")));
        }
    }
    opts.firewall_utc_offsets = args
        .firewall_utc_offsets
        .iter()
        .map(|t| parse_host_offset(t))
        .collect::<Result<_>>()
        .map_err(usage)?;
    Ok((opts, zone))
}

fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    let (opts, zone) = read_options(&args.read)?;
    let bars = Bars::new(args.read.quiet);
    // Every stage runs on as many threads as asked: reading, timelines, diagnosis, outputs.
    let pool = worker_pool(opts.threads)?;
    let analysed = on_pool(pool.as_ref(), || {
        analyse_paths(&args.read.paths, &opts, &bars)
    });
    bars.finish_reading();
    let report = analysed.report();
    let nothing = !analysed
        .reports
        .iter()
        .any(|r| r.skipped.is_none() && (r.records > 0 || r.failed == 0));

    // A run that read nothing does not replace the outputs of an earlier run (a mistyped
    // path must not cost the responder a report); into an empty folder it writes the report of
    // what could not be read.
    let keep_earlier = nothing && !args.json && outputs::earlier_outputs_in(&args.out);
    let write = !(args.json || keep_earlier);
    if write {
        let stage = bars.stage("writing outputs");
        on_pool(pool.as_ref(), || {
            outputs::write_all(&args.out, &analysed, &report, zone)
        })?;
        if let Some(s) = stage {
            s.finish_and_clear();
        }
    }
    let run_summary = || {
        summary::render(
            &report,
            &analysed.reports,
            analysed.timelines.events.len(),
            zone,
        )
    };
    if args.json {
        say(report.to_json())?;
        if !args.read.quiet {
            eprint!("{}", run_summary());
        }
    } else if !args.read.quiet {
        say(run_summary())?;
        if write {
            say(format!(
                "Wrote {} to {}",
                outputs::FILES.join(", "),
                args.out.display()
            ))?;
        }
    }
    // The process ends here: the operating system takes the analysis back at once, where
    // freeing its events one by one would cost a few percent of the run.
    std::mem::forget(report);
    std::mem::forget(analysed);
    if nothing {
        eprintln!("rdpsleuth: nothing could be read from the paths given");
        if keep_earlier {
            eprintln!(
                "rdpsleuth: the outputs already in {} were left as they were",
                args.out.display()
            );
        }
        return Ok(ExitCode::from(FAILURE));
    }
    Ok(ExitCode::SUCCESS)
}

/// A pool of `threads` workers; `None` for 0 (one per core, rayon's global pool).
fn worker_pool(threads: usize) -> Result<Option<rayon::ThreadPool>> {
    if threads == 0 {
        return Ok(None);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map(Some)
        .context("cannot start the worker threads")
}

/// Runs `work` on `pool`, or on rayon's global pool (one thread per core) without one.
fn on_pool<T: Send>(pool: Option<&rayon::ThreadPool>, work: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

fn explain_code(args: ExplainArgs) -> Result<ExitCode> {
    let readings = explain(&args.code);
    if args.json {
        say(serde_json::to_string_pretty(&readings).context("serialising the readings")?)?;
    } else if readings.is_empty() {
        say(format!(
            "{}: no known code reads like this",
            summary::clip(&args.code, 80)
        ))?;
    } else {
        let text: Vec<String> = readings.iter().map(ToString::to_string).collect();
        say(text.join("\n\n"))?;
    }
    Ok(if readings.is_empty() {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

fn coverage(args: CoverageArgs) -> Result<ExitCode> {
    let (opts, _zone) = read_options(&args.read)?;
    let bars = Bars::new(args.read.quiet);
    let ingested = ingest(&args.read.paths, &opts, &bars);
    bars.finish_reading();
    if args.json {
        say(serde_json::to_string_pretty(&ingested.coverage).context("serialising the coverage")?)?;
    } else {
        say_raw(ingested.coverage.to_string())?;
    }
    if ingested.nothing_read() {
        eprintln!("rdpsleuth: nothing could be read from the paths given");
        return Ok(ExitCode::from(FAILURE));
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvalArgs) -> Result<ExitCode> {
    let mut opts = IngestOptions::default();
    if let Some(threads) = args.threads {
        opts.threads = usize::from(threads);
    }
    let pool = worker_pool(opts.threads)?;
    let evaluation = on_pool(pool.as_ref(), || eval::eval_with(&args.bundles, &opts))
        .map_err(|e| anyhow::Error::new(UsageError(anyhow::Error::new(e))))?;
    if args.json {
        say(serde_json::to_string_pretty(&evaluation_json(&evaluation))
            .context("serialising the evaluation")?)?;
    } else {
        say_raw(evaluation.to_string())?;
    }
    if let Some(min) = args.min_accuracy {
        if evaluation.accuracy() < min {
            eprintln!(
                "rdpsleuth: accuracy {:.1} % is below the required {:.1} %",
                evaluation.accuracy() * 100.0,
                min * 100.0
            );
            return Ok(ExitCode::from(FAILURE));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The evaluation as JSON: overall accuracy, per expected cause, the confusion matrix and the
/// mistakes.
fn evaluation_json(e: &eval::Evaluation) -> serde_json::Value {
    let per_label: Vec<_> = e
        .per_label()
        .into_iter()
        .map(|l| serde_json::json!({"cause": l.label, "correct": l.correct, "total": l.total}))
        .collect();
    let confusion: Vec<_> = e
        .confusion()
        .into_iter()
        .map(|((expected, predicted), n)| serde_json::json!({"expected": expected, "predicted": predicted, "count": n}))
        .collect();
    let mistakes: Vec<_> = e
        .mistakes()
        .map(|c| {
            serde_json::json!({"bundle": c.bundle, "connection": c.connection,
                "expected": c.expected_label, "predicted": c.predicted_label, "confidence": c.confidence})
        })
        .collect();
    serde_json::json!({
        "bundles": e.bundles,
        "connections": e.cases.len(),
        "correct": e.correct(),
        "accuracy": e.accuracy(),
        "per_cause": per_label,
        "confusion": confusion,
        "mistakes": mistakes,
    })
}
