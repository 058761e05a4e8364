//! Zip collections (KAPE, Velociraptor): the input as a zip archive on disk — as it is when it
//! starts like one, else built from it (`rdpsleuth_fuzz::archive`) — goes through discovery,
//! every member found is opened and read with the reader of its format, and the reports are
//! settled and summarised into coverage as ingest does. Checked: sources sorted, unique and
//! inside the archive, problems sorted and placed, every member's bytes recognised as the
//! format discovery gave it and no larger than it declared, every outcome against the reader
//! invariants, and nothing written to disk.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rdpsleuth_fuzz::archive::archive_bytes;
use rdpsleuth_fuzz::invariants::{Placing, check_outcome};
use rdpsleuth_parser::coverage::Coverage;
use rdpsleuth_parser::discover::{ArchiveLimits, SNIFF_BYTES, discover, recognise};
use rdpsleuth_parser::firewall_log::settle_local_times;
use rdpsleuth_parser::ingest::read_source;
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::{Catalog, Format, SourceData};

/// The archive's name: a Velociraptor collection of host `FUZZ01`.
const ARCHIVE_NAME: &str = "Collection-FUZZ01-2024-02-06T08_31_00Z.zip";

/// A folder of this process for the archive (in memory where `/dev/shm` exists), created for
/// each input and removed after it.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        base.join(format!("rdpsleuth-fuzz-zip-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::global();
    let archive = archive_bytes(data);
    let dir = scratch();
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let path = dir.join(ARCHIVE_NAME);
    std::fs::write(&path, &archive)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let display = path.to_string_lossy().into_owned();
    let member_prefix = format!("{display}!");

    let discovery = discover(&[&path], ArchiveLimits::default());
    assert!(
        discovery.sources.windows(2).all(|w| w[0] < w[1]),
        "sources not sorted or repeated"
    );
    assert!(
        discovery
            .problems
            .windows(2)
            .all(|w| w[0].path <= w[1].path),
        "problems not sorted"
    );
    for problem in &discovery.problems {
        assert!(
            problem.path == display || problem.path.starts_with(&member_prefix),
            "problem placed outside the archive: {}",
            problem.path
        );
        assert!(!problem.error.message.trim().is_empty());
    }
    let is_zip = recognise(archive.get(..SNIFF_BYTES).unwrap_or(&archive)) == Format::Zip;

    let opts = ReadOptions::new(catalog);
    let mut events = Vec::new();
    let mut reports = Vec::new();
    for source in &discovery.sources {
        assert_ne!(source.format, Format::Zip, "an archive listed as a log");
        match &source.location {
            Location::ZipMember { archive, .. } | Location::NestedZipMember { archive, .. } => {
                assert!(is_zip, "members listed of a file that is not a zip");
                assert_eq!(archive, &path, "member of another archive");
                assert!(
                    source.display.starts_with(&member_prefix),
                    "{}",
                    source.display
                );
            }
            Location::File(file) => {
                assert!(!is_zip, "a zip archive listed as a file");
                assert_eq!(file, &path);
            }
        }
        let readable = !matches!(source.format, Format::Unknown | Format::LegacyEvt);
        let opened = readable
            .then(|| discovery.open(source))
            .and_then(Result::ok);
        if let Some(SourceData::Bytes(bytes)) = &opened {
            assert_eq!(
                recognise(bytes.get(..SNIFF_BYTES).unwrap_or(bytes)),
                source.format,
                "{}: the bytes opened are not what discovery recognised",
                source.display
            );
            // Never more than declared (the archive limits are checked on declared sizes);
            // fewer when the size fields were damaged but the CRC still matches.
            assert!(
                bytes.len() as u64 <= source.size,
                "{}: opened {} bytes, {} declared",
                source.display,
                bytes.len(),
                source.size
            );
        }
        let outcome = read_source(&discovery, source, &opts);
        if opened.is_some() {
            let placing = match source.format {
                Format::Evtx => Placing::Record,
                _ => Placing::Line,
            };
            check_outcome(source, &outcome, catalog, placing);
        }
        events.extend(outcome.events);
        reports.push(outcome.report);
    }
    settle_local_times(&mut events, &mut reports, &[]);
    let _ = Coverage::from_reports(&reports, catalog);

    let left: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(
        left.len(),
        1,
        "discovery or reading wrote to disk: {left:?}"
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(dir);
});
