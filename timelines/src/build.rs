//! The entry point: catalogued events of many hosts in, [`Timelines`] out.
//!
//! Stages: order and de-duplicate the events; identify hosts (hints mapped to computers, own
//! addresses); per host, in parallel, group attempts and host connections and join the events
//! without an ActivityID; link attempts to connections per client–server pair with estimated
//! clock offsets; give attempts that never reached their host the host-side traces from their
//! client's address; build the connections (ids in start order); decide outcomes; attach the
//! context in parallel. Every parallel step collects in input order, so the result does not
//! depend on the number of threads.

use std::collections::BTreeSet;
use std::net::IpAddr;

use foldhash::HashSet;
use rayon::prelude::*;
use rdpsleuth_parser::catalog::Catalog;
use rdpsleuth_parser::catalog::DEFAULT_RDP_PORT;
use rdpsleuth_parser::ingest::event_order;
use rdpsleuth_parser::{Event, Format, InputReport, Timestamp};

use crate::attach::{
    ContextIndex, ContextSide, LOGON_JOIN_SECONDS, NETWORK_JOIN_SECONDS, join_client_events,
    join_host_events,
};
use crate::group::{ClientHalf, HostHalf, client_attempts, distance_to_window, host_connections};
use crate::identity::{Identity, hint_targets};
use crate::link::{Linking, host_offsets, link};
use crate::model::{
    Connection, EventIndex, Failure, HostId, Lane, Outcome, Relation, Stage, TimelineEntry,
    Timelines,
};
use crate::net;
use crate::outcome::{OutcomeFacts, Probes, outcome, session_drop};

/// Which connections get their context (host-state evidence in their window) gathered:
/// [`build`] gathers it for failed connections; [`gather_context`] for more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContextScope {
    /// Failed connections only — the ones a diagnosis reads; memory stays proportional to the
    /// failures, not to every scanner probe and session.
    #[default]
    Failed,
    /// Failed and unknown connections.
    NotSucceeded,
    /// Every connection.
    All,
}

impl ContextScope {
    /// True when a connection with this outcome gets context.
    pub fn covers(self, outcome: crate::model::Outcome) -> bool {
        use crate::model::Outcome;
        match self {
            ContextScope::Failed => outcome == Outcome::Failed,
            ContextScope::NotSucceeded => outcome != Outcome::Succeeded,
            ContextScope::All => true,
        }
    }
}

/// Settings of a build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Threads to use; 0 = the current rayon pool.
    pub threads: usize,
    /// Ports treated as RDP (WFP and firewall-log joins).
    pub rdp_ports: Vec<u16>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            threads: 0,
            rdp_ports: vec![DEFAULT_RDP_PORT],
        }
    }
}

/// Builds the timelines with default options.
pub fn build(events: Vec<Event>, reports: &[InputReport]) -> Timelines {
    build_with(events, reports, &BuildOptions::default())
}

/// Builds the timelines.
pub fn build_with(events: Vec<Event>, reports: &[InputReport], opts: &BuildOptions) -> Timelines {
    rdpsleuth_parser::pool::with_threads(opts.threads, || build_in_pool(events, reports, opts))
}

/// Sorts events and drops second reads of one record (the same EVTX record given twice, or
/// through two export formats).
pub fn order_events(mut events: Vec<Event>) -> Vec<Event> {
    // The ingest already delivers them in this order: check before sorting.
    if !events.is_sorted_by(|a, b| event_order(a, b).is_le()) {
        events.par_sort_by(event_order);
    }
    // Compact in place: `kept` events stay at the front; a run holds the kept events with the
    // same time, host, channel and record id (where a second read of a record would sit).
    let mut kept = 0usize;
    let mut run_start = 0usize;
    for i in 0..events.len() {
        let (front, rest) = events.split_at(i);
        let (Some(e), Some(kept_part)) = (rest.first(), front.get(..kept)) else {
            continue;
        };
        let same_key = |x: &Event| {
            x.time == e.time
                && x.host == e.host
                && x.channel == e.channel
                && x.record_id == e.record_id
        };
        if kept_part.get(run_start).is_none_or(|x| !same_key(x)) {
            run_start = kept;
        }
        let duplicate = e.record_id != 0
            && kept_part
                .get(run_start..)
                .is_some_and(|run| run.iter().any(|x| x.same_record(e)));
        if !duplicate {
            events.swap(kept, i);
            kept += 1;
        }
    }
    events.truncate(kept);
    events
}

