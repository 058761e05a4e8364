//! The EVTX reader over the real public logs in `../shared/corpus` (skipped when absent):
//! record counts match `evtx_dump` 0.15.1 (the inventory), damaged files report located errors
//! and still give their readable records, the pre-render shortcut keeps exactly what a full
//! render keeps, and the output does not depend on the thread count.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rdpsleuth_parser::evtx::{Selection, read_with};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::{ReadOptions, ReadOutcome};
use rdpsleuth_parser::{Catalog, Event, Format, Source, SourceData, Timestamp};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.join("inventory.json").is_file() {
        Some(dir)
    } else {
        println!("corpus not found at {}: skipped", dir.display());
        None
    }
}

/// One inventory row about an EVTX file.
struct Entry {
    path: PathBuf,
    name: String,
    records: Option<u64>,
    clean: bool,
    time_min: Option<String>,
    time_max: Option<String>,
}

fn evtx_entries(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("inventory.json")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    rows.iter()
        .filter(|row| row["format"] == "EVTX")
        .map(|row| {
            let file = row["file"].as_str().unwrap();
            let relative = file.strip_prefix("files/").unwrap_or(file);
            Entry {
                path: dir.join(relative),
                name: relative.to_string(),
                records: row["records"].as_u64(),
                clean: row["parse"]["clean"].as_bool().unwrap_or(false),
                time_min: row["time_min"].as_str().map(String::from),
                time_max: row["time_max"].as_str().map(String::from),
            }
        })
        .collect()
}

fn source(entry: &Entry) -> Source {
    Source {
        display: Arc::from(entry.name.as_str()),
        location: Location::File(entry.path.clone()),
        format: Format::Evtx,
        host_hint: None,
        size: std::fs::metadata(&entry.path).map(|m| m.len()).unwrap_or(0),
    }
}

fn read(entry: &Entry, selection: Selection, threads: usize) -> ReadOutcome {
    let mut opts = ReadOptions::new(Catalog::global());
    opts.evtx_threads = threads;
    let file = File::open(&entry.path).unwrap();
    read_with(&source(entry), SourceData::File(file), &opts, selection)
}

#[test]
fn record_counts_match_evtx_dump() {
    let Some(dir) = corpus() else { return };
    let entries = evtx_entries(&dir);
    assert!(
        entries.len() > 40,
        "inventory lists {} EVTX files",
        entries.len()
    );
    for entry in entries.iter().filter(|e| e.clean) {
        let expected = entry.records.unwrap();
        for selection in [Selection::Catalog, Selection::Everything] {
            let out = read(entry, selection, 1);
            assert_eq!(
                out.report.records, expected,
                "{} ({selection:?}): errors {:?}",
                entry.name, out.report.errors
            );
        }
    }
}

#[test]
fn time_spans_match_evtx_dump() {
    let Some(dir) = corpus() else { return };
    for entry in evtx_entries(&dir).iter().filter(|e| e.clean) {
        let (Some(min), Some(max)) = (&entry.time_min, &entry.time_max) else {
            continue;
        };
        let out = read(entry, Selection::Catalog, 1);
        let first = out.report.channels.iter().map(|c| c.first).min().unwrap();
        let last = out.report.channels.iter().map(|c| c.last).max().unwrap();
        // The inventory's minimum includes the blank 1601 record, which spans leave out.
        if !min.starts_with("1601") {
            assert_eq!(Some(first), Timestamp::parse(min), "{}", entry.name);
        }
        assert_eq!(Some(last), Timestamp::parse(max), "{}", entry.name);
        let spanned: u64 = out.report.channels.iter().map(|c| c.records).sum();
        assert!(spanned <= out.report.records, "{}", entry.name);
    }
}

/// The events of one file read two ways are the same; a difference names the first event
/// that differs.
fn same_events(fast: &[Event], full: &[Event], name: &str) {
    for (a, b) in fast.iter().zip(full) {
        assert_eq!(a, b, "{name}");
    }
    assert_eq!(fast.len(), full.len(), "{name}");
}

#[test]
fn shortcut_keeps_exactly_what_a_full_render_keeps() {
    let Some(dir) = corpus() else { return };
    let mut kept = 0;
    for entry in evtx_entries(&dir) {
        let fast = read(&entry, Selection::Catalog, 1);
        let full = read(&entry, Selection::Everything, 1);
        same_events(&fast.events, &full.events, &entry.name);
        assert_eq!(fast.report.kept, full.report.kept, "{}", entry.name);
        assert_eq!(fast.report.channels, full.report.channels, "{}", entry.name);
        kept += fast.events.len();
    }
    assert!(kept > 1000, "only {kept} events kept over the corpus");
}

#[test]
fn output_does_not_depend_on_threads() {
    let Some(dir) = corpus() else { return };
    for entry in evtx_entries(&dir) {
        let one = read(&entry, Selection::Catalog, 1);
        let four = read(&entry, Selection::Catalog, 4);
        assert_eq!(one.events, four.events, "{}", entry.name);
        assert_eq!(one.report, four.report, "{}", entry.name);
    }
}

#[test]
fn damaged_files_report_errors_and_keep_what_is_readable() {
    let Some(dir) = corpus() else { return };
    let damaged: Vec<Entry> = evtx_entries(&dir)
        .into_iter()
        .filter(|e| !e.clean)
        .collect();
    assert!(damaged.len() >= 4);
    for entry in &damaged {
        let out = read(entry, Selection::Catalog, 0);
        assert!(out.report.failed > 0, "{}: no failure reported", entry.name);
        assert!(!out.report.errors.is_empty(), "{}", entry.name);
        for error in &out.report.errors {
            assert!(
                error.offset.is_some() || error.record.is_some(),
                "{}: unlocated error {error}",
                entry.name
            );
        }
        let expected = entry.records.unwrap_or(0);
        let full = read(entry, Selection::Everything, 0);
        assert!(
            full.report.records >= expected,
            "{}: {} records read, evtx_dump read {expected}",
            entry.name,
            full.report.records
        );
    }
}

