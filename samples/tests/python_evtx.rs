//! Generated logs read back through python-evtx, a parser written independently of the
//! `evtx` crate: headers and chunks pass its checksum checks, and every record has the
//! values it was written with. Needs python-evtx (`pip install python-evtx`); `PYTHON`
//! names the interpreter (default `python3`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use rdpsleuth_samples::{
    CHUNK_SIZE, EventRecord, FILE_FLAG_DIRTY, FILE_HEADER_SIZE, Payload, UserDataForm,
    WriteOptions, WrittenLog, filetime, write_log,
};
use serde_json::{Value as Json, json};

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Fail, saying what to install, when python-evtx is not there.
fn require_python_evtx() {
    let found = Command::new(python())
        .args(["-c", "import Evtx.Evtx"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "python-evtx is missing: pip install python-evtx (the independent reader these tests compare with)"
    );
}

/// The python-evtx dump of each file.
fn dump(paths: &[PathBuf]) -> Vec<Json> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/evtx_python_dump.py");
    let out = Command::new(python())
        .arg(&script)
        .args(paths)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python-evtx failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    let dumps: Vec<Json> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per file"))
        .collect();
    assert_eq!(dumps.len(), paths.len());
    dumps
}

/// Assert that python-evtx reads `log` as holding exactly `records`.
fn check(name: &str, dump: &Json, log: &WrittenLog, records: &[EventRecord], flags: u32) {
    let header = &dump["header"];
    assert_eq!(header["verify"], json!(true), "{name}: file header checks");
    assert_eq!(header["oldest_chunk"], json!(log.oldest_chunk), "{name}");
    assert_eq!(header["current_chunk"], json!(log.current_chunk), "{name}");
    assert_eq!(
        header["next_record_id"],
        json!(log.next_record_id),
        "{name}"
    );
    assert_eq!(header["chunk_count"], json!(log.chunk_count), "{name}");
    assert_eq!(header["flags"], json!(flags), "{name}");

    let chunks = dump["chunks"].as_array().expect("chunks");
    assert_eq!(chunks.len(), usize::from(log.chunk_count), "{name}");
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(
            chunk["verify"],
            json!(true),
            "{name}: chunk {i} header and record CRC32s"
        );
    }
    // In record order: from the oldest chunk to the end of the file, then from its start.
    let oldest = usize::from(log.oldest_chunk);
    let read: Vec<&Json> = chunks[oldest..]
        .iter()
        .chain(&chunks[..oldest])
        .flat_map(|chunk| chunk["records"].as_array().expect("records"))
        .collect();
    assert_eq!(read.len(), records.len(), "{name}: record count");
    for (got, want) in read.iter().zip(records) {
        let id = want.record_id;
        assert_eq!(got["record_id"], json!(id), "{name}: record order");
        assert_eq!(got["size_ok"], json!(true), "{name}: record {id} size copy");
        assert_eq!(
            got["written_ticks"],
            json!(filetime(&want.time_created).expect("valid time")),
            "{name}: record {id} written time"
        );
        let expected = json!([expected_tree(want)]);
        assert_eq!(
            got["event"],
            expected,
            "{name}: record {id} reads\n{}\nexpected\n{}",
            serde_json::to_string_pretty(&got["event"]).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default()
        );
    }
}

#[test]
fn python_evtx_reads_what_was_written() {
    require_python_evtx();
    let dir = tempfile::tempdir().expect("temporary folder");

    // python-evtx only reads UserData that comes from a template, as manifest providers
    // write it; CAPI2's inline form is checked with the evtx crate.
    let kinds = every_kind(1);
    assert!(kinds.iter().all(|r| !matches!(
        r.payload,
        Payload::UserData {
            form: UserDataForm::Inline,
            ..
        }
    )));
    let many_records = many(1, 1300);
    let wrapped_options = WriteOptions {
        max_size: Some((FILE_HEADER_SIZE + 4 * CHUNK_SIZE) as u64),
        dirty: true,
    };
    // Enough records to wrap, and to leave the oldest chunk inside the file.
    let wrapped_records = (1600..)
        .step_by(50)
        .map(|count| many(70_000, count))
        .find(|records| write_log(records, &wrapped_options).is_ok_and(|log| log.oldest_chunk != 0))
        .expect("a wrapped log");

    let plain = WriteOptions::default();
    let cases: Vec<(&str, Vec<EventRecord>, WriteOptions)> = vec![
        ("every-kind", kinds, plain.clone()),
        ("many-chunks", many_records, plain.clone()),
        ("wrapped", wrapped_records, wrapped_options),
        ("empty", Vec::new(), plain),
    ];
    let mut paths = Vec::new();
    let mut logs = Vec::new();
    for (name, records, options) in &cases {
        let log = write_log(records, options).unwrap_or_else(|err| panic!("{name}: {err}"));
        let path = dir.path().join(format!("{name}.evtx"));
        std::fs::write(&path, &log.bytes).expect("written to disk");
        paths.push(path);
        logs.push(log);
    }
    assert!(logs[1].chunk_count >= 4, "many chunks");
    assert!(logs[2].records_kept < logs[2].records_written, "wrapped");
    assert_ne!(
        logs[2].oldest_chunk, 0,
        "wrapped, oldest chunk inside the file"
    );

    let dumps = dump(&paths);
    for (((name, records, options), log), dump) in cases.iter().zip(&logs).zip(&dumps) {
        let kept = &records[records.len() - log.records_kept as usize..];
        let flags = if options.dirty { FILE_FLAG_DIRTY } else { 0 };
        check(name, dump, log, kept, flags);
    }
}
