//! Linking client attempts to host connections across machines, with estimated clock offsets.
//!
//! Owns:
//! * the **target** of each attempt: the target as typed (name, FQDN or IP) and the 1102 server
//!   address matched against the hosts' identities;
//! * the **clock offset** of each client–server pair, estimated robustly from the attempts and
//!   connections themselves: every difference between a host connection's start and an attempt's
//!   transport-up time within ±[`SEARCH_SECONDS`] (and, where RdpCoreTS 104 reports the client's
//!   time-zone bias, the same around ± that many whole hours) is a vote; the offsets with the
//!   densest votes are scored by how many attempts they pair one-to-one with connections within
//!   [`MATCH_SECONDS`]; the winner is refined to the median of its pairs. Retries a few seconds
//!   apart make side peaks, but only the true offset pairs every retry;
//! * the **links**, decided with the corrected clocks within [`LINK_SECONDS`] (where a client
//!   logs 1025, only attempts whose transport came up take part): unique candidates
//!   first (and the client's address learned from them), then the rest by [`Preference`] —
//!   not from a probing address, carrying the user's activity when the attempt got as far as
//!   sending credentials and carrying none when the client dropped it before — then nearest
//!   first, with a consistent client address — once a
//!   client's address is known, a connection from another address is not its attempt. A pick
//!   that nothing but a fraction of a second decided between connections from different
//!   addresses (a scanner connecting in the same instant as the user) links, but teaches no
//!   client address.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use rayon::prelude::*;
use rdpsleuth_parser::{Event, Timestamp};

use crate::group::{
    ClientHalf, HostHalf, attempt_anchor, connection_anchor, secs_between, timezone_bias_hours,
};
use crate::identity::Identity;
use crate::model::{ClientAttempt, ClockOffset, HostConnection, HostId};
use crate::net;
use crate::outcome::Probes;

/// How far (seconds) a client's clock may be off without a time-zone hint.
pub const SEARCH_SECONDS: f64 = 1_800.0;
/// Tolerance (seconds) when counting attempts an offset pairs with connections.
pub const MATCH_SECONDS: f64 = 2.0;
/// Tolerance (seconds) of a link once clocks are corrected.
pub const LINK_SECONDS: f64 = 3.0;
/// Offsets this small (seconds) need no consensus: the clocks agree.
pub const AGREEING_CLOCKS_SECONDS: f64 = 5.0;
/// Candidate offsets scored per pair (the densest vote clusters).
const CANDIDATES: usize = 16;

/// What linking decided.
#[derive(Debug, Default)]
pub struct Linking {
    /// For each attempt, the host it targeted, when the logs show that host.
    pub attempt_server: Vec<Option<HostId>>,
    /// Linked (attempt, host connection) pairs.
    pub links: Vec<(usize, usize)>,
    /// The estimated offsets per pair, in (client, server) order.
    pub offsets: Vec<ClockOffset>,
}

impl Linking {
    /// Server clock minus client clock for a pair, when estimated.
    pub fn pair_offset(&self, client: HostId, server: HostId) -> Option<f64> {
        self.offsets
            .iter()
            .find(|o| o.client == client && o.server == server)
            .map(|o| o.seconds)
    }
}

/// The hosts an attempt names: its target as typed and its 1102 server address. Hosts that
/// accept connections are preferred when a name is shared.
fn resolve_attempt(identity: &Identity, a: &ClientHalf, servers: &BTreeSet<HostId>) -> Vec<HostId> {
    let mut found: BTreeSet<HostId> = BTreeSet::new();
    for text in [
        a.attempt.target.as_deref(),
        a.attempt.server_address.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        found.extend(identity.resolve(text));
    }
    if found.len() > 1 {
        let serving: BTreeSet<HostId> = found.intersection(servers).copied().collect();
        if !serving.is_empty() {
            found = serving;
        }
    }
    found.into_iter().collect()
}

/// A possible link: (distance in seconds on corrected clocks, attempt, host connection).
type Candidate = (f64, usize, usize);

/// True when a host connection shows a user at work, not a bare connect: network
/// authentication (1149), a refused user name or password (140), a session or any LSM record,
/// a user name, a Security logon or failed logon joined to it.
pub fn carries_user_activity(events: &[Event], c: &HostConnection) -> bool {
    c.authenticated
        || c.credential_failure
        || c.session_started
        || c.user.is_some()
        || c.events.iter().filter_map(|&i| events.get(i)).any(|e| {
            e.kind.key() == "lsm"
                || (matches!(e.event_id, 4624 | 4625)
                    && matches!(e.kind.key(), "logon" | "logon_failure"))
        })
}

