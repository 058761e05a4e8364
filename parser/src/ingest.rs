//! Ingest: everything between the paths a user names and the sorted, catalogued events.
//!
//! [`ingest`] discovers the sources ([`crate::discover`]), reads them all in parallel on a rayon
//! pool (a local one when [`IngestOptions::threads`] is set; big EVTX files also spread their
//! chunks over it), turns the local times of firewall text logs into UTC once every input is
//! read, applies the optional time window, sorts the events into one total order, and builds
//! the per-host [`Coverage`]. Every input — read, skipped or unreadable — gets an
//! [`InputReport`]; nothing that fails takes the run down.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::catalog::{Catalog, DEFAULT_RDP_PORT};
use crate::coverage::Coverage;
use crate::discover::{ArchiveLimits, Discovery, discover};
use crate::event::{Event, Timestamp};
use crate::input::{Format, InputError, InputReport, Source};
use crate::reader::{ReadOptions, ReadOutcome};

/// How to ingest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestOptions {
    /// Worker threads; 0 = one per core (rayon's global pool).
    pub threads: usize,
    /// TCP/UDP ports treated as RDP (empty = 3389).
    pub rdp_ports: Vec<u16>,
    /// UTC offsets of hosts whose firewall text logs are in local time: (host name, minutes
    /// east of UTC).
    pub firewall_utc_offsets: Vec<(String, i32)>,
    /// Keep only events at or after this time.
    pub since: Option<Timestamp>,
    /// Keep only events at or before this time.
    pub until: Option<Timestamp>,
    /// Caps on archive members.
    pub limits: ArchiveLimits,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            threads: 0,
            rdp_ports: vec![DEFAULT_RDP_PORT],
            firewall_utc_offsets: Vec::new(),
            since: None,
            until: None,
            limits: ArchiveLimits::default(),
        }
    }
}

/// Hooks for progress display. Called from worker threads.
pub trait Progress: Sync {
    /// Discovery is done: this many sources, of this many bytes, will be read.
    fn discovered(&self, _sources: usize, _bytes: u64) {}
    /// One source has been read.
    fn read(&self, _source: &Source, _report: &InputReport) {}
}

/// No progress display.
impl Progress for () {}

/// What ingesting gave.
#[derive(Debug)]
pub struct Ingested {
    /// Catalogued events in the time window, sorted by time, host, channel, record id, source.
    pub events: Vec<Event>,
    /// One report per input (sources and inputs that could not be opened), sorted by path.
    pub reports: Vec<InputReport>,
    /// Per host, the logs read and the logs missing.
    pub coverage: Coverage,
    /// Files and archive members skipped because they are not in a log format.
    pub ignored: u64,
}

/// Totals over all inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Inputs reported.
    pub inputs: usize,
    /// Inputs read (not skipped, and not failed without a record).
    pub readable: usize,
    /// Records read.
    pub records: u64,
    /// Events kept.
    pub kept: u64,
    /// Records or chunks that could not be read.
    pub failed: u64,
}

impl Ingested {
    /// Totals over the reports.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            inputs: self.reports.len(),
            ..Totals::default()
        };
        for report in &self.reports {
            totals.records += report.records;
            totals.kept += report.kept;
            totals.failed += report.failed;
            if is_readable(report) {
                totals.readable += 1;
            }
        }
        totals
    }

    /// True when no input could be read at all (the command-line's exit status 1).
    pub fn nothing_read(&self) -> bool {
        !self.reports.iter().any(is_readable)
    }
}

/// An input that was read: not skipped, and not failed without giving a record.
fn is_readable(report: &InputReport) -> bool {
    report.skipped.is_none() && (report.records > 0 || report.failed == 0)
}

