//! Property tests over random multi-host scenarios: exclusive ownership, time-ordered
//! timelines, and results independent of the number of threads.

use proptest::prelude::*;
use rdpsleuth_parser::{Event, Guid};

use crate::build::{BuildOptions, build_with};
use crate::export::DefaultAnnotator;
use crate::export::csv::write_csv;
use crate::export::jsonl::write_jsonl;
use crate::model::Timelines;
use crate::testutil::*;

/// One attempt of a scenario: client, server, start (ms), whether it reached the host, whether
/// it got a session, how many retries a few seconds apart came before it.
#[derive(Clone, Debug)]
struct Attempt {
    client: usize,
    server: usize,
    start_ms: i64,
    reached: bool,
    session: bool,
    retries: u8,
}

#[derive(Clone, Debug)]
struct Scenario {
    skews_ms: Vec<i64>,
    attempts: Vec<Attempt>,
    noise: Vec<(usize, i64, u8)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let attempt = (
        0usize..3,
        0usize..2,
        0i64..3_600_000,
        any::<bool>(),
        any::<bool>(),
        0u8..3,
    )
        .prop_map(
            |(client, server, start_ms, reached, session, retries)| Attempt {
                client,
                server,
                start_ms,
                reached,
                session,
                retries,
            },
        );
    (
        proptest::collection::vec(-180_000i64..180_000, 3),
        proptest::collection::vec(attempt, 0..8),
        proptest::collection::vec((0usize..2, -60_000i64..3_700_000, 0u8..6), 0..30),
    )
        .prop_map(|(skews_ms, attempts, noise)| Scenario {
            skews_ms,
            attempts,
            noise,
        })
}

/// The events of a scenario; with `separate`, each client works in its own two-hour span (so
/// timing alone can tell clients apart).
fn events_of(s: &Scenario, separate: bool) -> Vec<Event> {
    let clients = ["WS1.corp.local", "WS2", "laptop-3"];
    let client_ips = ["10.0.0.5", "10.0.0.6", "10.0.0.7"];
    let servers = ["SRV01.corp.local", "SRV02"];
    let mut events = Vec::new();
    let mut n: u128 = 0;
    for a in &s.attempts {
        let skew = s.skews_ms.get(a.client).copied().unwrap_or(0);
        for r in 0..=a.retries {
            n += 1;
            let last = r == a.retries;
            let region = if separate {
                a.client as i64 * 7_200_000
            } else {
                0
            };
            let t = region + a.start_ms + i64::from(r) * 4_000;
            let session = last && a.session && a.reached;
            let mut attempt = client_attempt(
                clients[a.client],
                Guid(0x1_0000 + n),
                t,
                &servers[a.server].to_lowercase(),
                None,
                if session { 1 } else { 2308 },
                session,
            );
            if !a.reached {
                // Never connected: no transport-up event.
                attempt.retain(|e| e.event_id != 1025);
            }
            events.extend(attempt);
            if a.reached {
                events.extend(host_connection(
                    servers[a.server],
                    guid(n),
                    t + 80 + skew,
                    client_ips[a.client],
                    40_000 + n as u16,
                    session,
                ));
            }
        }
    }
    for &(server, ms, kind) in &s.noise {
        let host = servers[server];
        events.push(match kind {
            0 => system(host, "Schannel", 36888, ms, fields(&[("AlertDesc", "40")])),
            1 => system(
                host,
                "Schannel",
                36874,
                ms,
                fields(&[("Protocol", "TLS 1.0")]),
            ),
            2 => security(
                host,
                5152,
                ms,
                &[
                    ("Direction", "%%14592"),
                    ("SourceAddress", "10.0.0.5"),
                    ("SourcePort", "51000"),
                    ("DestAddress", "10.0.0.10"),
                    ("DestPort", "3389"),
                ],
            ),
            3 => security(
                host,
                4625,
                ms,
                &[("LogonType", "3"), ("IpAddress", "10.0.0.6")],
            ),
            4 => lsm(
                host,
                Some(crate::group::LSM_CONSTANT_ACTIVITY),
                21,
                ms,
                &[("SessionID", "1"), ("Address", "LOCAL")],
            ),
            _ => system(
                host,
                "Service Control Manager",
                7036,
                ms,
                fields(&[("param1", "Remote Desktop Services")]),
            ),
        });
    }
    events
}