/// True when an attempt got as far as sending credentials: the client logged the user name
/// hash (1029, logged before credentials are sent) or the logon (1027).
pub fn sent_credentials(events: &[Event], a: &ClientAttempt) -> bool {
    a.logged_on
        || a.events
            .iter()
            .filter_map(|&i| events.get(i))
            .any(|e| e.event_id == 1029 && e.kind.key() == "rdpclient")
}

/// What, besides time, makes a host connection a likelier half of an attempt.
#[derive(Debug, Default)]
pub struct Preference {
    /// Per host connection: from an address probing the host.
    probe: Vec<bool>,
    /// Per host connection: it carries a user's activity.
    activity: Vec<bool>,
    /// Per attempt: it sent credentials.
    credentials: Vec<bool>,
    /// Per attempt: the client dropped it before sending credentials.
    failed_early: Vec<bool>,
}

impl Preference {
    /// Reads the facts of every attempt and host connection.
    pub fn new(events: &[Event], clients: &[ClientHalf], servers: &[HostHalf]) -> Preference {
        let probes = Probes::new(servers.iter().map(|h| &h.conn));
        Preference {
            probe: servers.iter().map(|h| probes.is_probe(&h.conn)).collect(),
            activity: servers
                .iter()
                .map(|h| carries_user_activity(events, &h.conn))
                .collect(),
            credentials: clients
                .iter()
                .map(|c| sent_credentials(events, &c.attempt))
                .collect(),
            failed_early: clients
                .iter()
                .map(|c| {
                    c.attempt.disconnect_reason.is_some() && !sent_credentials(events, &c.attempt)
                })
                .collect(),
        }
    }

    /// The rank of a candidate link, lower is better: a connection from a probing address
    /// comes last; for an attempt that sent credentials, a connection without any user
    /// activity comes after one with it; for an attempt the client dropped before sending
    /// any, a connection with a user's activity (another client's session in the same
    /// seconds) comes after one without.
    pub fn rank(&self, attempt: usize, conn: usize) -> (bool, bool) {
        let probe = self.probe.get(conn).copied().unwrap_or(false);
        let sent = self.credentials.get(attempt).copied().unwrap_or(false);
        let early = self.failed_early.get(attempt).copied().unwrap_or(false);
        let active = self.activity.get(conn).copied().unwrap_or(false);
        (probe, (sent && !active) || (early && active))
    }
}

/// The offset estimate of one pair.
#[derive(Clone, Debug, PartialEq)]
struct Estimate {
    seconds: f64,
    pairs: usize,
    spread: f64,
}

/// Counts attempts paired one-to-one with connections when the client clock is moved by `d`
/// (both lists sorted), and returns the matched differences.
fn one_to_one(anchors: &[Timestamp], starts: &[Timestamp], d: f64) -> Vec<f64> {
    let mut matched = Vec::new();
    let mut j = 0;
    for &a in anchors {
        let moved = a.add_seconds(d);
        while j < starts.len()
            && starts
                .get(j)
                .is_some_and(|&s| secs_between(s, moved) < -MATCH_SECONDS)
        {
            j += 1;
        }
        if let Some(&s) = starts.get(j)
            && secs_between(s, moved).abs() <= MATCH_SECONDS
        {
            matched.push(secs_between(s, a));
            j += 1;
        }
    }
    matched
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values.get(n / 2).copied().unwrap_or(0.0),
        _ => {
            let a = values.get(n / 2 - 1).copied().unwrap_or(0.0);
            let b = values.get(n / 2).copied().unwrap_or(0.0);
            (a + b) / 2.0
        }
    }
}

