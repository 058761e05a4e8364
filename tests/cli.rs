//! End-to-end runs of `rdpsleuth`: the outputs exist and parse, `--json` prints only JSON,
//! exit codes, `--tz`, `--since`/`--until`, `--quiet`, no progress bars on a pipe, and values
//! that look like spreadsheet formulas are guarded in the CSV and the JSONL.

mod common;

use std::fs::File;
use std::path::Path;

use common::*;
use polars::prelude::*;
use serde_json::Value;

/// Runs the binary and returns (status code, stdout, stderr).
fn rdpsleuth(args: &[&str]) -> (i32, String, String) {
    let o = run(args);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// The small generated collection in a temporary folder.
fn small_logs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    small_collection().write(dir.path());
    dir
}

/// A minimal RFC 4180 reader: records of cells (quoted cells may hold commas, quotes, breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// True when a spreadsheet would read the text as a formula.
fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[test]
fn analyze_writes_every_output_and_each_parses() {
    let logs = small_logs();
    let out = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) = rdpsleuth(&["analyze", p(logs.path()), "-o", p(out.path())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Connections: 5 (3 failed, 2 succeeded, 0 unknown)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Wrote report.html, diagnoses.json, timeline.csv, timeline.jsonl, events.parquet"
        ),
        "{stdout}"
    );

    // diagnoses.json: the schema's fields.
    let d: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("diagnoses.json")).expect("diagnoses.json"),
    )
    .expect("diagnoses.json parses");
    assert_eq!(d["schema"], "rdpsleuth.diagnoses/1");
    assert!(
        d["generator"]
            .as_str()
            .is_some_and(|g| g.starts_with("rdpsleuth "))
    );
    for key in ["inputs", "hosts", "connections"] {
        assert!(d[key].is_array(), "no {key}");
    }
    let conns = d["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 5);
    for c in conns {
        for key in [
            "id",
            "client",
            "server",
            "target",
            "client_address",
            "client_activity_id",
            "server_activity_id",
            "start",
            "end",
            "outcome",
            "disconnect_reason",
            "failure_stage",
            "diagnosis",
        ] {
            assert!(c.get(key).is_some(), "connection without {key}: {c}");
        }
        // A stage exactly for failed connections.
        assert_eq!(
            c["failure_stage"].is_string(),
            c["outcome"] == "failed",
            "{c}"
        );
        if c["outcome"] == "failed" {
            let dx = &c["diagnosis"];
            for key in [
                "cause",
                "confidence",
                "alternatives",
                "evidence",
                "against",
                "remediation",
                "missing_sources",
            ] {
                assert!(dx.get(key).is_some(), "diagnosis without {key}");
            }
            let id = c["client_activity_id"].as_str().unwrap_or("{}");
            assert!(id.starts_with('{') && id == id.to_lowercase(), "{id}");
        }
    }
    let causes: Vec<&str> = conns
        .iter()
        .filter_map(|c| c["diagnosis"]["cause"].as_str())
        .collect();
    assert_eq!(
        causes,
        ["private_key_access", "private_key_access", "logon_denied"]
    );

    // timeline.csv: the header and one row per exported event.
    let csv = std::fs::read_to_string(out.path().join("timeline.csv")).expect("timeline.csv");
    let records = csv_records(&csv);
    let header = records.first().expect("a header");
    assert_eq!(
        header.join(","),
        "time,time_corrected,connection_id,cause,outcome,host,lane,relation,distance_seconds,channel,provider,event_id,record_id,activity_id,level,message,source,locator,fields"
    );
    assert!(records.len() > 30, "{} rows", records.len());
    assert!(
        records.iter().all(|r| r.len() == header.len()),
        "ragged CSV"
    );

    // timeline.jsonl: every line an object with Timesketch's fields.
    let jsonl = std::fs::read_to_string(out.path().join("timeline.jsonl")).expect("timeline.jsonl");
    let mut lines = 0;
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).expect("a JSONL line parses");
        for key in [
            "message",
            "datetime",
            "timestamp_desc",
            "timestamp",
            "data_type",
            "connection_id",
            "host",
            "event_id",
        ] {
            assert!(v.get(key).is_some(), "JSONL line without {key}: {line}");
        }
        assert!(v["timestamp"].is_i64());
        lines += 1;
    }
    assert_eq!(lines, records.len() - 1, "JSONL and CSV rows differ");

    // events.parquet: the same rows, typed.
    let file = File::open(out.path().join("events.parquet")).expect("events.parquet");
    let df = ParquetReader::new(file)
        .finish()
        .expect("Parquet reads with polars");
    assert_eq!(df.height(), lines);
    assert_eq!(
        df.column("event_id").expect("event_id").dtype(),
        &DataType::UInt32
    );
    assert!(matches!(
        df.column("time").expect("time").dtype(),
        DataType::Datetime(TimeUnit::Microseconds, _)
    ));

    // report.html: one self-contained page.
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<script type=\"application/json\" id=\"data\">"));
}

