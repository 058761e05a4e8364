//! Joining the events that carry no ActivityID to the connection they belong to, and the
//! host-state context around each connection.
//!
//! Owns three things:
//! * **host-side owned joins** — Security logons and session events by client address, time and
//!   logon id (EVENTS.md §2, §3.10); WFP records and firewall-log lines by the normalised
//!   5-tuple (the client's port when both sides name it, else address and time); TermDD 56 by the
//!   client address in `Data[1]`; Schannel, TermDD 50 and key operations — which name no
//!   address — by the host connection nearest in time on the same host, within
//!   [`NEAREST_SECONDS`] of one of its events, so an Internet scanner's TLS noise is owned by the
//!   scanner's own connection and not by a user's failure nearby;
//! * **client-side owned joins** — LsaSrv 6041/40960/40961 naming `TERMSRV/<target>`, 4648
//!   explicit credentials for the target, and outbound WFP / firewall-log records to the server's
//!   RDP port; the client's own Schannel, CAPI2 (of an RDP client process) and CredSSP 6041
//!   records, which name no connection, by the attempt whose setup (start to logon) holds them
//!   or with a record within [`NEAREST_SECONDS`] of them — a long session's hours own nothing
//!   of the browser's TLS;
//! * **context** — every other event of the client and the server in a window around the
//!   connection, the window's width depending on what the event speaks about
//!   ([`CONTEXT_WINDOWS`]: seconds for TLS and packet filtering, days for certificate renewal
//!   failures and firewall rule changes), the nearest [`CONTEXT_PER_KIND`] per kind kept.

use std::net::IpAddr;

use foldhash::{HashMap, HashSet};
use rdpsleuth_parser::{Event, Timestamp};

use crate::group::{
    ClientHalf, HostHalf, by_closeness, closeness, distance_to_window, secs_between,
};
use crate::identity::{host_key, strip_target};
use crate::model::{EventIndex, Lane, OmittedContext, Relation, TimelineEntry};
use crate::net;

/// Security logon records are joined to a connection from the same address within this many
/// seconds of its window.
pub const LOGON_JOIN_SECONDS: f64 = 10.0;
/// Packet-filter records without a port match are joined within this many seconds.
pub const NETWORK_JOIN_SECONDS: f64 = 10.0;
/// Packet-filter records naming the connection's exact client port are joined within this many
/// seconds.
pub const NETWORK_PORT_JOIN_SECONDS: f64 = 60.0;
/// Events without an address are owned by the nearest connection only within this many seconds
/// of one of its events.
pub const NEAREST_SECONDS: f64 = 2.0;
/// Most context events kept per catalog kind and connection (the nearest in time).
pub const CONTEXT_PER_KIND: usize = 64;

const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

/// How far before and after a connection's window (seconds) events of each catalog kind can
/// matter: one row per catalog key (a test checks every key has one).
pub static CONTEXT_WINDOWS: &[(&str, f64, f64)] = &[
    // Connection records left without a connection (listener, console sessions).
    ("rdpclient", 60.0, 60.0),
    ("rdpcorets", DAY, 60.0),
    ("rdpcorets_admin", DAY, 300.0),
    ("rcm", DAY, 60.0),
    ("rcm_admin", DAY, 300.0),
    ("lsm", HOUR, 600.0),
    ("gateway", 300.0, 300.0),
    // Certificates: renewal failures repeat for days; chain building happens at connect time.
    ("rcm_system", 14.0 * DAY, HOUR),
    ("capi2", 120.0, 60.0),
    // TLS and keys: the handshake's own seconds.
    ("schannel", 30.0, 30.0),
    ("termdd", 30.0, 30.0),
    ("key_operations", 30.0, 30.0),
    // Authentication and logons.
    ("credssp", 300.0, 60.0),
    ("logon", 60.0, 60.0),
    ("logon_failure", 60.0, 60.0),
    // Packet filtering: seconds; rule and profile changes: days.
    ("wfp", 30.0, 30.0),
    ("firewall_log", 30.0, 30.0),
    ("firewall", 7.0 * DAY, 600.0),
    ("firewall_policy_audit", 7.0 * DAY, 600.0),
    // Network.
    ("dns_client", 300.0, 60.0),
    ("network_profile", HOUR, 300.0),
    ("vpn", HOUR, 300.0),
    // Services, reboots, trust, clock, audit trail.
    ("service_control", DAY, 600.0),
    ("eventlog_service", DAY, 600.0),
    ("netlogon", DAY, HOUR),
    ("kerberos", DAY, HOUR),
    ("clock", DAY, HOUR),
    ("audit_log", 7.0 * DAY, 7.0 * DAY),
    // Security software: detections in minutes, configuration changes in days.
    ("defender", DAY, 600.0),
    ("security_center", 7.0 * DAY, 600.0),
    ("security_vendor_application", DAY, 600.0),
    ("security_vendor_channel", DAY, 600.0),
];

/// The context window of a catalog kind.
pub fn context_window(kind: &str) -> Option<(f64, f64)> {
    CONTEXT_WINDOWS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|&(_, b, a)| (b, a))
}

