//! Ingest end to end over inputs built in the test (XML exports, a firewall text log, junk,
//! zips) and, when present, the real corpus: reports, sorting, time window, firewall offsets,
//! coverage, thread-count independence, zip/folder equivalence.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rdpsleuth_parser::catalog::channel;
use rdpsleuth_parser::coverage::Role;
use rdpsleuth_parser::ingest::{IngestOptions, Ingested, Progress, ingest};
use rdpsleuth_parser::{Format, InputReport, Source, Timestamp};
use zip::write::SimpleFileOptions;

fn event(
    provider: &str,
    channel: &str,
    computer: &str,
    id: u32,
    time: &str,
    record: u64,
    data: &str,
) -> String {
    format!(
        "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>\
         <Provider Name=\"{provider}\"/><EventID>{id}</EventID><Version>0</Version><Level>4</Level>\
         <TimeCreated SystemTime=\"{time}\"/><EventRecordID>{record}</EventRecordID>\
         <Correlation ActivityID=\"{{f4205bac-1111-2222-3333-444455550000}}\"/>\
         <Execution ProcessID=\"100\" ThreadID=\"200\"/><Channel>{channel}</Channel>\
         <Computer>{computer}</Computer><Security/></System><EventData>{data}</EventData></Event>\n"
    )
}

const CLIENT: &str = "Microsoft-Windows-TerminalServices-ClientActiveXCore";
const CORE: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";

fn client_export() -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
    xml += &event(
        CLIENT,
        channel::RDP_CLIENT,
        "WKS1.corp.local",
        1024,
        "2024-03-01T10:00:00.0000000Z",
        11,
        "<Data Name=\"Name\">Server Name</Data><Data Name=\"Value\">srv1</Data><Data Name=\"CustomLevel\">Info</Data>",
    );
    xml += &event(
        CLIENT,
        channel::RDP_CLIENT,
        "WKS1.corp.local",
        1026,
        "2024-03-01T10:00:05.0000000Z",
        12,
        "<Data Name=\"Name\">Disconnect Reason</Data><Data Name=\"Value\">2308</Data><Data Name=\"CustomLevel\">Info</Data>",
    );
    xml += &event(
        CLIENT,
        channel::RDP_CLIENT,
        "WKS1.corp.local",
        9999,
        "2024-03-01T10:00:06.0000000Z",
        13,
        "",
    );
    xml += "</Events>\n";
    xml
}

fn host_export() -> String {
    let mut xml = String::from("<Events>\n");
    xml += &event(
        CORE,
        channel::RDPCORETS,
        "SRV1.corp.local",
        131,
        "2024-03-01T10:00:01.0000000Z",
        500,
        "<Data Name=\"ConnType\">TCP</Data><Data Name=\"ClientIP\">10.0.0.5:50123</Data>",
    );
    xml += "</Events>\n";
    xml
}

const FIREWALL_LOG: &str = "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n\
#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\r\n\
2024-03-01 11:00:02 DROP TCP 10.0.0.5 10.0.0.9 50124 3389 52 S 123 0 64240 - - - RECEIVE\r\n";

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// WKS1 (client export), SRV1 (RdpCoreTS export, firewall log), junk and a legacy log.
fn bundle(root: &Path) {
    write(&root.join("WKS1/client.xml"), client_export().as_bytes());
    write(&root.join("SRV1/rdpcorets.xml"), host_export().as_bytes());
    write(&root.join("SRV1/pfirewall.log"), FIREWALL_LOG.as_bytes());
    write(&root.join("SRV1/broken.evtx"), b"this is not a log");
    write(
        &root.join("SRV1/old.evt"),
        b"\x30\0\0\0LfLe\x01\0\0\0\x01\0\0\0",
    );
    write(&root.join("SRV1/notes.md"), b"# notes");
}

