//! End-to-end runs on bundles made to break the reader: zip bombs and escaping member names,
//! deeply nested XML and entity expansion, fields of many megabytes, tens of thousands of tiny
//! files, symlink loops, and files that change while they are read. Each case puts the hostile
//! input beside a real sample bundle (`private_key_keyset`) and checks that the run ends with
//! status 0, that the hostile input gets a clear, located message, and that the sample bundle's
//! failed connections are still diagnosed as its `expected.json` says.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use common::*;
use serde_json::Value;

/// The sample bundle every case keeps beside its hostile input.
const GOOD: &str = "private_key_keyset";

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A case folder holding a copy of the good bundle under `good/`.
fn case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &root().join("samples").join("bundles").join(GOOD),
        &dir.path().join("good"),
    );
    dir
}

/// The first EVTX file of the good bundle (bytes), for hostile variants of a real log.
fn sample_evtx() -> Vec<u8> {
    fs::read(
        root()
            .join("samples")
            .join("bundles")
            .join(GOOD)
            .join("NW-TS01")
            .join("System.evtx"),
    )
    .unwrap()
}

/// Runs `analyze` on the paths, writing every output to `out`; returns the status, the
/// diagnoses it wrote and its stderr.
fn analyse(paths: &[&Path], out: &Path) -> (i32, Value, String) {
    let mut args: Vec<String> = vec!["analyze".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["-o".into(), out.display().to_string(), "--quiet".into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&refs);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let written = fs::read(out.join("diagnoses.json"))
        .unwrap_or_else(|e| panic!("diagnoses.json written ({e}); stderr: {stderr}"));
    let json: Value = serde_json::from_slice(&written).expect("diagnoses.json is JSON");
    (o.status.code().unwrap_or(-1), json, stderr)
}

/// The causes of the good bundle's failed connections, expected and as diagnosed.
fn good_causes(json: &Value) -> (Vec<String>, Vec<String>) {
    let expected: Value = serde_json::from_slice(
        &fs::read(
            root()
                .join("samples/bundles")
                .join(GOOD)
                .join("expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut want: Vec<String> = expected["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "failed" && c["kind"] == "attempt")
        .map(|c| c["cause"].as_str().unwrap().to_string())
        .collect();
    let mut got: Vec<String> = json["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "failed")
        .filter(|c| {
            c["server"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("NW-TS01.nwtraders.lan"))
        })
        .filter_map(|c| c["diagnosis"]["cause"].as_str().map(str::to_string))
        .collect();
    want.sort();
    got.sort();
    (want, got)
}

/// Asserts the good bundle came through whole.
fn assert_good_diagnosed(json: &Value) {
    let (want, got) = good_causes(json);
    assert!(!want.is_empty());
    assert_eq!(
        got, want,
        "the sample bundle's failures are still diagnosed"
    );
}

/// The inputs whose path contains `needle`.
fn inputs<'a>(json: &'a Value, needle: &str) -> Vec<&'a Value> {
    json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["path"].as_str().is_some_and(|p| p.contains(needle)))
        .collect()
}

/// Error messages of the inputs whose path contains `needle`.
fn messages(json: &Value, needle: &str) -> Vec<String> {
    inputs(json, needle)
        .iter()
        .flat_map(|i| i["errors"].as_array().unwrap())
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

/// A deflated zip of the members.
fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Rewrites the uncompressed size a zip declares for `name`, in its local header and in the
/// central directory (a lying archive).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    let mut i = 0;
    while i + 46 <= zip.len() {
        let (size_at, name_len_at, name_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => {
                i += 1;
                continue;
            }
        };
        let name_len =
            u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + name_len) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        i += 4;
    }
    assert_eq!(patched, 2, "{name} patched in both headers");
}