/// Kinds that name no address and are owned by the nearest host connection (event ids, or all).
const NEAREST_KINDS: &[(&str, Option<&[u32]>)] = &[
    ("schannel", None),
    ("termdd", None),
    ("key_operations", None),
];

/// Client-side kinds that name no connection (the client's TLS, certificate checks, CredSSP
/// version refusal) and are owned by the attempt nearest in time (event ids, or all).
const CLIENT_NEAREST_KINDS: &[(&str, Option<&[u32]>)] = &[
    ("schannel", None),
    ("capi2", None),
    ("credssp", Some(&[6041])),
];

/// Processes that run the RDP client, as CAPI2 names them (`EventAuxInfo@ProcessName`, lower
/// case parts of the file name): a certificate check by another program (a browser) is not
/// the attempt's.
pub static RDP_CLIENT_PROCESSES: &[&str] = &[
    "mstsc",
    "msrdc",
    "rdclient",
    "remotedesktop",
    "rdcman",
    "mremoteng",
];

fn in_kinds(kinds: &[(&str, Option<&[u32]>)], e: &Event) -> bool {
    let key = e.kind.key();
    kinds
        .iter()
        .any(|(k, ids)| *k == key && ids.is_none_or(|ids| ids.contains(&e.event_id)))
}

fn is_nearest_kind(e: &Event) -> bool {
    in_kinds(NEAREST_KINDS, e)
}

/// True when a client-side record may belong to an attempt by time: a kind of
/// [`CLIENT_NEAREST_KINDS`], and for CAPI2 a check made by an RDP client process (or by an
/// unnamed one).
fn is_client_nearest_kind(e: &Event) -> bool {
    in_kinds(CLIENT_NEAREST_KINDS, e)
        && (e.kind.key() != "capi2"
            || e.fields.text("EventAuxInfo@ProcessName").is_none_or(|p| {
                let p = p.to_lowercase();
                RDP_CLIENT_PROCESSES.iter().any(|x| p.contains(x))
            }))
}

/// A logon id as Windows writes it (`0x510986`).
fn logon_id(text: Option<&str>) -> Option<u64> {
    rdpsleuth_parser::event::parse_hex_u64(text?).filter(|&v| v != 0)
}

/// The half among `candidates` whose window is nearest to `t`, within `max` seconds (ties: see
/// [`closeness`]).
fn nearest_window(
    events: &[Event],
    halves: &[HostHalf],
    candidates: &[usize],
    t: Timestamp,
    max: f64,
) -> Option<usize> {
    candidates
        .iter()
        .filter_map(|&h| Some((h, closeness(events, &halves.get(h)?.conn, t))))
        .filter(|(_, d)| d.0 <= max)
        .min_by(by_closeness)
        .map(|(h, _)| h)
}

/// The entry of `anchors` (sorted by time) nearest to `t` within `max` seconds. Only the last
/// anchor before `t` and the first at or after it can be nearest; a tie between them goes to
/// the earlier one.
fn nearest_anchor(anchors: &[(Timestamp, usize)], t: Timestamp, max: f64) -> Option<usize> {
    let pos = anchors.partition_point(|(a, _)| *a < t);
    let within = |i: Option<usize>| {
        let &(a, h) = anchors.get(i?)?;
        let d = secs_between(t, a).abs();
        (d <= max).then_some((d, h))
    };
    match (within(pos.checked_sub(1)), within(Some(pos))) {
        (Some((before, h)), Some((after, _))) if before <= after => Some(h),
        (_, Some((_, h))) => Some(h),
        (Some((_, h)), None) => Some(h),
        (None, None) => None,
    }
}