fn check_invariants(t: &Timelines) {
    let mut seen = vec![0usize; t.events.len()];
    for (ci, c) in t.connections.iter().enumerate() {
        for e in &c.entries {
            seen[e.event] += 1;
            assert_eq!(t.owner[e.event], Some(ci), "owner of {}", e.event);
        }
        assert!(
            c.entries.windows(2).all(|w| w[0].time <= w[1].time),
            "{} entries",
            c.id
        );
        assert!(
            c.context.windows(2).all(|w| w[0].time <= w[1].time),
            "{} context",
            c.id
        );
        assert!(c.context.iter().all(|e| t.owner[e.event].is_none()));
        assert!(c.start <= c.end);
    }
    assert!(seen.iter().all(|&n| n <= 1), "an event owned twice");
    for (i, o) in t.owner.iter().enumerate() {
        if o.is_some() {
            assert_eq!(seen[i], 1);
        }
    }
    assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time));
}

fn exported(t: &Timelines) -> (Vec<u8>, Vec<u8>) {
    let mut csv = Vec::new();
    let mut jsonl = Vec::new();
    write_csv(t, &DefaultAnnotator, &mut csv).unwrap();
    write_jsonl(t, &DefaultAnnotator, &mut jsonl).unwrap();
    (csv, jsonl)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn ownership_order_and_thread_independence(s in scenario()) {
        let events = events_of(&s, false);
        let one = build_with(events.clone(), &[], &BuildOptions { threads: 1, ..BuildOptions::default() });
        let many = build_with(events, &[], &BuildOptions { threads: 4, ..BuildOptions::default() });
        check_invariants(&one);
        check_invariants(&many);
        let ids = |t: &Timelines| t.connections.iter().map(|c| (c.id.clone(), c.client_activity_id, c.server_activity_id, c.outcome)).collect::<Vec<_>>();
        prop_assert_eq!(ids(&one), ids(&many));
        prop_assert_eq!(exported(&one), exported(&many));
    }

    #[test]
    fn skewed_clients_link_every_reached_attempt(s in scenario()) {
        // For a client with several linked pairs the estimated offset is within 2 s of the
        // injected skew, and every attempt that reached its host is linked.
        let t = build_with(events_of(&s, true), &[], &BuildOptions::default());
        for o in &t.clock_offsets {
            if o.pairs >= 2 {
                let client = &t.hosts[o.client].name;
                let k = ["WS1.corp.local", "WS2", "laptop-3"].iter().position(|n| n == client).unwrap();
                let skew = s.skews_ms[k] as f64 / 1000.0;
                prop_assert!((o.seconds - (skew + 0.03)).abs() < 2.0, "{} vs {}", o.seconds, skew);
            }
        }
        let reached: usize = s.attempts.iter().filter(|a| a.reached).map(|a| usize::from(a.retries) + 1).sum();
        let pair_count = |k: usize, srv: usize| s.attempts.iter().filter(|a| a.reached && a.client == k && a.server == srv).map(|a| usize::from(a.retries) + 1).sum::<usize>();
        // A single linked pair with a skew beyond the agreeing-clocks tolerance cannot be told
        // from a coincidence without the client's address, so only count pairs with several.
        let expected: usize = (0..3)
            .flat_map(|k| (0..2).map(move |srv| (k, srv)))
            .filter(|&(k, srv)| pair_count(k, srv) >= 2 || s.skews_ms[k].abs() <= 4_900)
            .map(|(k, srv)| pair_count(k, srv))
            .sum();
        let linked = t.connections.iter().filter(|c| c.client_activity_id.is_some() && c.server_activity_id.is_some()).count();
        prop_assert!(linked >= expected && linked <= reached, "linked {} expected {} reached {}", linked, expected, reached);
    }
}
