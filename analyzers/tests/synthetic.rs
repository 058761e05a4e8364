//! End-to-end over synthetic timelines: one failure per cause, through the real timelines
//! build, diagnosed from the evidence alone.

mod common;

use common::*;
use rdpsleuth_analyzers::{Cause, build_report};

#[test]
fn every_cause_is_diagnosed_from_its_evidence() {
    let mut failures = Vec::new();
    for cause in scenario_causes() {
        let (t, d) = analyse(scenario(cause, &Variation::default()));
        match failed_cause(&t, &d) {
            Some((got, p)) if got == cause => {
                assert!((0.0..=1.0).contains(&p), "{cause}: {p}");
            }
            other => {
                let k = t
                    .connections
                    .iter()
                    .position(|c| c.client_activity_id == Some(FAIL_CLIENT));
                let detail = k.and_then(|k| d.of(k)).map(|x| {
                    x.findings
                        .iter()
                        .map(|f| {
                            format!(
                                "{} {:?} {} {:.2}",
                                f.rule.id, f.direction, f.cause, f.weight
                            )
                        })
                        .collect::<Vec<_>>()
                });
                failures.push(format!("{cause}: got {other:?}\n  {detail:#?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diagnoses_carry_evidence_fix_and_missing_logs() {
    for cause in scenario_causes() {
        let (t, d) = analyse(scenario(cause, &Variation::default()));
        let k = t
            .connections
            .iter()
            .position(|c| c.client_activity_id == Some(FAIL_CLIENT))
            .unwrap();
        let diag = d.of(k).unwrap();
        assert!(!diag.remediation.is_empty(), "{cause}: no remediation");
        if cause == Cause::Unknown {
            assert!(
                diag.missing_sources.iter().any(|m| m.contains("RdpCoreTS")),
                "{cause}: {:?}",
                diag.missing_sources
            );
        } else {
            assert!(!diag.evidence.is_empty(), "{cause}: no evidence");
            assert!(diag.evidence.iter().any(|f| f.cause == cause), "{cause}");
        }
        // The baseline success gets no diagnosis.
        let ok = t
            .connections
            .iter()
            .position(|c| c.client_activity_id == Some(rdpsleuth_parser::Guid(0x1001)))
            .unwrap();
        assert!(d.of(ok).is_none());
    }
}

#[test]
fn report_is_deterministic_and_follows_the_schema() {
    let (t, d) = analyse(scenario(Cause::PrivateKeyAccess, &Variation::default()));
    let a = build_report(&[], &t, &d).to_json();
    let (t2, d2) = analyse(scenario(Cause::PrivateKeyAccess, &Variation::default()));
    let b = build_report(&[], &t2, &d2).to_json();
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["schema"], "rdpsleuth.diagnoses/1");
    let conns = v["connections"].as_array().unwrap();
    for c in conns {
        let failed = c["outcome"] == "failed";
        assert_eq!(c["diagnosis"].is_object(), failed, "{c}");
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
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        let stage = c["failure_stage"].as_str();
        assert_eq!(stage.is_some(), failed, "{c}");
        assert!(stage.is_none_or(|s| s == "setup" || s == "session"), "{c}");
        if let Some(g) = c["client_activity_id"].as_str() {
            assert!(g.starts_with('{') && g.ends_with('}') && g == g.to_lowercase());
        }
    }
    let diag = conns.iter().find(|c| c["outcome"] == "failed").unwrap()["diagnosis"].clone();
    assert_eq!(diag["cause"], "private_key_access");
    for key in [
        "cause",
        "confidence",
        "alternatives",
        "evidence",
        "against",
        "remediation",
        "missing_sources",
        "onset",
    ] {
        assert!(diag.get(key).is_some(), "{key}");
    }
    let ev = &diag["evidence"][0];
    for key in [
        "time",
        "host",
        "channel",
        "provider",
        "event_id",
        "record_id",
        "source",
        "summary",
        "cause",
    ] {
        assert!(ev.get(key).is_some(), "{key}");
    }
    println!("{}", serde_json::to_string_pretty(&diag).unwrap());
}