/// Discovers and reads everything under `paths`.
pub fn ingest<P: AsRef<Path> + Sync>(
    paths: &[P],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Ingested {
    crate::pool::with_threads(opts.threads, || ingest_here(paths, opts, progress))
}

fn ingest_here<P: AsRef<Path>>(
    paths: &[P],
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Ingested {
    let custom;
    let catalog = if opts.rdp_ports.is_empty() || opts.rdp_ports == [DEFAULT_RDP_PORT] {
        Catalog::global()
    } else {
        custom = Catalog::with_rdp_ports(&opts.rdp_ports);
        &custom
    };
    let discovery = discover(paths, opts.limits);
    progress.discovered(
        discovery.sources.len(),
        discovery.sources.iter().map(|s| s.size).sum(),
    );
    let read_opts = ReadOptions::new(catalog);
    let mut outcomes: Vec<ReadOutcome> = discovery
        .sources
        .par_iter()
        .map(|source| {
            let outcome = read_source(&discovery, source, &read_opts);
            progress.read(source, &outcome.report);
            outcome
        })
        .collect();
    settle_hinted_hosts(&discovery.sources, &mut outcomes);

    let mut events = Vec::with_capacity(outcomes.iter().map(|o| o.events.len()).sum());
    let mut reports = Vec::with_capacity(outcomes.len() + discovery.problems.len());
    for outcome in outcomes {
        events.extend(outcome.events);
        reports.push(outcome.report);
    }
    for problem in &discovery.problems {
        let mut report = InputReport {
            path: problem.path.clone(),
            format: Format::Unknown,
            host: None,
            records: 0,
            kept: 0,
            failed: 0,
            errors: Vec::new(),
            skipped: Some("could not be used".to_string()),
            time_basis: None,
            channels: Vec::new(),
            empty_channel: None,
        };
        report.error(problem.error.clone());
        reports.push(report);
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));

    crate::firewall_log::settle_local_times(&mut events, &mut reports, &opts.firewall_utc_offsets);

    if opts.since.is_some() || opts.until.is_some() {
        let inside =
            |t: Timestamp| opts.since.is_none_or(|s| t >= s) && opts.until.is_none_or(|u| t <= u);
        events.retain(|e| inside(e.time));
        let mut kept: HashMap<Arc<str>, u64> = HashMap::new();
        for event in &events {
            *kept.entry(event.source.input.clone()).or_default() += 1;
        }
        for report in &mut reports {
            report.kept = kept.get(report.path.as_str()).copied().unwrap_or(0);
        }
    }
    sort_events(&mut events);

    let coverage = Coverage::from_reports(&reports, catalog);
    Ingested {
        events,
        reports,
        coverage,
        ignored: discovery.ignored,
    }
}

/// Logs that do not name their computer (`pfirewall.log`) take the host their folder names
/// ([`Source::host_hint`]). A collection folder is often named otherwise (`20241112_triage`,
/// `case-17`): when the event logs collected under the same folder name one computer, and only
/// one, that computer is the host of such logs too, so their lines meet its other evidence.
/// When they name several, a file named after one of them (`SRV01_pfirewall.log`,
/// `srv01-pfirewall.log`) belongs to it. `sources` and `outcomes` are in the same order.
fn settle_hinted_hosts(sources: &[Source], outcomes: &mut [ReadOutcome]) {
    // Distinct computers remembered per folder name (a bound against hostile input).
    const MAX_COMPUTERS: usize = 64;
    let names_computer = |format: Format| {
        matches!(
            format,
            Format::Evtx | Format::XmlExport | Format::EvtxDumpJson | Format::JsonLines
        )
    };
    // The computers each folder name's event logs name (two are enough to know it is not one).
    let mut computers: HashMap<&str, Vec<Arc<str>>> = HashMap::new();
    for (source, outcome) in sources.iter().zip(outcomes.iter()) {
        let Some(hint) = source.host_hint.as_deref() else {
            continue;
        };
        if !names_computer(source.format) {
            continue;
        }
        let seen = computers.entry(hint).or_default();
        for event in &outcome.events {
            if seen.len() >= MAX_COMPUTERS {
                break;
            }
            if !event.host.is_empty() && !seen.contains(&event.host) {
                seen.push(event.host.clone());
            }
        }
    }
    for (source, outcome) in sources.iter().zip(outcomes.iter_mut()) {
        let Some(hint) = source.host_hint.as_deref() else {
            continue;
        };
        if source.format != Format::FirewallLog {
            continue;
        }
        let computer = match computers.get(hint).map(Vec::as_slice) {
            Some([computer]) => computer,
            Some(several) => match named_in_file_name(&source.display, several) {
                Some(computer) => computer,
                None => continue,
            },
            None => continue,
        };
        // The folder already names this computer: nothing to settle.
        if crate::firewall_log::same_host(computer, hint) {
            continue;
        }
        for event in &mut outcome.events {
            event.host = computer.clone();
        }
        outcome.report.host = Some(computer.to_string());
        for span in &mut outcome.report.channels {
            span.host = computer.to_string();
        }
    }
}

/// The computer among `computers` whose short name starts the file name of `display`, followed
/// by `_`, `-`, `.` or a space (the longest such name; none when two are as long).
fn named_in_file_name<'c>(display: &str, computers: &'c [Arc<str>]) -> Option<&'c Arc<str>> {
    let file = crate::input::file_name_of(display).to_ascii_lowercase();
    let mut best: Option<(usize, &Arc<str>)> = None;
    let mut tie = false;
    for computer in computers {
        let short = computer
            .split('.')
            .next()
            .unwrap_or(computer)
            .to_ascii_lowercase();
        let named = !short.is_empty()
            && file
                .strip_prefix(short.as_str())
                .is_some_and(|rest| rest.starts_with(['_', '-', '.', ' ']));
        if !named {
            continue;
        }
        match best {
            Some((len, _)) if len > short.len() => {}
            Some((len, _)) if len == short.len() => tie = true,
            _ => {
                best = Some((short.len(), computer));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, computer)| computer)
}