#[test]
fn zip_bombs_and_escaping_member_names_are_refused_and_the_rest_analysed() {
    let dir = case();
    let evtx = sample_evtx();
    // 4 MiB of zeros deflate to a few KiB; one member then claims ~4 GiB (a ratio far past
    // the limit), the other 1,000 bytes (it holds more than it declares).
    let zeros = vec![0u8; 4 << 20];
    let mut zip = zip_bytes(&[
        ("../../outside.evtx", &evtx),
        ("/etc/absolute.evtx", &evtx),
        ("HOSTX/..\\..\\windows.evtx", &evtx),
        ("HOSTX/bomb.evtx", &zeros),
        ("HOSTX/liar.evtx", &zeros),
    ]);
    declare_size(&mut zip, "HOSTX/bomb.evtx", 0xFFFF_FFF0);
    declare_size(&mut zip, "HOSTX/liar.evtx", 1000);
    fs::write(dir.path().join("evil.zip"), &zip).unwrap();
    let out = dir.path().join("out");
    let (code, json, _) = analyse(&[dir.path()], &out);
    assert_eq!(code, 0);
    assert_good_diagnosed(&json);

    let all = messages(&json, "evil.zip!");
    let about = |member: &str| messages(&json, &format!("evil.zip!{member}"));
    for member in ["../../outside.evtx", "/etc/absolute.evtx"] {
        let m = about(member);
        assert!(
            m.iter()
                .any(|m| m.contains("absolute") || m.contains("climbs out")),
            "{member}: {m:?} (all: {all:?})"
        );
    }
    let bomb = about("HOSTX/bomb.evtx");
    assert!(bomb.iter().any(|m| m.contains("zip bomb")), "{bomb:?}");
    let liar = about("HOSTX/liar.evtx");
    assert!(!liar.is_empty(), "the lying member is reported: {all:?}");
    // Nothing was extracted anywhere.
    assert!(!dir.path().join("outside.evtx").exists());
    assert!(!dir.path().parent().unwrap().join("outside.evtx").exists());
}

/// An Event Viewer XML export whose records are a valid client event, then the hostile ones.
fn xml_export(hostile: &[String]) -> String {
    let good = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-TerminalServices-ClientActiveXCore"/><EventID>1024</EventID><Level>4</Level><TimeCreated SystemTime="2024-02-06T09:00:00.0000000Z"/><EventRecordID>7</EventRecordID><Correlation ActivityID="{11111111-2222-3333-4444-555555555555}"/><Execution ProcessID="10" ThreadID="11"/><Channel>Microsoft-Windows-TerminalServices-RDPClient/Operational</Channel><Computer>HOSTILE-WS.example.lan</Computer></System><EventData><Data Name="Name">Value</Data><Data Name="Value">nw-ts01.nwtraders.lan</Data><Data Name="CustomLevel">Info</Data></EventData></Event>"#;
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n");
    text.push_str(good);
    text.push('\n');
    for h in hostile {
        text.push_str(h);
        text.push('\n');
    }
    text.push_str("</Events>\n");
    text
}

#[test]
fn deep_nesting_and_entities_cost_only_their_records() {
    let dir = case();
    let bad = dir.path().join("bad");
    fs::create_dir_all(&bad).unwrap();
    // 200,000 nested elements inside one record's EventData.
    let depth = 200_000;
    let deep = format!(
        r#"<Event><System><Provider Name="Microsoft-Windows-TerminalServices-ClientActiveXCore"/><EventID>1026</EventID><TimeCreated SystemTime="2024-02-06T09:00:01Z"/><Channel>Microsoft-Windows-TerminalServices-RDPClient/Operational</Channel><Computer>HOSTILE-WS.example.lan</Computer></System><EventData>{}{}</EventData></Event>"#,
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    // Billion laughs: each entity ten of the previous one; never expanded.
    let mut dtd = String::from("<!DOCTYPE Events [<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1).repeat(10)
        ));
    }
    dtd.push_str("]>");
    let laughs = r#"<Event><System><Provider Name="Microsoft-Windows-TerminalServices-ClientActiveXCore"/><EventID>1026</EventID><TimeCreated SystemTime="2024-02-06T09:00:02Z"/><Channel>Microsoft-Windows-TerminalServices-RDPClient/Operational</Channel><Computer>HOSTILE-WS.example.lan</Computer></System><EventData><Data Name="Value">&lol9;</Data></EventData></Event>"#;
    fs::write(bad.join("deep.xml"), xml_export(&[deep])).unwrap();
    let with_dtd =
        xml_export(&[laughs.to_string()]).replacen("<Events>", &format!("{dtd}\n<Events>"), 1);
    fs::write(bad.join("laughs.xml"), with_dtd).unwrap();

    let started = Instant::now();
    let (code, json, _) = analyse(&[dir.path()], &dir.path().join("out"));
    assert_eq!(code, 0);
    assert!(
        started.elapsed().as_secs() < 120,
        "no expansion, no blow-up"
    );
    assert_good_diagnosed(&json);

    let deep = messages(&json, "deep.xml");
    assert!(deep.iter().any(|m| m.contains("deep")), "{deep:?}");
    let laughs = messages(&json, "laughs.xml");
    assert!(
        laughs
            .iter()
            .any(|m| m.contains("entity") || m.contains("DOCTYPE") || m.contains("DTD")),
        "{laughs:?}"
    );
    // The valid record before each hostile one is kept.
    for name in ["deep.xml", "laughs.xml"] {
        let i = inputs(&json, name);
        assert_eq!(i.len(), 1, "{name}");
        assert_eq!(i[0]["kept"], 1, "{name}: {}", i[0]);
    }
    // And nothing of the entity text reached the outputs.
    let csv = fs::read_to_string(dir.path().join("out").join("timeline.csv")).unwrap();
    assert!(!csv.contains("lollollol"));
}