/// Joins a server host's unowned events to its host connections.
pub fn join_host_events(
    events: &[Event],
    host_events: &[EventIndex],
    halves: &mut [HostHalf],
    rdp_ports: &[u16],
) {
    if halves.is_empty() {
        return;
    }
    let mut owned: HashSet<EventIndex> = halves
        .iter()
        .flat_map(|h| h.conn.events.iter().copied())
        .collect();
    let mut anchors: Vec<(Timestamp, usize)> = halves
        .iter()
        .enumerate()
        .flat_map(|(h, half)| {
            half.conn
                .events
                .iter()
                .filter_map(|&i| events.get(i))
                .map(move |e| (e.time, h))
        })
        .collect();
    anchors.sort();
    let mut by_ip: HashMap<IpAddr, Vec<usize>> = HashMap::default();
    for (h, half) in halves.iter().enumerate() {
        if let Some(ip) = half.conn.client_ip {
            by_ip.entry(ip).or_default().push(h);
        }
    }
    let mut by_logon: HashMap<u64, usize> = HashMap::default();
    let empty: Vec<usize> = Vec::new();

    for &i in host_events {
        if owned.contains(&i) {
            continue;
        }
        let Some(e) = events.get(i) else { continue };
        let f = &e.fields;
        let by_address = |ip: Option<IpAddr>, max: f64, halves: &[HostHalf]| {
            let ip = ip?;
            nearest_window(
                events,
                halves,
                by_ip.get(&ip).unwrap_or(&empty),
                e.time,
                max,
            )
        };
        let joined: Option<(usize, Relation)> = match (e.kind.key(), e.event_id) {
            ("logon" | "logon_failure", 4624 | 4625 | 4648) => {
                let ip = f.text("IpAddress").and_then(net::parse_ip);
                by_address(ip, LOGON_JOIN_SECONDS, halves).map(|h| (h, Relation::Logon))
            }
            ("logon", 4634 | 4647) => logon_id(f.text("TargetLogonId"))
                .and_then(|id| by_logon.get(&id).copied())
                .map(|h| (h, Relation::Logon)),
            ("logon_failure", 4778 | 4779) => logon_id(f.text("LogonID"))
                .and_then(|id| by_logon.get(&id).copied())
                .or_else(|| {
                    let ip = f.text("ClientAddress").and_then(net::parse_ip);
                    by_address(ip, LOGON_JOIN_SECONDS, halves)
                })
                .map(|h| (h, Relation::Logon)),
            ("wfp" | "firewall_log", _) => net::flow(e).and_then(|flow| {
                let inbound_rdp = flow.local_port.is_some_and(|p| rdp_ports.contains(&p));
                let remote = flow.remote.filter(|_| inbound_rdp)?;
                let candidates = by_ip.get(&remote)?;
                let exact: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&h| {
                        flow.remote_port.is_some()
                            && halves
                                .get(h)
                                .is_some_and(|x| x.conn.client_port == flow.remote_port)
                    })
                    .collect();
                nearest_window(events, halves, &exact, e.time, NETWORK_PORT_JOIN_SECONDS)
                    .or_else(|| {
                        nearest_window(events, halves, candidates, e.time, NETWORK_JOIN_SECONDS)
                    })
                    .map(|h| (h, Relation::Network))
            }),
            ("termdd", 56) if f.data(1).and_then(net::parse_ip).is_some() => by_address(
                f.data(1).and_then(net::parse_ip),
                LOGON_JOIN_SECONDS,
                halves,
            )
            .map(|h| (h, Relation::Address)),
            _ if is_nearest_kind(e) => {
                nearest_anchor(&anchors, e.time, NEAREST_SECONDS).map(|h| (h, Relation::Nearest))
            }
            _ => None,
        };
        let Some((h, relation)) = joined else {
            continue;
        };
        let Some(half) = halves.get_mut(h) else {
            continue;
        };
        half.own(events, i, relation);
        owned.insert(i);
        if e.event_id == 4624
            && let Some(id) = logon_id(f.text("TargetLogonId"))
        {
            by_logon.entry(id).or_insert(h);
        }
    }
}

impl ClientHalf {
    /// Adds an owned event and keeps the attempt's events sorted and its window up to date.
    pub fn own(&mut self, events: &[Event], index: EventIndex, relation: Relation) {
        self.owned.push((index, relation));
        let pos = self.attempt.events.partition_point(|&i| i < index);
        self.attempt.events.insert(pos, index);
        if let Some(e) = events.get(index) {
            self.attempt.start = self.attempt.start.min(e.time);
            self.attempt.end = self.attempt.end.max(e.time);
        }
    }
}

/// True when an SPN or target name (`TERMSRV/srv01.corp.local`) names an attempt's target.
fn names_target(spn: &str, target: &str) -> bool {
    let spn = spn.trim();
    let name = match spn.get(..8) {
        Some(prefix) if prefix.eq_ignore_ascii_case("TERMSRV/") => spn.get(8..).unwrap_or(""),
        _ => spn,
    };
    let name = name.split('@').next().unwrap_or(name);
    let a = strip_target(name).to_lowercase();
    let b = strip_target(target).to_lowercase();
    !a.is_empty() && (a == b || host_key(&a) == host_key(&b))
}

