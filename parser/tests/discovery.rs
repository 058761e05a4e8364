//! Discovery over folders and zip collections built in the test: URL-encoded names, KAPE and
//! Velociraptor layouts, symlink loops, zip bombs, hostile member names, nested archives,
//! non-UTF-8 names, unreadable files, many tiny files, stable order.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rdpsleuth_parser::discover::{ArchiveLimits, Discovery, discover};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::{Format, SourceData};
use zip::write::SimpleFileOptions;

/// Enough of an EVTX file for recognition (discovery never parses it).
const EVTX: &[u8] = b"ElfFile\0\0\0\0\0\0\0\0\0 rest of a header";

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn run<P: AsRef<Path>>(paths: &[P]) -> Discovery {
    discover(paths, ArchiveLimits::default())
}

fn displays(d: &Discovery) -> Vec<String> {
    d.sources.iter().map(|s| s.display.to_string()).collect()
}

fn read_all(d: &Discovery, index: usize) -> Vec<u8> {
    match d.open(&d.sources[index]).unwrap() {
        SourceData::Bytes(b) => b,
        SourceData::File(mut f) => {
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            v
        }
    }
}

#[test]
fn folders_by_content_with_host_hints() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bundle");
    write(
        &root.join("HOST1/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx"),
        EVTX,
    );
    // KAPE: the host folder is above the Windows layout, with a timestamp prefix.
    write(
        &root.join("2023-01-01T120000_DC01/C/Windows/System32/winevt/Logs/Security.evtx"),
        EVTX,
    );
    // Recognised by content, not by name.
    write(&root.join("HOST1/notes.txt"), EVTX);
    write(&root.join("HOST1/readme.txt"), b"hello");
    write(&root.join("HOST1/old.evt"), b"\x30\0\0\0LfLe\x01\0\0\0");
    write(&root.join("HOST1/fake.evtx"), b"not a log");
    write(&root.join("HOST1/empty.evtx"), b"");
    write(
        &root.join("HOST1/export.xml"),
        b"<?xml version=\"1.0\"?><Events><Event xmlns='x'></Event></Events>",
    );
    write(&root.join("HOST1/config.json"), b"{\"setting\": 1}\n");

    let d = run(&[&root]);
    let root_text = root.to_string_lossy();
    let got: Vec<(String, Format, Option<String>)> = d
        .sources
        .iter()
        .map(|s| {
            (
                s.display.strip_prefix(&*root_text).unwrap().to_string(),
                s.format,
                s.host_hint.clone(),
            )
        })
        .collect();
    let host1 = Some("HOST1".to_string());
    assert_eq!(
        got,
        vec![
            (
                "/2023-01-01T120000_DC01/C/Windows/System32/winevt/Logs/Security.evtx".into(),
                Format::Evtx,
                Some("DC01".into())
            ),
            (
                "/HOST1/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx".into(),
                Format::Evtx,
                host1.clone()
            ),
            ("/HOST1/empty.evtx".into(), Format::Unknown, host1.clone()),
            ("/HOST1/export.xml".into(), Format::XmlExport, host1.clone()),
            ("/HOST1/fake.evtx".into(), Format::Unknown, host1.clone()),
            ("/HOST1/notes.txt".into(), Format::Evtx, host1.clone()),
            ("/HOST1/old.evt".into(), Format::LegacyEvt, host1.clone()),
        ]
    );
    assert_eq!(d.ignored, 2, "readme.txt and config.json");
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    // The same input twice gives each source once, in the same order.
    let again = run(&[root.clone(), root.join("HOST1/notes.txt"), root.clone()]);
    assert_eq!(displays(&again), displays(&d));
}

#[test]
fn velociraptor_collection_zip() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("Collection-WKS7-2024-01-01T10_00_00Z.zip");
    fs::write(
        &zip,
        zip_bytes(&[
            (
                "client_info.json",
                br#"{"Hostname":"WKS7","Fqdn":"wks7.corp.example"}"#,
            ),
            ("uploads.json", b"{\"vfs_path\":\"x\"}\n"),
            (
                "uploads/auto/C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx",
                EVTX,
            ),
            (
                "uploads/auto/C%3A/Windows/System32/LogFiles/Firewall/pfirewall.log",
                b"#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n",
            ),
        ]),
    )
    .unwrap();
    let d = run(&[&zip]);
    assert_eq!(d.sources.len(), 2, "{:?}", d.sources);
    let evtx = &d.sources[1];
    assert!(evtx.display.ends_with(
        ".zip!uploads/auto/C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx"
    ));
    assert_eq!(evtx.format, Format::Evtx);
    assert_eq!(evtx.host_hint.as_deref(), Some("wks7.corp.example"));
    assert!(matches!(evtx.location, Location::ZipMember { .. }));
    assert_eq!(d.sources[0].format, Format::FirewallLog);
    assert_eq!(d.sources[0].host_hint.as_deref(), Some("wks7.corp.example"));
    assert_eq!(read_all(&d, 1), EVTX);
    assert_eq!(d.ignored, 2);

    // Without client_info.json the zip's name names the host.
    let bare = dir.path().join("Collection-WKS8-2024-01-01T10_00_00Z.zip");
    fs::write(
        &bare,
        zip_bytes(&[(
            "uploads/auto/C%3A/Windows/System32/winevt/Logs/System.evtx",
            EVTX,
        )]),
    )
    .unwrap();
    let d = run(&[bare]);
    assert_eq!(d.sources[0].host_hint.as_deref(), Some("WKS8"));
}

