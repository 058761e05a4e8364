//! Golden tests: the summary `rdpsleuth analyze` prints and the readings of `rdpsleuth
//! explain`, compared byte for byte with `tests/golden/*.txt`. After an intended change, refresh
//! them with `UPDATE_GOLDEN=1 cargo test -p rdpsleuth --test golden` and review the diff.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Compares `actual` with `tests/golden/<name>`, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = root().join("tests").join("golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden folder")).expect("golden folder");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run UPDATE_GOLDEN=1 cargo test -p rdpsleuth --test golden",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             (UPDATE_GOLDEN=1 cargo test -p rdpsleuth --test golden refreshes it)\n--- actual ---\n{actual}",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

/// Runs the binary in `dir` and returns its stdout; stderr must be empty and the exit 0.
fn stdout_in(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_rdpsleuth"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

#[test]
fn summary_of_a_generated_collection() {
    let logs = tempfile::tempdir().expect("temp dir");
    let mut c = small_collection();
    // One damaged line, so that the summary lists the input read with errors.
    let ws = Machine::new("WS01.corp.example", "WS01", "10.20.0.11");
    c.raw_line(&ws, "rdpclient.jsonl", "{\"Event\": {\"System\": [1, 2");
    c.write(logs.path());
    let out = tempfile::tempdir().expect("temp dir");
    let text = stdout_in(
        logs.path(),
        &[
            "analyze",
            ".",
            "--tz",
            "Europe/Berlin",
            "-o",
            out.path().to_str().expect("UTF-8 path"),
        ],
    );
    let text = text.replace(out.path().to_str().expect("UTF-8 path"), "<OUT>");
    golden("summary_small.txt", &text);
}

#[test]
fn summary_of_a_sample_bundle() {
    let name = "cert_expired_rcm1058";
    if !root().join("samples/bundles").join(name).is_dir() {
        eprintln!("notice: samples/bundles/{name} is absent; skipped");
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let text = stdout_in(
        &root(),
        &[
            "analyze",
            &format!("samples/bundles/{name}"),
            "-o",
            out.path().to_str().expect("UTF-8 path"),
        ],
    );
    let text = text.replace(out.path().to_str().expect("UTF-8 path"), "<OUT>");
    golden(&format!("summary_{name}.txt"), &text);
}

#[test]
fn explain_readings() {
    let codes = [
        "0x904",
        "2308",
        "ext:7",
        "0x80090331",
        "SEC_E_CERT_EXPIRED",
        "0x8009030D",
        "0xC000006A",
        "0xc000018d",
        "alert:40",
        "trust:0x21",
        "%%2313",
        "50331651",
    ];
    let mut all = String::new();
    for code in codes {
        all.push_str(&format!("$ rdpsleuth explain {code}\n"));
        all.push_str(&stdout_in(&root(), &["explain", code]));
        all.push('\n');
    }
    golden("explain.txt", &all);
    golden(
        "explain_0x904.json",
        &stdout_in(&root(), &["explain", "0x904", "--json"]),
    );
}
