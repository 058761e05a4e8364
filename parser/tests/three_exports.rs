//! One record, one event, whatever the export: real corpus files rendered by the `evtx` library
//! the way `evtx_dump` and Event Viewer write them (JSONL, `-o json` with `Record N` lines compact
//! and pretty, the separate-attributes layout, bare `<Event>` XML, an `<Events>` document in
//! UTF-8 and UTF-16) are read back with the text readers, and every export must give the same
//! events (`Event::same_record`) — as each other and as the EVTX reader on the file itself.
//! The exports are written to a temporary folder, never into the project. Without the corpus
//! folder the tests print a notice and pass.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use evtx::{EvtxParser, ParserSettings};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::{ReadOptions, ReadOutcome};
use rdpsleuth_parser::{
    Catalog, Event, Format, Source, SourceData, evtx as evtx_reader, json, xml,
};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus folder {} absent: test skipped", dir.display());
        None
    }
}

/// Files covering classic events (TermDD, RCM 1056, LsaSrv), UserData (LSM, RCM, CAPI2 trees),
/// RdpCoreTS, Security (logons, WFP), the firewall channel and Defender (names with spaces).
const FILES: &[&str] = &[
    "williballenthin__python-evtx/tests__data__system.evtx",
    "omerbenamram__evtx/samples__2-vss_7-System.evtx",
    "AndrewRathbun__DFIRArtifactMuseum/Windows__EventLogs__Win2012R2__StolenSzechuan__StolenSzechuanEventLogs.7z__Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
    "AndrewRathbun__DFIRArtifactMuseum/Windows__EventLogs__Win2012R2__StolenSzechuan__StolenSzechuanEventLogs.7z__Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx",
    "sbousseaden__EVTX-ATTACK-SAMPLES/Command and Control__DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx",
    "omerbenamram__evtx/samples__E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
    "Velocidex__evtx/testdata__Microsoft-Windows-CAPI2_Operational_EventID70.evtx",
    "sbousseaden__EVTX-ATTACK-SAMPLES/Other__rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx",
    "omerbenamram__evtx/samples__Security_short_selected.evtx",
    "sbousseaden__EVTX-ATTACK-SAMPLES/Command and Control__DE_RDP_Tunnel_5156.evtx",
    "mdecrevoisier__EVTX-to-MITRE-Attack/TA0001-Initial access__T1078-Valid accounts__ID4625-failed login with denied access due to account restriction.evtx",
    "AndrewRathbun__DFIRArtifactMuseum/Windows__EventLogs__Win10__APTSimulatorVM__APTSimulatorVM_EventLogs.7z__Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx",
    "fukusuket__evtx-parser/samples__Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx",
    "sbousseaden__EVTX-ATTACK-SAMPLES/AutomatedTestingTools__WinDefender_Events_1117_1116_AtomicRedTeam.evtx",
    "AndrewRathbun__DFIRArtifactMuseum/Windows__EventLogs__Win10__APTSimulatorVM__APTSimulatorVM_EventLogs.7z__Microsoft-Windows-Windows Defender%4Operational.evtx",
    "mdecrevoisier__EVTX-to-MITRE-Attack/TA0005-Defense Evasion__T1562.004-Impair Defenses-Disable or Modify System Firewall__ID2003-4950-Firewall disabled.evtx",
];

/// One record rendered every way.
struct Rendered {
    id: u64,
    xml: String,
    json: String,
    json_pretty: String,
    json_separate: String,
}

