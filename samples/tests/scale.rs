//! The benchmark corpus writer: a small run gives readable, time-ordered logs on every host,
//! the same bytes for the same seed, and a manifest whose failures are in the logs.

use std::collections::BTreeSet;
use std::path::Path;

use evtx::{EvtxParser, ParserSettings};
use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_samples::generate::{Library, default_recipe_dir};
use rdpsleuth_samples::scale::{ScaleOptions, scale};
use serde_json::Value as Json;

fn run(dir: &Path, seed: u64) -> rdpsleuth_samples::scale::ScaleReport {
    let lib = Library::from_dir(&default_recipe_dir()).expect("recipes load");
    scale(
        &lib,
        &ScaleOptions {
            size: 3 << 20,
            out: dir.to_path_buf(),
            seed,
        },
    )
    .expect("corpus written")
}

#[test]
fn a_small_corpus_is_readable_ordered_and_reproducible() {
    let first = tempfile::tempdir().expect("temp dir");
    let report = run(first.path(), 3);
    assert_eq!(report.hosts, 6);
    assert!(report.bytes >= 3 << 20, "{report:?}");
    assert!(report.records > 1000, "{report:?}");

    // Every EVTX file parses (checksums on) with increasing times and record ids.
    let mut channels = BTreeSet::new();
    for host in std::fs::read_dir(first.path()).expect("out dir").flatten() {
        if !host.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(host.path()).expect("host dir").flatten() {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "evtx") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let settings = ParserSettings::new()
                .validate_checksums(true)
                .num_threads(1);
            let mut parser = EvtxParser::from_buffer(bytes)
                .expect("an EVTX file")
                .with_configuration(settings);
            let mut last: Option<(String, u64)> = None;
            for record in parser.records_json_value() {
                let record = record.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let time = record
                    .data
                    .pointer("/Event/System/TimeCreated/#attributes/SystemTime")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Some(channel) = record
                    .data
                    .pointer("/Event/System/Channel")
                    .and_then(Json::as_str)
                {
                    channels.insert(channel.to_owned());
                }
                if let Some((t, id)) = &last {
                    assert!(*t <= time, "{}: time goes back", path.display());
                    assert_eq!(record.event_record_id, id + 1, "{}", path.display());
                }
                last = Some((time, record.event_record_id));
            }
        }
    }
    for wanted in [
        "Security",
        "System",
        "Microsoft-Windows-Sysmon/Operational",
        "Application",
    ] {
        assert!(channels.contains(wanted), "{wanted} missing: {channels:?}");
    }

    // rdpsleuth reads it all cleanly.
    let ingested = ingest(&[first.path()], &IngestOptions::default(), &());
    for input in &ingested.reports {
        if input.path.ends_with("manifest.json") {
            continue;
        }
        assert!(
            input.errors.is_empty(),
            "{}: {:?}",
            input.path,
            input.errors
        );
    }
    let activities: BTreeSet<String> = ingested
        .events
        .iter()
        .filter_map(|e| e.activity_id.map(|a| a.to_string()))
        .collect();
    let manifest: Json = serde_json::from_slice(
        &std::fs::read(first.path().join("manifest.json")).expect("manifest"),
    )
    .expect("manifest JSON");
    for failure in manifest["failures"].as_array().into_iter().flatten() {
        let id = failure["client_activity_id"].as_str().unwrap_or_default();
        assert!(activities.contains(id), "failure {failure} not in the logs");
    }

    // Same seed, same bytes.
    let second = tempfile::tempdir().expect("temp dir");
    run(second.path(), 3);
    for file in [
        "SRV-001/Security.evtx",
        "WS-0001/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx",
        "manifest.json",
    ] {
        assert!(
            std::fs::read(first.path().join(file)).ok()
                == std::fs::read(second.path().join(file)).ok(),
            "{file} differs between two runs"
        );
    }
}
