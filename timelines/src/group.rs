//! Grouping one host's events into the halves of connections.
//!
//! Owns: [`ClientAttempt`]s (the client's ActivityID groups of RDPClient events, or 1024…1026
//! sequences where a build logs no ActivityID) and [`HostConnection`]s (the host's ActivityID
//! shared by RdpCoreTS, RCM 261/1149 and LSM; LSM's constant GUID ignored; UDP side transports,
//! which RdpCoreTS logs under an ActivityID of their own, joined to the TCP connection of the same
//! client; RCM and LSM events without a usable ActivityID joined by client address, session id or
//! — LSM records of older builds, whose Correlation is null — the user the connection
//! authenticated, nearest in time).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use rdpsleuth_parser::{Event, Guid, Timestamp};

use crate::model::{ClientAttempt, EventIndex, HostConnection, HostId, Relation};
use crate::net;

/// The ActivityID LSM logs for events not tied to an inbound connection (console logons, local
/// arbitration): identical on every machine, so it must never group anything.
pub const LSM_CONSTANT_ACTIVITY: Guid = Guid(0x61a5_5000_55e5_1017_0000_0000_0000_0000);

/// How far (seconds) an event without a usable ActivityID may lie from a connection's window
/// and still be joined to it by client address or session id.
pub const LOOSE_JOIN_SECONDS: f64 = 60.0;
/// How long (seconds) after a TCP connection opened its UDP side transport may be accepted.
pub const SIDE_TRANSPORT_SECONDS: f64 = 120.0;
/// How long (seconds) after an RCM 261 without Correlation its 1149 may complete it.
pub const PENDING_261_SECONDS: f64 = 30.0;

/// The event's ActivityID when it can group events (not nil, not LSM's constant).
pub fn usable_activity(e: &Event) -> Option<Guid> {
    e.activity_id
        .filter(|g| *g != Guid::NIL && *g != LSM_CONSTANT_ACTIVITY)
}

/// Events that show a host handling one inbound connection, by catalog kind: RdpCoreTS except
/// its listener records, RCM's per-connection records, every LSM record.
const CONNECTION_EVENTS: &[(&str, ConnectionIds)] = &[
    ("rdpcorets", ConnectionIds::AllBut(&[129, 229])),
    ("rcm", ConnectionIds::Only(&[261, 1149, 1150, 1158])),
    ("lsm", ConnectionIds::AllBut(&[32, 34, 54])),
];

/// Host channels whose events are grouped by ActivityID.
const HOST_GROUPED_KINDS: &[&str] = &["rdpcorets", "rdpcorets_admin", "rcm", "rcm_admin", "lsm"];