#[test]
fn json_prints_only_the_diagnoses_on_stdout_and_writes_nothing() {
    let logs = small_logs();
    let out = tempfile::tempdir().expect("temp dir");
    let target = out.path().join("not-written");
    let (code, stdout, stderr) =
        rdpsleuth(&["analyze", p(logs.path()), "--json", "-o", p(&target)]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("stdout is exactly one JSON document");
    assert_eq!(v["schema"], "rdpsleuth.diagnoses/1");
    assert!(!target.exists(), "--json wrote files");
    // The summary goes to stderr instead, and never to stdout.
    assert!(stderr.contains("Connections: 5"), "{stderr}");
    let (_, quiet_out, quiet_err) = rdpsleuth(&["analyze", p(logs.path()), "--json", "-q"]);
    assert_eq!(quiet_out, stdout, "--quiet changed the JSON");
    assert!(
        quiet_err.is_empty(),
        "--json -q printed to stderr: {quiet_err}"
    );
}

#[test]
fn exit_codes() {
    // 0: analysed, even with damaged inputs (reported, located).
    let logs = small_logs();
    std::fs::write(logs.path().join("WS01").join("rdpclient.jsonl"), {
        let mut t =
            std::fs::read_to_string(logs.path().join("WS01").join("rdpclient.jsonl")).expect("log");
        t.push_str("{\"Event\": {\"System\": \n");
        t
    })
    .expect("append a damaged line");
    std::fs::write(
        logs.path().join("broken.evtx"),
        b"ElfFile\0 but nothing after",
    )
    .expect("write");
    let (code, stdout, stderr) = rdpsleuth(&["analyze", p(logs.path()), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    let inputs = v["inputs"].as_array().expect("inputs");
    let damaged = inputs
        .iter()
        .find(|i| {
            i["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("rdpclient.jsonl"))
        })
        .expect("the damaged input is listed");
    let message = damaged["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("line"),
        "the error is not located: {damaged}"
    );
    assert_eq!(
        v["connections"].as_array().map_or(0, Vec::len),
        5,
        "the rest was not read"
    );

    // 1: nothing could be read.
    let junk = tempfile::tempdir().expect("temp dir");
    std::fs::write(junk.path().join("notes.txt"), "not a log").expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = rdpsleuth(&["analyze", p(junk.path()), "-o", p(out.path()), "-q"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing could be read"), "{stderr}");
    let (code, _, _) = rdpsleuth(&["analyze", "/nonexistent/rdpsleuth-input", "--json", "-q"]);
    assert_eq!(code, 1);
    // A run that reads nothing leaves an earlier run's outputs as they were.
    let (code, _, stderr) = rdpsleuth(&["analyze", p(logs.path()), "-o", p(out.path()), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let report = std::fs::read(out.path().join("report.html")).expect("report");
    let timeline = std::fs::read(out.path().join("timeline.csv")).expect("timeline");
    let (code, _, stderr) = rdpsleuth(&["analyze", p(junk.path()), "-o", p(out.path()), "-q"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("left as they were"), "{stderr}");
    assert_eq!(
        std::fs::read(out.path().join("report.html")).expect("report"),
        report
    );
    assert_eq!(
        std::fs::read(out.path().join("timeline.csv")).expect("timeline"),
        timeline
    );

    // 2: usage errors.
    for args in [
        vec!["analyze"],
        vec!["analyze", p(logs.path()), "--tz", "Mars/Olympus"],
        vec!["analyze", p(logs.path()), "--since", "yesterday"],
        vec![
            "analyze",
            p(logs.path()),
            "--since",
            "2024-03-05",
            "--until",
            "2024-03-04",
        ],
        vec!["analyze", p(logs.path()), "--firewall-utc-offset", "SRV01"],
        vec!["analyze", p(logs.path()), "--no-such-option"],
        vec!["analyze", p(logs.path()), "--threads", "5000"],
        vec!["analyze", p(logs.path()), "--threads", "-1"],
        vec!["eval", p(logs.path()), "--threads", "257"],
        vec!["frobnicate"],
    ] {
        let (code, stdout, stderr) = rdpsleuth(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?} printed to stdout: {stdout}");
        assert!(!stderr.is_empty(), "{args:?} gave no message");
    }

    // explain: 0 when a code reads, 1 when none does.
    assert_eq!(rdpsleuth(&["explain", "0x904"]).0, 0);
    assert_eq!(rdpsleuth(&["explain", "not-a-code"]).0, 1);
    // help and version are not errors.
    assert_eq!(rdpsleuth(&["--help"]).0, 0);
    assert_eq!(rdpsleuth(&["--version"]).0, 0);
}

#[test]
fn tz_moves_the_display_not_the_data() {
    let logs = small_logs();
    let (code, utc, _) = rdpsleuth(&["analyze", p(logs.path()), "--json", "-q"]);
    assert_eq!(code, 0);
    let (code, berlin, summary) =
        rdpsleuth(&["analyze", p(logs.path()), "--json", "--tz", "Europe/Berlin"]);
    assert_eq!(code, 0);
    assert_eq!(utc, berlin, "--tz changed diagnoses.json");
    assert!(summary.contains("2024-03-04 10:15:02.231 CET"), "{summary}");
    let (_, _, fixed) = rdpsleuth(&["analyze", p(logs.path()), "--json", "--tz", "+05:30"]);
    assert!(fixed.contains("2024-03-04 14:45:02.231 +05:30"), "{fixed}");
    // A negative offset is a value, not an option.
    let (code, _, west) = rdpsleuth(&["analyze", p(logs.path()), "--json", "--tz", "-03:30"]);
    assert_eq!(code, 0, "{west}");
    assert!(west.contains("2024-03-04 05:45:02.231 -03:30"), "{west}");

    // The report carries the zone's name and offsets; its data stays UTC.
    let out = tempfile::tempdir().expect("temp dir");
    let (code, _, _) = rdpsleuth(&[
        "analyze",
        p(logs.path()),
        "-q",
        "--tz",
        "Europe/Berlin",
        "-o",
        p(out.path()),
    ]);
    assert_eq!(code, 0);
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("report.html");
    assert!(html.contains("\"zone\":{\"name\":\"Europe/Berlin\",\"spans\":[[null,60,\"CET\"]]}"));
}

#[test]
fn since_and_until_keep_a_time_window() {
    let logs = small_logs();
    let count = |args: &[&str]| -> usize {
        let mut all = vec!["analyze", p(logs.path()), "--json", "-q"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = rdpsleuth(&all);
        assert_eq!(code, 0, "{stderr}");
        let v: Value = serde_json::from_str(&stdout).expect("JSON");
        v["connections"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(count(&[]), 5);
    // The two private-key failures (host clock 09:15 UTC; the client's is 90 s fast).
    assert_eq!(
        count(&[
            "--since",
            "2024-03-04T09:10:00Z",
            "--until",
            "2024-03-04T09:20:00Z"
        ]),
        2
    );
    // The same window written in the display zone.
    assert_eq!(
        count(&[
            "--since",
            "2024-03-04 10:10",
            "--until",
            "2024-03-04 10:20",
            "--tz",
            "Europe/Berlin"
        ]),
        2
    );
    // After 11:00 only the last success remains, its two halves linked across the 90 s skew:
    // no failure, nothing earlier.
    let (_, stdout, _) = rdpsleuth(&[
        "analyze",
        p(logs.path()),
        "--json",
        "-q",
        "--since",
        "2024-03-04T11:00:00Z",
    ]);
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    let conns = v["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 1, "{conns:?}");
    for c in conns {
        assert!(
            c["client_activity_id"].is_string() && c["server_activity_id"].is_string(),
            "{c}"
        );
        assert_eq!(c["outcome"], "succeeded", "{c}");
        assert!(
            c["start"]
                .as_str()
                .is_some_and(|s| s >= "2024-03-04T11:00:00"),
            "{c}"
        );
    }
}

#[test]
fn quiet_prints_nothing_and_a_pipe_gets_no_progress_bars() {
    let logs = small_logs();
    let out = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) =
        rdpsleuth(&["analyze", p(logs.path()), "-o", p(out.path()), "--quiet"]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty(), "--quiet printed: {stdout}");
    assert!(stderr.is_empty(), "--quiet printed to stderr: {stderr}");
    assert!(out.path().join("report.html").is_file());

    // Without --quiet, stderr is a pipe here: no bars, no spinners, no terminal codes.
    let (code, stdout, stderr) = rdpsleuth(&["analyze", p(logs.path()), "-o", p(out.path())]);
    assert_eq!(code, 0);
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "terminal control codes"
    );
    assert!(
        !stderr.contains("reading") && !stderr.contains("writing outputs"),
        "{stderr}"
    );
    assert!(stdout.contains("Connections:"), "{stdout}");
}

/// The CSV and JSONL of an analysis never start a value with a formula character.
fn check_formula_guard(out: &Path, needle: &str) {
    let csv = std::fs::read_to_string(out.join("timeline.csv")).expect("timeline.csv");
    assert!(
        csv.contains(needle),
        "the hostile value is not exported at all"
    );
    for (n, record) in csv_records(&csv).iter().enumerate() {
        for cell in record {
            assert!(!formula_like(cell), "CSV row {n}: unguarded cell {cell:?}");
        }
    }
    let jsonl = std::fs::read_to_string(out.join("timeline.jsonl")).expect("timeline.jsonl");
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).expect("JSONL");
        for (key, value) in v.as_object().into_iter().flatten() {
            if let Some(s) = value.as_str() {
                assert!(!formula_like(s), "JSONL {key}: unguarded {s:?}");
            }
        }
    }
}

#[test]
fn formula_values_are_guarded_in_csv_and_jsonl() {
    let logs = tempfile::tempdir().expect("temp dir");
    hostile_collection().write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = rdpsleuth(&["analyze", p(logs.path()), "-q", "-o", p(out.path())]);
    assert_eq!(code, 0, "{stderr}");
    check_formula_guard(out.path(), "HYPERLINK");

    // The sample bundle made for this, when present.
    let bundle = root().join("samples/bundles/xss_hostile_names");
    if bundle.is_dir() {
        let out = tempfile::tempdir().expect("temp dir");
        let (code, _, stderr) = rdpsleuth(&["analyze", p(&bundle), "-q", "-o", p(out.path())]);
        assert_eq!(code, 0, "{stderr}");
        check_formula_guard(out.path(), "HYPERLINK");
    } else {
        eprintln!(
            "notice: samples/bundles/xss_hostile_names is absent; checked the generated collection only"
        );
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, stdout, _) = rdpsleuth(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(
            stdout.contains("analyze") && stdout.contains("explain"),
            "{shell}"
        );
    }
    let (code, man, _) = rdpsleuth(&["man"]);
    assert_eq!(code, 0);
    assert!(man.starts_with(".ie") || man.contains(".TH"), "not roff");
}

#[test]
fn every_sample_bundle_analyses() {
    let bundles = bundles();
    if bundles.is_empty() {
        eprintln!("notice: no samples/bundles yet; skipped");
        return;
    }
    for bundle in bundles {
        let (code, stdout, stderr) = rdpsleuth(&["analyze", p(&bundle), "--json", "-q"]);
        assert_eq!(code, 0, "{}: {stderr}", bundle.display());
        let v: Value = serde_json::from_str(&stdout).expect("JSON");
        let failed = v["connections"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["outcome"] == "failed");
        for c in failed {
            assert!(
                c["diagnosis"].is_object(),
                "{}: failed {} without diagnosis",
                bundle.display(),
                c["id"]
            );
        }
    }
}

#[test]
fn outputs_are_the_same_bytes_whatever_the_threads() {
    let logs = small_logs();
    let one = tempfile::tempdir().expect("temp dir");
    let two = tempfile::tempdir().expect("temp dir");
    for (dir, threads) in [(&one, "1"), (&two, "4")] {
        let (code, _, stderr) = rdpsleuth(&[
            "analyze",
            p(logs.path()),
            "-q",
            "--threads",
            threads,
            "--tz",
            "Europe/Berlin",
            "-o",
            p(dir.path()),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    for file in [
        "report.html",
        "diagnoses.json",
        "timeline.csv",
        "timeline.jsonl",
        "events.parquet",
    ] {
        let a = std::fs::read(one.path().join(file)).expect("first output");
        let b = std::fs::read(two.path().join(file)).expect("second output");
        assert!(a == b, "{file} differs between 1 and 4 threads");
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // `rdpsleuth analyze … --json | head -c 100`: the reader goes away long before the
    // output (well over a pipe buffer) is written.
    let bundles = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/bundles");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdpsleuth"))
        .arg("analyze")
        .args(
            [
                "busy_host_two_failures",
                "two_causes_one_host",
                "cert_expired_rcm1058",
            ]
            .map(|b| bundles.join(b)),
        )
        .args(["--json", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rdpsleuth");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = [0u8; 100];
    stdout.read_exact(&mut head).expect("the start of the JSON");
    assert!(head.starts_with(b"{"));
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn warnings_and_losses_of_damaged_evtx_files_are_told_apart() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "samples/bundles/tls_server_policy/ADT-RDSH-01/Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
    );
    let bytes = std::fs::read(&sample).expect("sample log");
    let dir = tempfile::tempdir().expect("temp dir");
    // The stored checksum of the first chunk's records changed: every record still parses.
    let mut crc = bytes.clone();
    crc[4096 + 52] ^= 0xff;
    std::fs::write(dir.path().join("crc.evtx"), crc).expect("write");
    // The header alone: every chunk it counts is missing.
    std::fs::write(dir.path().join("header.evtx"), &bytes[..4096]).expect("write");
    // A string table entry pointing past the chunk: the chunk fails its checksum (a warning
    // met first) and cannot be parsed (the loss, which the summary names).
    let mut table = bytes.clone();
    table[4096 + 128..4096 + 132].copy_from_slice(&[0xf0, 0xff, 0xff, 0x7f]);
    std::fs::write(dir.path().join("table.evtx"), table).expect("write");

    let out = tempfile::tempdir().expect("temp dir");
    let (code, stdout, stderr) = rdpsleuth(&["analyze", p(dir.path()), "-o", p(out.path())]);
    assert_eq!(code, 0, "{stderr}");
    let warned = stdout
        .split("Inputs read with warnings: 1\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no warnings section: {stdout}"));
    assert!(
        warned
            .lines()
            .next()
            .is_some_and(|l| l.contains("crc.evtx") && l.contains("CRC32")),
        "{stdout}"
    );
    let damaged: Vec<&str> = stdout
        .split("Inputs read with errors: 2\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no errors section: {stdout}"))
        .lines()
        .take(2)
        .collect();
    assert!(
        damaged
            .iter()
            .any(|l| l.contains("header.evtx") && l.contains("ends after its header")),
        "{stdout}"
    );
    assert!(
        damaged
            .iter()
            .any(|l| l.contains("table.evtx") && l.contains("cannot be parsed")),
        "{stdout}"
    );

    let v: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("diagnoses.json")).expect("json"))
            .expect("JSON");
    let input = |name: &str| {
        v["inputs"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no input {name}"))
    };
    let crc = input("crc.evtx");
    assert_eq!(crc["errors"][0]["warning"], Value::Bool(true), "{crc}");
    assert!(crc["kept"].as_u64().unwrap_or(0) > 0, "{crc}");
    let header = input("header.evtx");
    assert!(header["errors"][0].get("warning").is_none(), "{header}");
}

#[test]
fn records_read_twice_are_said_and_analysed_once() {
    let logs = small_logs();
    let copy = tempfile::tempdir().expect("temp dir");
    small_collection().write(copy.path());
    let out = tempfile::tempdir().expect("temp dir");
    let (code, once, stderr) = rdpsleuth(&["analyze", p(logs.path()), "-o", p(out.path())]);
    assert_eq!(code, 0, "{stderr}");
    let (code, twice, stderr) = rdpsleuth(&[
        "analyze",
        p(logs.path()),
        p(copy.path()),
        "-o",
        p(out.path()),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let first = |text: &str| text.lines().next().unwrap_or("").to_string();
    assert!(!first(&once).contains("read twice"), "{once}");
    let kept = |line: &str| -> u64 {
        line.split(" relevant events kept")
            .next()
            .and_then(|s| s.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let n = kept(&first(&once));
    assert!(n > 0, "{once}");
    assert_eq!(kept(&first(&twice)), 2 * n, "{twice}");
    assert!(
        first(&twice).contains(&format!("({n} read twice, analysed once)")),
        "{twice}"
    );
    // The connections are the same.
    let connections = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("Connections:"))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(connections(&once), connections(&twice));
}
