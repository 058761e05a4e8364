//! `rdpsleuth-samples`: regenerates the checked-in sample bundles from the scenarios and
//! recipes (`regenerate`, `regenerate --check`), lists them (`list`), and writes large
//! corpora for benchmarks (`scale`).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use rdpsleuth_samples::bundle::{compare, generate_all, load_scenarios, write_set};
use rdpsleuth_samples::generate::{
    Library, default_bundle_dir, default_recipe_dir, default_scenario_dir,
};

/// Writes the sample bundles rdpsleuth is proven on.
#[derive(Debug, Parser)]
#[command(name = "rdpsleuth-samples", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate every scenario into the bundle folder (byte for byte what is checked in).
    #[command(
        after_help = "Examples:\n  rdpsleuth-samples regenerate\n  rdpsleuth-samples regenerate --check\n  rdpsleuth-samples regenerate --only cert_expired_rcm1058 --out /tmp/b"
    )]
    Regenerate {
        /// Compare with the folder instead of writing; exit 1 on any difference.
        #[arg(long)]
        check: bool,
        /// Output folder (default: samples/bundles).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Scenario folder (default: samples/scenarios).
        #[arg(long)]
        scenarios: Option<PathBuf>,
        /// Recipe folder (default: samples/recipes).
        #[arg(long)]
        recipes: Option<PathBuf>,
        /// Only these scenarios (by name; repeatable). Implies a folder of its own.
        #[arg(long)]
        only: Vec<String>,
        /// Rename every host, folder and bundle (`<PREFIX>01`, `<PREFIX>02` …; bundles
        /// `<prefix>-<seed>`), the events otherwise unchanged. Needs --out.
        #[arg(long, value_name = "PREFIX")]
        rename: Option<String>,
    },
    /// Write a large multi-host corpus for benchmarks (not checked in), streaming.
    #[command(
        after_help = "Examples:\n  rdpsleuth-samples scale --size 2GiB --out /data/rdp-corpus\n  rdpsleuth-samples scale --size 200MB --out /tmp/c --seed 7"
    )]
    Scale {
        /// Approximate total size (2GiB, 500MB, …).
        #[arg(long, default_value = "2GiB")]
        size: String,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Recipe folder (default: samples/recipes).
        #[arg(long)]
        recipes: Option<PathBuf>,
    },
    /// List the scenarios with their title.
    List {
        /// Scenario folder (default: samples/scenarios).
        #[arg(long)]
        scenarios: Option<PathBuf>,
    },
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Regenerate {
            check,
            out,
            scenarios,
            recipes,
            only,
            rename,
        } => {
            let lib = Library::from_dir(&recipes.unwrap_or_else(default_recipe_dir))
                .context("loading recipes")?;
            let mut all = load_scenarios(&scenarios.unwrap_or_else(default_scenario_dir))
                .context("loading scenarios")?;
            if !only.is_empty() {
                all.retain(|s| only.contains(&s.name));
                anyhow::ensure!(!all.is_empty(), "no scenario named {only:?}");
                anyhow::ensure!(
                    out.is_some() || check,
                    "--only writes a subset: give --out so that the checked-in folder keeps the rest"
                );
            }
            if let Some(prefix) = &rename {
                anyhow::ensure!(
                    out.is_some(),
                    "--rename writes other bundles: give --out so that the checked-in folder stays"
                );
                anyhow::ensure!(
                    !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_alphanumeric()),
                    "--rename takes letters and digits"
                );
                all = all.iter().map(|s| s.renamed(prefix)).collect();
            }
            let out = out.unwrap_or_else(default_bundle_dir);
            let set = generate_all(&lib, &all).context("generating")?;
            if check {
                let differences = compare(&out, &set)?;
                let differences: Vec<_> = if only.is_empty() {
                    differences
                } else {
                    differences
                        .into_iter()
                        .filter(|d| !matches!(d, rdpsleuth_samples::bundle::Difference::Extra(_)))
                        .collect()
                };
                if differences.is_empty() {
                    eprintln!("{} files match {}", set.len(), out.display());
                    return Ok(ExitCode::SUCCESS);
                }
                for difference in &differences {
                    eprintln!("{difference}");
                }
                eprintln!(
                    "{} differences; run `rdpsleuth-samples regenerate`",
                    differences.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            write_set(&out, &set)?;
            let bytes: usize = set.values().map(Vec::len).sum();
            eprintln!(
                "{} scenarios, {} files, {:.1} MB written to {}",
                all.len(),
                set.len(),
                bytes as f64 / 1e6,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Scale {
            size,
            out,
            seed,
            recipes,
        } => {
            let size = rdpsleuth_samples::scale::parse_size(&size).map_err(anyhow::Error::msg)?;
            let lib = Library::from_dir(&recipes.unwrap_or_else(default_recipe_dir))
                .context("loading recipes")?;
            let options = rdpsleuth_samples::scale::ScaleOptions { size, out, seed };
            let report = rdpsleuth_samples::scale::scale(&lib, &options).context("writing")?;
            eprintln!(
                "{} hosts, {} files, {:.1} MB, {} records over {} hours; {} connections, {} failed; manifest.json in {}",
                report.hosts,
                report.files,
                report.bytes as f64 / 1e6,
                report.records,
                report.hours,
                report.connections,
                report.failures,
                options.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::List { scenarios } => {
            for scenario in load_scenarios(&scenarios.unwrap_or_else(default_scenario_dir))? {
                println!("{:40} {}", scenario.name, scenario.title);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