#[derive(Clone, Copy)]
enum ConnectionIds {
    AllBut(&'static [u32]),
    Only(&'static [u32]),
}

fn is_connection_event(e: &Event) -> bool {
    let key = e.kind.key();
    CONNECTION_EVENTS.iter().any(|(k, ids)| {
        *k == key
            && match ids {
                ConnectionIds::AllBut(not) => !not.contains(&e.event_id),
                ConnectionIds::Only(only) => only.contains(&e.event_id),
            }
    })
}

fn is_kind(e: &Event, key: &str, id: u32) -> bool {
    e.event_id == id && e.kind.key() == key
}

/// The client endpoint a host event names, and the transport when it says.
fn client_endpoint(e: &Event) -> Option<(net::Endpoint, Option<&str>)> {
    let f = &e.fields;
    match (e.kind.key(), e.event_id) {
        ("rdpcorets", 131) => {
            let ep = f.text("ClientIP").and_then(net::parse_endpoint)?;
            Some((ep, f.text("ConnType")))
        }
        ("rdpcorets", 139 | 140) => Some((f.text("IPString").and_then(net::parse_endpoint)?, None)),
        ("rcm", 1149) => Some((f.text("Param3").and_then(net::parse_endpoint)?, None)),
        ("rcm", 1158) => Some((f.text("Param1").and_then(net::parse_endpoint)?, None)),
        ("lsm", 21 | 22 | 24 | 25) => {
            Some((f.text("Address").and_then(net::parse_endpoint)?, None))
        }
        _ => None,
    }
}

/// The session id an LSM or RdpCoreTS event names.
fn session_of(e: &Event) -> Option<u32> {
    let f = &e.fields;
    match e.kind.key() {
        "lsm" => f
            .u32("SessionID")
            .or_else(|| f.u32("Session"))
            .or_else(|| f.u32("TargetSession"))
            .or_else(|| f.u32("SessionId")),
        "rdpcorets" if e.event_id == 66 => f.u32("SessionID"),
        _ => None,
    }
}

/// The user an LSM session record names (`User`, `DOMAIN\\name`).
fn session_user(e: &Event) -> Option<&str> {
    (e.kind.key() == "lsm")
        .then(|| e.fields.text("User"))
        .flatten()
}

/// The account part of a user name, lower case (`CONTOSO\\Alice`, `alice@contoso.lan` and
/// `alice` give `alice`); `None` for an empty or placeholder name.
pub fn account_key(user: &str) -> Option<String> {
    let name = user.rsplit('\\').next().unwrap_or(user);
    let name = name.split('@').next().unwrap_or(name).trim();
    (!name.is_empty() && name != "-").then(|| name.to_lowercase())
}

/// True when two user names are one account: the same account name, and the same domain
/// (its first label, case-insensitive) when both name one.
pub fn same_account(a: &str, b: &str) -> bool {
    let domain = |u: &str| -> Option<String> {
        let d = match u.rsplit_once('\\') {
            Some((d, _)) => d,
            None => u.split_once('@').map(|(_, d)| d)?,
        };
        let d = d.trim().split('.').next().unwrap_or("").to_lowercase();
        (!d.is_empty()).then_some(d)
    };
    account_key(a).is_some_and(|x| Some(x) == account_key(b))
        && match (domain(a), domain(b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// `later - earlier` in seconds, in 64-bit arithmetic (timestamps of real logs are far from the
/// limits; the difference saturates rather than wraps).
pub fn secs_between(later: Timestamp, earlier: Timestamp) -> f64 {
    later.0.saturating_sub(earlier.0) as f64 / Timestamp::TICKS_PER_SECOND as f64
}

/// Seconds from `t` to the window `[start, end]` (0 inside).
pub fn distance_to_window(t: Timestamp, start: Timestamp, end: Timestamp) -> f64 {
    if t < start {
        secs_between(t, start)
    } else if t > end {
        secs_between(t, end)
    } else {
        0.0
    }
}

/// A client attempt with the events it owns.
#[derive(Clone, Debug)]
pub struct ClientHalf {
    /// The attempt.
    pub attempt: ClientAttempt,
    /// Owned events and why.
    pub owned: Vec<(EventIndex, Relation)>,
}

/// A host connection with the events it owns.
#[derive(Clone, Debug)]
pub struct HostHalf {
    /// The connection.
    pub conn: HostConnection,
    /// Owned events and why.
    pub owned: Vec<(EventIndex, Relation)>,
}

impl HostHalf {
    /// Adds an owned event and keeps `conn.events` sorted and the window up to date.
    pub fn own(&mut self, events: &[Event], index: EventIndex, relation: Relation) {
        self.owned.push((index, relation));
        let pos = self.conn.events.partition_point(|&i| i < index);
        self.conn.events.insert(pos, index);
        if let Some(e) = events.get(index) {
            self.conn.start = self.conn.start.min(e.time);
            self.conn.end = self.conn.end.max(e.time);
        }
    }
}

/// Groups a client host's RDPClient events (in time order) into attempts.
pub fn client_attempts(events: &[Event], host: HostId, indices: &[EventIndex]) -> Vec<ClientHalf> {
    let mut groups: Vec<Vec<EventIndex>> = Vec::new();
    let mut open_by_activity: HashMap<Guid, usize> = HashMap::new();
    let mut closed_activity: HashMap<Guid, bool> = HashMap::new();
    let mut open_sequence: Option<usize> = None;
    for &i in indices {
        let Some(e) = events.get(i) else { continue };
        if e.kind.key() != "rdpclient" {
            continue;
        }
        match usable_activity(e) {
            Some(g) => {
                let restart = e.event_id == 1024 && closed_activity.get(&g) == Some(&true);
                let slot = match open_by_activity.get(&g) {
                    Some(&slot) if !restart => slot,
                    _ => {
                        groups.push(Vec::new());
                        open_by_activity.insert(g, groups.len() - 1);
                        closed_activity.insert(g, false);
                        groups.len() - 1
                    }
                };
                if let Some(group) = groups.get_mut(slot) {
                    group.push(i);
                }
                if e.event_id == 1026 {
                    closed_activity.insert(g, true);
                }
            }
            None => {
                let slot = match open_sequence {
                    Some(slot) if e.event_id != 1024 => slot,
                    _ => {
                        groups.push(Vec::new());
                        groups.len() - 1
                    }
                };
                if let Some(group) = groups.get_mut(slot) {
                    group.push(i);
                }
                open_sequence = (e.event_id != 1026).then_some(slot);
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|g| attempt_from(events, host, g))
        .collect()
}

fn attempt_from(events: &[Event], host: HostId, group: Vec<EventIndex>) -> Option<ClientHalf> {
    let first = events.get(*group.first()?)?;
    let mut a = ClientAttempt {
        client: host,
        activity_id: usable_activity(first),
        target: None,
        server_address: None,
        start: first.time,
        end: first.time,
        transport_connected: false,
        logged_on: false,
        disconnect_reason: None,
        events: group.clone(),
    };
    for &i in &group {
        let Some(e) = events.get(i) else { continue };
        a.start = a.start.min(e.time);
        a.end = a.end.max(e.time);
        let value = e.fields.text("Value");
        match e.event_id {
            1024 if a.target.is_none() => a.target = value.map(str::to_string),
            1102 if a.server_address.is_none() => a.server_address = value.map(str::to_string),
            1025 => a.transport_connected = true,
            1027 => a.logged_on = true,
            1026 if a.disconnect_reason.is_none() => a.disconnect_reason = e.fields.u32("Value"),
            _ => {}
        }
    }
    let owned = group.iter().map(|&i| (i, Relation::Activity)).collect();
    Some(ClientHalf { attempt: a, owned })
}

/// When the client's transport came up (1025), else when the attempt began: the moment that
/// matches the host's 131.
pub fn attempt_anchor(events: &[Event], a: &ClientAttempt) -> Timestamp {
    a.events
        .iter()
        .filter_map(|&i| events.get(i))
        .find(|e| e.event_id == 1025)
        .map_or(a.start, |e| e.time)
}

/// When the host accepted the connection: its first RdpCoreTS / RCM / LSM record (131 when
/// logged), not the joined records around it — the moment that matches the client's 1025.
pub fn connection_anchor(events: &[Event], c: &HostConnection) -> Timestamp {
    c.events
        .iter()
        .filter_map(|&i| events.get(i))
        .find(|e| HOST_GROUPED_KINDS.contains(&e.kind.key()))
        .map_or(c.start, |e| e.time)
}

/// Groups a server host's RdpCoreTS / RCM / LSM events (in time order) into host connections.
pub fn host_connections(events: &[Event], host: HostId, indices: &[EventIndex]) -> Vec<HostHalf> {
    // 1. ActivityID groups, in order of their first event.
    let mut order: Vec<Guid> = Vec::new();
    let mut by_activity: HashMap<Guid, Vec<EventIndex>> = HashMap::new();
    let mut loose: Vec<EventIndex> = Vec::new();
    for &i in indices {
        let Some(e) = events.get(i) else { continue };
        if !HOST_GROUPED_KINDS.contains(&e.kind.key()) {
            continue;
        }
        match usable_activity(e) {
            Some(g) => by_activity
                .entry(g)
                .or_insert_with(|| {
                    order.push(g);
                    Vec::new()
                })
                .push(i),
            None => loose.push(i),
        }
    }
    let mut groups: Vec<(Guid, Vec<EventIndex>)> = Vec::new();
    for g in order {
        let Some(members) = by_activity.remove(&g) else {
            continue;
        };
        if members
            .iter()
            .filter_map(|&i| events.get(i))
            .any(is_connection_event)
        {
            groups.push((g, members));
        }
        // Groups without a connection event (listener records) stay unowned: context.
    }

    // 2. Build the connections; UDP side transports wait for their TCP connection.
    let mut halves: Vec<HostHalf> = Vec::new();
    let mut side: Vec<(Guid, Vec<EventIndex>, net::Endpoint, Timestamp)> = Vec::new();
    for (g, members) in groups {
        let first_131 = members
            .iter()
            .filter_map(|&i| events.get(i))
            .filter(|e| is_kind(e, "rdpcorets", 131))
            .filter_map(client_endpoint)
            .collect::<Vec<_>>();
        let tcp = first_131
            .iter()
            .any(|(_, t)| t.is_some_and(|t| t.eq_ignore_ascii_case("TCP")));
        let udp = first_131
            .iter()
            .find(|(_, t)| t.is_some_and(|t| t.eq_ignore_ascii_case("UDP")));
        if let (false, Some((ep, _))) = (tcp, udp) {
            let start = members
                .first()
                .and_then(|&i| events.get(i))
                .map_or(Timestamp(0), |e| e.time);
            side.push((g, members, *ep, start));
            continue;
        }
        halves.push(half_from(
            events,
            host,
            Some(g),
            members,
            Relation::Activity,
        ));
    }
    let mut index = HalfIndex::default();
    for (h, half) in halves.iter().enumerate() {
        index.add(h, &half.conn);
    }
    for (g, members, ep, start) in side {
        let target = index
            .by_ip
            .get(&ep.ip)
            .into_iter()
            .flatten()
            .filter_map(|&i| halves.get(i).map(|h| (i, h)))
            .filter(|(_, h)| {
                h.conn
                    .transport
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("TCP"))
                    && h.conn.start <= start
                    && secs_between(start, h.conn.start) <= SIDE_TRANSPORT_SECONDS
            })
            .max_by_key(|(i, h)| (h.conn.start, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match target.and_then(|t| halves.get_mut(t)) {
            Some(h) => {
                for &i in &members {
                    h.own(events, i, Relation::Address);
                }
                h.conn.side_transports.push(g);
            }
            None => {
                halves.push(half_from(
                    events,
                    host,
                    Some(g),
                    members,
                    Relation::Activity,
                ));
                if let Some(h) = halves.last() {
                    index.add(halves.len() - 1, &h.conn);
                }
            }
        }
    }

    // 3. Records without a usable ActivityID.
    let mut pending_261: Vec<usize> = Vec::new();
    for i in loose {
        let Some(e) = events.get(i) else { continue };
        let endpoint = client_endpoint(e).map(|(ep, _)| ep);
        // A console record (`Address` "LOCAL" in any language) is no RDP connection's.
        let local = e.fields.text("Address").is_some() && endpoint.is_none();
        let user = session_user(e).filter(|_| !local);
        // A connection whose user is known and is someone else is not this record's.
        let same_user = |c: &HostConnection| match (user, c.user.as_deref()) {
            (Some(x), Some(y)) => same_account(x, y),
            _ => true,
        };
        let joined = endpoint
            .and_then(|ep| {
                nearest_among(events, &halves, index.by_ip.get(&ep.ip), e.time, |_| true)
            })
            .map(|h| (h, Relation::Address))
            .or_else(|| {
                let s = session_of(e).filter(|_| !local)?;
                nearest_among(events, &halves, index.by_session.get(&s), e.time, same_user)
                    .map(|h| (h, Relation::Nearest))
            })
            .or_else(|| {
                // LSM without Correlation (older builds): the user's connection nearest in
                // time — the one that authenticated them (1149) — else, when exactly one
                // authenticated connection without a known user or session is near, that one.
                let user = user.filter(|_| e.activity_id.is_none_or(|g| g == Guid::NIL))?;
                nearest_among(
                    events,
                    &halves,
                    index.by_user.get(&account_key(user)?),
                    e.time,
                    same_user,
                )
                .or_else(|| {
                    let open: Vec<usize> = index
                        .anonymous
                        .iter()
                        .copied()
                        .filter(|&h| {
                            halves.get(h).is_some_and(|x| {
                                x.conn.user.is_none()
                                    && x.conn.sessions.is_empty()
                                    && distance_to_window(e.time, x.conn.start, x.conn.end).abs()
                                        <= LOOSE_JOIN_SECONDS
                            })
                        })
                        .collect();
                    match open.as_slice() {
                        [one] => Some(*one),
                        _ => None,
                    }
                })
                .map(|h| (h, Relation::Nearest))
            });
        if let Some((h, relation)) = joined {
            if let Some(half) = halves.get_mut(h) {
                half.own(events, i, relation);
                absorb(&mut half.conn, e);
                index.add(h, &half.conn);
            }
            continue;
        }
        if is_kind(e, "rcm", 1149) {
            // An older RCM logs 261 and 1149 without Correlation: a 1149 completes the
            // address-less connection its 261 opened just before.
            pending_261.retain(|&p| {
                halves.get(p).is_some_and(|h| {
                    h.conn.client_ip.is_none()
                        && !h.conn.authenticated
                        && secs_between(e.time, h.conn.start) <= PENDING_261_SECONDS
                })
            });
            if let Some(&p) = pending_261.last()
                && let Some(half) = halves.get_mut(p)
            {
                half.own(events, i, Relation::Address);
                absorb(&mut half.conn, e);
                index.add(p, &half.conn);
                pending_261.pop();
                continue;
            }
        }
        let opens = is_kind(e, "rcm", 261) || is_kind(e, "rcm", 1149) || is_kind(e, "rcm", 1158);
        if opens {
            halves.push(half_from(events, host, None, vec![i], Relation::Address));
            let new = halves.len() - 1;
            if let Some(h) = halves.get(new) {
                index.add(new, &h.conn);
                if h.conn.client_ip.is_none() {
                    pending_261.push(new);
                }
            }
        }
        // Anything else stays unowned.
    }
    halves.sort_by(|a, b| {
        a.conn
            .start
            .cmp(&b.conn.start)
            .then(a.conn.events.first().cmp(&b.conn.events.first()))
    });
    halves
}

/// Seconds from `t` to the nearest of a connection's events (`events` is in time order, so its
/// sorted indices are too).
pub fn nearest_event_distance(events: &[Event], c: &HostConnection, t: Timestamp) -> f64 {
    let pos = c
        .events
        .partition_point(|&i| events.get(i).is_some_and(|e| e.time < t));
    [pos.checked_sub(1), Some(pos)]
        .into_iter()
        .flatten()
        .filter_map(|p| c.events.get(p).and_then(|&i| events.get(i)))
        .map(|e| secs_between(t, e.time).abs())
        .fold(f64::INFINITY, f64::min)
}

/// Orders candidate connections for an event at `t`: nearest window first, then (when several
/// windows hold it, e.g. a long session and a new connection) the one with an event nearest in
/// time, then the earlier connection.
pub fn closeness(events: &[Event], c: &HostConnection, t: Timestamp) -> (f64, f64) {
    (
        distance_to_window(t, c.start, c.end).abs(),
        nearest_event_distance(events, c, t),
    )
}

/// Compares two `(index, closeness)` candidates.
pub fn by_closeness(a: &(usize, (f64, f64)), b: &(usize, (f64, f64))) -> std::cmp::Ordering {
    a.1.0
        .total_cmp(&b.1.0)
        .then(a.1.1.total_cmp(&b.1.1))
        .then(a.0.cmp(&b.0))
}

/// The half among `candidates` that `accept` takes whose window is nearest to `t`, within
/// [`LOOSE_JOIN_SECONDS`].
fn nearest_among(
    events: &[Event],
    halves: &[HostHalf],
    candidates: Option<&Vec<usize>>,
    t: Timestamp,
    accept: impl Fn(&HostConnection) -> bool,
) -> Option<usize> {
    candidates
        .into_iter()
        .flatten()
        .filter_map(|&i| {
            let c = &halves.get(i)?.conn;
            accept(c).then(|| (i, closeness(events, c, t)))
        })
        .filter(|(_, d)| d.0 <= LOOSE_JOIN_SECONDS)
        .min_by(by_closeness)
        .map(|(i, _)| i)
}

/// Host connections by client address, session id and user, while they are being built.
#[derive(Default)]
struct HalfIndex {
    by_ip: HashMap<IpAddr, Vec<usize>>,
    by_session: HashMap<u32, Vec<usize>>,
    /// By [`account_key`] of their user.
    by_user: HashMap<String, Vec<usize>>,
    /// Authenticated (1149) without a user name: Restricted Admin, NLA off on older builds.
    anonymous: Vec<usize>,
}

impl HalfIndex {
    /// Indexes (again) a connection under its address, sessions and user (a repeat in a list
    /// is harmless: lookups take the nearest, and check what they need).
    fn add(&mut self, index: usize, c: &HostConnection) {
        if let Some(ip) = c.client_ip {
            let list = self.by_ip.entry(ip).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
        match c.user.as_deref().and_then(account_key) {
            Some(key) => {
                let list = self.by_user.entry(key).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
            None if c.authenticated && self.anonymous.last() != Some(&index) => {
                self.anonymous.push(index);
            }
            None => {}
        }
        for s in &c.sessions {
            let list = self.by_session.entry(*s).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
    }
}

fn half_from(
    events: &[Event],
    host: HostId,
    activity: Option<Guid>,
    mut members: Vec<EventIndex>,
    relation: Relation,
) -> HostHalf {
    members.sort_unstable();
    let t0 = members
        .first()
        .and_then(|&i| events.get(i))
        .map_or(Timestamp(0), |e| e.time);
    let mut conn = HostConnection {
        server: host,
        activity_id: activity,
        client_ip: None,
        client_port: None,
        transport: None,
        start: t0,
        end: t0,
        authenticated: false,
        session_started: false,
        credential_failure: false,
        security_layer_error: false,
        tls_version: None,
        user: None,
        events: members.clone(),
        side_transports: Vec::new(),
        sessions: Vec::new(),
    };
    for &i in &members {
        if let Some(e) = events.get(i) {
            absorb(&mut conn, e);
        }
    }
    HostHalf {
        conn,
        owned: members.into_iter().map(|i| (i, relation)).collect(),
    }
}

/// Updates a host connection's facts with one of its events.
fn absorb(c: &mut HostConnection, e: &Event) {
    c.start = c.start.min(e.time);
    c.end = c.end.max(e.time);
    let key = e.kind.key();
    let f = &e.fields;
    if let Some((ep, transport)) = client_endpoint(e) {
        let is_131 = is_kind(e, "rdpcorets", 131);
        let is_udp = transport.is_some_and(|t| t.eq_ignore_ascii_case("UDP"));
        if c.client_ip.is_none() || (is_131 && c.transport.is_none() && !is_udp) {
            c.client_ip = Some(ep.ip);
            if is_131 {
                c.client_port = ep.port;
                c.transport = transport.map(str::to_ascii_uppercase);
            }
        }
    }
    match (key, e.event_id) {
        ("rcm", 1149) => {
            c.authenticated = true;
            if c.user.is_none() {
                c.user = match (f.text("Param2"), f.text("Param1")) {
                    (Some(d), Some(u)) => Some(format!("{d}\\{u}")),
                    (None, Some(u)) => Some(u.to_string()),
                    _ => None,
                };
            }
        }
        ("lsm", 21 | 22 | 25) | ("rdpcorets", 66) => c.session_started = true,
        ("rdpcorets", 140) => c.credential_failure = true,
        ("rdpcorets", 139 | 97) => c.security_layer_error = true,
        ("rdpcorets", 153) if c.tls_version.is_none() => {
            c.tls_version = f.text("TLSVersion").map(str::to_string);
        }
        _ => {}
    }
    if key == "lsm" && c.user.is_none() {
        c.user = f.text("User").map(str::to_string);
    }
    if matches!(
        (key, e.event_id),
        ("lsm", 21 | 22 | 25 | 41 | 42) | ("rdpcorets", 66)
    ) && let Some(s) = session_of(e)
        && !c.sessions.contains(&s)
    {
        c.sessions.push(s);
    }
}

/// The client time-zone bias (hours) a host connection's RdpCoreTS 104 reports (`"[1]"`).
pub fn timezone_bias_hours(events: &[Event], c: &HostConnection) -> Option<i64> {
    c.events
        .iter()
        .filter_map(|&i| events.get(i))
        .filter(|e| is_kind(e, "rdpcorets", 104))
        .find_map(|e| {
            let t = e.fields.text("TimezoneBiasHour")?;
            t.trim_matches(|c| c == '[' || c == ']' || c == ' ')
                .parse::<i64>()
                .ok()
                .filter(|h| h.abs() <= 14)
        })
}

/// The client addresses of host connections by address, for quick lookups.
pub fn by_client_ip(halves: &[HostHalf]) -> BTreeMap<IpAddr, Vec<usize>> {
    let mut map: BTreeMap<IpAddr, Vec<usize>> = BTreeMap::new();
    for (i, h) in halves.iter().enumerate() {
        if let Some(ip) = h.conn.client_ip {
            map.entry(ip).or_default().push(i);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn all(events: &[Event]) -> Vec<EventIndex> {
        (0..events.len()).collect()
    }

    fn sorted(mut events: Vec<Event>) -> Vec<Event> {
        events.sort_by_key(|e| e.time);
        events
    }

    #[test]
    fn client_attempts_by_activity_and_by_sequence() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", Some("10.0.0.10"), 2308, false);
        events.extend(client_attempt(
            "WS1",
            guid(2),
            5_000,
            "srv01",
            None,
            0,
            true,
        ));
        // A build without ActivityIDs: 1024 opens, 1026 closes.
        events.push(client("WS1", None, 1024, 100_000, &[("Value", "srv02")]));
        events.push(client("WS1", None, 1025, 100_100, &[]));
        events.push(client("WS1", None, 1026, 100_200, &[("Value", "516")]));
        events.push(client("WS1", None, 1024, 110_000, &[("Value", "srv03")]));
        events.push(client("WS1", None, 1026, 110_500, &[("Value", "264")]));
        let events = sorted(events);
        let halves = client_attempts(&events, 0, &all(&events));
        assert_eq!(halves.len(), 4);
        let a = &halves[0].attempt;
        assert_eq!(a.activity_id, Some(guid(1)));
        assert_eq!(a.target.as_deref(), Some("srv01"));
        assert_eq!(a.server_address.as_deref(), Some("10.0.0.10"));
        assert_eq!(a.disconnect_reason, Some(2308));
        assert!(a.transport_connected && !a.logged_on);
        assert!(halves[1].attempt.logged_on);
        assert_eq!(halves[2].attempt.activity_id, None);
        assert_eq!(halves[2].attempt.target.as_deref(), Some("srv02"));
        assert_eq!(halves[2].attempt.events.len(), 3);
        assert_eq!(halves[3].attempt.target.as_deref(), Some("srv03"));
        assert_eq!(halves[3].attempt.disconnect_reason, Some(264));
        assert_eq!(attempt_anchor(&events, a), at(50));
    }

    #[test]
    fn a_reused_client_activity_after_its_disconnect_is_a_new_attempt() {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 2308, false);
        events.extend(client_attempt(
            "WS1",
            guid(1),
            4_000,
            "srv01",
            None,
            2308,
            false,
        ));
        let events = sorted(events);
        let halves = client_attempts(&events, 0, &all(&events));
        assert_eq!(halves.len(), 2);
    }

    #[test]
    fn host_groups_share_activity_across_channels_and_ignore_lsm_constant() {
        let mut events = host_connection("SRV01", guid(7), 0, "10.0.0.5", 50000, true);
        // Console logon with LSM's constant GUID at the same time: not part of it.
        events.push(lsm(
            "SRV01",
            Some(LSM_CONSTANT_ACTIVITY),
            21,
            2_700,
            &[
                ("User", "CORP\\admin"),
                ("SessionID", "1"),
                ("Address", "LOCAL"),
            ],
        ));
        events.push(lsm(
            "SRV01",
            Some(LSM_CONSTANT_ACTIVITY),
            41,
            2_800,
            &[("User", "CORP\\admin"), ("SessionID", "1")],
        ));
        // Listener record: not a connection.
        events.push(corets(
            "SRV01",
            Some(guid(99)),
            129,
            3_000,
            &[("Port", "3389")],
        ));
        let events = sorted(events);
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(halves.len(), 1);
        let c = &halves[0].conn;
        assert_eq!(c.activity_id, Some(guid(7)));
        assert_eq!(c.client_ip, Some("10.0.0.5".parse().unwrap()));
        assert_eq!(c.client_port, Some(50000));
        assert_eq!(c.transport.as_deref(), Some("TCP"));
        assert!(c.authenticated && c.session_started);
        assert_eq!(c.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(c.sessions, vec![2]);
        assert_eq!(c.events.len(), 7);
        assert!(
            c.events
                .iter()
                .all(|&i| events[i].activity_id == Some(guid(7)))
        );
    }

    #[test]
    fn udp_side_transport_joins_its_tcp_connection() {
        // As in the real rdpsharp sample: the UDP 131 has its own ActivityID.
        let udp_act = Guid(0xaf15_9b2d_d587_4709_ab35_f167_130b_0000);
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.2.16", 52202, true);
        events.push(corets(
            "SRV01",
            Some(udp_act),
            131,
            5_356,
            &[("ConnType", "UDP"), ("ClientIP", "[10.0.2.16]:59407")],
        ));
        events.push(corets(
            "SRV01",
            Some(udp_act),
            68,
            8_800,
            &[("ConnectionName", "RDP-Tcp#0")],
        ));
        // Another client's TCP connection in between must not take it.
        events.extend(host_connection(
            "SRV01",
            guid(2),
            3_000,
            "10.0.9.9",
            40000,
            false,
        ));
        let events = sorted(events);
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(halves.len(), 2);
        let c = &halves[0].conn;
        assert_eq!(c.activity_id, Some(guid(1)));
        assert_eq!(c.side_transports, vec![udp_act]);
        assert_eq!(c.transport.as_deref(), Some("TCP"));
        assert_eq!(c.client_port, Some(52202));
        let udp_owned: Vec<_> = halves[0]
            .owned
            .iter()
            .filter(|(i, _)| events[*i].activity_id == Some(udp_act))
            .collect();
        assert_eq!(udp_owned.len(), 2);
        assert!(udp_owned.iter().all(|(_, r)| *r == Relation::Address));
        // A UDP transport with no TCP connection before it stands alone.
        let lone = vec![corets(
            "SRV01",
            Some(udp_act),
            131,
            0,
            &[("ConnType", "UDP"), ("ClientIP", "[10.0.2.16]:59407")],
        )];
        let halves = host_connections(&lone, 0, &[0]);
        assert_eq!(halves.len(), 1);
        assert_eq!(halves[0].conn.transport.as_deref(), Some("UDP"));
    }

    #[test]
    fn records_without_correlation_join_by_address_or_session() {
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.0.5", 50000, true);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            1_000,
            "10.0.0.6",
            50001,
            false,
        ));
        // Older RCM 1149 without Correlation, from 10.0.0.6.
        events.push(rcm(
            "SRV01",
            None,
            1149,
            1_500,
            &[("Param1", "bob"), ("Param3", "10.0.0.6")],
        ));
        // LSM 39 without Correlation, naming session 2 (the first connection's session).
        events.push(lsm(
            "SRV01",
            None,
            39,
            2_800,
            &[("TargetSession", "2"), ("Source", "2")],
        ));
        // LSM 40 for a session nobody has: stays unowned.
        events.push(lsm(
            "SRV01",
            None,
            40,
            2_900,
            &[("Session", "7"), ("Reason", "0")],
        ));
        let events = sorted(events);
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(halves.len(), 2);
        let second = halves
            .iter()
            .find(|h| h.conn.activity_id == Some(guid(2)))
            .unwrap();
        assert!(second.conn.authenticated);
        assert_eq!(second.conn.user.as_deref(), Some("bob"));
        let first = halves
            .iter()
            .find(|h| h.conn.activity_id == Some(guid(1)))
            .unwrap();
        let lsm39 = events.iter().position(|e| e.event_id == 39).unwrap();
        assert!(first.owned.contains(&(lsm39, Relation::Nearest)));
        let lsm40 = events.iter().position(|e| e.event_id == 40).unwrap();
        assert!(halves.iter().all(|h| !h.conn.events.contains(&lsm40)));
    }

    #[test]
    fn lsm_records_without_correlation_join_their_users_connection() {
        // dlee authenticates (131 and 1149 correlated); arbitration of session 3 begins (41,
        // null Correlation) and never ends; the session is torn down (40). Meanwhile bob's
        // connection from another address, and dlee's console arbitration (LSM's constant).
        let a = Some(guid(1));
        let b = Some(guid(2));
        let mut events = vec![
            corets(
                "SRV01",
                a,
                131,
                0,
                &[("ConnType", "TCP"), ("ClientIP", "10.0.0.5:50000")],
            ),
            rcm(
                "SRV01",
                a,
                1149,
                900,
                &[
                    ("Param1", "dlee"),
                    ("Param2", "CONTOSO"),
                    ("Param3", "10.0.0.5"),
                ],
            ),
            corets(
                "SRV01",
                b,
                131,
                1_000,
                &[("ConnType", "TCP"), ("ClientIP", "10.0.0.6:50001")],
            ),
            rcm(
                "SRV01",
                b,
                1149,
                1_100,
                &[
                    ("Param1", "bob"),
                    ("Param2", "CONTOSO"),
                    ("Param3", "10.0.0.6"),
                ],
            ),
            lsm(
                "SRV01",
                None,
                41,
                1_400,
                &[("User", "CONTOSO\\DLee"), ("SessionID", "3")],
            ),
            lsm(
                "SRV01",
                Some(LSM_CONSTANT_ACTIVITY),
                41,
                1_500,
                &[("User", "CONTOSO\\dlee"), ("SessionID", "1")],
            ),
            lsm(
                "SRV01",
                None,
                40,
                61_000,
                &[("Session", "3"), ("Reason", "0")],
            ),
            corets("SRV01", a, 102, 61_500, &[]),
        ];
        events = sorted(events);
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(halves.len(), 2);
        let dlee = halves
            .iter()
            .find(|h| h.conn.activity_id == Some(guid(1)))
            .unwrap();
        let pos = |id: u32, s: &str| {
            events
                .iter()
                .position(|e| {
                    e.event_id == id
                        && (e.fields.text("SessionID") == Some(s)
                            || e.fields.text("Session") == Some(s))
                })
                .unwrap()
        };
        assert!(dlee.owned.contains(&(pos(41, "3"), Relation::Nearest)));
        assert!(dlee.owned.contains(&(pos(40, "3"), Relation::Nearest)));
        assert_eq!(dlee.conn.sessions, vec![3]);
        assert!(
            halves
                .iter()
                .all(|h| !h.conn.events.contains(&pos(41, "1")))
        );

        // The same records beside a connection of someone else only: not joined.
        let others: Vec<Event> = events
            .iter()
            .filter(|e| e.activity_id != a)
            .cloned()
            .collect();
        let halves = host_connections(&others, 0, &all(&others));
        assert_eq!(halves.len(), 1);
        assert!(
            halves[0]
                .conn
                .events
                .iter()
                .all(|&i| others[i].kind.key() != "lsm")
        );

        // An authentication without a user name (Restricted Admin): the one authenticated
        // connection near the record takes it; with two, neither does.
        let anonymous = |n: u128, ms: i64| {
            vec![
                corets(
                    "SRV01",
                    Some(guid(n)),
                    131,
                    ms,
                    &[("ConnType", "TCP"), ("ClientIP", "10.0.0.7:50002")],
                ),
                rcm(
                    "SRV01",
                    Some(guid(n)),
                    1149,
                    ms + 900,
                    &[("Param3", "10.0.0.7")],
                ),
            ]
        };
        let arbitration = lsm(
            "SRV01",
            None,
            41,
            1_400,
            &[("User", "CONTOSO\\dlee"), ("SessionID", "3")],
        );
        let mut one = anonymous(5, 0);
        one.push(arbitration.clone());
        let one = sorted(one);
        let halves = host_connections(&one, 0, &all(&one));
        assert_eq!(halves.len(), 1);
        assert!(halves[0].conn.events.iter().any(|&i| one[i].event_id == 41));
        let mut two = anonymous(5, 0);
        two.extend(anonymous(6, 200));
        two.push(arbitration);
        let two = sorted(two);
        let halves = host_connections(&two, 0, &all(&two));
        assert!(
            halves
                .iter()
                .all(|h| h.conn.events.iter().all(|&i| two[i].event_id != 41))
        );
    }

    #[test]
    fn accounts_compare_by_name_and_domain() {
        assert_eq!(account_key("CONTOSO\\Alice").as_deref(), Some("alice"));
        assert_eq!(account_key("alice@contoso.lan").as_deref(), Some("alice"));
        assert_eq!(account_key("-"), None);
        assert!(same_account("CONTOSO\\alice", "contoso.lan\\ALICE"));
        assert!(same_account("alice", "CONTOSO\\alice"));
        assert!(!same_account("SRV01\\alice", "CONTOSO\\alice"));
        assert!(!same_account("CONTOSO\\bob", "CONTOSO\\alice"));
    }

    #[test]
    fn old_rcm_without_correlation_opens_connections() {
        let events = vec![
            rcm("SRV01", None, 261, 0, &[("listenerName", "RDP-Tcp")]),
            rcm(
                "SRV01",
                None,
                1149,
                2_000,
                &[("Param1", "bob"), ("Param3", "10.0.0.7")],
            ),
            rcm(
                "SRV01",
                None,
                1149,
                90_000,
                &[("Param1", "eve"), ("Param3", "10.0.0.8")],
            ),
        ];
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(halves.len(), 2);
        assert_eq!(halves[0].conn.events, vec![0, 1]);
        assert_eq!(halves[0].conn.client_ip, Some("10.0.0.7".parse().unwrap()));
        assert_eq!(halves[1].conn.user.as_deref(), Some("eve"));
    }

    #[test]
    fn timezone_hint_is_read() {
        let mut events = host_connection("SRV01", guid(1), 0, "10.0.0.5", 50000, true);
        events.push(corets(
            "SRV01",
            Some(guid(1)),
            104,
            100,
            &[("TimezoneBiasHour", "[1]")],
        ));
        let events = sorted(events);
        let halves = host_connections(&events, 0, &all(&events));
        assert_eq!(timezone_bias_hours(&events, &halves[0].conn), Some(1));
    }
}