fn options() -> IngestOptions {
    IngestOptions {
        threads: 2,
        firewall_utc_offsets: vec![("SRV1".into(), 60)],
        ..IngestOptions::default()
    }
}

fn report<'a>(ingested: &'a Ingested, suffix: &str) -> &'a InputReport {
    ingested
        .reports
        .iter()
        .find(|r| r.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no report for {suffix}"))
}

#[derive(Default)]
struct Recorder {
    discovered: Mutex<Option<usize>>,
    read: Mutex<Vec<String>>,
}

impl Progress for Recorder {
    fn discovered(&self, sources: usize, _bytes: u64) {
        *self.discovered.lock().unwrap() = Some(sources);
    }
    fn read(&self, source: &Source, _report: &InputReport) {
        self.read.lock().unwrap().push(source.display.to_string());
    }
}

#[test]
fn bundle_is_read_sorted_reported_and_covered() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path());
    let progress = Recorder::default();
    let got = ingest(&[dir.path()], &options(), &progress);

    let ids: Vec<(u32, String)> = got
        .events
        .iter()
        .map(|e| (e.event_id, e.time.to_rfc3339()))
        .collect();
    assert_eq!(
        ids,
        [
            (1024, "2024-03-01T10:00:00.0000000Z".to_string()),
            (131, "2024-03-01T10:00:01.0000000Z".to_string()),
            (1, "2024-03-01T10:00:02.0000000Z".to_string()),
            (1026, "2024-03-01T10:00:05.0000000Z".to_string()),
        ]
    );
    let paths: Vec<&str> = got.reports.iter().map(|r| r.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(got.reports.len(), 5);
    assert_eq!(got.ignored, 1);
    assert_eq!(*progress.discovered.lock().unwrap(), Some(5));
    assert_eq!(progress.read.lock().unwrap().len(), 5);

    let client = report(&got, "client.xml");
    assert_eq!((client.records, client.kept, client.failed), (3, 2, 0));
    let broken = report(&got, "broken.evtx");
    assert!(broken.skipped.is_some());
    assert_eq!(broken.failed, 1);
    assert_eq!(broken.errors[0].offset, Some(0));
    let legacy = report(&got, "old.evt");
    assert_eq!(legacy.format, Format::LegacyEvt);
    assert!(legacy.skipped.as_deref().unwrap().contains("not supported"));
    let firewall = report(&got, "pfirewall.log");
    assert!(
        firewall
            .time_basis
            .as_deref()
            .unwrap()
            .contains("given by the user")
    );

    let totals = got.totals();
    assert_eq!(totals.inputs, 5);
    assert_eq!(totals.readable, 3);
    assert!(!got.nothing_read());

    let coverage = &got.coverage;
    let wks = coverage.host("WKS1").unwrap();
    assert_eq!(wks.roles, [Role::Client]);
    assert!(wks.missing.iter().any(|m| m.channel == channel::SECURITY));
    let srv = coverage.host("srv1").unwrap();
    assert_eq!(srv.host, "SRV1.corp.local");
    assert_eq!(srv.roles, [Role::Host]);
    assert!(srv.has(channel::FIREWALL_LOG));
    assert!(srv.missing.iter().any(|m| m.channel == channel::RCM));
    assert!(!srv.missing.iter().any(|m| m.channel == channel::FIREWALL));
    let table = coverage.to_string();
    assert!(table.contains("SRV1.corp.local"), "{table}");
}