#[test]
fn fields_of_many_megabytes_are_capped_or_skipped_with_a_message() {
    let dir = case();
    let bad = dir.path().join("bad");
    fs::create_dir_all(&bad).unwrap();
    // XML: a 6 MB field in a record under the record limit is kept, the field capped.
    let big = "A".repeat(6 << 20);
    let record = format!(
        r#"<Event><System><Provider Name="Microsoft-Windows-TerminalServices-ClientActiveXCore"/><EventID>1029</EventID><TimeCreated SystemTime="2024-02-06T09:00:03Z"/><Channel>Microsoft-Windows-TerminalServices-RDPClient/Operational</Channel><Computer>HOSTILE-WS.example.lan</Computer></System><EventData><Data Name="TraceMessage">{big}</Data></EventData></Event>"#
    );
    fs::write(bad.join("big.xml"), xml_export(&[record])).unwrap();
    // JSONL: a 40 MB line between two good lines is skipped with its line number.
    let line = |id: u64, payload: &str| {
        serde_json::json!({"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-TerminalServices-ClientActiveXCore"}},
                "EventID": 1024, "EventRecordID": id, "Channel": "Microsoft-Windows-TerminalServices-RDPClient/Operational",
                "Computer": "HOSTILE-WS2.example.lan",
                "TimeCreated": {"#attributes": {"SystemTime": "2024-02-06T09:00:04.000000Z"}}},
            "EventData": {"Name": "Value", "Value": payload}}})
        .to_string()
    };
    let huge = "B".repeat(40 << 20);
    let jsonl = format!("{}\n{}\n{}\n", line(1, "a"), line(2, &huge), line(3, "b"));
    fs::write(bad.join("big.jsonl"), jsonl).unwrap();

    let (code, json, _) = analyse(&[dir.path()], &dir.path().join("out"));
    assert_eq!(code, 0);
    assert_good_diagnosed(&json);
    let xml = inputs(&json, "big.xml");
    assert_eq!(xml[0]["kept"], 2, "{}", xml[0]);
    let jl = inputs(&json, "big.jsonl");
    assert_eq!(jl[0]["kept"], 2, "{}", jl[0]);
    let m = messages(&json, "big.jsonl");
    assert!(
        m.iter()
            .any(|m| m.contains("line 2") && m.contains("limit")),
        "{m:?}"
    );
    // The exports carry the capped field, not megabytes of it.
    let csv_len = fs::metadata(dir.path().join("out").join("timeline.csv"))
        .unwrap()
        .len();
    assert!(csv_len < 4 << 20, "timeline.csv is {csv_len} bytes");
}

/// Writes `count` tiny files in folders of 1,000: a third empty `.evtx`, a third 3-byte
/// `.xml`, a third unrelated text.
fn tiny_files(root: &Path, count: usize) {
    for i in 0..count {
        let folder = root.join(format!("d{:04}", i / 1000));
        if i % 1000 == 0 {
            fs::create_dir_all(&folder).unwrap();
        }
        let (name, bytes): (String, &[u8]) = match i % 3 {
            0 => (format!("f{i}.evtx"), b""),
            1 => (format!("f{i}.xml"), b"<a>"),
            _ => (format!("f{i}.txt"), b"hello"),
        };
        fs::write(folder.join(name), bytes).unwrap();
    }
}

fn many_tiny_files(count: usize) {
    let dir = case();
    tiny_files(&dir.path().join("tiny"), count);
    let started = Instant::now();
    let (code, json, _) = analyse(&[dir.path()], &dir.path().join("out"));
    let elapsed = started.elapsed();
    assert_eq!(code, 0);
    assert_good_diagnosed(&json);
    let tiny = inputs(&json, "tiny");
    // Every file that claims to be a log is accounted for; unrelated text is not a log.
    assert!(tiny.len() >= count / 3, "{} of {count}", tiny.len());
    assert!(tiny.iter().all(|i| i["kept"] == 0));
    eprintln!("{count} tiny files: {elapsed:?}");
}

#[test]
fn thirty_thousand_tiny_files() {
    many_tiny_files(30_000);
}

