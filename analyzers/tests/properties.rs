//! Property tests: the diagnosis of each synthetic failure stays the same whatever the host
//! names and addresses, clock skew, time shift and gap, number renderings (decimal, hex, case,
//! padding), language of localised texts, noise (Internet scanners' TLS errors, another user's
//! failed logon, unrelated services) and the order of records logged in the same millisecond.

mod common;

use common::*;
use proptest::prelude::*;
use rdpsleuth_analyzers::{Cause, build_report};

fn host_name() -> impl Strategy<Value = String> {
    (
        "[A-Z][A-Z0-9]{1,8}",
        "[a-z]{3,8}",
        prop::sample::select(vec!["local", "lan", "com", "net"]),
    )
        .prop_map(|(h, d, tld)| format!("{h}.{d}.{tld}"))
}

fn address() -> impl Strategy<Value = (u8, u8, u8)> {
    (0u8..=255, 0u8..=255, 1u8..=254)
}

prop_compose! {
    fn variation()(
        client in host_name(),
        server in host_name(),
        (a, b, c) in address(),
        (d, e, f) in address(),
        skew_ms in -120_000i64..120_000,
        shift_ms in 0i64..(30 * 86_400_000),
        gap_ms in 600_000i64..(3 * 86_400_000),
        hex_numbers in any::<bool>(),
        upper_hex in any::<bool>(),
        pad in any::<bool>(),
        language in 0usize..7,
        noise in any::<bool>(),
        reverse in any::<bool>(),
    ) -> Variation {
        let server = if server.eq_ignore_ascii_case(&client) { format!("X{server}") } else { server };
        let client_ip = format!("10.{a}.{b}.{c}");
        let mut server_ip = format!("10.{d}.{e}.{f}");
        if server_ip == client_ip {
            server_ip = format!("10.{d}.{e}.{}", if f == 254 { 1 } else { f + 1 });
        }
        Variation {
            client,
            server,
            client_ip,
            server_ip,
            skew_ms,
            shift_ms,
            gap_ms,
            hex_numbers,
            upper_hex,
            pad,
            language,
            noise,
            reverse,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_diagnosis_follows_the_evidence_not_the_rendering(
        cause in prop::sample::select(scenario_causes()),
        v in variation(),
    ) {
        let (t, d) = analyse(scenario(cause, &v));
        let got = failed_cause(&t, &d);
        prop_assert_eq!(got.map(|x| x.0), Some(cause), "variation {:?}", v);
    }

    #[test]
    fn the_same_input_gives_the_same_bytes(cause in prop::sample::select(scenario_causes()), v in variation()) {
        let (t1, d1) = analyse(scenario(cause, &v));
        let (t2, d2) = analyse(scenario(cause, &v));
        prop_assert_eq!(build_report(&[], &t1, &d1).to_json(), build_report(&[], &t2, &d2).to_json());
    }
}

#[test]
fn renaming_hosts_changes_nothing_but_the_names() {
    for cause in scenario_causes() {
        let a = Variation::default();
        let b = Variation {
            client: "LAPTOP-7QX.example.net".into(),
            server: "TS-PROD-04.example.net".into(),
            client_ip: "192.168.77.31".into(),
            server_ip: "192.168.77.2".into(),
            ..Variation::default()
        };
        let (ta, da) = analyse(scenario(cause, &a));
        let (tb, db) = analyse(scenario(cause, &b));
        let ja = build_report(&[], &ta, &da).to_json();
        let jb = build_report(&[], &tb, &db).to_json();
        let rename = |s: &str| {
            s.replace("LAPTOP-7QX.example.net", "WS1.corp.local")
                .replace("TS-PROD-04.example.net", "SRV01.corp.local")
                .replace("LAPTOP-7QX", "WS1")
                .replace("TS-PROD-04", "SRV01")
                .replace("laptop-7qx", "ws1")
                .replace("ts-prod-04", "srv01")
                .replace("192.168.77.31", "10.0.0.5")
                .replace("192.168.77.2", "10.0.0.10")
        };
        let connections = |json: &str| {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            v["connections"].clone()
        };
        assert_eq!(connections(&rename(&jb)), connections(&ja), "{cause}");
        assert_eq!(failed_cause(&tb, &db).map(|x| x.0), Some(cause));
    }
}

#[test]
fn a_cause_is_not_invented_from_noise_alone() {
    // Only the noise and a bare 0x904 with both machines' logs: nothing decides it.
    let v = Variation {
        noise: true,
        ..Variation::default()
    };
    let mut w = World::new(v);
    w.success(1, 0);
    w.attempt(FAIL_CLIENT, 3_600_000, 2308, true, false);
    w.accepted(FAIL_HOST, 3_600_080, 51_000);
    w.stack_started(FAIL_HOST, 3_600_090);
    w.corets(102, 3_600_900, Some(FAIL_HOST), &[]);
    w.noise(3_600_000);
    let (t, d) = analyse(w.events);
    let (cause, _) = failed_cause(&t, &d).unwrap();
    assert_eq!(cause, Cause::Unknown);
}