#[test]
fn a_firewall_log_belongs_to_the_one_computer_its_collection_folder_logs() {
    let dir = tempfile::tempdir().unwrap();
    // A KAPE-like collection named by a time stamp and a case label, not by the host.
    let srv = dir
        .path()
        .join("20240301120000_triage_case17/C/Windows/System32");
    write(
        &srv.join("winevt/Logs/rdpcorets.xml"),
        host_export().as_bytes(),
    );
    write(
        &srv.join("LogFiles/Firewall/pfirewall.log"),
        FIREWALL_LOG.as_bytes(),
    );
    // A folder holding the logs of two computers: its firewall log keeps the folder's name.
    let shared = dir.path().join("shared_dump");
    write(&shared.join("client.xml"), client_export().as_bytes());
    write(&shared.join("rdpcorets.xml"), host_export().as_bytes());
    write(&shared.join("pfirewall.log"), FIREWALL_LOG.as_bytes());
    // ... unless its file is named after one of them.
    let flat = dir.path().join("flat_dump");
    write(
        &flat.join("WKS1_Microsoft-Windows-TerminalServices-RDPClient.xml"),
        client_export().as_bytes(),
    );
    write(&flat.join("SRV1_RdpCoreTS.xml"), host_export().as_bytes());
    write(&flat.join("srv1-pfirewall.log"), FIREWALL_LOG.as_bytes());
    write(&flat.join("SRV10_pfirewall.log"), FIREWALL_LOG.as_bytes());
    let opts = IngestOptions {
        threads: 2,
        firewall_utc_offsets: vec![("SRV1.corp.local".into(), 60)],
        ..IngestOptions::default()
    };
    let got = ingest(&[dir.path()], &opts, &Recorder::default());

    let firewall_hosts = |folder: &str| -> Vec<String> {
        got.events
            .iter()
            .filter(|e| {
                e.channel.as_ref() == channel::FIREWALL_LOG && e.source.input.contains(folder)
            })
            .map(|e| e.host.to_string())
            .collect()
    };
    assert_eq!(firewall_hosts("triage_case17"), ["SRV1.corp.local"]);
    assert_eq!(firewall_hosts("shared_dump"), ["shared_dump"]);
    let flat_hosts = |file: &str| -> Vec<String> {
        got.events
            .iter()
            .filter(|e| e.source.input.ends_with(file))
            .map(|e| e.host.to_string())
            .collect()
    };
    assert_eq!(
        flat_hosts("flat_dump/srv1-pfirewall.log"),
        ["SRV1.corp.local"]
    );
    // SRV10 is not SRV1: no computer of the folder is named, the folder's name stays.
    assert_eq!(flat_hosts("flat_dump/SRV10_pfirewall.log"), ["flat_dump"]);
    let triage = got
        .reports
        .iter()
        .find(|r| r.path.contains("triage_case17") && r.path.ends_with("pfirewall.log"))
        .unwrap();
    assert_eq!(triage.host.as_deref(), Some("SRV1.corp.local"));
    // The offset given for the computer applies to its firewall log.
    assert!(
        triage
            .time_basis
            .as_deref()
            .unwrap()
            .contains("given by the user")
    );
    let srv = got.coverage.host("SRV1.corp.local").unwrap();
    assert!(srv.has(channel::FIREWALL_LOG));
    assert!(got.coverage.host("triage_case17").is_none());
}

#[test]
fn time_window_keeps_and_counts_only_inside_events() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path());
    let opts = IngestOptions {
        since: Timestamp::parse("2024-03-01T10:00:03Z"),
        until: Timestamp::parse("2024-03-01T10:00:05Z"),
        ..options()
    };
    let got = ingest(&[dir.path()], &opts, &());
    let ids: Vec<u32> = got.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, [1026]);
    assert_eq!(report(&got, "client.xml").kept, 1);
    assert_eq!(report(&got, "rdpcorets.xml").kept, 0);
    // Coverage still describes the whole logs.
    assert!(got.coverage.host("SRV1").unwrap().has(channel::RDPCORETS));
}

#[test]
fn output_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path());
    let one = ingest(
        &[dir.path()],
        &IngestOptions {
            threads: 1,
            ..options()
        },
        &(),
    );
    let three = ingest(
        &[dir.path()],
        &IngestOptions {
            threads: 3,
            ..options()
        },
        &(),
    );
    assert_eq!(one.events, three.events);
    assert_eq!(one.reports, three.reports);
    assert_eq!(one.coverage, three.coverage);
}

