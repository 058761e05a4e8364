//! The command line: every command and option, defined once with clap (the shell completions
//! and the man page are generated from these same definitions).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};

/// The most worker threads `--threads` accepts: more only adds threads that wait.
const MAX_THREADS: i64 = 256;

/// Explains failed Remote Desktop connections from the Windows event logs of client and host.
#[derive(Debug, Parser)]
#[command(
    name = "rdpsleuth",
    version,
    about,
    long_about = "rdpsleuth reads the event logs exported from RDP clients and hosts (EVTX, Event \
Viewer XML, evtx_dump JSON/JSONL, pfirewall.log; files, folders, KAPE and Velociraptor zips), lines \
them up into one timeline per connection across skewed clocks, and labels every failed connection \
with its most likely cause, the evidence, what argues against it, the fix and the missing logs.",
    after_help = "Examples:\n  rdpsleuth analyze ./collections -o out\n  rdpsleuth analyze SRV01.zip WS42.zip --json > diagnoses.json\n  rdpsleuth explain 0x904\n  rdpsleuth coverage ./collections\n  rdpsleuth eval samples/bundles --min-accuracy 0.95"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse logs: timelines, diagnoses and the HTML report.
    #[command(
        after_help = "Examples:\n  rdpsleuth analyze ./collections                       # writes ./rdpsleuth-out\n  rdpsleuth analyze SRV01/ WS42/ -o case-42 --tz Europe/Berlin\n  rdpsleuth analyze bundle.zip --json | jq '.connections[] | select(.outcome==\"failed\")'\n  rdpsleuth analyze logs/ --since 2024-03-01T08:00 --until 2024-03-01T12:00 --threads 4\n  rdpsleuth analyze host/pfirewall.log host/*.evtx --firewall-utc-offset SRV01=+01:00\n\nOutputs in the output folder: report.html, timeline.csv, timeline.jsonl, events.parquet,\ndiagnoses.json. Exit status: 0 analysed (even with per-file errors, which are reported),\n1 nothing could be read, 2 usage error."
    )]
    Analyze(AnalyzeArgs),
    /// Decode a disconnect reason, extended reason, TLS alert, HRESULT, NTSTATUS or SEC_E code.
    #[command(
        after_help = "Examples:\n  rdpsleuth explain 0x904          # client disconnect reason 2308: socket closed\n  rdpsleuth explain ext:7          # extended reason: the server denied the connection\n  rdpsleuth explain 0x80090331     # SEC_E_ALGORITHM_MISMATCH\n  rdpsleuth explain SEC_E_CERT_EXPIRED\n  rdpsleuth explain 0xC000006A     # NTSTATUS: wrong password\n  rdpsleuth explain alert:40       # TLS handshake_failure\n  rdpsleuth explain trust:0x21     # CERT_TRUST bits\n  rdpsleuth explain %%2313         # logon failure reason"
    )]
    Explain(ExplainArgs),
    /// Show which logs each host contributed and the time they cover.
    #[command(
        after_help = "Examples:\n  rdpsleuth coverage ./collections\n  rdpsleuth coverage SRV01.zip --json"
    )]
    Coverage(CoverageArgs),
    /// Compare diagnoses with the expected.json of sample bundles; print accuracy.
    #[command(
        after_help = "Examples:\n  rdpsleuth eval samples/bundles\n  rdpsleuth eval samples/bundles --min-accuracy 0.9   # exit 1 below 90 %"
    )]
    Eval(EvalArgs),
    /// Print shell completions.
    #[command(
        after_help = "Example:\n  rdpsleuth completions bash > /etc/bash_completion.d/rdpsleuth"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  rdpsleuth man > rdpsleuth.1 && man ./rdpsleuth.1")]
    Man,
}

/// Options shared by the commands that read logs.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Files, folders or zip archives (KAPE / Velociraptor collections) to read.
    #[arg(required = true, value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// Worker threads, 1 to 256 (default, or 0: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Keep only events at or after this time (RFC 3339, or `YYYY-MM-DD[THH:MM[:SS]]` in --tz).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Keep only events at or before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// A TCP/UDP port the hosts serve RDP on, besides 3389 (repeatable).
    #[arg(long = "rdp-port", value_name = "PORT")]
    pub rdp_ports: Vec<u16>,
    /// UTC offset of a host whose pfirewall.log is in local time, e.g. `SRV01=+01:00` (repeatable).
    #[arg(long = "firewall-utc-offset", value_name = "HOST=±HH:MM")]
    pub firewall_utc_offsets: Vec<String>,
    /// Time zone for displayed times (IANA name such as Europe/Berlin, or ±HH:MM); files stay UTC.
    #[arg(long, value_name = "ZONE", allow_hyphen_values = true)]
    pub tz: Option<String>,
    /// No progress bars and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// What to read and how.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output folder.
    #[arg(long, short, value_name = "DIR", default_value = "rdpsleuth-out", value_hint = ValueHint::DirPath)]
    pub out: PathBuf,
    /// Print diagnoses.json to stdout and nothing else there (no files written).
    #[arg(long)]
    pub json: bool,
}

/// `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code: `0x904`, `2308`, `ext:7`, `0x80090331`, `SEC_E_…`, `0xC000006A`, `alert:40`, `trust:0x21`, `%%2313` …
    #[arg(allow_hyphen_values = true)]
    pub code: String,
    /// Print the readings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// What to read and how.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print the coverage as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A folder of bundles, each with an expected.json.
    #[arg(value_hint = ValueHint::DirPath)]
    pub bundles: PathBuf,
    /// Exit with status 1 when the overall accuracy is below this (0..1).
    #[arg(long, value_name = "RATIO")]
    pub min_accuracy: Option<f64>,
    /// Worker threads, 1 to 256 (default, or 0: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn explain_accepts_negative_numbers() {
        let cli = Cli::try_parse_from(["rdpsleuth", "explain", "-2146893007"]).unwrap();
        match cli.command {
            Command::Explain(a) => assert_eq!(a.code, "-2146893007"),
            other => panic!("{other:?}"),
        }
    }
}