/// Estimates server-minus-client clock offset from attempt anchors and connection starts (both
/// sorted). `hours` are whole-hour shifts to search besides 0 (from time-zone hints).
/// `corroborated` says the connections are known to come from this client's address, so a
/// single pair may decide.
fn estimate_offset(
    anchors: &[Timestamp],
    starts: &[Timestamp],
    hours: &[i64],
    corroborated: bool,
) -> Option<Estimate> {
    if anchors.is_empty() || starts.is_empty() {
        return None;
    }
    let mut shifts: Vec<f64> = vec![0.0];
    shifts.extend(
        hours
            .iter()
            .filter(|&&h| h != 0)
            .map(|&h| h as f64 * 3_600.0),
    );
    // Votes: every difference within the search range of a shift.
    let mut votes: Vec<f64> = Vec::new();
    for &a in anchors {
        for &shift in &shifts {
            let lo = a.add_seconds(shift - SEARCH_SECONDS);
            let hi = a.add_seconds(shift + SEARCH_SECONDS);
            let from = starts.partition_point(|&s| s < lo);
            let to = starts.partition_point(|&s| s <= hi);
            votes.extend(
                starts
                    .get(from..to)
                    .unwrap_or(&[])
                    .iter()
                    .map(|s| secs_between(*s, a)),
            );
        }
    }
    if votes.is_empty() {
        return None;
    }
    votes.sort_by(f64::total_cmp);
    // Density of each vote: votes within ±MATCH_SECONDS.
    let mut density: Vec<(usize, f64)> = Vec::with_capacity(votes.len());
    let (mut lo, mut hi) = (0usize, 0usize);
    for &v in &votes {
        while votes.get(lo).is_some_and(|&x| x < v - MATCH_SECONDS) {
            lo += 1;
        }
        while votes.get(hi).is_some_and(|&x| x <= v + MATCH_SECONDS) {
            hi += 1;
        }
        density.push((hi - lo, v));
    }
    density.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let mut candidates: Vec<f64> = Vec::new();
    for &(_, v) in &density {
        if candidates.iter().all(|&c| (c - v).abs() > MATCH_SECONDS) {
            candidates.push(v);
            if candidates.len() >= CANDIDATES {
                break;
            }
        }
    }
    let region = |d: f64| -> usize { if d.abs() <= SEARCH_SECONDS { 0 } else { 1 } };
    let mut best: Option<(Estimate, usize)> = None;
    for c in candidates {
        let mut matched = one_to_one(anchors, starts, c);
        if matched.is_empty() {
            continue;
        }
        // Refine around the median and count again, so the estimate is the pairs' centre.
        let centre = median(&mut matched.clone());
        let mut refined = one_to_one(anchors, starts, centre);
        if refined.len() < matched.len() {
            refined = std::mem::take(&mut matched);
        }
        let seconds = median(&mut refined.clone());
        let mut deviations: Vec<f64> = refined.iter().map(|x| (x - seconds).abs()).collect();
        let spread = median(&mut deviations);
        let e = Estimate {
            seconds,
            pairs: refined.len(),
            spread,
        };
        let better = match &best {
            None => true,
            Some((b, b_region)) => (e.pairs, std::cmp::Reverse(region(e.seconds)))
                .cmp(&(b.pairs, std::cmp::Reverse(*b_region)))
                .then_with(|| b.spread.total_cmp(&e.spread))
                .then_with(|| b.seconds.abs().total_cmp(&e.seconds.abs()))
                .is_gt(),
        };
        if better {
            best = Some((e.clone(), region(e.seconds)));
        }
    }
    let (e, _) = best?;
    let agreeing = e.seconds.abs() <= AGREEING_CLOCKS_SECONDS;
    (e.pairs >= 2 || corroborated || agreeing).then_some(e)
}