fn render_all(path: &Path) -> Vec<Rendered> {
    let settings = || ParserSettings::default().num_threads(1);
    let records = |s: ParserSettings, json: bool| -> Vec<(u64, String)> {
        let mut parser = EvtxParser::from_path(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .with_configuration(s);
        if json {
            parser
                .records_json()
                .filter_map(Result::ok)
                .map(|r| (r.event_record_id, r.data))
                .collect()
        } else {
            parser
                .records()
                .filter_map(Result::ok)
                .map(|r| (r.event_record_id, r.data))
                .collect()
        }
    };
    let xml = records(settings(), false);
    let compact = records(settings().indent(false), true);
    let pretty = records(settings().indent(true), true);
    let separate = records(
        settings().indent(false).separate_json_attributes(true),
        true,
    );
    assert_eq!(xml.len(), compact.len(), "{}", path.display());
    assert_eq!(xml.len(), pretty.len(), "{}", path.display());
    assert_eq!(xml.len(), separate.len(), "{}", path.display());
    xml.into_iter()
        .zip(compact)
        .zip(pretty)
        .zip(separate)
        .map(
            |((((id, xml), (_, json)), (_, json_pretty)), (_, json_separate))| Rendered {
                id,
                xml,
                json,
                json_pretty: reindent(&json_pretty),
                json_separate,
            },
        )
        .collect()
}

/// Pretty-prints JSON text without reordering it (a multi-line object, as `jq` or an older
/// `evtx_dump -o json` writes).
fn reindent(json: &str) -> String {
    if json.contains('\n') {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() * 2);
    let (mut depth, mut in_string, mut escape) = (0usize, false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escape {
                escape = false;
            } else if c == '\\' {
                escape = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
                out.push(c);
            }
            ',' => {
                out.push(c);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// The exports of one file, each as (label, bytes).
fn exports(records: &[Rendered]) -> Vec<(&'static str, Vec<u8>)> {
    let mut jsonl = String::new();
    let mut json = String::new();
    let mut json_pretty = String::new();
    let mut separate = String::new();
    let mut bare_xml = String::new();
    let mut events_xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events>\r\n");
    for r in records {
        jsonl.push_str(&r.json);
        jsonl.push('\n');
        json.push_str(&format!("Record {}\n{}\n", r.id, r.json));
        json_pretty.push_str(&format!("Record {}\n{}\n", r.id, r.json_pretty));
        separate.push_str(&format!("Record {}\n{}\n", r.id, r.json_separate));
        bare_xml.push_str(&format!(
            "Record {}\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{}\n",
            r.id, r.xml
        ));
        events_xml.push_str(&r.xml);
        events_xml.push_str("\r\n");
    }
    events_xml.push_str("</Events>");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(events_xml.encode_utf16().flat_map(u16::to_le_bytes));
    let mut bom_utf8 = b"\xEF\xBB\xBF".to_vec();
    bom_utf8.extend_from_slice(events_xml.as_bytes());
    vec![
        ("jsonl", jsonl.into_bytes()),
        ("json", json.into_bytes()),
        ("json-pretty", json_pretty.into_bytes()),
        ("json-separate", separate.into_bytes()),
        ("xml-bare", bare_xml.into_bytes()),
        ("xml-events-utf8-bom", bom_utf8),
        ("xml-events-utf16", utf16),
    ]
}

fn source_of(path: &Path, format: Format) -> Source {
    Source {
        display: Arc::from(path.display().to_string()),
        location: Location::File(path.to_path_buf()),
        format,
        host_hint: None,
        size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    }
}

/// Reads a written export the way the pipeline would: format sniffed from its first bytes.
fn read_export(path: &Path, opts: &ReadOptions) -> (Format, ReadOutcome) {
    let head: Vec<u8> = std::fs::read(path)
        .unwrap()
        .into_iter()
        .take(4096)
        .collect();
    let format = Format::sniff(&head);
    let source = source_of(path, format);
    let data = SourceData::File(File::open(path).unwrap());
    let outcome = match format {
        Format::XmlExport => xml::read(&source, data, opts),
        Format::JsonLines | Format::EvtxDumpJson => json::read(&source, data, opts),
        other => panic!("{}: sniffed as {other}", path.display()),
    };
    (format, outcome)
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by(|a, b| {
        (a.record_id, a.time, a.event_id, &a.channel).cmp(&(
            b.record_id,
            b.time,
            b.event_id,
            &b.channel,
        ))
    });
    events
}

fn assert_same(label: &str, file: &str, expected: &[Event], got: &[Event]) {
    assert_eq!(
        expected.len(),
        got.len(),
        "{file} [{label}]: {} events expected, {} read",
        expected.len(),
        got.len()
    );
    for (e, g) in expected.iter().zip(got) {
        assert!(
            e.same_record(g),
            "{file} [{label}] record {}:\nexpected {e:#?}\ngot {g:#?}",
            e.record_id
        );
    }
}

#[test]
fn every_export_gives_the_same_events() {
    let Some(dir) = corpus() else { return };
    let temp = tempfile::tempdir().unwrap();
    let catalog = Catalog::global();
    let opts = ReadOptions::new(catalog);
    let mut total_kept = 0usize;
    let mut kinds = std::collections::BTreeSet::new();
    for (n, name) in FILES.iter().enumerate() {
        let path = dir.join(name);
        let rendered = render_all(&path);
        // The EVTX reader on the file itself.
        let evtx_source = source_of(&path, Format::Evtx);
        let from_evtx = evtx_reader::read(
            &evtx_source,
            SourceData::File(File::open(&path).unwrap()),
            &opts,
        );
        assert_eq!(
            from_evtx.report.records as usize,
            rendered.len(),
            "{name}: records counted by the EVTX reader"
        );
        let reference = sorted(from_evtx.events);
        assert!(!reference.is_empty(), "{name}: nothing catalogued");
        total_kept += reference.len();
        kinds.extend(reference.iter().map(|e| e.kind.key()));
        for (label, bytes) in exports(&rendered) {
            let out_path = temp.path().join(format!("{n}-{label}.txt"));
            File::create(&out_path).unwrap().write_all(&bytes).unwrap();
            let (format, outcome) = read_export(&out_path, &opts);
            let report = &outcome.report;
            assert_eq!(
                report.failed, 0,
                "{name} [{label}, {format}]: {:?}",
                report.errors
            );
            assert_eq!(
                report.records as usize,
                rendered.len(),
                "{name} [{label}]: records read"
            );
            assert_eq!(
                report.kept as usize,
                reference.len(),
                "{name} [{label}]: kept"
            );
            assert_same(label, name, &reference, &sorted(outcome.events));
        }
    }
    for kind in [
        "termdd",
        "rcm_system",
        "lsm",
        "rcm",
        "capi2",
        "rdpcorets",
        "rdpclient",
        "logon",
        "logon_failure",
        "wfp",
        "firewall",
        "defender",
    ] {
        assert!(kinds.contains(kind), "no {kind} event among the files");
    }
    eprintln!("{total_kept} catalogued events identical across 7 exports and the EVTX file");
}

/// Every record of every corpus file (catalogued or not) gives the same raw record from its XML
/// and from both JSON layouts: the payload flattening agrees everywhere, not only on the events
/// kept today.
#[test]
fn raw_records_agree_across_renderings_on_the_whole_corpus() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "evtx") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut compared = 0usize;
    for path in files {
        if EvtxParser::from_path(&path).is_err() {
            continue;
        }
        for r in render_all(&path) {
            let from_xml = xml::parse_event(r.xml.as_bytes())
                .unwrap_or_else(|e| panic!("{} record {}: {e}", path.display(), r.id));
            for (label, text) in [
                ("json", &r.json),
                ("json-pretty", &r.json_pretty),
                ("json-separate", &r.json_separate),
            ] {
                let from_json = json::parse_record(text).unwrap_or_else(|e| {
                    panic!("{} record {} [{label}]: {e}", path.display(), r.id)
                });
                assert_eq!(
                    from_xml,
                    from_json,
                    "{} record {} [{label}]\nXML: {}\nJSON: {}",
                    path.display(),
                    r.id,
                    r.xml,
                    text
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 10_000, "only {compared} records compared");
    eprintln!("{compared} records give identical raw records from XML and JSON");
}
