//! The sample bundles (samples/bundles/<scenario>/ with expected.json): every expected
//! connection comes out with its client and server ActivityIDs, outcome and disconnect reason,
//! and no failed connection appears that the ground truth does not have.
//!
//! Internet scanners' connections are the exception the timelines make on purpose: the
//! ground truth labels them failed (their logs show protocol errors), but from a host's logs
//! alone a scanner's probe cannot be told from a user's failure, so the timelines call them
//! unknown — they must never come out failed or succeeded.

use std::path::{Path, PathBuf};

use rdpsleuth_parser::Guid;
use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_timelines::export::DefaultAnnotator;
use rdpsleuth_timelines::export::csv::write_csv;
use rdpsleuth_timelines::{BuildOptions, Connection, Outcome, Timelines, build, build_with};
use serde_json::Value;

fn bundles() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bundles");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("no sample bundles at {}: test skipped", dir.display());
        None
    }
}

/// The inputs of a bundle: everything in its folder but expected.json.
fn inputs(bundle: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(bundle)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.file_name().is_some_and(|n| n != "expected.json"));
    paths.sort();
    paths
}

fn guid(v: &Value) -> Option<Guid> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Failed => "failed",
        Outcome::Succeeded => "succeeded",
        Outcome::Unknown => "unknown",
    }
}

fn find(t: &Timelines, client: Option<Guid>, server: Option<Guid>) -> Option<&Connection> {
    t.connections.iter().find(|c| {
        (client.is_some() && c.client_activity_id == client)
            || (client.is_none() && server.is_some() && c.server_activity_id == server)
    })
}

/// Checks one bundle; returns its problems and how many skewed clock offsets it checked.
fn check(bundle: &Path) -> (Vec<String>, usize) {
    let expected: Value = match std::fs::read(bundle.join("expected.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
    {
        Some(v) => v,
        None => return (vec!["unreadable expected.json".into()], 0),
    };
    let ingested = ingest(&inputs(bundle), &IngestOptions::default(), &());
    let one = build_with(
        ingested.events.clone(),
        &ingested.reports,
        &BuildOptions {
            threads: 1,
            ..BuildOptions::default()
        },
    );
    let t = build(ingested.events, &ingested.reports);
    let mut problems = Vec::new();
    // The same timelines and bytes with one thread as with all.
    let csv = |t: &Timelines| {
        let mut out = Vec::new();
        write_csv(t, &DefaultAnnotator, &mut out).map(|()| out).ok()
    };
    if csv(&one) != csv(&t) {
        problems.push("CSV differs between one thread and all".into());
    }
    let mut accounted: Vec<bool> = vec![false; t.connections.len()];
    let empty = Vec::new();
    for x in expected["connections"].as_array().unwrap_or(&empty) {
        let id = x["id"].as_str().unwrap_or("?");
        let kind = x["kind"].as_str().unwrap_or("");
        let client = guid(&x["client_activity_id"]);
        let server = guid(&x["server_activity_id"]);
        let Some(c) = find(&t, client, server) else {
            problems.push(format!("{id}: no connection for {client:?} / {server:?}"));
            continue;
        };
        if let Some(pos) = t.connections.iter().position(|y| std::ptr::eq(y, c)) {
            accounted[pos] = true;
        }
        if c.client_activity_id != client || c.server_activity_id != server {
            problems.push(format!(
                "{id} ({kind}): activity ids {:?} / {:?}, expected {client:?} / {server:?}",
                c.client_activity_id, c.server_activity_id
            ));
        }
        let want = x["outcome"].as_str().unwrap_or("");
        let got = outcome_name(c.outcome);
        if kind == "scanner" {
            if c.outcome != Outcome::Unknown {
                problems.push(format!("{id} (scanner): outcome {got}, expected unknown"));
            }
        } else if got != want {
            problems.push(format!("{id} ({kind}): outcome {got}, expected {want}"));
        }
        let reason = x["disconnect_reason"]
            .as_u64()
            .and_then(|r| u32::try_from(r).ok());
        if c.disconnect_reason != reason {
            problems.push(format!(
                "{id}: disconnect reason {:?}, expected {reason:?}",
                c.disconnect_reason
            ));
        }
    }
    // One host per machine whose logs are in the bundle (firewall text logs, named by their
    // folder, land on their computer), known by its Computer name.
    let collected: Vec<&str> = expected["hosts"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|h| !h["folder"].is_null())
        .filter_map(|h| h["name"].as_str())
        .collect();
    if t.hosts.len() != collected.len()
        || !collected
            .iter()
            .all(|n| t.hosts.iter().any(|h| h.name.eq_ignore_ascii_case(n)))
    {
        problems.push(format!(
            "hosts {:?}, expected {collected:?}",
            t.hosts.iter().map(|h| &h.name).collect::<Vec<_>>()
        ));
    }
    // Estimated clock offsets match the injected skews (server minus client) within 2 s.
    let skew = |name: &str| {
        expected["hosts"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .find(|h| {
                h["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|h| h["clock_skew_seconds"].as_f64())
    };
    let mut skewed = 0;
    for o in &t.clock_offsets {
        let (client, server) = (&t.hosts[o.client].name, &t.hosts[o.server].name);
        let (Some(c), Some(s)) = (skew(client), skew(server)) else {
            continue;
        };
        if (s - c).abs() >= 30.0 {
            skewed += 1;
        }
        if (o.seconds - (s - c)).abs() > 2.0 {
            problems.push(format!(
                "offset {client} → {server}: {:.3} s, skews say {:.3} s",
                o.seconds,
                s - c
            ));
        }
    }
    for (c, seen) in t.connections.iter().zip(&accounted) {
        if !seen && c.outcome == Outcome::Failed {
            problems.push(format!(
                "extra failed connection {} ({:?} / {:?})",
                c.id, c.client_activity_id, c.server_activity_id
            ));
        }
    }
    (problems, skewed)
}

#[test]
fn sample_bundles_give_the_expected_connections() {
    let Some(dir) = bundles() else { return };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    folders.retain(|p| p.join("expected.json").is_file());
    folders.sort();
    assert!(!folders.is_empty(), "no bundle with expected.json");
    let mut report = Vec::new();
    let mut skewed = 0;
    for folder in &folders {
        let (problems, n) = check(folder);
        skewed += n;
        for problem in problems {
            report.push(format!(
                "{}: {problem}",
                folder
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned())
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{} problems:\n{}",
        report.len(),
        report.join("\n")
    );
    assert!(skewed > 0, "no bundle with a skewed clock pair was checked");
}
