//! The whole chain for a set of paths: ingest → timelines → diagnoses, with what the report
//! needs. What `rdpsleuth analyze` and `rdpsleuth eval` run.

use std::path::Path;

use rdpsleuth_parser::InputReport;
use rdpsleuth_parser::coverage::Coverage;
use rdpsleuth_parser::ingest::{IngestOptions, Progress, ingest};
use rdpsleuth_timelines::{BuildOptions, Timelines, build_with};

use crate::diagnose::{Diagnoses, diagnose};
use crate::report::{Report, build_report};

/// Everything an analysis produced.
#[derive(Debug)]
pub struct Analysed {
    /// One report per input.
    pub reports: Vec<InputReport>,
    /// What each host's logs cover.
    pub coverage: Coverage,
    /// The timelines.
    pub timelines: Timelines,
    /// The diagnoses.
    pub diagnoses: Diagnoses,
}

impl Analysed {
    /// `diagnoses.json`.
    pub fn report(&self) -> Report {
        build_report(&self.reports, &self.timelines, &self.diagnoses)
    }
}

/// Reads `paths`, builds the timelines and diagnoses every failed connection.
pub fn analyse_paths<P: AsRef<Path> + Sync>(
    paths: &[P],
    ingest_options: &IngestOptions,
    progress: &dyn Progress,
) -> Analysed {
    let ingested = ingest(paths, ingest_options, progress);
    let build_options = BuildOptions {
        threads: ingest_options.threads,
        rdp_ports: ingest_options.rdp_ports.clone(),
    };
    let timelines = build_with(ingested.events, &ingested.reports, &build_options);
    let diagnoses = diagnose(&timelines, &ingested.coverage);
    Analysed {
        reports: ingested.reports,
        coverage: ingested.coverage,
        timelines,
        diagnoses,
    }
}