#[test]
fn kape_zips() {
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("2023-01-01_SRV2.zip");
    fs::write(
        &named,
        zip_bytes(&[("C/Windows/System32/winevt/Logs/System.evtx", EVTX)]),
    )
    .unwrap();
    let inside = dir.path().join("triage.zip");
    fs::write(
        &inside,
        zip_bytes(&[
            ("SRV3/C/Windows/System32/winevt/Logs/System.evtx", EVTX),
            ("SRV4/C/Windows/System32/winevt/Logs/System.evtx", EVTX),
        ]),
    )
    .unwrap();
    let d = run(&[dir.path().to_path_buf()]);
    let hints: Vec<Option<&str>> = d.sources.iter().map(|s| s.host_hint.as_deref()).collect();
    assert_eq!(hints, [Some("SRV2"), Some("SRV3"), Some("SRV4")]);
}

#[test]
fn hostile_member_names_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("evil.zip");
    fs::write(
        &zip,
        zip_bytes(&[
            ("../../outside.evtx", EVTX),
            ("/etc/absolute.evtx", EVTX),
            ("ok/..\\..\\windows.evtx", EVTX),
            ("HOST/fine.evtx", EVTX),
        ]),
    )
    .unwrap();
    let d = run(&[zip]);
    assert_eq!(d.sources.len(), 1);
    assert!(d.sources[0].display.ends_with("!HOST/fine.evtx"));
    assert_eq!(d.problems.len(), 3, "{:?}", d.problems);
    for p in &d.problems {
        assert!(
            p.error.message.contains("absolute") || p.error.message.contains("climbs out"),
            "{p:?}"
        );
        assert!(p.path.contains("evil.zip!"));
    }
    // Nothing was written next to the archive or above it.
    assert!(!dir.path().join("outside.evtx").exists());
    assert!(!dir.path().parent().unwrap().join("outside.evtx").exists());
}

#[test]
fn zip_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 8 MiB of zeros deflates to a few KiB: a ratio far above 100:1.
    let zeros = vec![0u8; 8 << 20];
    let mut bomb = EVTX.to_vec();
    bomb.extend_from_slice(&zeros);
    let zip = dir.path().join("bomb.zip");
    fs::write(
        &zip,
        zip_bytes(&[("a/System.evtx", &bomb), ("a/small.evtx", EVTX)]),
    )
    .unwrap();
    let tight = ArchiveLimits {
        max_ratio: 100,
        ratio_exempt_bytes: 1 << 20,
        ..ArchiveLimits::default()
    };
    let d = discover(&[&zip], tight);
    assert_eq!(d.sources.len(), 1);
    assert!(
        d.problems[0].error.message.contains("zip bomb"),
        "{:?}",
        d.problems
    );
    // With the default ratio the same member is fine (real logs full of empty chunks are too).
    let d = discover(&[&zip], ArchiveLimits::default());
    assert_eq!(d.sources.len(), 2, "{:?}", d.problems);
    assert_eq!(read_all(&d, 0).len(), bomb.len());

    // Member and total caps.
    let one_mib = {
        let mut v = EVTX.to_vec();
        v.resize(1 << 20, 7);
        v
    };
    let zip = dir.path().join("big.zip");
    fs::write(
        &zip,
        zip_bytes(&[
            ("h/1.evtx", &one_mib),
            ("h/2.evtx", &one_mib),
            ("h/3.evtx", &one_mib),
            ("h/huge.evtx", &bomb),
        ]),
    )
    .unwrap();
    let capped = ArchiveLimits {
        max_member_bytes: 4 << 20,
        max_total_bytes: (5 << 20) / 2,
        ..ArchiveLimits::default()
    };
    let d = discover(&[&zip], capped);
    let names = displays(&d);
    assert_eq!(names.len(), 2, "{names:?}");
    let messages: Vec<&str> = d
        .problems
        .iter()
        .map(|p| p.error.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("total limit")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("over the 4194304-byte limit")),
        "{messages:?}"
    );
}

