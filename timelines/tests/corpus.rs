//! Timelines on real public logs (../shared/corpus; skipped with a notice when absent).

use std::collections::BTreeSet;
use std::path::PathBuf;

use rdpsleuth_parser::Guid;
use rdpsleuth_parser::ingest::{IngestOptions, ingest};
use rdpsleuth_timelines::{Outcome, Timelines, build};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus not found at {}: test skipped", dir.display());
        None
    }
}

fn stolen_szechuan(dir: &std::path::Path) -> Vec<PathBuf> {
    let prefix = "Windows__EventLogs__Win2012R2__StolenSzechuan__StolenSzechuanEventLogs.7z__";
    [
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
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

fn check_invariants(t: &Timelines) {
    let mut seen = vec![0u8; t.events.len()];
    for (ci, c) in t.connections.iter().enumerate() {
        for e in &c.entries {
            seen[e.event] += 1;
            assert_eq!(t.owner[e.event], Some(ci));
        }
        assert!(c.entries.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(c.context.windows(2).all(|w| w[0].time <= w[1].time));
    }
    assert!(seen.iter().all(|&n| n <= 1));
}

#[test]
fn stolen_szechuan_domain_controller() {
    let Some(dir) = corpus() else { return };
    let files = stolen_szechuan(&dir);
    if !files.iter().all(|f| f.is_file()) {
        eprintln!("StolenSzechuan files missing: test skipped");
        return;
    }
    let ingested = ingest(&files, &IngestOptions::default(), &());
    let t = build(ingested.events, &ingested.reports);
    check_invariants(&t);

    // Host connections ↔ the distinct RdpCoreTS ActivityIDs that have a 131.
    let with_131: BTreeSet<Guid> = t
        .events
        .iter()
        .filter(|e| e.kind.key() == "rdpcorets" && e.event_id == 131)
        .filter_map(|e| e.activity_id)
        .collect();
    assert_eq!(with_131.len(), 346);
    let conns_with_131: Vec<Guid> = t
        .host_connections
        .iter()
        .filter(|h| {
            h.events
                .iter()
                .any(|&i| t.events[i].kind.key() == "rdpcorets" && t.events[i].event_id == 131)
        })
        .filter_map(|h| h.activity_id)
        .collect();
    let unique: BTreeSet<Guid> = conns_with_131.iter().copied().collect();
    assert_eq!(
        unique.len(),
        conns_with_131.len(),
        "one host connection per ActivityID"
    );
    assert_eq!(unique, with_131);
    // Each of them carries the client address of its 131.
    for h in &t.host_connections {
        if h.activity_id.is_some_and(|g| with_131.contains(&g)) {
            assert_eq!(
                h.client_ip.map(|ip| ip.to_string()).as_deref(),
                Some("194.61.24.102")
            );
            assert_eq!(h.transport.as_deref(), Some("TCP"));
        }
    }

    // The DC's outbound RDP client attempt.
    let outbound: Guid = "{59288327-6042-4b62-907a-3af47a800000}".parse().unwrap();
    let attempt = t
        .attempts
        .iter()
        .find(|a| a.activity_id == Some(outbound))
        .expect("client attempt");
    assert_eq!(attempt.target.as_deref(), Some("DESKTOP-SDN1RPT"));
    assert_eq!(attempt.server_address.as_deref(), Some("10.42.85.115"));
    assert_eq!(attempt.disconnect_reason, Some(2));
    assert!(attempt.transport_connected);
    let dc = &t.hosts[attempt.client];
    assert_eq!(dc.name, "CITADEL-DC01.C137.local");
    assert!(dc.roles.client && dc.roles.server);
    let c = t
        .connections
        .iter()
        .find(|c| c.client_activity_id == Some(outbound))
        .expect("connection of the outbound attempt");
    assert_eq!(
        c.server, None,
        "DESKTOP-SDN1RPT's logs are not in the bundle"
    );
    assert_ne!(c.outcome, Outcome::Failed);

    // The attacker's four sessions succeeded; the scanners' and brute-forcer's connections are
    // unknown, never failed.
    let succeeded = t
        .connections
        .iter()
        .filter(|c| c.outcome == Outcome::Succeeded)
        .count();
    assert_eq!(succeeded, 4);
    let failed: Vec<&str> = t
        .connections
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .map(|c| c.id.as_str())
        .collect();
    assert!(failed.is_empty(), "failed: {failed:?}");
    let scanner_139 = t
        .connections
        .iter()
        .filter(|c| {
            c.entries.iter().any(|e| {
                t.events[e.event].kind.key() == "rdpcorets" && t.events[e.event].event_id == 139
            })
        })
        .count();
    assert!(scanner_139 >= 240, "{scanner_139}");

    // The 4624 type 10 logons are owned by the attacker's sessions.
    for c in t
        .connections
        .iter()
        .filter(|c| c.outcome == Outcome::Succeeded)
    {
        assert!(
            c.entries.iter().any(|e| {
                let ev = &t.events[e.event];
                ev.event_id == 4624 && ev.fields.text("LogonType") == Some("10")
            }),
            "{} has its type 10 logon",
            c.id
        );
    }
}

#[test]
fn udp_side_transports_share_the_tcp_connection() {
    let Some(dir) = corpus() else { return };
    let file = dir
        .join("sbousseaden__EVTX-ATTACK-SAMPLES")
        .join("Lateral Movement__dfir_rdpsharp_target_RdpCoreTs_168_68_131.evtx");
    if !file.is_file() {
        eprintln!("rdpsharp sample missing: test skipped");
        return;
    }
    let ingested = ingest(&[file], &IngestOptions::default(), &());
    let t = build(ingested.events, &ingested.reports);
    check_invariants(&t);
    let udp: BTreeSet<Guid> = t
        .events
        .iter()
        .filter(|e| e.event_id == 131 && e.fields.text("ConnType") == Some("UDP"))
        .filter_map(|e| e.activity_id)
        .collect();
    let tcp = t
        .events
        .iter()
        .filter(|e| e.event_id == 131 && e.fields.text("ConnType") == Some("TCP"))
        .count();
    assert_eq!(udp.len(), 9);
    // Every UDP transport is a side transport of a TCP connection, none a connection itself.
    assert_eq!(t.host_connections.len(), tcp);
    let sides: BTreeSet<Guid> = t
        .host_connections
        .iter()
        .flat_map(|h| h.side_transports.iter().copied())
        .collect();
    assert_eq!(sides, udp);
    for h in &t.host_connections {
        assert!(h.side_transports.len() <= 1);
        assert_eq!(h.transport.as_deref(), Some("TCP"));
    }
}

#[test]
fn the_whole_corpus_builds_with_consistent_timelines() {
    let Some(dir) = corpus() else { return };
    let ingested = ingest(&[dir], &IngestOptions::default(), &());
    let n = ingested.events.len();
    let t = build(ingested.events, &ingested.reports);
    check_invariants(&t);
    assert!(t.events.len() <= n && t.events.len() > 1_000);
    // Hosts are sorted and unique by name; every event has one.
    assert_eq!(t.event_host.len(), t.events.len());
    assert!(t.event_host.iter().all(|&h| h < t.hosts.len()));
    let failed = t
        .connections
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .count();
    eprintln!(
        "corpus: {} events, {} hosts, {} attempts, {} host connections, {} connections ({} failed)",
        t.events.len(),
        t.hosts.len(),
        t.attempts.len(),
        t.host_connections.len(),
        t.connections.len(),
        failed
    );
}
