//! The text readers on real logs: every record of the public corpus, rendered to XML by the
//! `evtx` library, parses into a record with its System values; and the readers' handling of
//! hostile and odd inputs end to end.

use std::path::PathBuf;
use std::sync::Arc;

use evtx::{EvtxParser, ParserSettings};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::xml::parse_event;
use rdpsleuth_parser::{Catalog, Format, Source, SourceData, firewall_log};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus folder {} absent: test skipped", dir.display());
        None
    }
}

fn evtx_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    files
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn every_corpus_record_rendered_to_xml_parses() {
    let Some(dir) = corpus() else { return };
    let mut parsed = 0u64;
    let mut incomplete = 0u64;
    for path in evtx_files(&dir) {
        let Ok(parser) = EvtxParser::from_path(&path) else {
            continue;
        };
        let mut parser = parser.with_configuration(ParserSettings::default().num_threads(1));
        for record in parser.records() {
            let Ok(record) = record else { continue };
            let raw = parse_event(record.data.as_bytes()).unwrap_or_else(|e| {
                panic!("{} record {}: {e}", path.display(), record.event_record_id)
            });
            // Damaged records (zeroed templates) may lack System values; the rest have them.
            let complete = raw.system.event_id.is_some()
                && raw.system.channel.is_some()
                && raw
                    .system
                    .record_id
                    .as_deref()
                    .is_some_and(|t| t.parse::<u64>().is_ok());
            if !complete {
                incomplete += 1;
            }
            parsed += 1;
        }
    }
    assert!(parsed > 10_000, "only {parsed} records parsed");
    assert!(
        incomplete * 1000 < parsed,
        "{incomplete} of {parsed} records incomplete"
    );
    eprintln!("{parsed} records parsed, {incomplete} without full System values");
}

fn text_source(path: &std::path::Path, format: Format) -> Source {
    Source {
        display: Arc::from(path.display().to_string()),
        location: Location::File(path.to_path_buf()),
        format,
        host_hint: Some("FWHOST".into()),
        size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    }
}

#[test]
fn corpus_firewall_logs_are_read_whole() {
    let Some(dir) = corpus() else { return };
    let catalog = Catalog::global();
    // (file, data lines, lines kept: drops and RDP-port lines, lost-event notices)
    for (name, lines) in [
        ("BetaHydri__ParseFirewallLog/pfirewall.log", None),
        (
            "log2timeline__plaso/test_data__windows_firewall.log",
            Some(15u64),
        ),
    ] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let data_lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count() as u64;
        if let Some(expected) = lines {
            assert_eq!(data_lines, expected);
        }
        let expected_kept = text
            .lines()
            .filter(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                !l.starts_with('#')
                    && cols.len() >= 8
                    && (cols[2] == "DROP"
                        || cols[2] == "INFO-EVENTS-LOST"
                        || cols[6] == "3389"
                        || cols[7] == "3389")
            })
            .count() as u64;
        let source = text_source(&path, Format::FirewallLog);
        let file = std::fs::File::open(&path).unwrap();
        let out = firewall_log::read(&source, SourceData::File(file), &ReadOptions::new(catalog));
        assert_eq!(
            out.report.records, data_lines,
            "{name}: {:?}",
            out.report.errors
        );
        assert_eq!(out.report.failed, 0, "{name}: {:?}", out.report.errors);
        assert_eq!(out.report.kept, expected_kept, "{name}");
        assert_eq!(out.events.len() as u64, expected_kept);
        assert!(out.events.iter().all(|e| &*e.host == "FWHOST"));
    }
}