/// Joins a client host's unowned events to its attempts. `server_ips[k]` are the addresses of
/// attempt `k`'s server (its 1102 address, its target if typed as an IP, the resolved host's
/// addresses).
pub fn join_client_events(
    events: &[Event],
    host_events: &[EventIndex],
    halves: &mut [ClientHalf],
    server_ips: &[Vec<IpAddr>],
    rdp_ports: &[u16],
    owned_elsewhere: &HashSet<EventIndex>,
) {
    if halves.is_empty() {
        return;
    }
    let mut owned: HashSet<EventIndex> = halves
        .iter()
        .flat_map(|h| h.attempt.events.iter().copied())
        .collect();
    // Each attempt's own records (in time order) and its setup — from its start to the logon
    // (1027), or to its end when it never logged on.
    let mut anchors: Vec<(Timestamp, usize)> = Vec::new();
    let mut setups: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(halves.len());
    for (k, h) in halves.iter().enumerate() {
        let mut logon: Option<Timestamp> = None;
        for e in h.attempt.events.iter().filter_map(|&i| events.get(i)) {
            anchors.push((e.time, k));
            if e.event_id == 1027 && e.kind.key() == "rdpclient" {
                logon = Some(logon.map_or(e.time, |t| t.min(e.time)));
            }
        }
        setups.push((h.attempt.start, logon.unwrap_or(h.attempt.end)));
    }
    anchors.sort();
    // The attempt whose setup holds `t`, else the one with a record nearest to `t` within
    // [`NEAREST_SECONDS`] (ties: the earlier).
    let nearest_setup = |t: Timestamp| -> Option<usize> {
        setups
            .iter()
            .enumerate()
            .filter(|(_, (from, to))| *from <= t && t <= *to)
            .max_by_key(|(k, (from, _))| (*from, std::cmp::Reverse(*k)))
            .map(|(k, _)| k)
            .or_else(|| nearest_anchor(&anchors, t, NEAREST_SECONDS))
    };
    for &i in host_events {
        if owned.contains(&i) || owned_elsewhere.contains(&i) {
            continue;
        }
        let Some(e) = events.get(i) else { continue };
        let f = &e.fields;
        let nearest = |accept: &dyn Fn(usize) -> bool| -> Option<usize> {
            halves
                .iter()
                .enumerate()
                .filter(|(k, _)| accept(*k))
                .map(|(k, h)| {
                    (
                        k,
                        distance_to_window(e.time, h.attempt.start, h.attempt.end).abs(),
                    )
                })
                .filter(|(_, d)| *d <= LOGON_JOIN_SECONDS)
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|(k, _)| k)
        };
        let target_of = |k: usize| halves.get(k).and_then(|h| h.attempt.target.clone());
        let joined = match (e.kind.key(), e.event_id) {
            ("credssp", _) => {
                let spn = f.text("Target").or_else(|| f.data(0));
                spn.filter(|s| s.to_ascii_uppercase().starts_with("TERMSRV/"))
                    .and_then(|spn| {
                        nearest(&|k| target_of(k).is_some_and(|t| names_target(spn, &t)))
                    })
                    .map(|k| (k, Relation::Address))
            }
            ("logon", 4648) => f
                .text("TargetServerName")
                .and_then(|name| nearest(&|k| target_of(k).is_some_and(|t| names_target(name, &t))))
                .map(|k| (k, Relation::Logon)),
            ("wfp" | "firewall_log", _) => net::flow(e).and_then(|flow| {
                let to_rdp = flow.remote_port.is_some_and(|p| rdp_ports.contains(&p));
                let remote = flow.remote.filter(|_| to_rdp)?;
                nearest(&|k| server_ips.get(k).is_some_and(|ips| ips.contains(&remote)))
                    .map(|k| (k, Relation::Network))
            }),
            _ => None,
        }
        .or_else(|| {
            is_client_nearest_kind(e)
                .then(|| nearest_setup(e.time))
                .flatten()
                .map(|k| (k, Relation::Nearest))
        });
        if let Some((k, relation)) = joined
            && let Some(half) = halves.get_mut(k)
        {
            half.own(events, i, relation);
            owned.insert(i);
        }
    }
}

/// One machine of a connection as context is gathered from it: the host, its lane, and how far
/// its clock reads behind the connection's reference clock (`reference = host + shift`,
/// seconds).
#[derive(Clone, Copy, Debug)]
pub struct ContextSide {
    /// The host.
    pub host: usize,
    /// Its lane.
    pub lane: Lane,
    /// Seconds to add to its times.
    pub shift: f64,
}

/// Per host, the unowned events that can be context, by catalog kind, in time order.
#[derive(Debug, Default)]
pub struct ContextIndex {
    per_host: Vec<HashMap<&'static str, Vec<(Timestamp, EventIndex)>>>,
}

impl ContextIndex {
    /// Indexes the events no connection owns.
    pub fn new(
        events: &[Event],
        event_host: &[usize],
        hosts: usize,
        owner: &[Option<usize>],
    ) -> ContextIndex {
        let mut per_host: Vec<HashMap<&'static str, Vec<(Timestamp, EventIndex)>>> =
            (0..hosts).map(|_| HashMap::default()).collect();
        for (i, e) in events.iter().enumerate() {
            if owner.get(i).is_some_and(Option::is_some) {
                continue;
            }
            let key = e.kind.key();
            if context_window(key).is_none() {
                continue;
            }
            let Some(host) = event_host.get(i).and_then(|&h| per_host.get_mut(h)) else {
                continue;
            };
            host.entry(key).or_default().push((e.time, i));
        }
        for host in &mut per_host {
            for list in host.values_mut() {
                list.sort();
            }
        }
        ContextIndex { per_host }
    }