/// Sorts events by [`event_order`], ties in their reading order. Events are large and the
/// inputs' runs interleave, so a merge sort would move each of them many times: the order is
/// found on their indices and each event is then moved once or twice, in place.
pub fn sort_events(events: &mut [Event]) {
    // Time comes first in the order: the indices are sorted by (time, reading order) on a
    // compact copy of the times, and only runs of equal times are compared in full.
    let mut keyed: Vec<(Timestamp, usize)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.time, i))
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<usize> = keyed.iter().map(|&(_, i)| i).collect();
    let mut start = 0;
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        let end = start + run.len();
        if let Some(run) = order.get_mut(start..end).filter(|run| run.len() > 1) {
            run.sort_by(|&a, &b| match (events.get(a), events.get(b)) {
                (Some(x), Some(y)) => event_order(x, y),
                _ => a.cmp(&b),
            });
        }
        start = end;
    }
    // Position j receives the event at order[j]: each cycle of the permutation is walked once,
    // carrying its first event along; a placed position points at itself.
    for start in 0..order.len() {
        let mut j = start;
        while let Some(slot) = order.get_mut(j) {
            let k = std::mem::replace(slot, j);
            if k == j || k == start {
                break;
            }
            events.swap(j, k);
            j = k;
        }
    }
}

/// The total order of events: time, host, channel, record id, source; ties (the same record
/// read twice from one input) keep their reading order, which is deterministic.
pub fn event_order(a: &Event, b: &Event) -> Ordering {
    // Names are shared between events: the same allocation is the same name.
    let names = |x: &Arc<str>, y: &Arc<str>| {
        if Arc::ptr_eq(x, y) {
            Ordering::Equal
        } else {
            x.cmp(y)
        }
    };
    a.time
        .cmp(&b.time)
        .then_with(|| names(&a.host, &b.host))
        .then_with(|| names(&a.channel, &b.channel))
        .then_with(|| a.record_id.cmp(&b.record_id))
        .then_with(|| a.source.cmp(&b.source))
        .then_with(|| a.provider.cmp(&b.provider))
        .then_with(|| a.event_id.cmp(&b.event_id))
}

/// Why a format is not read.
fn unsupported(format: Format) -> Option<&'static str> {
    match format {
        Format::LegacyEvt => Some(
            "legacy EVT log (Windows XP/2003) is not supported: convert it to EVTX on Windows \
             (wevtutil epl old.evt new.evtx /lf:true) or export it as XML",
        ),
        Format::Unknown => Some("not an event log format rdpsleuth reads"),
        Format::Zip => Some("archive: its members are read instead"),
        _ => None,
    }
}

