//! The EVTX reader's pre-render decisions (channel and id per template, keep-filters decided
//! from substitutions) keep exactly what rendering every record keeps, on the checked-in sample
//! bundles (every EVTX file under `samples/bundles`) and, in an ignored test, on any folder named
//! by `RDPSLEUTH_SHORTCUT_DIR` (the generated multi-host scale corpus:
//! `RDPSLEUTH_SHORTCUT_DIR=/path cargo test --release -p rdpsleuth-parser --test shortcut -- --ignored`).
//! The public corpus is checked the same way in `corpus.rs`. Each file is also read from its
//! bytes in memory (as an archive member is), which must give the same events and report.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rdpsleuth_parser::evtx::{Selection, read_counted};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::{Catalog, Format, Source, SourceData};

/// EVTX files (by signature) under `dir`, sorted.
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
            } else if std::fs::read(&path).is_ok_and(|b| b.starts_with(b"ElfFile\0")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Reads every file both ways and compares; returns (records, rendered by the shortcut, built
/// without rendering, kept).
fn compare(files: &[PathBuf]) -> (u64, u64, u64, usize) {
    let opts = ReadOptions::new(Catalog::global());
    let mut totals = (0, 0, 0, 0);
    for path in files {
        let source = Source {
            display: Arc::from(path.display().to_string()),
            location: Location::File(path.clone()),
            format: Format::Evtx,
            host_hint: None,
            size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        };
        let read = |selection| {
            let file = File::open(path).unwrap();
            read_counted(&source, SourceData::File(file), &opts, selection)
        };
        let (fast, count) = read(Selection::Catalog);
        let (full, _) = read(Selection::Everything);
        let name = path.display();
        assert_eq!(fast.events.len(), full.events.len(), "{name}");
        for (a, b) in fast.events.iter().zip(&full.events) {
            assert_eq!(a, b, "{name}");
        }
        assert_eq!(fast.report, full.report, "{name}");
        // A file and the same bytes in memory (an archive member) are read alike.
        let bytes = std::fs::read(path).unwrap();
        let (in_memory, _) =
            read_counted(&source, SourceData::Bytes(bytes), &opts, Selection::Catalog);
        assert_eq!(in_memory.events, fast.events, "{name} in memory");
        assert_eq!(in_memory.report, fast.report, "{name} in memory");
        totals.0 += count.records;
        totals.1 += count.rendered;
        totals.2 += count.built;
        totals.3 += fast.events.len();
    }
    totals
}

#[test]
fn shortcut_keeps_what_a_full_render_keeps_in_the_sample_bundles() {
    let bundles = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bundles");
    let files = evtx_files(&bundles);
    assert!(
        files.len() > 50,
        "{} EVTX files in the bundles",
        files.len()
    );
    let (records, rendered, built, kept) = compare(&files);
    assert!(kept > 1000, "{kept} events kept");
    assert!(rendered < records, "{rendered} of {records} rendered");
    // Most wanted records of the samples have the plain Windows shape.
    assert!(built > rendered, "{built} built, {rendered} rendered");
}

#[test]
#[ignore = "reads the folder named by RDPSLEUTH_SHORTCUT_DIR (the generated scale corpus)"]
fn shortcut_keeps_what_a_full_render_keeps_in_a_named_folder() {
    let Some(dir) = std::env::var_os("RDPSLEUTH_SHORTCUT_DIR") else {
        println!("RDPSLEUTH_SHORTCUT_DIR is not set: skipped");
        return;
    };
    let files = evtx_files(Path::new(&dir));
    let (records, rendered, built, kept) = compare(&files);
    println!(
        "{} files, {records} records, {rendered} rendered ({:.1} %), {built} built, {kept} kept",
        files.len(),
        100.0 * rendered as f64 / records.max(1) as f64
    );
}
