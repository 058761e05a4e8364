//! Diagnoses on real public logs (../shared/corpus; skipped with a notice when absent): no
//! panic, no flood of "failed" from Internet scanners, honest unknowns with the logs to collect.

use std::path::{Path, PathBuf};

use rdpsleuth_analyzers::{Cause, build_report, diagnose};
use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_timelines::{Outcome, build};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus not found at {}: test skipped", dir.display());
        None
    }
}

fn stolen_szechuan(dir: &Path) -> Vec<PathBuf> {
    let prefix = "Windows__EventLogs__Win2012R2__StolenSzechuan__StolenSzechuanEventLogs.7z__";
    [
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Admin.evtx",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx",
        "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx",
        "Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx",
        "Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx",
        "Security.evtx",
        "System.evtx",
    ]
    .iter()
    .map(|f| {
        dir.join("AndrewRathbun__DFIRArtifactMuseum")
            .join(format!("{prefix}{f}"))
    })
    .collect()
}

#[test]
fn stolen_szechuan_scanner_noise_is_not_a_flood_of_failures() {
    let Some(dir) = corpus() else { return };
    let files = stolen_szechuan(&dir);
    if !files.iter().all(|f| f.is_file()) {
        eprintln!("StolenSzechuan files missing: test skipped");
        return;
    }
    let ingested = ingest(&files, &IngestOptions::default(), &());
    let coverage = ingested.coverage.clone();
    let reports = ingested.reports.clone();
    let t = build(ingested.events, &ingested.reports);
    let d = diagnose(&t, &coverage);
    let total = t.connections.len();
    let failed: Vec<usize> = (0..total)
        .filter(|&k| t.connections[k].outcome == Outcome::Failed)
        .collect();
    eprintln!(
        "StolenSzechuan: {total} connections, {} failed, {} diagnosed",
        failed.len(),
        d.per_connection.iter().flatten().count()
    );
    // ~29k Schannel records of scanners: the connections they belong to are not failures of
    // a user, and their TLS noise is not evidence for anyone else.
    assert!(total > 300, "{total}");
    assert!(
        failed.len() * 10 < total,
        "{} of {total} failed",
        failed.len()
    );
    for k in 0..total {
        assert_eq!(
            d.of(k).is_some(),
            failed.contains(&k),
            "{}",
            t.connections[k].id
        );
    }
    for &k in &failed {
        let x = d.of(k).unwrap();
        assert!((0.0..=1.0).contains(&x.confidence));
        assert!(!x.remediation.is_empty());
        if x.cause == Cause::Unknown {
            assert!(
                !x.missing_sources.is_empty() || x.evidence.is_empty(),
                "{}: unknown without missing sources",
                t.connections[k].id
            );
        }
        // Schannel noise owned by other connections is never this connection's evidence.
        for f in &x.evidence {
            if let Some(i) = f.event {
                let owner = t.owner[i];
                assert!(owner.is_none() || owner == Some(k), "{}", f.rule.id);
            }
        }
    }
    let json = build_report(&reports, &t, &d).to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["connections"].as_array().unwrap().len(), total);
    assert!(!v["inputs"].as_array().unwrap().is_empty());
}

#[test]
fn whole_corpus_diagnoses_without_panicking_and_deterministically() {
    let Some(dir) = corpus() else { return };
    let ingested = ingest(&[&dir], &IngestOptions::default(), &());
    let coverage = ingested.coverage.clone();
    let reports = ingested.reports.clone();
    let events = ingested.events;
    let t = build(events.clone(), &reports);
    let d = diagnose(&t, &coverage);
    let first = build_report(&reports, &t, &d).to_json();
    // Same input, one thread: same bytes.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let second = pool.install(|| {
        let t = build(events, &reports);
        let d = diagnose(&t, &coverage);
        build_report(&reports, &t, &d).to_json()
    });
    assert!(first == second, "output depends on the thread count");
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let conns = v["connections"].as_array().unwrap();
    let failed = conns.iter().filter(|c| c["outcome"] == "failed").count();
    let unknown = conns
        .iter()
        .filter(|c| c["diagnosis"]["cause"] == "unknown")
        .count();
    eprintln!(
        "corpus: {} connections, {failed} failed, {unknown} unknown",
        conns.len()
    );
    let mut causes: std::collections::BTreeMap<String, usize> = Default::default();
    for c in conns.iter().filter(|c| c["outcome"] == "failed") {
        let diag = &c["diagnosis"];
        assert!(diag.is_object());
        let p = diag["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
        let cause = diag["cause"].as_str().unwrap().to_string();
        let evidence = diag["evidence"].as_array().unwrap();
        let missing = diag["missing_sources"].as_array().unwrap();
        match cause.as_str() {
            // Unknown says what to collect.
            "unknown" => assert!(!missing.is_empty(), "{}", c["id"]),
            // A refused logon rests on the host's own record of it (RdpCoreTS 140, 4625).
            "logon_denied" => assert!(
                evidence
                    .iter()
                    .any(|e| matches!(e["event_id"].as_u64(), Some(140 | 4625))),
                "{}",
                c["id"]
            ),
            _ => assert!(!evidence.is_empty(), "{}", c["id"]),
        }
        // Internet brute force against a host whose Security log is not in the corpus: the
        // status of the refused logons is in that log, and it is asked for.
        if evidence.iter().all(|e| e["event_id"] != 4625) && cause == "logon_denied" {
            assert!(
                missing
                    .iter()
                    .any(|m| m.as_str().is_some_and(|m| m.starts_with("Security log"))),
                "{}: {missing:?}",
                c["id"]
            );
        }
        *causes.entry(cause).or_default() += 1;
    }
    eprintln!("corpus causes: {causes:?}");
}
