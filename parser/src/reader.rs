//! What every reader takes and gives: shared options and the outcome of reading one source.

use crate::catalog::Catalog;
use crate::event::Event;
use crate::input::InputReport;

/// Settings shared by all readers.
#[derive(Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Which events to keep.
    pub catalog: &'a Catalog,
    /// Threads the EVTX reader may use inside one big file (chunk-level parallelism); 0 = all.
    pub evtx_threads: usize,
}

impl<'a> ReadOptions<'a> {
    /// Options with the given catalog and the default threading.
    pub fn new(catalog: &'a Catalog) -> Self {
        ReadOptions {
            catalog,
            evtx_threads: 0,
        }
    }
}

/// The events kept from one source and its report.
#[derive(Debug)]
pub struct ReadOutcome {
    /// Catalogued events, in the order read.
    pub events: Vec<Event>,
    /// Counts, errors and coverage of the source.
    pub report: InputReport,
}