fn build_in_pool(events: Vec<Event>, reports: &[InputReport], opts: &BuildOptions) -> Timelines {
    let rdp_ports: &[u16] = if opts.rdp_ports.is_empty() {
        &[DEFAULT_RDP_PORT]
    } else {
        &opts.rdp_ports
    };
    let events = order_events(events);
    let hints = hint_targets(reports);
    let logged = logged_computers(reports);
    let mut identity = Identity::with_logs(&events, &hints, &logged);
    identity.learn_own_addresses(&events);
    let host_count = identity.hosts.len();
    let mut per_host: Vec<Vec<EventIndex>> = vec![Vec::new(); host_count];
    for (i, &h) in identity.event_host.iter().enumerate() {
        if let Some(list) = per_host.get_mut(h) {
            list.push(i);
        }
    }

    // Per host: host connections with their joins, then attempts with theirs.
    let identity_ro = &identity;
    let events_ro = &events;
    let per_host_halves: Vec<(Vec<ClientHalf>, Vec<HostHalf>)> = per_host
        .par_iter()
        .enumerate()
        .map(|(host, indices)| {
            let mut servers = host_connections(events_ro, host, indices);
            join_host_events(events_ro, indices, &mut servers, rdp_ports);
            let mut clients = client_attempts(events_ro, host, indices);
            if !clients.is_empty() {
                let server_ips: Vec<Vec<IpAddr>> = clients
                    .iter()
                    .map(|c| attempt_server_ips(identity_ro, c))
                    .collect();
                let taken: HashSet<EventIndex> = servers
                    .iter()
                    .flat_map(|h| h.conn.events.iter().copied())
                    .collect();
                join_client_events(
                    events_ro,
                    indices,
                    &mut clients,
                    &server_ips,
                    rdp_ports,
                    &taken,
                );
            }
            (clients, servers)
        })
        .collect();
    let mut clients: Vec<ClientHalf> = Vec::new();
    let mut servers: Vec<HostHalf> = Vec::new();
    for (c, s) in per_host_halves {
        clients.extend(c);
        servers.extend(s);
    }

    let linking = link(&events, &mut identity, &clients, &servers);
    let offsets = host_offsets(host_count, &linking.offsets);

    let mut owned_by_half: Vec<bool> = vec![false; events.len()];
    for i in clients
        .iter()
        .flat_map(|c| c.attempt.events.iter())
        .chain(servers.iter().flat_map(|h| h.conn.events.iter()))
    {
        if let Some(slot) = owned_by_half.get_mut(*i) {
            *slot = true;
        }
    }
    let linked_attempts: BTreeSet<usize> = linking.links.iter().map(|l| l.0).collect();
    let linked_conns: BTreeSet<usize> = linking.links.iter().map(|l| l.1).collect();
    let client_lane_shift = |client: HostId, server: Option<HostId>| -> f64 {
        let Some(server) = server else { return 0.0 };
        if client == server {
            return 0.0;
        }
        linking
            .pair_offset(client, server)
            .or_else(|| match (offsets.get(server), offsets.get(client)) {
                (Some(Some(s)), Some(Some(c))) => Some(s - c),
                _ => None,
            })
            .unwrap_or(0.0)
    };

    // Attempts that never reached their host: the host's traces from the client's address.
    for (k, half) in clients.iter_mut().enumerate() {
        if linked_attempts.contains(&k) {
            continue;
        }
        let Some(Some(server)) = linking.attempt_server.get(k) else {
            continue;
        };
        let client = half.attempt.client;
        let ips: Vec<IpAddr> = identity
            .hosts
            .get(client)
            .map(|h| h.addresses.iter().map(|a| a.ip).collect())
            .unwrap_or_default();
        if ips.is_empty() || *server == client {
            continue;
        }
        let shift = client_lane_shift(client, Some(*server));
        let start = half.attempt.start.add_seconds(shift);
        let end = half.attempt.end.add_seconds(shift);
        let Some(host_events) = per_host.get(*server) else {
            continue;
        };
        let from = start.add_seconds(-NETWORK_JOIN_SECONDS);
        let lo = host_events.partition_point(|&i| events.get(i).is_some_and(|e| e.time < from));
        let mut joined: Vec<(EventIndex, Relation)> = Vec::new();
        for &i in host_events.get(lo..).unwrap_or(&[]) {
            let Some(e) = events.get(i) else { continue };
            if e.time > end.add_seconds(NETWORK_JOIN_SECONDS) {
                break;
            }
            if owned_by_half.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some(relation) = trace_from(e, &ips, rdp_ports)
                && distance_to_window(e.time, start, end).abs() <= LOGON_JOIN_SECONDS
            {
                joined.push((i, relation));
            }
        }
        for (i, relation) in joined {
            if let Some(slot) = owned_by_half.get_mut(i) {
                *slot = true;
            }
            half.owned.push((i, relation));
        }
    }

    // The connections.
    struct Draft {
        attempt: Option<usize>,
        host: Option<usize>,
        client: Option<HostId>,
        server: Option<HostId>,
        shift: f64,
        start: Timestamp,
        end: Timestamp,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    let mut push_draft = |attempt: Option<usize>, host: Option<usize>| {
        let a = attempt.and_then(|k| clients.get(k));
        let h = host.and_then(|k| servers.get(k));
        let client = a.map(|a| a.attempt.client);
        let server = h
            .map(|h| h.conn.server)
            .or_else(|| attempt.and_then(|k| linking.attempt_server.get(k).copied().flatten()));
        let shift = client.map_or(0.0, |c| client_lane_shift(c, server));
        let times = a
            .into_iter()
            .flat_map(|a| a.owned.iter().map(|(i, _)| (*i, shift)))
            .chain(
                h.into_iter()
                    .flat_map(|h| h.owned.iter().map(|(i, _)| (*i, 0.0))),
            )
            .filter_map(|(i, s)| events.get(i).map(|e| e.time.add_seconds(s)));
        let (mut start, mut end) = (None::<Timestamp>, None::<Timestamp>);
        for t in times {
            start = Some(start.map_or(t, |s| s.min(t)));
            end = Some(end.map_or(t, |x| x.max(t)));
        }
        let (Some(start), Some(end)) = (start, end) else {
            return;
        };
        drafts.push(Draft {
            attempt,
            host,
            client,
            server,
            shift,
            start,
            end,
        });
    };
    for &(k, h) in &linking.links {
        push_draft(Some(k), Some(h));
    }
    for k in (0..clients.len()).filter(|k| !linked_attempts.contains(k)) {
        push_draft(Some(k), None);
    }
    for h in (0..servers.len()).filter(|h| !linked_conns.contains(h)) {
        push_draft(None, Some(h));
    }
    // Host names in lower case, once (the order of ties in start time).
    let lower_names: Vec<String> = identity
        .hosts
        .iter()
        .map(|h| h.name.to_lowercase())
        .collect();
    let name_of = |h: Option<HostId>| h.and_then(|h| lower_names.get(h));
    let order_key = |d: &Draft| {
        (
            d.start,
            name_of(d.client),
            name_of(d.server),
            d.attempt
                .and_then(|k| clients.get(k))
                .and_then(|c| c.attempt.activity_id),
            d.host
                .and_then(|k| servers.get(k))
                .and_then(|c| c.conn.activity_id),
            d.attempt,
            d.host,
        )
    };
    drafts.sort_by(|a, b| order_key(a).cmp(&order_key(b)));

    // Addresses that had a session on a host (users' machines), and the accept times of each
    // address's connections per host (to tell a probing scanner from a user retrying).
    let with_session: BTreeSet<(HostId, IpAddr)> = servers
        .iter()
        .filter(|h| h.conn.session_started)
        .filter_map(|h| h.conn.client_ip.map(|ip| (h.conn.server, ip)))
        .collect();
    let probes = Probes::new(servers.iter().map(|h| &h.conn));

    let width = drafts.len().to_string().len().max(4);
    let mut owner: Vec<Option<usize>> = vec![None; events.len()];
    let mut connections: Vec<Connection> = Vec::with_capacity(drafts.len());
    for (n, d) in drafts.iter().enumerate() {
        let a = d.attempt.and_then(|k| clients.get(k));
        let h = d.host.and_then(|k| servers.get(k));
        let mut entries: Vec<TimelineEntry> = Vec::new();
        let mut add = |list: &[(EventIndex, Relation)], lane: Lane, shift: f64| {
            for &(i, relation) in list {
                let Some(e) = events.get(i) else { continue };
                if owner.get(i).is_some_and(Option::is_some) {
                    continue;
                }
                if let Some(slot) = owner.get_mut(i) {
                    *slot = Some(n);
                }
                let time = e.time.add_seconds(shift);
                entries.push(TimelineEntry {
                    event: i,
                    lane,
                    relation,
                    time,
                    distance_seconds: distance_to_window(time, d.start, d.end),
                });
            }
        };
        if let Some(a) = a {
            add(&a.owned, Lane::Client, d.shift);
        }
        if let Some(h) = h {
            add(&h.owned, Lane::Server, 0.0);
        }
        entries.sort_by(|x, y| x.time.cmp(&y.time).then(x.event.cmp(&y.event)));
        let client_address = h.and_then(|h| h.conn.client_ip).or_else(|| {
            let addrs = &identity.hosts.get(d.client?)?.addresses;
            match addrs.as_slice() {
                [one] => Some(one.ip),
                _ => None,
            }
        });
        // An address is a known machine's when the logs of that machine are among the inputs.
        let known_client = client_address
            .is_some_and(|ip| identity.hosts_with_ip(ip).any(|x| Some(x) != d.server));
        let host_side = h.and_then(|h| Some((h.conn.server, h.conn.client_ip?, h.conn.start)));
        let owned: Vec<EventIndex> = entries.iter().map(|x| x.event).collect();
        // A session dropped after it began: the window of the drop.
        let drop = session_drop(&events, a.map(|a| &a.attempt), &entries)
            .iter()
            .fold(None, |w: Option<(Timestamp, Timestamp)>, x| {
                Some(w.map_or((x.time, x.time), |(s, e)| (s.min(x.time), e.max(x.time))))
            });
        let result = outcome(
            &events,
            &OutcomeFacts {
                attempt: a.map(|a| &a.attempt),
                host: h.map(|h| &h.conn),
                owned: &owned,
                known_client,
                returning_user: host_side
                    .is_some_and(|(server, ip, _)| with_session.contains(&(server, ip))),
                probing: host_side.is_some_and(|(server, ip, at)| probes.probing(server, ip, at)),
                dropped: drop.is_some(),
            },
        );
        let failure = (result == Outcome::Failed).then_some(match drop {
            Some((start, end)) => Failure {
                stage: Stage::Session,
                start,
                end,
            },
            None => Failure {
                stage: Stage::Setup,
                start: d.start,
                end: d.end,
            },
        });
        // Distances are measured from the failure: for a dropped session, from the drop.
        if let Some(f) = failure.filter(|f| f.stage == Stage::Session) {
            for x in &mut entries {
                x.distance_seconds = distance_to_window(x.time, f.start, f.end);
            }
        }
        connections.push(Connection {
            id: format!("C{:0width$}", n + 1),
            client: d.client,
            server: d.server,
            target: a.and_then(|a| a.attempt.target.clone()),
            client_address,
            client_activity_id: a.and_then(|a| a.attempt.activity_id),
            server_activity_id: h.and_then(|h| h.conn.activity_id),
            start: d.start,
            end: d.end,
            outcome: result,
            failure,
            disconnect_reason: a.and_then(|a| a.attempt.disconnect_reason),
            attempt: d.attempt,
            host_connection: d.host,
            entries,
            context: Vec::new(),
            context_omitted: Vec::new(),
            client_clock_shift_seconds: d.shift,
        });
    }

    // Context of the failed connections (others on demand: `gather_context`).
    let index = ContextIndex::new(&events, &identity.event_host, host_count, &owner);
    attach_context(&mut connections, &index, ContextScope::Failed);

    // Hosts: roles, span, channels, clock offsets.
    let mut hosts = std::mem::take(&mut identity.hosts);
    let mut channels: Vec<Vec<&std::sync::Arc<str>>> = vec![Vec::new(); hosts.len()];
    for (i, e) in events.iter().enumerate() {
        let Some(&id) = identity.event_host.get(i) else {
            continue;
        };
        let (Some(h), Some(seen)) = (hosts.get_mut(id), channels.get_mut(id)) else {
            continue;
        };
        h.first_event = Some(h.first_event.map_or(e.time, |t| t.min(e.time)));
        h.last_event = Some(h.last_event.map_or(e.time, |t| t.max(e.time)));
        // Channel names are shared strings: compare pointers first.
        if !seen
            .iter()
            .any(|c| std::sync::Arc::ptr_eq(c, &e.channel) || **c == e.channel)
        {
            seen.push(&e.channel);
            h.channels.push(e.channel.to_string());
        }
        if e.kind.key() == "rdpclient" {
            h.roles.client = true;
        }
    }
    for c in &connections {
        if let Some(h) = c.client.and_then(|h| hosts.get_mut(h)) {
            h.roles.client = true;
        }
        if let Some(h) = c.server.and_then(|h| hosts.get_mut(h)) {
            h.roles.server = true;
        }
    }
    // Hosts known only from their logs (no kept event): channels and span from the reports.
    for (id, h) in hosts.iter_mut().enumerate() {
        if h.first_event.is_some() {
            continue;
        }
        for span in reports
            .iter()
            .filter(|r| r.format != Format::FirewallLog)
            .flat_map(|r| &r.channels)
        {
            if span.records == 0
                || !Catalog::global().channel_is_relevant(&span.channel)
                || identity.resolve(&span.host).first() != Some(&id)
            {
                continue;
            }
            h.first_event = Some(h.first_event.map_or(span.first, |t| t.min(span.first)));
            h.last_event = Some(h.last_event.map_or(span.last, |t| t.max(span.last)));
            if !h.channels.contains(&span.channel) {
                h.channels.push(span.channel.clone());
            }
        }
    }
    for (h, off) in hosts.iter_mut().zip(&offsets) {
        h.clock_offset_seconds = *off;
        h.channels.sort();
        h.addresses.sort();
    }

    let Linking {
        offsets: clock_offsets,
        ..
    } = linking;
    Timelines {
        events,
        hosts,
        attempts: clients.into_iter().map(|c| c.attempt).collect(),
        host_connections: servers.into_iter().map(|h| h.conn).collect(),
        connections,
        clock_offsets,
        event_host: identity.event_host,
        owner,
    }
}

/// Gathers the context of the connections `scope` names that have none yet (e.g. of
/// successful and unknown connections, which [`build`] leaves without).
pub fn gather_context(t: &mut Timelines, scope: ContextScope) {
    let index = ContextIndex::new(&t.events, &t.event_host, t.hosts.len(), &t.owner);
    attach_context(&mut t.connections, &index, scope);
}

/// Fills the context of the connections `scope` names, in parallel.
fn attach_context(connections: &mut [Connection], index: &ContextIndex, scope: ContextScope) {
    connections.par_iter_mut().for_each(|c| {
        if !scope.covers(c.outcome) || !c.context.is_empty() || !c.context_omitted.is_empty() {
            return;
        }
        let mut context = Vec::new();
        let mut omitted = Vec::new();
        // Around the failure: for a dropped session, its drop, not the hours of the session.
        let (start, end) = c.failure_window();
        if let Some(server) = c.server {
            let side = ContextSide {
                host: server,
                lane: Lane::Server,
                shift: 0.0,
            };
            index.collect(side, start, end, &mut context, &mut omitted);
        }
        if let Some(client) = c.client
            && Some(client) != c.server
        {
            let side = ContextSide {
                host: client,
                lane: Lane::Client,
                shift: c.client_clock_shift_seconds,
            };
            index.collect(side, start, end, &mut context, &mut omitted);
        }
        context.sort_by(|x, y| x.time.cmp(&y.time).then(x.event.cmp(&y.event)));
        c.context = context;
        c.context_omitted = omitted;
    });
}

/// The addresses an attempt's server may have: its 1102 address, its target when typed as an
/// IP, and the addresses of the host its target names.
fn attempt_server_ips(identity: &Identity, c: &ClientHalf) -> Vec<IpAddr> {
    let mut ips: BTreeSet<IpAddr> = BTreeSet::new();
    for text in [
        c.attempt.server_address.as_deref(),
        c.attempt.target.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(ep) = net::parse_endpoint(text) {
            ips.insert(ep.ip);
        }
        for host in identity.resolve(text) {
            if let Some(h) = identity.hosts.get(host) {
                ips.extend(h.addresses.iter().map(|a| a.ip));
            }
        }
    }
    ips.into_iter().collect()
}

/// A host-side trace of a connection attempt from one of `ips` that never became a host
/// connection: a packet-filter record to the RDP port, TermDD 56 naming the address, a logon
/// record from it.
fn trace_from(e: &Event, ips: &[IpAddr], rdp_ports: &[u16]) -> Option<Relation> {
    let f = &e.fields;
    match (e.kind.key(), e.event_id) {
        ("wfp" | "firewall_log", _) => {
            let flow = net::flow(e)?;
            let rdp = flow.local_port.is_some_and(|p| rdp_ports.contains(&p));
            (rdp && flow.remote.is_some_and(|r| ips.contains(&r))).then_some(Relation::Network)
        }
        ("termdd", 56) => f
            .data(1)
            .and_then(net::parse_ip)
            .filter(|ip| ips.contains(ip))
            .map(|_| Relation::Address),
        ("logon" | "logon_failure", 4624 | 4625) => f
            .text("IpAddress")
            .and_then(net::parse_ip)
            .filter(|ip| ips.contains(ip))
            .map(|_| Relation::Logon),
        _ => None,
    }
}

/// The computers named by the relevant logs that were read (records of catalogued channels),
/// whether or not any of their records was kept. Text firewall logs name no computer (only a
/// folder hint), so they do not count.
fn logged_computers(reports: &[InputReport]) -> Vec<&str> {
    let mut names: Vec<&str> = reports
        .iter()
        .filter(|r| r.format != Format::FirewallLog)
        .flat_map(|r| &r.channels)
        .filter(|span| span.records > 0 && Catalog::global().channel_is_relevant(&span.channel))
        .map(|span| span.host.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use rdpsleuth_parser::Guid;
    use rdpsleuth_parser::catalog::channel;

    /// A client WS1 (10.0.0.5) retrying SRV01 `failures` times, `gap_ms` apart, then succeeding;
    /// the server's clock is `skew_ms` ahead of the client's.
    fn retries(skew_ms: i64, failures: i64, gap_ms: i64) -> Vec<Event> {
        let mut events = Vec::new();
        for n in 0..=failures {
            let t = n * gap_ms;
            let ok = n == failures;
            events.extend(client_attempt(
                "WS1.corp.local",
                Guid(0x1000 + n as u128),
                t,
                "srv01.corp.local",
                Some("10.0.0.10"),
                if ok { 1 } else { 2308 },
                ok,
            ));
            events.extend(host_connection(
                "SRV01.corp.local",
                guid(n as u128 + 1),
                t + 50 + 30 + skew_ms,
                "10.0.0.5",
                50_000 + n as u16,
                ok,
            ));
        }
        events
    }

    fn offset_of(t: &Timelines, client: &str, server: &str) -> f64 {
        let id = |n: &str| {
            t.hosts
                .iter()
                .position(|h| h.name.eq_ignore_ascii_case(n))
                .unwrap()
        };
        let (c, s) = (id(client), id(server));
        t.clock_offsets
            .iter()
            .find(|o| o.client == c && o.server == s)
            .unwrap()
            .seconds
    }

    #[test]
    fn failing_attempts_keep_their_own_host_halves_beside_other_clients_sessions() {
        // WS1 (10.0.0.5) fails three times, 2 s apart, before credentials; its own host
        // connections come 1 s after its transport is up, while other clients open sessions at
        // that very instant (nearer in time, so only what each went through tells them apart).
        let mut events = Vec::new();
        for n in 0..3i64 {
            let t = n * 2_000;
            events.extend(client_attempt(
                "WS1.corp.local",
                Guid(0x1000 + n as u128),
                t,
                "srv01.corp.local",
                Some("10.0.0.10"),
                2308,
                false,
            ));
            events.extend(host_connection(
                "SRV01.corp.local",
                guid(n as u128 + 1),
                t + 1_050,
                "10.0.0.5",
                50_000 + n as u16,
                false,
            ));
            events.extend(host_connection(
                "SRV01.corp.local",
                guid(n as u128 + 100),
                t + 50,
                &format!("10.77.0.{}", n + 10),
                51_000 + n as u16,
                true,
            ));
        }
        let t = build(events, &[]);
        let linked: Vec<&Connection> = t
            .connections
            .iter()
            .filter(|c| c.client_activity_id.is_some())
            .collect();
        assert_eq!(linked.len(), 3);
        for c in linked {
            assert_eq!(c.outcome, Outcome::Failed, "{}", c.id);
            assert_eq!(
                c.client_address.map(|ip| ip.to_string()).as_deref(),
                Some("10.0.0.5"),
                "{} linked to another client's connection",
                c.id
            );
        }
        // The other clients' sessions stand on their own, succeeded.
        let others = t
            .connections
            .iter()
            .filter(|c| c.client_activity_id.is_none())
            .filter(|c| c.outcome == Outcome::Succeeded)
            .count();
        assert_eq!(others, 3);
    }

    #[test]
    fn skew_of_minutes_with_retries_is_recovered() {
        // Two minutes either way, a fraction, ten minutes either way and a little under the
        // half hour searched without a time-zone hint.
        for skew in [
            120_000i64, -120_000, 97_250, 600_000, -600_000, -1_500_000, 1_500_000,
        ] {
            let t = build(retries(skew, 4, 3_000), &[]);
            let d = offset_of(&t, "WS1.corp.local", "SRV01.corp.local");
            assert!((d - skew as f64 / 1000.0).abs() < 2.0, "skew {skew}: {d}");
            assert_eq!(t.connections.len(), 5);
            for c in &t.connections {
                let a = c.client_activity_id.unwrap();
                let h = c.server_activity_id.unwrap();
                // Attempt n pairs with host connection n.
                assert_eq!(a.0 - 0x1000 + 1, (h.0 >> 16) & 0xffff, "{}", c.id);
            }
            let outcomes: Vec<Outcome> = t.connections.iter().map(|c| c.outcome).collect();
            assert_eq!(outcomes[..4], [Outcome::Failed; 4]);
            assert_eq!(outcomes[4], Outcome::Succeeded);
            assert_eq!(t.connections[0].id, "C0001");
            assert_eq!(t.connections[0].disconnect_reason, Some(2308));
            // The server is the reference clock; the client's offset is minus the skew.
            let ws = t.hosts.iter().find(|h| h.name == "WS1.corp.local").unwrap();
            assert!((ws.clock_offset_seconds.unwrap() + skew as f64 / 1000.0).abs() < 2.0);
            let srv = t
                .hosts
                .iter()
                .find(|h| h.name == "SRV01.corp.local")
                .unwrap();
            assert_eq!(srv.clock_offset_seconds, Some(0.0));
            assert!(ws.roles.client && srv.roles.server);
            assert!(ws.addresses.iter().any(|a| a.ip.to_string() == "10.0.0.5"));
            assert!(
                srv.addresses
                    .iter()
                    .any(|a| a.ip.to_string() == "10.0.0.10")
            );
            // Client events are drawn on the server's clock.
            let c = &t.connections[0];
            let e1025 = c
                .entries
                .iter()
                .find(|e| t.events[e.event].event_id == 1025)
                .unwrap();
            let e131 = c
                .entries
                .iter()
                .find(|e| t.events[e.event].event_id == 131)
                .unwrap();
            assert!(e131.time.seconds_since(e1025.time).abs() < 2.0);
            assert!(c.entries.windows(2).all(|w| w[0].time <= w[1].time));
        }
    }

    #[test]
    fn a_lone_attempt_links_across_a_skew_when_it_is_the_only_pairing() {
        // One failed attempt from a client whose address nothing else reveals, 90 s behind
        // the host: the only connection the host accepted in the window is its own.
        for skew in [90_000i64, -90_000] {
            let t = build(retries(skew, 0, 0).into_iter().collect(), &[]);
            assert_eq!(t.connections.len(), 1, "skew {skew}");
            let c = &t.connections[0];
            assert!(c.client_activity_id.is_some() && c.server_activity_id.is_some());
            let d = offset_of(&t, "WS1.corp.local", "SRV01.corp.local");
            assert!((d - skew as f64 / 1000.0).abs() < 2.0, "skew {skew}: {d}");
            let pairs = t.clock_offsets.iter().map(|o| o.pairs).sum::<usize>();
            assert_eq!(pairs, 1, "the offset rests on one pair and says so");
        }
    }

    #[test]
    fn a_lone_attempt_that_never_connected_does_not_link_across_a_skew() {
        // Without 1025 the attempt may never have reached the host: a connection accepted
        // 90 s later is not evidence that it did.
        let events: Vec<Event> = retries(90_000, 0, 0)
            .into_iter()
            .filter(|e| !(e.event_id == 1025 && e.kind.key() == "rdpclient"))
            .collect();
        let t = build(events, &[]);
        assert_eq!(t.connections.len(), 2);
        assert!(t.clock_offsets.is_empty());
    }

    #[test]
    fn a_host_whose_logs_kept_nothing_is_still_a_host() {
        // The gateway's session host: its System and Security logs were read, none of their
        // records bears on RDP, and a pfirewall.log with nothing kept names only a folder.
        let events = retries(0, 0, 0);
        let span = |channel: &str, host: &str, records: u64| rdpsleuth_parser::input::ChannelSpan {
            channel: channel.into(),
            host: host.into(),
            first: at(-60_000),
            last: at(90_000),
            records,
            lost: Vec::new(),
        };
        let report = |path: &str, format, channels| InputReport {
            path: path.into(),
            format,
            host: Some("rdsh-04".into()),
            records: 8,
            kept: 0,
            failed: 0,
            errors: vec![],
            skipped: None,
            time_basis: None,
            empty_channel: None,
            channels,
        };
        let reports = vec![
            report(
                "b/rdsh-04/System.evtx",
                rdpsleuth_parser::Format::Evtx,
                vec![span("System", "RDSH-04.corp.local", 8)],
            ),
            report(
                "b/rdsh-04/Sysmon.evtx",
                rdpsleuth_parser::Format::Evtx,
                vec![span(
                    "Microsoft-Windows-Sysmon/Operational",
                    "SYSMON-ONLY.corp.local",
                    5,
                )],
            ),
            report(
                "b/rdsh-04/pfirewall.log",
                rdpsleuth_parser::Format::FirewallLog,
                vec![span("pfirewall.log", "rdsh-04-folder", 3)],
            ),
        ];
        let t = build(events, &reports);
        let names: Vec<&str> = t.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        let rdsh = t
            .hosts
            .iter()
            .find(|h| h.name == "RDSH-04.corp.local")
            .expect("the host");
        assert_eq!(rdsh.channels, ["System"]);
        assert_eq!(rdsh.first_event, Some(at(-60_000)));
        assert_eq!(rdsh.last_event, Some(at(90_000)));
        assert!(!rdsh.roles.client && !rdsh.roles.server);
        assert!(
            !names
                .iter()
                .any(|n| n.contains("SYSMON") || n.contains("folder")),
            "{names:?}"
        );
    }

    #[test]
    fn an_hour_of_time_zone_skew_links_with_the_104_hint() {
        let mut events = retries(3_600_000 + 700, 2, 10_000);
        // RdpCoreTS 104 in every host connection: the client's bias is one hour.
        let hints: Vec<Event> = events
            .iter()
            .filter(|e| e.event_id == 131)
            .map(|e| {
                corets(
                    "SRV01.corp.local",
                    e.activity_id,
                    104,
                    0,
                    &[("TimezoneBiasHour", "[1]")],
                )
            })
            .collect();
        for (mut h, t131) in hints.into_iter().zip(
            events
                .iter()
                .filter(|e| e.event_id == 131)
                .map(|e| e.time)
                .collect::<Vec<_>>(),
        ) {
            h.time = t131.add_seconds(0.2);
            events.push(h);
        }
        let t = build(events.clone(), &[]);
        let d = offset_of(&t, "WS1.corp.local", "SRV01.corp.local");
        assert!((d - 3_600.7).abs() < 2.0, "{d}");
        assert_eq!(t.connections.len(), 3);
        assert!(
            t.connections
                .iter()
                .all(|c| c.client_activity_id.is_some() && c.server_activity_id.is_some())
        );
        // Without the hint, an hour apart is not linked.
        let no_hint: Vec<Event> = events.into_iter().filter(|e| e.event_id != 104).collect();
        let t = build(no_hint, &[]);
        assert_eq!(t.connections.len(), 6);
    }

    #[test]
    fn an_attempt_blocked_before_the_host_gets_its_server_and_traces() {
        let mut events = retries(0, 0, 1_000); // one success teaches WS1's address
        // An hour later: blocked attempt, no 131; the host's WFP drop and firewall-log DROP from
        // the client, a firewall rule deleted the day before, a scanner's drop from elsewhere.
        let t0 = 3_600_000;
        events.extend(client_attempt(
            "WS1.corp.local",
            Guid(0x2000),
            t0,
            "SRV01",
            None,
            516,
            false,
        ));
        events.push(security(
            "SRV01.corp.local",
            5152,
            t0 + 60,
            &[
                ("Direction", "%%14592"),
                ("SourceAddress", "10.0.0.5"),
                ("SourcePort", "51000"),
                ("DestAddress", "10.0.0.10"),
                ("DestPort", "3389"),
            ],
        ));
        let mut fw = ev(
            "srv01-bundle",
            channel::FIREWALL_LOG,
            rdpsleuth_parser::catalog::FIREWALL_LOG_PROVIDER,
            1,
            t0 + 61,
            fields(&[
                ("action", "DROP"),
                ("src-ip", "10.0.0.5"),
                ("dst-ip", "10.0.0.10"),
                ("src-port", "51000"),
                ("dst-port", "3389"),
                ("path", "RECEIVE"),
            ]),
        );
        fw.record_id = 12;
        fw.source.input = "bundle/srv01-bundle/pfirewall.log".into();
        events.push(fw);
        events.push(ev(
            "SRV01.corp.local",
            channel::FIREWALL,
            "Microsoft-Windows-Windows Firewall With Advanced Security",
            2006,
            t0 - 80_000_000,
            fields(&[("RuleName", "Remote Desktop - User Mode (TCP-In)")]),
        ));
        events.push(security(
            "SRV01.corp.local",
            5152,
            t0 + 65,
            &[
                ("Direction", "%%14592"),
                ("SourceAddress", "198.51.100.9"),
                ("SourcePort", "40000"),
                ("DestAddress", "10.0.0.10"),
                ("DestPort", "3389"),
            ],
        ));
        let reports = vec![
            InputReport {
                path: "bundle/srv01-bundle/System.evtx".into(),
                format: rdpsleuth_parser::Format::Evtx,
                host: Some("srv01-bundle".into()),
                records: 1,
                kept: 1,
                failed: 0,
                errors: vec![],
                skipped: None,
                time_basis: None,
                empty_channel: None,
                channels: vec![rdpsleuth_parser::input::ChannelSpan {
                    channel: "System".into(),
                    host: "SRV01.corp.local".into(),
                    first: at(0),
                    last: at(0),
                    records: 1,
                    lost: Vec::new(),
                }],
            },
            InputReport {
                path: "bundle/srv01-bundle/pfirewall.log".into(),
                format: rdpsleuth_parser::Format::FirewallLog,
                host: Some("srv01-bundle".into()),
                records: 1,
                kept: 1,
                failed: 0,
                errors: vec![],
                skipped: None,
                time_basis: None,
                empty_channel: None,
                channels: vec![],
            },
        ];
        let t = build(events, &reports);
        assert_eq!(
            t.hosts.len(),
            2,
            "{:?}",
            t.hosts.iter().map(|h| &h.name).collect::<Vec<_>>()
        );
        let blocked = t
            .connections
            .iter()
            .find(|c| c.client_activity_id == Some(Guid(0x2000)))
            .unwrap();
        assert_eq!(blocked.outcome, Outcome::Failed);
        assert_eq!(blocked.server_activity_id, None);
        let srv = t
            .hosts
            .iter()
            .position(|h| h.name == "SRV01.corp.local")
            .unwrap();
        assert_eq!(blocked.server, Some(srv));
        let owned: Vec<(u32, Relation)> = blocked
            .entries
            .iter()
            .map(|e| (t.events[e.event].event_id, e.relation))
            .collect();
        assert!(owned.contains(&(5152, Relation::Network)));
        assert!(owned.contains(&(1, Relation::Network)), "{owned:?}");
        assert_eq!(owned.iter().filter(|(id, _)| *id == 5152).count(), 1);
        let rule = blocked
            .context
            .iter()
            .find(|e| t.events[e.event].event_id == 2006)
            .unwrap();
        assert!(rule.distance_seconds < -70_000.0);
        let scanner_drop = t
            .events
            .iter()
            .position(|e| e.fields.text("SourceAddress") == Some("198.51.100.9"))
            .unwrap();
        assert_eq!(t.owner[scanner_drop], None);
        assert!(blocked.context.iter().any(|e| e.event == scanner_drop));
    }

    #[test]
    fn a_connection_from_another_address_is_not_the_clients() {
        let mut events = retries(0, 0, 1_000);
        // A second attempt of WS1 that failed before the host; at the same moment another
        // machine (10.0.0.99) connects to SRV01.
        events.extend(client_attempt(
            "WS1.corp.local",
            Guid(0x3000),
            600_000,
            "srv01",
            None,
            2308,
            false,
        ));
        events.extend(host_connection(
            "SRV01.corp.local",
            guid(50),
            600_080,
            "10.0.0.99",
            40_000,
            false,
        ));
        let t = build(events, &[]);
        let attempt = t
            .connections
            .iter()
            .find(|c| c.client_activity_id == Some(Guid(0x3000)))
            .unwrap();
        assert_eq!(attempt.server_activity_id, None);
        let other = t
            .connections
            .iter()
            .find(|c| c.server_activity_id == Some(guid(50)))
            .unwrap();
        assert_eq!(other.client_activity_id, None);
        assert_eq!(other.outcome, Outcome::Unknown);
    }

    #[test]
    fn an_attempt_links_to_the_users_connection_not_a_scanners_in_the_same_instant() {
        // WS1 (address unknown) connects at 0.21 s, sends credentials (1029) and fails; the host
        // accepts a scanner at 0.15 s (which also came 40 s before) and the user at 0.20 s,
        // whose NLA logon fails (4625).
        let a = Some(Guid(0x77));
        let mut events = vec![
            client(
                "WS1.corp.local",
                a,
                1024,
                0,
                &[("Value", "srv01.corp.local")],
            ),
            client("WS1.corp.local", a, 1025, 210, &[]),
            client("WS1.corp.local", a, 1029, 350, &[("TraceMessage", "x-")]),
            client("WS1.corp.local", a, 1026, 2_200, &[("Value", "2308")]),
        ];
        let scanner = |n: u128, ms: i64| {
            vec![
                corets(
                    "SRV01.corp.local",
                    Some(guid(n)),
                    131,
                    ms,
                    &[("ConnType", "TCP"), ("ClientIP", "45.146.164.9:40000")],
                ),
                corets(
                    "SRV01.corp.local",
                    Some(guid(n)),
                    65,
                    ms + 10,
                    &[("ConnectionName", "RDP-Tcp#0")],
                ),
                corets("SRV01.corp.local", Some(guid(n)), 102, ms + 300, &[]),
            ]
        };
        events.extend(scanner(1, 150));
        events.extend(scanner(2, -40_000));
        let u = Some(guid(3));
        events.extend([
            corets(
                "SRV01.corp.local",
                u,
                131,
                200,
                &[("ConnType", "TCP"), ("ClientIP", "203.0.113.80:61500")],
            ),
            corets(
                "SRV01.corp.local",
                u,
                65,
                210,
                &[("ConnectionName", "RDP-Tcp#1")],
            ),
            security(
                "SRV01.corp.local",
                4625,
                1_400,
                &[
                    ("LogonType", "3"),
                    ("IpAddress", "203.0.113.80"),
                    ("Status", "0xc000006d"),
                    ("SubStatus", "0xc000006a"),
                ],
            ),
            corets("SRV01.corp.local", u, 102, 2_000, &[]),
        ]);
        let t = build(events, &[]);
        let attempt = t
            .connections
            .iter()
            .find(|c| c.client_activity_id == Some(Guid(0x77)))
            .unwrap();
        assert_eq!(attempt.server_activity_id, Some(guid(3)));
        assert_eq!(
            attempt.client_address,
            Some("203.0.113.80".parse().unwrap())
        );
        assert_eq!(attempt.outcome, Outcome::Failed);
        let ws1 = t.hosts.iter().find(|h| h.name == "WS1.corp.local").unwrap();
        assert!(
            ws1.addresses
                .iter()
                .all(|x| x.ip.to_string() != "45.146.164.9"),
            "{:?}",
            ws1.addresses
        );
        for n in [1, 2] {
            let c = t
                .connections
                .iter()
                .find(|c| c.server_activity_id == Some(guid(n)))
                .unwrap();
            assert_eq!(c.client, None);
            assert_eq!(c.outcome, Outcome::Unknown, "{}", c.id);
        }
    }

    #[test]
    fn a_pick_time_alone_decides_teaches_no_address() {
        // Two connections from different addresses 50 ms apart, neither with a user's activity:
        // the nearest links, but its address is not taken for the client's.
        let a = Some(Guid(0x78));
        let mut events = vec![
            client(
                "WS1.corp.local",
                a,
                1024,
                0,
                &[("Value", "srv01.corp.local")],
            ),
            client("WS1.corp.local", a, 1025, 210, &[]),
            client("WS1.corp.local", a, 1026, 900, &[("Value", "2308")]),
        ];
        for (n, ms, ip) in [(1u128, 160, "198.51.100.1"), (2, 205, "198.51.100.2")] {
            let g = Some(guid(n));
            let ip_port = format!("{ip}:40000");
            events.extend([
                corets(
                    "SRV01.corp.local",
                    g,
                    131,
                    ms,
                    &[("ConnType", "TCP"), ("ClientIP", &ip_port)],
                ),
                corets(
                    "SRV01.corp.local",
                    g,
                    139,
                    ms + 300,
                    &[("ResultCode", "0x80090304"), ("IPString", ip)],
                ),
            ]);
        }
        let t = build(events, &[]);
        let attempt = t
            .connections
            .iter()
            .find(|c| c.client_activity_id == Some(Guid(0x78)))
            .unwrap();
        assert!(attempt.server_activity_id.is_some());
        let ws1 = t.hosts.iter().find(|h| h.name == "WS1.corp.local").unwrap();
        assert!(ws1.addresses.is_empty(), "{:?}", ws1.addresses);
    }

    #[test]
    fn a_session_dropped_later_fails_at_its_drop() {
        // WS1 logs on at 3 s; the host's session runs; at 20 min TermDD drops the client with
        // an IO timeout and the client's 1026 says 2308. A TLS alert of another program at
        // 10 min (inside the session, far from its records) and one 12 s before the drop.
        let mut events = client_attempt(
            "WS1.corp.local",
            Guid(0x90),
            0,
            "srv01.corp.local",
            Some("10.0.0.10"),
            2308,
            true,
        );
        for e in &mut events {
            if e.event_id == 1026 {
                e.time = at(1_201_000);
            }
        }
        events.extend(host_connection(
            "SRV01.corp.local",
            guid(1),
            80,
            "10.0.0.5",
            50_000,
            true,
        ));
        // The host tears the connection down at the drop.
        for e in &mut events {
            if e.event_id == 102 && e.kind.key() == "rdpcorets" {
                e.time = at(1_200_100);
            }
        }
        events.push(system(
            "SRV01.corp.local",
            "TermDD",
            56,
            1_200_000,
            data(&["\\Device\\Termdd", "10.0.0.5"]),
        ));
        let alert = |ms: i64| {
            system(
                "SRV01.corp.local",
                "Schannel",
                36888,
                ms,
                fields(&[("AlertDesc", "40")]),
            )
        };
        events.push(alert(600_000));
        events.push(alert(1_188_000));
        let t = build(events, &[]);
        assert_eq!(t.connections.len(), 1);
        let c = &t.connections[0];
        assert_eq!(c.outcome, Outcome::Failed);
        let f = c.failure.unwrap();
        assert_eq!(f.stage, Stage::Session);
        assert_eq!(c.stage(), Some(Stage::Session));
        // The drop: TermDD 56 and the client's 1026, both on the server's clock.
        assert!(f.start >= at(1_199_000) && f.end <= at(1_202_000), "{f:?}");
        assert!(c.start < at(1_000));
        let distance = |id: u32| {
            c.entries
                .iter()
                .find(|x| t.events[x.event].event_id == id)
                .unwrap()
                .distance_seconds
        };
        assert!(distance(131) < -1_100.0);
        assert_eq!(distance(56), 0.0);
        // Context comes from around the drop, not from the session's twenty minutes.
        let context: Vec<f64> = c
            .context
            .iter()
            .filter(|x| t.events[x.event].event_id == 36888)
            .map(|x| x.distance_seconds)
            .collect();
        assert_eq!(context.len(), 1, "{context:?}");
        assert!((context[0] + 12.0).abs() < 1.0, "{context:?}");

        // The same session ended by the user (reason 1): succeeded, no failure.
        let mut events = client_attempt(
            "WS1.corp.local",
            Guid(0x91),
            0,
            "srv01.corp.local",
            Some("10.0.0.10"),
            1,
            true,
        );
        events.extend(host_connection(
            "SRV01.corp.local",
            guid(2),
            80,
            "10.0.0.5",
            50_000,
            true,
        ));
        let t = build(events, &[]);
        assert_eq!(t.connections[0].outcome, Outcome::Succeeded);
        assert_eq!(t.connections[0].failure, None);
        // A failure before the session: stage setup, window = the connection.
        let t = build(retries(0, 1, 3_000), &[]);
        let c = &t.connections[0];
        assert_eq!(c.outcome, Outcome::Failed);
        assert_eq!(c.stage(), Some(Stage::Setup));
        assert_eq!(c.failure_window(), (c.start, c.end));
    }

    #[test]
    fn host_only_and_client_only_connections() {
        let mut events = host_connection("SRV01", guid(1), 0, "203.0.113.50", 40000, false);
        events.extend(client_attempt(
            "WS7",
            Guid(0x77),
            10_000,
            "unknown-host",
            None,
            2308,
            false,
        ));
        let t = build(events, &[]);
        assert_eq!(t.connections.len(), 2);
        let host_only = &t.connections[0];
        assert_eq!(host_only.client, None);
        assert_eq!(host_only.outcome, Outcome::Unknown);
        assert_eq!(
            host_only.client_address,
            Some("203.0.113.50".parse().unwrap())
        );
        let client_only = &t.connections[1];
        assert_eq!(client_only.server, None);
        assert_eq!(client_only.target.as_deref(), Some("unknown-host"));
        assert_eq!(client_only.outcome, Outcome::Failed);
    }

    #[test]
    fn duplicates_are_read_once_and_ownership_is_exclusive() {
        let mut events = retries(5_000, 2, 4_000);
        let mut copies: Vec<Event> = events
            .iter()
            .cloned()
            .enumerate()
            .map(|(n, mut e)| {
                e.record_id = n as u64 + 1;
                e
            })
            .collect();
        for (n, e) in events.iter_mut().enumerate() {
            e.record_id = n as u64 + 1;
        }
        for e in &mut copies {
            e.source.input = format!("{}.xml", e.source.input).into();
        }
        let n = events.len();
        events.extend(copies);
        let t = build(events, &[]);
        assert_eq!(t.events.len(), n);
        let mut seen = vec![0; t.events.len()];
        for (ci, c) in t.connections.iter().enumerate() {
            for e in &c.entries {
                seen[e.event] += 1;
                assert_eq!(t.owner[e.event], Some(ci));
            }
        }
        assert!(seen.iter().all(|&s| s <= 1));
    }
}
