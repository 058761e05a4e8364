//! The text readers on real logs: every record of the public corpus, rendered to XML by the
//! `evtx` library, parses into a record with its System values; and the readers' handling of
//! hostile and odd inputs end to end.

use std::path::PathBuf;

use evtx::{EvtxParser, ParserSettings};
use rdpsleuth_parser::xml::parse_event;

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
