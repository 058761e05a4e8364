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

/// Throughput of the XML record parser, the EVTX reader's hot path (run with `--release
/// --ignored --nocapture`): parse every record of the largest corpus System log, rendered once
/// up front, and report records per second next to the rendering cost.
#[test]
#[ignore = "timing: run explicitly in release mode"]
fn parse_event_throughput() {
    let Some(dir) = corpus() else { return };
    let path = dir.join(
        "AndrewRathbun__DFIRArtifactMuseum/Windows__EventLogs__Win2012R2__StolenSzechuan__StolenSzechuanEventLogs.7z__System.evtx",
    );
    let started = std::time::Instant::now();
    let mut parser = EvtxParser::from_path(&path)
        .unwrap()
        .with_configuration(ParserSettings::default().num_threads(1));
    let records: Vec<String> = parser
        .records()
        .filter_map(Result::ok)
        .map(|r| r.data)
        .collect();
    let render = started.elapsed();
    let bytes: usize = records.iter().map(String::len).sum();
    let started = std::time::Instant::now();
    let mut fields = 0usize;
    for _ in 0..3 {
        for r in &records {
            fields += parse_event(r.as_bytes()).unwrap().fields.len();
        }
    }
    let parse = started.elapsed() / 3;
    assert!(fields > 0);
    eprintln!(
        "{} records, {:.1} MB of XML: rendering {:.0} ms ({:.0}/s), parse_event {:.0} ms ({:.0} records/s, {:.0} MB/s)",
        records.len(),
        bytes as f64 / 1e6,
        render.as_secs_f64() * 1e3,
        records.len() as f64 / render.as_secs_f64(),
        parse.as_secs_f64() * 1e3,
        records.len() as f64 / parse.as_secs_f64(),
        bytes as f64 / 1e6 / parse.as_secs_f64()
    );
}

fn memory_source(format: Format) -> Source {
    Source {
        display: Arc::from("memory"),
        location: Location::File(PathBuf::from("memory")),
        format,
        host_hint: Some("HOST".into()),
        size: 0,
    }
}

fn read_memory(format: Format, bytes: Vec<u8>) -> rdpsleuth_parser::reader::ReadOutcome {
    let source = memory_source(format);
    let opts = ReadOptions::new(Catalog::global());
    let data = SourceData::Bytes(bytes);
    match format {
        Format::XmlExport => rdpsleuth_parser::xml::read(&source, data, &opts),
        Format::FirewallLog => firewall_log::read(&source, data, &opts),
        _ => rdpsleuth_parser::json::read(&source, data, &opts),
    }
}

const RCM_261: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'/><EventID>261</EventID><TimeCreated SystemTime='2022-05-06T07:08:09.0000000Z'/><EventRecordID>10</EventRecordID><Channel>Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational</Channel><Computer>H</Computer></System><UserData><EventXML xmlns='Event_NS'><listenerName>RDP-Tcp</listenerName></EventXML></UserData></Event>";

#[test]
fn hostile_xml_export_costs_only_the_bad_records() {
    let laughs = "<!DOCTYPE Events [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>";
    let deep = format!(
        "<Event><System/><UserData><R>{}{}</R></UserData></Event>",
        "<a>".repeat(5000),
        "</a>".repeat(5000)
    );
    let entity = RCM_261.replace("RDP-Tcp", "&lol3;");
    let export = format!(
        "<?xml version='1.0'?>\n{laughs}\n<Events>\n{RCM_261}\n{deep}\n{entity}\n{RCM_261}\n</Events>"
    );
    let out = read_memory(Format::XmlExport, export.into_bytes());
    assert_eq!(out.report.records, 4);
    assert_eq!(out.report.kept, 2);
    assert_eq!(out.report.failed, 2, "{:?}", out.report.errors);
    assert!(out.report.errors[0].message.contains("nested deeper"));
    assert!(out.report.errors[1].message.contains("&lol3;"));
    assert_eq!(out.report.errors[1].line, Some(6));
    assert_eq!(out.events[0].fields.text("listenerName"), Some("RDP-Tcp"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Arbitrary bytes never panic a reader, and every record counted is accounted for.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        let _ = parse_event(&bytes);
        let _ = rdpsleuth_parser::json::parse_record(&String::from_utf8_lossy(&bytes));
        for format in [Format::XmlExport, Format::JsonLines, Format::EvtxDumpJson, Format::FirewallLog] {
            let out = read_memory(format, bytes.clone());
            proptest::prop_assert!(out.report.kept + out.report.failed <= out.report.records + 1);
            proptest::prop_assert_eq!(out.events.len() as u64, out.report.kept);
        }
    }

    /// A valid export damaged anywhere (bytes cut out or spliced in) still yields the records
    /// the damage did not touch, and never panics.
    #[test]
    fn damaged_exports_keep_the_untouched_records(
        cut in 0usize..4000,
        len in 0usize..300,
        junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
    ) {
        let xml = format!("<Events>\n{}\n</Events>", [RCM_261; 8].join("\n"));
        let json_line = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-TerminalServices-RemoteConnectionManager"}},"EventID":261,"TimeCreated":{"#attributes":{"SystemTime":"2022-05-06T07:08:09.0000000Z"}},"EventRecordID":10,"Channel":"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational","Computer":"H"},"UserData":{"EventXML":{"#attributes":{"xmlns":"Event_NS"},"listenerName":"RDP-Tcp"}}}}"##;
        let jsonl = [json_line; 8].join("\n");
        let json = [json_line; 8].iter().enumerate().map(|(i, l)| format!("Record {i}\n{l}\n")).collect::<String>();
        for (format, text) in [(Format::XmlExport, xml), (Format::JsonLines, jsonl), (Format::EvtxDumpJson, json)] {
            let mut bytes = text.into_bytes();
            let at = cut.min(bytes.len());
            let end = (at + len).min(bytes.len());
            bytes.splice(at..end, junk.iter().copied());
            let out = read_memory(format, bytes);
            // At most two records are touched by one splice (three when it joins two).
            proptest::prop_assert!(out.report.kept >= 5, "{format}: kept {} {:?}", out.report.kept, out.report.errors);
            proptest::prop_assert_eq!(out.events.len() as u64, out.report.kept);
        }
    }
}