fn zip_folder(folder: &Path, zip: &Path, prefix: &str) {
    let mut writer = zip::ZipWriter::new(fs::File::create(zip).unwrap());
    let mut files: Vec<PathBuf> = walk(folder);
    files.sort();
    for file in files {
        let rel = file
            .strip_prefix(folder)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writer
            .start_file(format!("{prefix}{rel}"), SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&fs::read(&file).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Events without their source, for comparing two ways of reading the same records.
fn records(got: &Ingested) -> Vec<String> {
    got.events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.source.input = "".into();
            serde_json::to_string(&e).unwrap()
        })
        .collect()
}

#[test]
fn a_zip_gives_what_its_folder_gives() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("bundle");
    bundle(&folder);
    let zip = dir.path().join("bundle.zip");
    zip_folder(&folder, &zip, "");
    let from_folder = ingest(&[&folder], &options(), &());
    let from_zip = ingest(&[&zip], &options(), &());
    assert_eq!(records(&from_folder), records(&from_zip));
    assert!(from_zip.events[0].source.input.contains("bundle.zip!"));
    assert_eq!(
        from_folder.coverage.hosts.len(),
        from_zip.coverage.hosts.len()
    );
}

#[test]
fn nothing_readable_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.evtx"), b"garbage");
    write(&dir.path().join("b.evtx"), b"");
    let got = ingest(&[dir.path()], &IngestOptions::default(), &());
    assert!(got.nothing_read());
    assert_eq!(got.totals().readable, 0);
    assert_eq!(report(&got, "b.evtx").errors[0].message, "empty file");
    let none = ingest(
        &[dir.path().join("missing")],
        &IngestOptions::default(),
        &(),
    );
    assert!(none.nothing_read());
    assert_eq!(none.reports.len(), 1);
    assert!(none.reports[0].errors[0].message.starts_with("cannot read"));
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.join("inventory.json").is_file() {
        Some(dir)
    } else {
        println!("corpus not found at {}: skipped", dir.display());
        None
    }
}

#[test]
fn corpus_bundle_from_folder_and_velociraptor_zip() {
    let Some(corpus) = corpus() else { return };
    let museum = corpus.join("AndrewRathbun__DFIRArtifactMuseum");
    let stolen: Vec<PathBuf> = fs::read_dir(&museum)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("StolenSzechuan"))
        .collect();
    assert!(stolen.len() >= 9);
    let from_files = ingest(&stolen, &IngestOptions::default(), &());
    assert!(
        from_files.reports.iter().all(|r| r.failed == 0),
        "{:?}",
        from_files.reports
    );

    // The same logs as a Velociraptor collection of host CITADEL-DC01.
    let dir = tempfile::tempdir().unwrap();
    let zip = dir
        .path()
        .join("Collection-CITADEL-DC01-2020-09-19T03_00_00Z.zip");
    let mut writer = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
    for path in &stolen {
        let name = path.file_name().unwrap().to_string_lossy();
        let member = name.rsplit("7z__").next().unwrap();
        writer
            .start_file(
                format!("uploads/auto/C%3A/Windows/System32/winevt/Logs/{member}"),
                SimpleFileOptions::default(),
            )
            .unwrap();
        writer.write_all(&fs::read(path).unwrap()).unwrap();
    }
    writer.finish().unwrap();
    let from_zip = ingest(
        &[&zip],
        &IngestOptions {
            threads: 2,
            ..IngestOptions::default()
        },
        &(),
    );
    assert_eq!(records(&from_files), records(&from_zip));
    assert!(from_zip.events.len() > 1000);

    // The machine was renamed twice: its logs name three computers, each its own host.
    let coverage = &from_zip.coverage;
    assert_eq!(coverage.hosts.len(), 3, "{coverage}");
    let host = coverage.host("CITADEL-DC01").unwrap();
    assert_eq!(host.host, "CITADEL-DC01.C137.local");
    assert!(host.roles.contains(&Role::Host) && host.roles.contains(&Role::Client));
    for present in [
        channel::RDP_CLIENT,
        channel::RDPCORETS,
        channel::RCM,
        channel::LSM,
        channel::SYSTEM,
        channel::SECURITY,
    ] {
        assert!(host.has(present), "{present} missing from {coverage}");
    }
    let missing: Vec<&str> = host.missing.iter().map(|m| m.channel.as_str()).collect();
    assert_eq!(missing, [channel::CAPI2]);
    // Every record of every log is in the spans.
    let records_read: u64 = from_zip.reports.iter().map(|r| r.records).sum();
    let spanned: u64 = coverage
        .hosts
        .iter()
        .flat_map(|h| &h.channels)
        .map(|c| c.records)
        .sum();
    assert!(spanned <= records_read && spanned > records_read / 2);
}