    /// The context of a window `[start, end]` (reference clock) on one side of a connection.
    pub fn collect(
        &self,
        side: ContextSide,
        start: Timestamp,
        end: Timestamp,
        out: &mut Vec<TimelineEntry>,
        omitted: &mut Vec<OmittedContext>,
    ) {
        let ContextSide { host, lane, shift } = side;
        let Some(kinds) = self.per_host.get(host) else {
            return;
        };
        let mut keys: Vec<&&'static str> = kinds.keys().collect();
        keys.sort();
        for key in keys {
            let (Some(list), Some((before, after))) = (kinds.get(*key), context_window(key)) else {
                continue;
            };
            let from = start.add_seconds(-before - shift);
            let to = end.add_seconds(after - shift);
            let lo = list.partition_point(|(t, _)| *t < from);
            let hi = list.partition_point(|(t, _)| *t <= to);
            let Some(range) = list.get(lo..hi) else {
                continue;
            };
            let local_start = start.add_seconds(-shift);
            let local_end = end.add_seconds(-shift);
            let picked = nearest_k(range, local_start, local_end, CONTEXT_PER_KIND);
            if range.len() > picked.len() {
                omitted.push(OmittedContext {
                    kind: (*key).to_string(),
                    count: range.len() - picked.len(),
                });
            }
            for (t, i) in picked {
                let time = t.add_seconds(shift);
                out.push(TimelineEntry {
                    event: i,
                    lane,
                    relation: Relation::Context,
                    time,
                    distance_seconds: distance_to_window(time, start, end),
                });
            }
        }
    }
}