/// Reads one discovered source with the reader of its format.
pub fn read_source(discovery: &Discovery, source: &Source, opts: &ReadOptions) -> ReadOutcome {
    if let Some(why) = unsupported(source.format) {
        let mut report = InputReport::new(source);
        report.skipped = Some(why.to_string());
        if source.format == Format::Unknown {
            let error = if source.size == 0 {
                InputError::new("empty file")
            } else {
                InputError::new(
                    "content is not a recognised log (no EVTX signature, XML event, JSON event \
                     or firewall log header)",
                )
                .at_offset(0)
            };
            report.error(error);
        }
        return ReadOutcome {
            events: Vec::new(),
            report,
        };
    }
    let data = match discovery.open(source) {
        Ok(data) => data,
        Err(error) => {
            let mut report = InputReport::new(source);
            report.error(error);
            return ReadOutcome {
                events: Vec::new(),
                report,
            };
        }
    };
    match source.format {
        Format::Evtx => crate::evtx::read(source, data, opts),
        Format::XmlExport => crate::xml::read(source, data, opts),
        Format::EvtxDumpJson | Format::JsonLines => crate::json::read(source, data, opts),
        Format::FirewallLog => crate::firewall_log::read(source, data, opts),
        // Handled above.
        Format::LegacyEvt | Format::Zip | Format::Unknown => ReadOutcome {
            events: Vec::new(),
            report: InputReport::new(source),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::channel;
    use crate::event::{FieldValue, Locator, SourceRef};
    use crate::record::{Normalised, RawRecord, RawSystem};
    use proptest::prelude::*;

    /// An RdpCoreTS 131 at `second`, on one of two hosts, read from one of two inputs, tagged
    /// with its reading position.
    fn event(second: u8, host: bool, record: u8, input: bool, tag: usize) -> Event {
        let raw = RawRecord {
            system: RawSystem {
                provider: Some("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS".into()),
                event_id: Some("131".into()),
                time: Some(format!("2024-05-01T10:00:{:02}.0000000Z", second % 60)),
                record_id: Some(record.to_string()),
                channel: Some(channel::RDPCORETS.into()),
                computer: Some(if host { "SRV01" } else { "SRV02" }.into()),
                ..RawSystem::default()
            },
            fields: vec![("Tag".into(), FieldValue::Text(tag.to_string().into()))],
            ..RawRecord::default()
        };
        let source = SourceRef {
            input: Arc::from(if input { "a.evtx" } else { "b.evtx" }),
            locator: Locator::Record(u64::from(record)),
        };
        match raw.normalise(Catalog::global(), source, None) {
            Ok(Normalised::Event(e)) => *e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_named_after_a_computer_belongs_to_it() {
        let computers: Vec<Arc<str>> = ["WS1.corp.local", "WS1-B.corp.local", "SRV01"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let named = |display: &str| named_in_file_name(display, &computers).map(|c| c.to_string());
        assert_eq!(
            named("c:\\case\\SRV01_pfirewall.log").as_deref(),
            Some("SRV01")
        );
        assert_eq!(
            named("case.zip!dump/srv01 pfirewall.log").as_deref(),
            Some("SRV01")
        );
        // The longest name that fits wins; a name must be followed by a separator.
        assert_eq!(
            named("/x/ws1-b_pfirewall.log").as_deref(),
            Some("WS1-B.corp.local")
        );
        assert_eq!(
            named("/x/ws1.pfirewall.log").as_deref(),
            Some("WS1.corp.local")
        );
        assert_eq!(named("/x/SRV011_pfirewall.log"), None);
        assert_eq!(named("/x/pfirewall.log"), None);
        assert_eq!(named("/SRV01/pfirewall.log"), None);
        // Two computers of the same short name: neither.
        let twins: Vec<Arc<str>> = vec![Arc::from("SRV01.a.local"), Arc::from("SRV01.b.local")];
        assert_eq!(named_in_file_name("SRV01_pfirewall.log", &twins), None);
    }

    proptest! {
        #[test]
        fn sorting_in_place_is_the_stable_sort(
            specs in prop::collection::vec((0u8..8, any::<bool>(), 0u8..4, any::<bool>()), 0..200)
        ) {
            let events: Vec<Event> = specs
                .iter()
                .enumerate()
                .map(|(tag, &(second, host, record, input))| event(second, host, record, input, tag))
                .collect();
            let mut expected = events.clone();
            expected.sort_by(event_order);
            let mut sorted = events;
            sort_events(&mut sorted);
            // Equal events in the same order: ties keep their reading order (the tags).
            prop_assert_eq!(sorted, expected);
        }
    }
}