#[test]
#[ignore = "a million files: run on demand (`cargo test --release --test hostile -- --ignored`)"]
fn a_million_tiny_files() {
    many_tiny_files(1_000_000);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_and_nothing_is_read_twice() {
    let dir = case();
    let good = dir.path().join("good");
    std::os::unix::fs::symlink(&good, good.join("NW-TS01").join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path(), good.join("up")).unwrap();
    std::os::unix::fs::symlink(good.join("self"), good.join("self")).unwrap();
    let (code, json, _) = analyse(&[dir.path()], &dir.path().join("out"));
    assert_eq!(code, 0);
    assert_good_diagnosed(&json);
    let loops: Vec<String> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["errors"].as_array().unwrap())
        .map(|e| e["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains("loop") || m.contains("symbolic link") || m.contains("symlink"))
        .collect();
    assert!(!loops.is_empty(), "{}", json["inputs"]);
    // Every log of the bundle was read once.
    let systems = inputs(&json, "System.evtx");
    let mut seen: Vec<&str> = systems
        .iter()
        .map(|i| i["host"].as_str().unwrap_or(""))
        .collect();
    let before = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), before, "a log read twice: {systems:?}");
}

/// Rewrites `path` in a loop (cut short, grown with garbage, replaced by text) until stopped.
fn churn(path: PathBuf, original: Vec<u8>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut rounds = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let cut = (original.len() / 7) * (1 + (rounds as usize % 6));
            let content: Vec<u8> = match rounds % 4 {
                0 => original[..cut.min(original.len())].to_vec(),
                1 => {
                    let mut v = original.clone();
                    v.extend(std::iter::repeat_n(0xA5, 70_000));
                    v
                }
                2 => b"not a log any more\n".repeat(1000),
                _ => original.clone(),
            };
            let _ = fs::write(&path, &content);
            rounds += 1;
        }
        rounds
    })
}

#[test]
fn files_changing_while_read_do_not_stop_the_run() {
    let dir = case();
    let bad = dir.path().join("CHURN-HOST");
    fs::create_dir_all(&bad).unwrap();
    let target = bad.join("System.evtx");
    let original = sample_evtx();
    fs::write(&target, &original).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = churn(target.clone(), original, stop.clone());
    for run in 0..3 {
        let (code, json, stderr) = analyse(&[dir.path()], &dir.path().join(format!("out{run}")));
        assert_eq!(code, 0, "{stderr}");
        assert_good_diagnosed(&json);
    }
    stop.store(true, Ordering::Relaxed);
    assert!(writer.join().unwrap() > 0);
}

#[test]
fn a_log_cut_or_grown_after_discovery_is_read_as_far_as_it_goes() {
    use rdpsleuth_parser::Catalog;
    use rdpsleuth_parser::discover::{ArchiveLimits, discover};
    use rdpsleuth_parser::ingest::read_source;
    use rdpsleuth_parser::reader::ReadOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("HOST").join("Security.evtx");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    // A log of several chunks.
    let original =
        fs::read(root().join("samples/bundles/busy_host_two_failures/CON-RDS-30/Security.evtx"))
            .unwrap();
    assert!(original.len() > 4096 + 3 * 65536);
    fs::write(&path, &original).unwrap();
    let opts = ReadOptions::new(Catalog::global());
    let found = discover(&[dir.path()], ArchiveLimits::default());
    assert_eq!(found.sources.len(), 1);
    let whole = read_source(&found, &found.sources[0], &opts);
    assert!(whole.report.errors.is_empty(), "{:?}", whole.report.errors);
    assert!(whole.report.records > 0);

    // Cut in the middle of the second chunk after discovery: the first chunk is still read and
    // the cut is reported with its offset.
    let cut = 4096 + 65536 + 1000;
    fs::write(&path, &original[..cut]).unwrap();
    let short = read_source(&found, &found.sources[0], &opts);
    assert!(short.report.records < whole.report.records);
    assert!(short.report.records > 0, "{:?}", short.report);
    assert!(!short.events.is_empty());
    assert!(!short.report.errors.is_empty(), "the cut is reported");
    assert!(
        short.events.iter().all(|e| whole.events.contains(e)),
        "a cut file gives a subset of the whole file's events"
    );

    // Grown with a garbage chunk: the original records are all there, the garbage reported.
    let mut grown = original.clone();
    grown.extend(
        b"ElfChnk\0"
            .iter()
            .chain(std::iter::repeat(&0x5Au8))
            .take(65536),
    );
    fs::write(&path, &grown).unwrap();
    let longer = read_source(&found, &found.sources[0], &opts);
    assert_eq!(longer.events, whole.events);

    // Replaced by text: a clear error, no events, no panic.
    fs::write(&path, b"this is not an event log\n").unwrap();
    let text = read_source(&found, &found.sources[0], &opts);
    assert!(text.events.is_empty());
    assert!(!text.report.errors.is_empty());

    // Removed: an error naming the file.
    fs::remove_file(&path).unwrap();
    let gone = read_source(&found, &found.sources[0], &opts);
    assert!(gone.events.is_empty());
    assert!(!gone.report.errors.is_empty());
}