#[test]
fn nested_zip_is_read_one_level_deep_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let innermost = zip_bytes(&[("deep/System.evtx", EVTX)]);
    let inner = zip_bytes(&[
        ("HOST9/C/Windows/System32/winevt/Logs/System.evtx", EVTX),
        ("deeper.zip", &innermost),
    ]);
    let outer = dir.path().join("outer.zip");
    fs::write(
        &outer,
        zip_bytes(&[("collections/2024-02-02_HOST9.zip", &inner)]),
    )
    .unwrap();
    let d = run(&[outer]);
    assert_eq!(d.sources.len(), 1, "{:?}", d.sources);
    let source = &d.sources[0];
    assert!(source.display.ends_with(
        "outer.zip!collections/2024-02-02_HOST9.zip!HOST9/C/Windows/System32/winevt/Logs/System.evtx"
    ));
    assert_eq!(source.host_hint.as_deref(), Some("HOST9"));
    assert!(matches!(source.location, Location::NestedZipMember { .. }));
    assert_eq!(read_all(&d, 0), EVTX);
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].error.message.contains("more than one level"));
    // Nothing was extracted to disk.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("r");
    write(&root.join("HOST/System.evtx"), EVTX);
    std::os::unix::fs::symlink(&root, root.join("HOST/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("missing"), root.join("HOST/dangling")).unwrap();
    let d = run(&[&root]);
    assert_eq!(d.sources.len(), 1, "{:?}", d.sources);
    let messages: Vec<&str> = d
        .problems
        .iter()
        .map(|p| p.error.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("symlink loop")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("cannot read")),
        "{messages:?}"
    );
}

#[cfg(unix)]
#[test]
fn each_file_is_read_once_however_it_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("SRV/Logs");
    write(&logs.join("System.evtx"), EVTX);
    fs::write(
        dir.path().join("SRV/c.zip"),
        zip_bytes(&[("System.evtx", EVTX)]),
    )
    .unwrap();
    std::os::unix::fs::symlink(logs.join("System.evtx"), dir.path().join("SRV/alias.evtx"))
        .unwrap();
    let relative = PathBuf::from(".").join(dir.path().strip_prefix("/").unwrap());
    let d = discover(
        &[
            dir.path().to_path_buf(),
            logs.join("System.evtx"),
            Path::new("/").join(&relative),
            dir.path().join("SRV/c.zip"),
        ],
        ArchiveLimits::default(),
    );
    assert_eq!(d.sources.len(), 2, "{:?}", displays(&d));
    assert!(d.problems.is_empty());
}

#[cfg(unix)]
#[test]
fn non_utf8_names_on_disk_and_in_zips() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join(OsStr::from_bytes(b"caf\xe9"));
    let file = host.join(OsStr::from_bytes(b"Sys\xfftem.evtx"));
    write(&file, EVTX);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file_with_options(SimpleFileOptions::default().name(b"H/\xff\xfe.evtx"))
        .unwrap();
    writer.write_all(EVTX).unwrap();
    fs::write(
        dir.path().join("raw.zip"),
        writer.finish().unwrap().into_inner(),
    )
    .unwrap();

    let d = run(&[dir.path().to_path_buf()]);
    assert_eq!(d.sources.len(), 2, "{:?} {:?}", d.sources, d.problems);
    let on_disk = d
        .sources
        .iter()
        .position(|s| matches!(&s.location, Location::File(p) if *p == file))
        .unwrap();
    assert!(d.sources[on_disk].display.contains('\u{fffd}'));
    assert_eq!(read_all(&d, on_disk), EVTX);
    let member = 1 - on_disk;
    assert!(d.sources[member].display.contains("raw.zip!H/"));
    assert_eq!(read_all(&d, member), EVTX);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_located_and_the_rest_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("HOST/Locked.evtx");
    write(&locked, EVTX);
    write(&dir.path().join("HOST/Open.evtx"), EVTX);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&locked).is_ok() {
        println!("running with privileges that ignore file modes: permission case skipped");
        return;
    }
    let d = run(&[dir.path().to_path_buf()]);
    assert_eq!(d.sources.len(), 1);
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].path.ends_with("Locked.evtx"));
    assert!(d.problems[0].error.message.contains("ermission denied"));
}

#[test]
fn missing_paths_are_problems() {
    let d = run(&[PathBuf::from("/nonexistent/rdpsleuth/input")]);
    assert!(d.sources.is_empty());
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].error.message.starts_with("cannot read"));
}

/// Many tiny members: each costs a constant amount of work besides its read.
fn many_tiny_members(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("many.zip");
    let file = fs::File::create(&zip).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..count {
        writer.start_file(format!("h/{i:07}.txt"), stored).unwrap();
        writer.write_all(b"x").unwrap();
        if i % 1000 == 0 {
            writer.start_file(format!("h/{i:07}.evtx"), stored).unwrap();
            writer.write_all(EVTX).unwrap();
        }
    }
    writer.finish().unwrap();
    let d = run(&[zip]);
    assert_eq!(d.ignored as usize, count);
    assert_eq!(d.sources.len(), count.div_ceil(1000));
    assert!(d.problems.is_empty());
}

#[test]
fn many_tiny_files() {
    many_tiny_members(100_000);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5_000 {
        write(&dir.path().join(format!("d{}/{i}.txt", i % 50)), b"x");
    }
    let d = run(&[dir.path().to_path_buf()]);
    assert_eq!(d.ignored, 5_000);
}

#[test]
#[ignore = "a million members: run on demand"]
fn a_million_tiny_members() {
    many_tiny_members(1_000_000);
}