/// Links attempts to host connections and estimates clock offsets; learns addresses on the way.
pub fn link(
    events: &[Event],
    identity: &mut Identity,
    clients: &[ClientHalf],
    servers: &[HostHalf],
) -> Linking {
    let serving: BTreeSet<HostId> = servers.iter().map(|h| h.conn.server).collect();
    let anchors: Vec<Timestamp> = clients
        .iter()
        .map(|c| attempt_anchor(events, &c.attempt))
        .collect();
    let accepted: Vec<Timestamp> = servers
        .iter()
        .map(|h| connection_anchor(events, &h.conn))
        .collect();
    let mut attempt_server: Vec<Option<HostId>> = clients
        .iter()
        .map(|a| {
            let found = resolve_attempt(identity, a, &serving);
            match found.as_slice() {
                [one] => Some(*one),
                _ => None,
            }
        })
        .collect();

    // Time-zone hints (RdpCoreTS 104) per server: whole-hour shifts worth searching.
    let mut hints: BTreeMap<HostId, Vec<i64>> = BTreeMap::new();
    for h in servers {
        if let Some(b) = timezone_bias_hours(events, &h.conn) {
            let list = hints.entry(h.conn.server).or_default();
            for x in [b, -b] {
                if x != 0 && !list.contains(&x) {
                    list.push(x);
                }
            }
        }
    }
    for list in hints.values_mut() {
        list.sort_unstable();
    }

    let preference = Preference::new(events, clients, servers);
    let mut links: Vec<(usize, usize)> = Vec::new();
    let mut offsets: BTreeMap<(HostId, HostId), Estimate> = BTreeMap::new();
    // Two rounds: the second uses the client addresses the first learned (to resolve targets,
    // to corroborate single pairs and to keep other machines' connections out).
    for round in 0..2 {
        if round == 1 {
            resolve_by_address(identity, clients, servers, &mut attempt_server, &links);
        }
        let linked_attempts: BTreeSet<usize> = links.iter().map(|l| l.0).collect();
        let linked_conns: BTreeSet<usize> = links.iter().map(|l| l.1).collect();
        let mut pairs: BTreeMap<(HostId, HostId), Vec<usize>> = BTreeMap::new();
        for (k, a) in clients.iter().enumerate() {
            if linked_attempts.contains(&k) {
                continue;
            }
            if let Some(Some(server)) = attempt_server.get(k) {
                pairs
                    .entry((a.attempt.client, *server))
                    .or_default()
                    .push(k);
            }
        }
        // Where the client logs its transport coming up (1025), an attempt without it never
        // reached an RDP listener: it takes no part in estimating or linking.
        for attempts in pairs.values_mut() {
            let connected = |k: &usize| {
                clients
                    .get(*k)
                    .is_some_and(|a| a.attempt.transport_connected)
            };
            if attempts.iter().any(connected) {
                attempts.retain(connected);
            }
        }
        pairs.retain(|_, attempts| !attempts.is_empty());
        if pairs.is_empty() {
            break;
        }
        // Each server's unlinked connections by accept time.
        let mut by_server: BTreeMap<HostId, Vec<(Timestamp, usize)>> = BTreeMap::new();
        for (h, half) in servers.iter().enumerate() {
            if !linked_conns.contains(&h)
                && let Some(&at) = accepted.get(h)
            {
                by_server.entry(half.conn.server).or_default().push((at, h));
            }
        }
        for list in by_server.values_mut() {
            list.sort_unstable();
        }
        let pair_list: Vec<((HostId, HostId), Vec<usize>)> = pairs.into_iter().collect();
        let identity_ro: &Identity = identity;
        let offsets_ro = &offsets;
        // Per pair (in parallel): the connections near its attempts, the offset, the candidate
        // links on corrected clocks.
        let per_pair: Vec<(Option<Estimate>, Vec<Candidate>)> = pair_list
            .par_iter()
            .map(|((client, server), attempts)| {
                let shifts: Vec<i64> = std::iter::once(0)
                    .chain(hints.get(server).into_iter().flatten().copied())
                    .collect();
                let near = near_connections(
                    by_server.get(server).map_or(&[][..], Vec::as_slice),
                    attempts.iter().filter_map(|&k| anchors.get(k).copied()),
                    &shifts,
                );
                let conns = candidate_conns(identity_ro, servers, &near, *client);
                let mut a: Vec<Timestamp> = attempts
                    .iter()
                    .filter_map(|&k| anchors.get(k).copied())
                    .collect();
                a.sort();
                let mut s: Vec<Timestamp> = conns
                    .iter()
                    .filter_map(|&h| accepted.get(h).copied())
                    .collect();
                s.sort();
                let mut hours: Vec<i64> = conns
                    .iter()
                    .filter_map(|&h| servers.get(h))
                    .filter_map(|x| timezone_bias_hours(events, &x.conn))
                    .flat_map(|b| [b, -b])
                    .collect();
                hours.sort_unstable();
                hours.dedup();
                // A single pair decides when the client's address is known (the connection is
                // its), or when it is the only pairing possible: one attempt whose transport came
                // up (so the host logged its accept) and one candidate connection in the window.
                let address_known = identity_ro
                    .hosts
                    .get(*client)
                    .is_some_and(|h| !h.addresses.is_empty());
                let only_pairing = a.len() == 1
                    && s.len() == 1
                    && attempts.iter().all(|&k| {
                        clients
                            .get(k)
                            .is_some_and(|c| c.attempt.transport_connected)
                    });
                let corroborated = address_known || only_pairing;
                let estimate = match offsets_ro.get(&(*client, *server)) {
                    Some(known) => Some(known.clone()),
                    None => estimate_offset(&a, &s, &hours, corroborated),
                };
                let d = estimate.as_ref().map_or(0.0, |e| e.seconds);
                let mut candidates = Vec::new();
                for &k in attempts {
                    let Some(&anchor) = anchors.get(k) else {
                        continue;
                    };
                    let moved = anchor.add_seconds(d);
                    for &h in &conns {
                        let Some(&at) = accepted.get(h) else { continue };
                        let dist = secs_between(at, moved).abs();
                        if dist <= LINK_SECONDS {
                            candidates.push((dist, k, h));
                        }
                    }
                }
                (estimate, candidates)
            })
            .collect();
        let mut candidates: Vec<Candidate> = Vec::new();
        for ((pair, _), (estimate, found)) in pair_list.iter().zip(per_pair) {
            if let Some(e) = estimate {
                offsets.entry(*pair).or_insert(e);
            }
            candidates.extend(found);
        }
        let decided = decide(
            identity,
            clients,
            servers,
            &anchors,
            &preference,
            candidates,
        );
        learn_from_links(
            identity,
            clients,
            servers,
            &decided.links,
            &decided.ambiguous,
            events,
        );
        links.extend(decided.links);
    }

    // Recount each pair's support from the final links.
    let mut support: BTreeMap<(HostId, HostId), usize> = BTreeMap::new();
    for &(k, h) in &links {
        if let (Some(a), Some(c)) = (clients.get(k), servers.get(h)) {
            *support
                .entry((a.attempt.client, c.conn.server))
                .or_default() += 1;
        }
    }
    let offsets = offsets
        .into_iter()
        .filter_map(|((client, server), e)| {
            let pairs = support.get(&(client, server)).copied().unwrap_or(0);
            (pairs > 0).then_some(ClockOffset {
                client,
                server,
                seconds: round_micros(e.seconds),
                pairs,
                spread_seconds: round_micros(e.spread),
            })
        })
        .collect();
    links.sort_unstable();
    Linking {
        attempt_server,
        links,
        offsets,
    }
}