#[test]
fn damaged_rdp_logs_still_give_their_events() {
    let Some(dir) = corpus() else { return };
    let entries = evtx_entries(&dir);
    let rdpcorets = entries
        .iter()
        .find(|e| {
            e.name
                .contains("2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS")
        })
        .unwrap();
    let out = read(rdpcorets, Selection::Catalog, 0);
    let ids = |id: u32| out.events.iter().filter(|e| e.event_id == id).count();
    assert!(ids(131) > 100, "131: {}", ids(131));
    assert!(ids(140) > 100, "140: {}", ids(140));
    assert!(out.report.failed > 0);
}

#[test]
fn blank_1601_record_is_counted_but_not_spanned() {
    let Some(dir) = corpus() else { return };
    let entries = evtx_entries(&dir);
    let hello = entries
        .iter()
        .find(|e| e.name.contains("HelloForBusiness"))
        .unwrap();
    let out = read(hello, Selection::Catalog, 1);
    assert_eq!(out.report.records, 6);
    assert!(out.events.is_empty());
    assert!(
        out.report
            .channels
            .iter()
            .all(|c| c.first.to_rfc3339().as_str() >= "2018")
    );
    assert_eq!(
        out.report.channels.iter().map(|c| c.records).sum::<u64>(),
        5
    );
    assert!(
        out.report
            .errors
            .iter()
            .any(|e| e.message.contains("1601") && e.record.is_some())
    );
}

#[test]
fn truncated_and_corrupted_copies_in_memory() {
    let Some(dir) = corpus() else { return };
    let entries = evtx_entries(&dir);
    let entry = entries
        .iter()
        .find(|e| {
            e.name
                .ends_with("StolenSzechuanEventLogs.7z__Security.evtx")
        })
        .unwrap();
    let bytes = std::fs::read(&entry.path).unwrap();
    let opts = ReadOptions::new(Catalog::global());
    let whole = read_with(
        &source(entry),
        SourceData::Bytes(bytes.clone()),
        &opts,
        Selection::Catalog,
    );
    assert_eq!(whole.report.failed, 0);

    // Cut in the middle of the third chunk: two chunks read, the cut one reported.
    let cut = 4096 + 2 * 65536 + 1000;
    let out = read_with(
        &source(entry),
        SourceData::Bytes(bytes[..cut].to_vec()),
        &opts,
        Selection::Catalog,
    );
    assert!(out.report.records > 0 && out.report.records < whole.report.records);
    assert_eq!(out.report.failed, 1);
    assert_eq!(out.report.errors[0].offset, Some(4096 + 2 * 65536));

    // A chunk header's magic destroyed: that chunk fails, located; the others are read.
    let mut broken = bytes.clone();
    let second = 4096 + 65536;
    broken[second..second + 8].copy_from_slice(b"XXXXXXXX");
    let out = read_with(
        &source(entry),
        SourceData::Bytes(broken),
        &opts,
        Selection::Catalog,
    );
    assert_eq!(out.report.failed, 1);
    assert_eq!(out.report.errors[0].offset, Some(second as u64));
    assert!(out.report.records > whole.report.records / 2);

    // Record data flipped inside a chunk: its CRC fails, noted; records still read.
    let mut flipped = bytes.clone();
    let inside = 4096 + 65536 * 3 + 30000;
    flipped[inside] ^= 0xff;
    let out = read_with(
        &source(entry),
        SourceData::Bytes(flipped),
        &opts,
        Selection::Catalog,
    );
    assert!(
        out.report
            .errors
            .iter()
            .any(|e| e.message.contains("CRC32") && e.offset == Some(4096 + 65536 * 3))
    );
    assert!(out.report.records + out.report.failed >= whole.report.records - 5);
}

/// The shortcut check over any folder of EVTX files:
/// `RDPSLEUTH_EVTX_DIR=/path cargo test -p rdpsleuth-parser --test corpus -- --ignored`.
#[test]
#[ignore = "needs RDPSLEUTH_EVTX_DIR"]
fn shortcut_keeps_what_a_full_render_keeps_in_any_folder() {
    let Some(dir) = std::env::var_os("RDPSLEUTH_EVTX_DIR") else {
        println!("RDPSLEUTH_EVTX_DIR not set: skipped");
        return;
    };
    let mut stack = vec![PathBuf::from(dir)];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let head = std::fs::read(&path).map(|b| b.starts_with(b"ElfFile\0"));
            if !matches!(head, Ok(true)) {
                continue;
            }
            let entry = Entry {
                name: path.to_string_lossy().into_owned(),
                path,
                records: None,
                clean: false,
                time_min: None,
                time_max: None,
            };
            let fast = read(&entry, Selection::Catalog, 0);
            let full = read(&entry, Selection::Everything, 0);
            same_events(&fast.events, &full.events, &entry.name);
            assert_eq!(fast.report.channels, full.report.channels, "{}", entry.name);
            println!(
                "{}: {} records, {} kept",
                entry.name,
                fast.report.records,
                fast.events.len()
            );
            files += 1;
        }
    }
    println!("{files} files checked");
}