/// The project's sample bundles: one scenario as folders, a KAPE zip and Velociraptor zips
/// reads the same events, and every layout names the same hosts.
#[test]
fn sample_bundle_layouts_read_alike() {
    let bundles = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bundles");
    let layouts = ["", "-kape", "-velociraptor"]
        .map(|suffix| bundles.join(format!("private_key_keyset{suffix}")));
    if !layouts.iter().all(|p| p.is_dir()) {
        println!(
            "sample bundles not found under {}: skipped",
            bundles.display()
        );
        return;
    }
    let read: Vec<Ingested> = layouts
        .iter()
        .map(|p| ingest(&[p], &IngestOptions::default(), &()))
        .collect();
    assert!(!read[0].events.is_empty());
    let hosts = |got: &Ingested| -> Vec<String> {
        got.coverage.hosts.iter().map(|h| h.host.clone()).collect()
    };
    for other in &read[1..] {
        assert_eq!(records(&read[0]), records(other));
        assert_eq!(hosts(&read[0]), hosts(other));
        for r in &other.reports {
            assert!(r.failed == 0 && r.skipped.is_none(), "{r:?}");
        }
    }
    // Hints come from the host folders, the KAPE host folder and client_info.json.
    for got in &read {
        let mut hints: Vec<&str> = got
            .reports
            .iter()
            .filter_map(|r| r.host.as_deref())
            .collect();
        hints.sort();
        hints.dedup();
        assert_eq!(hints.len(), 3, "{hints:?}");
    }
}

#[test]
fn records_missing_from_a_cut_copy_are_told_by_their_numbers() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/bundles/busy_host_two_failures/CON-RDS-30/Security.evtx");
    let bytes = fs::read(&sample).unwrap();
    let chunk = |n: usize| 4096 + n * 65536;
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    // Chunk 5 taken out of the middle, as a damaged copy would lack it.
    let (first_id, last_id) = (u64_at(chunk(5) + 24), u64_at(chunk(5) + 32));
    let mut cut = bytes[..chunk(5)].to_vec();
    cut.extend_from_slice(&bytes[chunk(6)..]);
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("CON-RDS-30/Security.evtx"), &cut);
    write(&dir.path().join("whole/CON-RDS-30/Security.evtx"), &bytes);

    let got = ingest(
        &[dir.path().join("CON-RDS-30")],
        &options(),
        &Recorder::default(),
    );
    let security = &got.coverage.host("CON-RDS-30").unwrap().channels;
    let lost: Vec<u64> = security
        .iter()
        .flat_map(|c| c.lost.iter().map(|l| l.records))
        .collect();
    assert_eq!(lost, [last_id - first_id + 1]);

    // A whole copy beside it gives those records: nothing is lost.
    let got = ingest(&[dir.path()], &options(), &Recorder::default());
    let security = &got.coverage.host("CON-RDS-30").unwrap().channels;
    assert!(security.iter().all(|c| c.lost.is_empty()), "{security:?}");
}