fn round_micros(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The connections of a sorted `(accept time, index)` list within [`SEARCH_SECONDS`] of any
/// anchor moved by any of `hours` (whole hours), without repeats, in index order.
fn near_connections(
    list: &[(Timestamp, usize)],
    anchors: impl Iterator<Item = Timestamp>,
    hours: &[i64],
) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for a in anchors {
        for &h in hours {
            let centre = a.add_seconds(h as f64 * 3_600.0);
            let lo = list.partition_point(|(t, _)| *t < centre.add_seconds(-SEARCH_SECONDS));
            let hi = list.partition_point(|(t, _)| *t <= centre.add_seconds(SEARCH_SECONDS));
            out.extend(list.get(lo..hi).unwrap_or(&[]).iter().map(|(_, i)| *i));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Of `conns`, those that may be a client's: not from an address known to be another host's,
/// and from one of the client's addresses when it has any.
fn candidate_conns(
    identity: &Identity,
    servers: &[HostHalf],
    conns: &[usize],
    client: HostId,
) -> Vec<usize> {
    let known: Vec<IpAddr> = identity
        .hosts
        .get(client)
        .map(|h| h.addresses.iter().map(|a| a.ip).collect())
        .unwrap_or_default();
    conns
        .iter()
        .copied()
        .filter(|&h| {
            let Some(half) = servers.get(h) else {
                return false;
            };
            match half.conn.client_ip {
                Some(ip) if !known.is_empty() => known.contains(&ip),
                Some(ip) => identity.hosts_with_ip(ip).all(|other| other == client),
                None => known.is_empty(),
            }
        })
        .collect()
}

/// A learned client address stays the client's for this long (seconds) after its last link; a
/// connection from another address is not the client's meanwhile (DHCP and VPN changes over
/// longer spans are allowed).
pub const ADDRESS_MEMORY_SECONDS: f64 = 3_600.0;

/// The links [`decide`] made, and those of them that time alone decided between
/// connections from different addresses.
#[derive(Debug, Default)]
struct Decided {
    links: Vec<(usize, usize)>,
    ambiguous: BTreeSet<(usize, usize)>,
}

/// Decides links among candidates: unique ones first, in time order, then the others by
/// [`Preference::rank`], nearest first; in both, once a client's address is learned, a
/// connection from another address is not its attempt (unless the client's own logs show that
/// address too). A pick is ambiguous when another free candidate of the same attempt, of the same
/// rank and from another address, lies within [`MATCH_SECONDS`] of it: it links, but its address
/// is not learned.
fn decide(
    identity: &Identity,
    clients: &[ClientHalf],
    servers: &[HostHalf],
    anchors: &[Timestamp],
    preference: &Preference,
    mut candidates: Vec<Candidate>,
) -> Decided {
    let mut per_attempt: HashMap<usize, usize> = HashMap::new();
    let mut per_conn: HashMap<usize, usize> = HashMap::new();
    for &(_, k, h) in &candidates {
        *per_attempt.entry(k).or_default() += 1;
        *per_conn.entry(h).or_default() += 1;
    }
    let time_of = |k: usize| anchors.get(k).copied().unwrap_or(Timestamp(0));
    let unique =
        |k: usize, h: usize| per_attempt.get(&k) == Some(&1) && per_conn.get(&h) == Some(&1);
    // Unique candidates first, in time order; then the others, best rank, nearest first.
    candidates.sort_by(|a, b| {
        let (ua, ub) = (unique(a.1, a.2), unique(b.1, b.2));
        ub.cmp(&ua)
            .then_with(|| {
                if ua && ub {
                    time_of(a.1).cmp(&time_of(b.1))
                } else {
                    preference
                        .rank(a.1, a.2)
                        .cmp(&preference.rank(b.1, b.2))
                        .then(a.0.total_cmp(&b.0))
                }
            })
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    let mut by_attempt: HashMap<usize, Vec<(f64, usize)>> = HashMap::new();
    for &(d, k, h) in &candidates {
        by_attempt.entry(k).or_default().push((d, h));
    }
    let address = |h: usize| servers.get(h).and_then(|c| c.conn.client_ip);
    let mut decided = Decided::default();
    let mut used_a: BTreeSet<usize> = BTreeSet::new();
    let mut used_c: BTreeSet<usize> = BTreeSet::new();
    let mut learned: BTreeMap<HostId, Vec<(IpAddr, Timestamp)>> = BTreeMap::new();
    for &(dist, k, h) in &candidates {
        if used_a.contains(&k) || used_c.contains(&h) {
            continue;
        }
        let (Some(a), Some(c)) = (clients.get(k), servers.get(h)) else {
            continue;
        };
        let client = a.attempt.client;
        let when = time_of(k);
        let ambiguous = by_attempt.get(&k).is_some_and(|others| {
            others.iter().any(|&(d2, h2)| {
                h2 != h
                    && !used_c.contains(&h2)
                    && (address(h2) != address(h) || address(h).is_none())
                    && preference.rank(k, h2) == preference.rank(k, h)
                    && (d2 - dist).abs() <= MATCH_SECONDS
            })
        });
        if let Some(ip) = c.conn.client_ip {
            let active: Vec<IpAddr> = learned
                .get(&client)
                .into_iter()
                .flatten()
                .filter(|(_, t)| secs_between(when, *t).abs() <= ADDRESS_MEMORY_SECONDS)
                .map(|(ip, _)| *ip)
                .collect();
            let consistent =
                active.is_empty() || active.contains(&ip) || identity.has_ip(client, ip);
            if !consistent {
                continue;
            }
            if !ambiguous {
                let list = learned.entry(client).or_default();
                match list.iter_mut().find(|(x, _)| *x == ip) {
                    Some(entry) => entry.1 = entry.1.max(when),
                    None => list.push((ip, when)),
                }
            }
        }
        decided.links.push((k, h));
        if ambiguous {
            decided.ambiguous.insert((k, h));
        }
        used_a.insert(k);
        used_c.insert(h);
    }
    decided.links.sort_unstable();
    decided
}

/// Addresses a link proves: the client's (131 `ClientIP`, the Security `IpAddress` of its
/// logons) — unless the link is `ambiguous` — and the server's (the client's 1102 address, a
/// target typed as an IP).
fn learn_from_links(
    identity: &mut Identity,
    clients: &[ClientHalf],
    servers: &[HostHalf],
    links: &[(usize, usize)],
    ambiguous: &BTreeSet<(usize, usize)>,
    events: &[Event],
) {
    let mut found: BTreeSet<(HostId, IpAddr, String)> = BTreeSet::new();
    for &(k, h) in links {
        let (Some(a), Some(c)) = (clients.get(k), servers.get(h)) else {
            continue;
        };
        let client = a.attempt.client;
        let server = c.conn.server;
        let server_name = identity
            .hosts
            .get(server)
            .map_or("", |x| x.name.as_str())
            .to_string();
        let client_name = identity
            .hosts
            .get(client)
            .map_or("", |x| x.name.as_str())
            .to_string();
        if let Some(ip) = c.conn.client_ip.filter(|_| !ambiguous.contains(&(k, h))) {
            let how = if c.conn.transport.is_some() {
                format!("RdpCoreTS 131 ClientIP on {server_name}")
            } else {
                format!("host connection client address on {server_name}")
            };
            found.insert((client, ip, how));
        }
        for &i in c
            .conn
            .events
            .iter()
            .filter(|_| !ambiguous.contains(&(k, h)))
        {
            let Some(e) = events.get(i) else { continue };
            if matches!(e.event_id, 4624 | 4625)
                && matches!(e.kind.key(), "logon" | "logon_failure")
                && let Some(ip) = e.fields.text("IpAddress").and_then(net::parse_ip)
            {
                found.insert((
                    client,
                    ip,
                    format!("Security {} IpAddress on {server_name}", e.event_id),
                ));
            }
        }
        if let Some(ip) = a.attempt.server_address.as_deref().and_then(net::parse_ip) {
            found.insert((
                server,
                ip,
                format!("client 1102 ServerAddress on {client_name}"),
            ));
        }
        if let Some(ip) = a.attempt.target.as_deref().and_then(net::parse_endpoint) {
            found.insert((
                server,
                ip.ip,
                format!("client 1024 target on {client_name}"),
            ));
        }
    }
    for (host, ip, how) in found {
        identity.add_address(host, ip, &how);
    }
}

/// Resolves attempts whose target names no known host by the client's learned addresses: when
/// exactly one server saw connections from them.
fn resolve_by_address(
    identity: &Identity,
    clients: &[ClientHalf],
    servers: &[HostHalf],
    attempt_server: &mut [Option<HostId>],
    links: &[(usize, usize)],
) {
    let linked: BTreeSet<usize> = links.iter().map(|l| l.0).collect();
    let serving: BTreeSet<HostId> = servers.iter().map(|h| h.conn.server).collect();
    for (k, a) in clients.iter().enumerate() {
        if linked.contains(&k) || attempt_server.get(k).is_some_and(Option::is_some) {
            continue;
        }
        // Re-resolve with the addresses learned so far.
        let mut found = resolve_attempt(identity, a, &serving);
        if found.is_empty() {
            let client = a.attempt.client;
            let ips: Vec<IpAddr> = identity
                .hosts
                .get(client)
                .map(|h| h.addresses.iter().map(|x| x.ip).collect())
                .unwrap_or_default();
            let by_addr: BTreeSet<HostId> = servers
                .iter()
                .filter(|h| h.conn.client_ip.is_some_and(|ip| ips.contains(&ip)))
                .map(|h| h.conn.server)
                .collect();
            found = by_addr.into_iter().collect();
        }
        if let ([one], Some(slot)) = (found.as_slice(), attempt_server.get_mut(k)) {
            *slot = Some(*one);
        }
    }
}

/// Each host's clock minus the reference clock: the reference is the server with the most
/// links (ties: the lowest id); hosts not connected to it by estimated pairs get `None`.
pub fn host_offsets(hosts: usize, offsets: &[ClockOffset]) -> Vec<Option<f64>> {
    let mut result = vec![None; hosts];
    let mut links_per_server: BTreeMap<HostId, usize> = BTreeMap::new();
    for o in offsets {
        *links_per_server.entry(o.server).or_default() += o.pairs;
    }
    let Some(reference) = links_per_server
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(h, _)| *h)
    else {
        return result;
    };
    if let Some(slot) = result.get_mut(reference) {
        *slot = Some(0.0);
    }
    // Breadth-first over the pairs: server = client + seconds.
    let mut frontier = vec![reference];
    while let Some(h) = frontier.pop() {
        let Some(base) = result.get(h).copied().flatten() else {
            continue;
        };
        for o in offsets {
            let (other, value) = if o.server == h {
                (o.client, base - o.seconds)
            } else if o.client == h {
                (o.server, base + o.seconds)
            } else {
                continue;
            };
            if let Some(slot) = result.get_mut(other)
                && slot.is_none()
            {
                *slot = Some(round_micros(value));
                frontier.push(other);
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(seconds: f64) -> Timestamp {
        crate::testutil::at(0).add_seconds(seconds)
    }

    #[test]
    fn offset_survives_retries_and_minutes_of_skew() {
        // Client retries every 4 s; the server's clock is 127.3 s ahead; one extra connection
        // from someone else in between.
        let anchors: Vec<Timestamp> = (0..5).map(|i| ts(i as f64 * 4.0)).collect();
        let mut starts: Vec<Timestamp> = (0..5)
            .map(|i| ts(i as f64 * 4.0 + 127.3 + 0.02 * i as f64))
            .collect();
        starts.push(ts(129.0));
        starts.sort();
        let e = estimate_offset(&anchors, &starts, &[], false).unwrap();
        assert!((e.seconds - 127.34).abs() < 0.1, "{e:?}");
        assert_eq!(e.pairs, 5);
        // Negative skew.
        let starts: Vec<Timestamp> = anchors.iter().map(|a| a.add_seconds(-118.0)).collect();
        let e = estimate_offset(&anchors, &starts, &[], false).unwrap();
        assert!((e.seconds + 118.0).abs() < 1e-6);
    }

    #[test]
    fn a_single_uncorroborated_pair_needs_agreeing_clocks() {
        let anchors = vec![ts(0.0)];
        assert!(estimate_offset(&anchors, &[ts(90.0)], &[], false).is_none());
        assert!(estimate_offset(&anchors, &[ts(90.0)], &[], true).is_some());
        assert!(estimate_offset(&anchors, &[ts(0.3)], &[], false).is_some());
    }

    #[test]
    fn attempts_prefer_host_connections_that_went_as_far_as_they_did() {
        // Host connection 0 carries a user's session, 1 does not, 2 is a probe.
        let p = Preference {
            probe: vec![false, false, true],
            activity: vec![true, false, false],
            // Attempt 0 sent credentials; 1 was dropped before; 2 is still open.
            credentials: vec![true, false, false],
            failed_early: vec![false, true, false],
        };
        assert!(p.rank(0, 0) < p.rank(0, 1));
        assert!(p.rank(1, 1) < p.rank(1, 0));
        assert_eq!(p.rank(2, 0), p.rank(2, 1));
        for attempt in 0..3 {
            assert!(p.rank(attempt, 2) > p.rank(attempt, 0).max(p.rank(attempt, 1)));
        }
    }

    #[test]
    fn whole_hour_skew_needs_the_hint() {
        let anchors: Vec<Timestamp> = (0..3).map(|i| ts(i as f64 * 30.0)).collect();
        let starts: Vec<Timestamp> = anchors.iter().map(|a| a.add_seconds(3_600.4)).collect();
        assert!(estimate_offset(&anchors, &starts, &[], false).is_none());
        let e = estimate_offset(&anchors, &starts, &[1, -1], false).unwrap();
        assert!((e.seconds - 3_600.4).abs() < 1e-6);
    }

    #[test]
    fn reference_offsets_follow_the_pairs() {
        let offsets = vec![
            ClockOffset {
                client: 0,
                server: 1,
                seconds: 120.0,
                pairs: 3,
                spread_seconds: 0.0,
            },
            ClockOffset {
                client: 2,
                server: 1,
                seconds: -30.0,
                pairs: 1,
                spread_seconds: 0.0,
            },
            ClockOffset {
                client: 2,
                server: 3,
                seconds: 10.0,
                pairs: 1,
                spread_seconds: 0.0,
            },
        ];
        let r = host_offsets(5, &offsets);
        assert_eq!(
            r,
            vec![Some(-120.0), Some(0.0), Some(30.0), Some(40.0), None]
        );
    }
}