/// The `k` entries of a time-sorted slice nearest to the window `[start, end]`: those inside
/// first (earliest first), then outward from both edges, the nearer side first.
fn nearest_k(
    range: &[(Timestamp, EventIndex)],
    start: Timestamp,
    end: Timestamp,
    k: usize,
) -> Vec<(Timestamp, EventIndex)> {
    if range.len() <= k {
        return range.to_vec();
    }
    let inside_lo = range.partition_point(|(t, _)| *t < start);
    let inside_hi = range.partition_point(|(t, _)| *t <= end);
    let mut picked: Vec<(Timestamp, EventIndex)> = range
        .get(inside_lo..inside_hi)
        .unwrap_or(&[])
        .iter()
        .take(k)
        .copied()
        .collect();
    let mut left = inside_lo;
    let mut right = inside_hi;
    while picked.len() < k {
        let l = left.checked_sub(1).and_then(|i| range.get(i));
        let r = range.get(right);
        match (l, r) {
            (Some(&(lt, li)), Some(&(rt, ri))) => {
                if secs_between(start, lt) <= secs_between(rt, end) {
                    picked.push((lt, li));
                    left -= 1;
                } else {
                    picked.push((rt, ri));
                    right += 1;
                }
            }
            (Some(&x), None) => {
                picked.push(x);
                left -= 1;
            }
            (None, Some(&x)) => {
                picked.push(x);
                right += 1;
            }
            (None, None) => break,
        }
    }
    picked.sort();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{client_attempts, host_connections};
    use crate::testutil::*;
    use rdpsleuth_parser::catalog::{ENTRIES, channel};

    proptest::proptest! {
        #[test]
        fn nearest_anchor_is_the_nearest_of_all(
            mut times in proptest::collection::vec(0i64..60, 0..40),
            t in -5i64..65,
            max in 0u8..20,
        ) {
            times.sort_unstable();
            let tick = |s: i64| Timestamp(s * Timestamp::TICKS_PER_SECOND);
            let anchors: Vec<(Timestamp, usize)> =
                times.iter().enumerate().map(|(h, &s)| (tick(s), h)).collect();
            // Every anchor within reach, nearest first, then the one sorted last among those
            // before `t` (the nearest earlier one), else the first at or after it.
            let at = tick(t);
            let max = f64::from(max);
            let before = anchors.partition_point(|(a, _)| *a < at);
            let expected = anchors
                .iter()
                .enumerate()
                .filter(|(_, (a, _))| secs_between(at, *a).abs() <= max)
                .min_by(|(i, (a, _)), (j, (b, _))| {
                    let (da, db) = (secs_between(at, *a).abs(), secs_between(at, *b).abs());
                    // Earlier side first; on the earlier side the later index (nearer to t).
                    let side = |k: usize| if k < before { (0, usize::MAX - k) } else { (1, k) };
                    da.total_cmp(&db).then(side(*i).cmp(&side(*j)))
                })
                .map(|(_, (_, h))| *h);
            proptest::prop_assert_eq!(nearest_anchor(&anchors, at, max), expected);
        }
    }

    fn sorted(mut events: Vec<Event>) -> Vec<Event> {
        events.sort_by_key(|e| e.time);
        events
    }

    fn all(events: &[Event]) -> Vec<EventIndex> {
        (0..events.len()).collect()
    }

    fn owner_of(halves: &[HostHalf], i: EventIndex) -> Option<(usize, Relation)> {
        halves.iter().enumerate().find_map(|(h, half)| {
            half.owned
                .iter()
                .find(|(e, _)| *e == i)
                .map(|(_, r)| (h, *r))
        })
    }

    #[test]
    fn every_catalog_kind_has_a_context_window() {
        for entry in ENTRIES {
            assert!(context_window(entry.key).is_some(), "{}", entry.key);
        }
        for (k, _, _) in CONTEXT_WINDOWS {
            assert!(ENTRIES.iter().any(|e| e.key == *k), "{k}");
        }
    }

    #[test]
    fn logons_join_by_address_time_and_logon_id() {
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.0.5", 50000, true);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            500,
            "10.0.0.6",
            50001,
            false,
        ));
        // NLA type 3 then type 10 from the first client.
        events.push(security(
            "SRV01",
            4624,
            1_800,
            &[
                ("LogonType", "3"),
                ("IpAddress", "10.0.0.5"),
                ("TargetLogonId", "0x1111"),
            ],
        ));
        events.push(security(
            "SRV01",
            4624,
            4_000,
            &[
                ("LogonType", "10"),
                ("IpAddress", "10.0.0.5"),
                ("TargetLogonId", "0x2222"),
            ],
        ));
        // Logoff much later, by logon id only.
        events.push(security(
            "SRV01",
            4634,
            3_600_000,
            &[("TargetLogonId", "0x2222")],
        ));
        events.push(security(
            "SRV01",
            4779,
            3_600_100,
            &[("LogonID", "0x2222"), ("ClientAddress", "10.0.0.5")],
        ));
        // Failed NLA logon from the second client.
        events.push(security(
            "SRV01",
            4625,
            700,
            &[
                ("LogonType", "3"),
                ("IpAddress", "10.0.0.6"),
                ("Status", "0xc000006d"),
            ],
        ));
        // A 4625 from an address nobody connected from: unowned.
        events.push(security(
            "SRV01",
            4625,
            800,
            &[("LogonType", "3"), ("IpAddress", "203.0.113.9")],
        ));
        // A 4625 without an address (NLA failure on old builds): unowned.
        events.push(security(
            "SRV01",
            4625,
            900,
            &[("LogonType", "3"), ("IpAddress", "-")],
        ));
        let events = sorted(events);
        let mut halves = host_connections(&events, 0, &all(&events));
        join_host_events(&events, &all(&events), &mut halves, &[3389]);
        let first = halves
            .iter()
            .position(|h| h.conn.activity_id == Some(guid(1)))
            .unwrap();
        let second = 1 - first;
        let find = |id: u32, pred: &dyn Fn(&Event) -> bool| {
            events
                .iter()
                .position(|e| e.event_id == id && pred(e))
                .unwrap()
        };
        let t3 = find(4624, &|e| e.fields.text("LogonType") == Some("3"));
        let t10 = find(4624, &|e| e.fields.text("LogonType") == Some("10"));
        assert_eq!(owner_of(&halves, t3), Some((first, Relation::Logon)));
        assert_eq!(owner_of(&halves, t10), Some((first, Relation::Logon)));
        assert_eq!(
            owner_of(&halves, find(4634, &|_| true)),
            Some((first, Relation::Logon))
        );
        assert_eq!(
            owner_of(&halves, find(4779, &|_| true)),
            Some((first, Relation::Logon))
        );
        let bad = find(4625, &|e| e.fields.text("IpAddress") == Some("10.0.0.6"));
        assert_eq!(owner_of(&halves, bad), Some((second, Relation::Logon)));
        let stranger = find(4625, &|e| e.fields.text("IpAddress") == Some("203.0.113.9"));
        assert_eq!(owner_of(&halves, stranger), None);
        let no_ip = find(4625, &|e| e.fields.text("IpAddress") == Some("-"));
        assert_eq!(owner_of(&halves, no_ip), None);
        // The window grew to the logoff.
        assert_eq!(halves[first].conn.end, at(3_600_100));
    }

    #[test]
    fn packet_filter_records_join_by_five_tuple() {
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.0.5", 50000, false);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            20_000,
            "10.0.0.5",
            50007,
            false,
        ));
        // 5156 permit (local = listener) naming the first connection's port, 15 s after it.
        events.push(security(
            "SRV01",
            5156,
            15_000,
            &[
                ("Direction", "%%14592"),
                ("SourceAddress", "10.0.0.10"),
                ("SourcePort", "3389"),
                ("DestAddress", "10.0.0.5"),
                ("DestPort", "50000"),
            ],
        ));
        // 5152 drop (Source = the sender) of the second connection's port.
        events.push(security(
            "SRV01",
            5152,
            20_100,
            &[
                ("Direction", "%%14592"),
                ("SourceAddress", "10.0.0.5"),
                ("SourcePort", "50007"),
                ("DestAddress", "10.0.0.10"),
                ("DestPort", "3389"),
            ],
        ));
        // Firewall-log line without a matching port: nearest window from that address.
        let mut fw = ev(
            "SRV01",
            channel::FIREWALL_LOG,
            rdpsleuth_parser::catalog::FIREWALL_LOG_PROVIDER,
            1,
            25_000,
            fields(&[
                ("src-ip", "10.0.0.5"),
                ("dst-ip", "10.0.0.10"),
                ("src-port", "50999"),
                ("dst-port", "3389"),
                ("path", "RECEIVE"),
            ]),
        );
        fw.record_id = 7;
        events.push(fw);
        // Traffic to another port: not RDP, not joined.
        events.push(security(
            "SRV01",
            5156,
            100,
            &[
                ("SourceAddress", "10.0.0.10"),
                ("SourcePort", "445"),
                ("DestAddress", "10.0.0.5"),
                ("DestPort", "50000"),
            ],
        ));
        let events = sorted(events);
        let mut halves = host_connections(&events, 0, &all(&events));
        join_host_events(&events, &all(&events), &mut halves, &[3389]);
        let p5156 = events
            .iter()
            .position(|e| e.event_id == 5156 && e.fields.text("SourcePort") == Some("3389"))
            .unwrap();
        let p5152 = events.iter().position(|e| e.event_id == 5152).unwrap();
        let pfw = events.iter().position(|e| e.record_id == 7).unwrap();
        let p445 = events
            .iter()
            .position(|e| e.fields.text("SourcePort") == Some("445"))
            .unwrap();
        assert_eq!(owner_of(&halves, p5156), Some((0, Relation::Network)));
        assert_eq!(owner_of(&halves, p5152), Some((1, Relation::Network)));
        assert_eq!(owner_of(&halves, pfw), Some((1, Relation::Network)));
        assert_eq!(owner_of(&halves, p445), None);
    }

    #[test]
    fn schannel_noise_is_owned_by_the_nearest_connection() {
        // A user's long session from 10.0.0.5 and, during it, a scanner's connection with its
        // Schannel pair; a Schannel error far from any connection event stays unowned.
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.0.5", 50000, true);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            30_000,
            "198.51.100.7",
            40000,
            false,
        ));
        let sch =
            |ms: i64, id: u32| system("SRV01", "Schannel", id, ms, fields(&[("AlertDesc", "40")]));
        events.push(sch(30_320, 36874));
        events.push(sch(30_321, 36888));
        events.push(sch(45_000, 36888));
        events.push(system(
            "SRV01",
            "TermDD",
            56,
            30_330,
            data(&["\\Device\\Termdd", "198.51.100.7"]),
        ));
        events.push(system(
            "SRV01",
            "TermDD",
            50,
            30_340,
            data(&["\\Device\\Termdd", "X.224"]),
        ));
        let events = sorted(events);
        let mut halves = host_connections(&events, 0, &all(&events));
        join_host_events(&events, &all(&events), &mut halves, &[3389]);
        let scanner = halves
            .iter()
            .position(|h| h.conn.activity_id == Some(guid(2)))
            .unwrap();
        for (i, e) in events.iter().enumerate() {
            match (e.event_id, e.time) {
                (36874, _) | (50, _) => {
                    assert_eq!(owner_of(&halves, i), Some((scanner, Relation::Nearest)))
                }
                (36888, t) if t == at(30_321) => {
                    assert_eq!(owner_of(&halves, i), Some((scanner, Relation::Nearest)))
                }
                (36888, _) => assert_eq!(owner_of(&halves, i), None),
                (56, _) => assert_eq!(owner_of(&halves, i), Some((scanner, Relation::Address))),
                _ => {}
            }
        }
    }

    #[test]
    fn client_side_events_join_their_attempt() {
        let mut events = client_attempt(
            "WS1",
            guid(1),
            0,
            "srv01.corp.local",
            Some("10.0.0.10"),
            2308,
            false,
        );
        events.extend(client_attempt(
            "WS1",
            guid(2),
            60_000,
            "srv02",
            None,
            2308,
            false,
        ));
        events.push(system(
            "WS1",
            "LsaSrv",
            6041,
            900,
            data(&["TERMSRV/SRV01.corp.local", "4"]),
        ));
        events.push(security(
            "WS1",
            5157,
            60_060,
            &[
                ("Direction", "%%14593"),
                ("SourceAddress", "10.0.0.5"),
                ("SourcePort", "51000"),
                ("DestAddress", "10.0.0.20"),
                ("DestPort", "3389"),
            ],
        ));
        events.push(security(
            "WS1",
            4648,
            60_010,
            &[("TargetServerName", "SRV02")],
        ));
        let events = sorted(events);
        let mut halves = client_attempts(&events, 0, &all(&events));
        let ips = vec![
            vec!["10.0.0.10".parse().unwrap()],
            vec!["10.0.0.20".parse().unwrap()],
        ];
        join_client_events(
            &events,
            &all(&events),
            &mut halves,
            &ips,
            &[3389],
            &HashSet::default(),
        );
        let pos = |id: u32| events.iter().position(|e| e.event_id == id).unwrap();
        assert!(halves[0].owned.contains(&(pos(6041), Relation::Address)));
        assert!(halves[1].owned.contains(&(pos(5157), Relation::Network)));
        assert!(halves[1].owned.contains(&(pos(4648), Relation::Logon)));
        assert!(names_target("TERMSRV/srv01", "SRV01.corp.local"));
        assert!(!names_target("TERMSRV/srv02", "srv01"));
    }

    #[test]
    fn client_tls_and_certificate_records_join_the_attempt_by_time() {
        // A1 fails at 1.5 s without a logon; A2 logs on at 63 s and ends at 120 s.
        let mut events = client_attempt("WS1", guid(1), 0, "srv01.corp.local", None, 2308, false);
        events.extend(client_attempt(
            "WS1",
            guid(2),
            60_000,
            "srv01.corp.local",
            None,
            2308,
            true,
        ));
        let schannel =
            |id: u32, ms: i64, f: &[(&str, &str)]| system("WS1", "Schannel", id, ms, fields(f));
        let capi2 = |id: u32, ms: i64, process: &str| {
            ev(
                "WS1",
                channel::CAPI2,
                "Microsoft-Windows-CAPI2",
                id,
                ms,
                fields(&[
                    ("EventAuxInfo@ProcessName", process),
                    ("Result@value", "800B010F"),
                ]),
            )
        };
        events.push(schannel(36887, 300, &[("AlertDesc", "70")]));
        events.push(capi2(11, 500, "chrome.exe"));
        events.push(capi2(30, 600, "mstsc.exe"));
        // CredSSP refused for the host under an alias the user did not type.
        events.push(system(
            "WS1",
            "LsaSrv",
            6041,
            800,
            data(&["TERMSRV/rds-alias.corp.local", "4"]),
        ));
        events.push(schannel(36884, 61_000, &[("Name", "srv01.corp.local")]));
        // A browser's alert in the middle of A2's session, and one at its end.
        events.push(schannel(36887, 90_000, &[("AlertDesc", "46")]));
        events.push(schannel(36887, 121_000, &[("AlertDesc", "46")]));
        let events = sorted(events);
        let mut halves = client_attempts(&events, 0, &all(&events));
        join_client_events(
            &events,
            &all(&events),
            &mut halves,
            &[vec![], vec![]],
            &[3389],
            &HashSet::default(),
        );
        let at_ms = |id: u32, ms: i64| {
            events
                .iter()
                .position(|e| e.event_id == id && e.time == at(ms))
                .unwrap()
        };
        let owner = |i: EventIndex| {
            halves.iter().position(|h| {
                h.owned
                    .iter()
                    .any(|(x, r)| *x == i && *r == Relation::Nearest)
            })
        };
        assert_eq!(owner(at_ms(36887, 300)), Some(0));
        assert_eq!(owner(at_ms(30, 600)), Some(0));
        assert_eq!(owner(at_ms(6041, 800)), Some(0));
        assert_eq!(owner(at_ms(36884, 61_000)), Some(1));
        assert_eq!(owner(at_ms(36887, 121_000)), Some(1));
        let unowned = |i: EventIndex| halves.iter().all(|h| !h.attempt.events.contains(&i));
        assert!(unowned(at_ms(11, 500)), "another program's chain check");
        assert!(unowned(at_ms(36887, 90_000)), "TLS during the session");
    }

    #[test]
    fn context_keeps_the_nearest_per_kind_with_distances() {
        let mut events = Vec::new();
        // 100 Schannel events one second apart around t = 50 s, a firewall rule change a day
        // before, and a service change two days before (outside its one-day window).
        for s in 0..100 {
            events.push(system(
                "SRV01",
                "Schannel",
                36888,
                s * 1_000,
                fields(&[("AlertDesc", "40")]),
            ));
        }
        events.push(ev(
            "SRV01",
            channel::FIREWALL,
            "Microsoft-Windows-Windows Firewall With Advanced Security",
            2006,
            -86_000_000,
            fields(&[("RuleName", "Remote Desktop - User Mode (TCP-In)")]),
        ));
        events.push(system(
            "SRV01",
            "Service Control Manager",
            7036,
            -2 * 86_400_000 - 5,
            fields(&[("param1", "Remote Desktop Services"), ("param2", "stopped")]),
        ));
        let events = sorted(events);
        let owner = vec![None; events.len()];
        let index = ContextIndex::new(&events, &vec![0; events.len()], 1, &owner);
        let mut out = Vec::new();
        let mut omitted = Vec::new();
        index.collect(
            ContextSide {
                host: 0,
                lane: Lane::Server,
                shift: 0.0,
            },
            at(50_000),
            at(51_000),
            &mut out,
            &mut omitted,
        );
        let schannel: Vec<_> = out
            .iter()
            .filter(|x| events[x.event].event_id == 36888)
            .collect();
        // Window ±30 s → 62 events in range, all kept (cap 64).
        assert_eq!(schannel.len(), 62);
        assert!(omitted.is_empty());
        let rule = out
            .iter()
            .find(|x| events[x.event].event_id == 2006)
            .unwrap();
        assert!((rule.distance_seconds + 86_050.0).abs() < 1e-6);
        assert!(out.iter().all(|x| events[x.event].event_id != 7036));
        // A shifted client clock: the host reads 10 s less than the reference.
        out.clear();
        index.collect(
            ContextSide {
                host: 0,
                lane: Lane::Client,
                shift: 10.0,
            },
            at(60_000),
            at(61_000),
            &mut out,
            &mut omitted,
        );
        let inside: Vec<_> = out.iter().filter(|x| x.distance_seconds == 0.0).collect();
        assert_eq!(inside.len(), 2); // host times 50 s and 51 s
        assert!(
            inside
                .iter()
                .all(|x| x.time >= at(60_000) && x.time <= at(61_000))
        );
        // A cap smaller than the range keeps the nearest.
        let range: Vec<(Timestamp, EventIndex)> =
            (0..10).map(|s| (at(s * 1_000), s as usize)).collect();
        let k = nearest_k(&range, at(4_500), at(4_600), 3);
        assert_eq!(k.iter().map(|x| x.1).collect::<Vec<_>>(), vec![4, 5, 6]);
    }
}
