//! Host identity: which machine logged each event, the names it is known by and its addresses.
//!
//! Owns: the host key (a computer name's short form, case-insensitive: `SRV01.corp.local` and
//! `SRV01` are one host), the mapping of bundle host hints to computer names (logs without a
//! `Computer`, such as `pfirewall.log`, carry the bundle folder name; the other logs of the same
//! bundle say which computer that is), the resolution of a target as typed on a client (name,
//! FQDN or IP) to a host, and the addresses learned from each host's own events.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use foldhash::HashMap;
use rdpsleuth_parser::{Event, Format, InputReport};

use crate::model::{Host, HostAddress, HostId, Roles};
use crate::net::{self, is_uninformative};

/// The key that identifies a host by name: the short computer name in lower case, or the
/// address itself when a "name" is an IP literal.
pub fn host_key(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    if name.is_empty() {
        return UNKNOWN_HOST.to_string();
    }
    if let Some(ip) = net::parse_ip(name) {
        return ip.to_string();
    }
    let short = name.split('.').next().unwrap_or(name);
    short.to_lowercase()
}

/// Name given to events that carry neither a computer name nor a host hint.
pub const UNKNOWN_HOST: &str = "(unknown host)";

/// A target as typed on a client, without a port suffix or brackets (`srv01:3390`,
/// `[fe80::1]:3389`, `10.0.0.5`).
pub fn strip_target(target: &str) -> &str {
    let t = target.trim();
    if let Some(ep) = net::parse_endpoint(t) {
        // The caller re-parses; return the address part only.
        if ep.port.is_some() {
            if let Some(rest) = t.strip_prefix('[') {
                return rest.split(']').next().unwrap_or(t);
            }
            return t.rsplit_once(':').map_or(t, |(h, _)| h);
        }
        return t;
    }
    match t.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host
        }
        _ => t,
    }
}

/// The folder part of an input's display path (`a/b/c.evtx` → `a/b`,
/// `x.zip!dir/pfirewall.log` → `x.zip!dir`).
fn folder_of(path: &str) -> &str {
    match path.rfind(['/', '\\', '!']) {
        Some(i) => path.get(..i).unwrap_or(""),
        None => "",
    }
}

/// Maps each input that names no computer (pfirewall.log) to the computer its bundle belongs
/// to: the computer seen in the other logs with the same host hint or in the same folder. When
/// several computers are seen, the one whose short name is the hint wins, else the one with the
/// most records. Inputs whose bundle shows no computer keep their hint.
pub fn hint_targets(reports: &[InputReport]) -> HashMap<String, String> {
    let mut out = HashMap::default();
    for report in reports.iter().filter(|r| r.format == Format::FirewallLog) {
        let hint = report.host.as_deref().map(str::trim).unwrap_or("");
        let folder = folder_of(&report.path);
        // key → (records, name → records)
        let mut seen: BTreeMap<String, (u64, BTreeMap<&str, u64>)> = BTreeMap::new();
        for other in reports.iter().filter(|o| o.format != Format::FirewallLog) {
            let same_hint = !hint.is_empty()
                && other
                    .host
                    .as_deref()
                    .is_some_and(|h| h.trim().eq_ignore_ascii_case(hint));
            let same_folder = !folder.is_empty() && folder_of(&other.path) == folder;
            if !same_hint && !same_folder {
                continue;
            }
            for span in &other.channels {
                let name = span.host.trim();
                if name.is_empty() {
                    continue;
                }
                let entry = seen.entry(host_key(name)).or_default();
                entry.0 += span.records;
                *entry.1.entry(name).or_default() += span.records;
            }
        }
        let hint_key = host_key(hint);
        let chosen = seen.get_key_value(&hint_key).or_else(|| {
            seen.iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)))
        });
        if let Some((_, (_, names))) = chosen
            && let Some(name) = preferred_name(names.iter().map(|(n, c)| (*n, *c)))
        {
            out.insert(report.path.clone(), name.to_string());
        }
    }
    out
}

/// The display name among the names of one host: an FQDN if any (most records first), else
/// the most used short name; ties broken by the text.
fn preferred_name<'a>(names: impl Iterator<Item = (&'a str, u64)>) -> Option<&'a str> {
    names
        .max_by(|(a, ca), (b, cb)| {
            a.contains('.')
                .cmp(&b.contains('.'))
                .then(ca.cmp(cb))
                .then_with(|| b.cmp(a))
        })
        .map(|(n, _)| n)
}

/// Builds hosts from the events' computer names and the mapped hints.
#[derive(Debug, Default)]
pub struct Identity {
    /// The hosts, in key order.
    pub hosts: Vec<Host>,
    /// For each event, its host.
    pub event_host: Vec<HostId>,
    by_alias: HashMap<String, HostId>,
    by_ip: HashMap<IpAddr, BTreeSet<HostId>>,
}

impl Identity {
    /// Identifies the host of every event. `hints` maps an input path to the computer its
    /// events belong to (from [`hint_targets`]).
    pub fn new(events: &[Event], hints: &HashMap<String, String>) -> Identity {
        Identity::with_logs(events, hints, &[])
    }

    /// Like [`Identity::new`], and also makes hosts of the computers whose logs were read but
    /// gave no kept event (`logged`): a machine whose relevant logs hold nothing about RDP is
    /// still a machine of the case, and a target its name can resolve to.
    pub fn with_logs(
        events: &[Event],
        hints: &HashMap<String, String>,
        logged: &[&str],
    ) -> Identity {
        #[derive(Default)]
        struct Builder<'a> {
            names: BTreeMap<&'a str, u64>,
            hints: BTreeSet<String>,
        }
        // Each distinct (name, hint) is seen once per event but keyed once.
        let mut slot_of: HashMap<(&str, Option<&str>), usize> = HashMap::default();
        let mut slots: Vec<(&str, Option<&str>, u64)> = Vec::new();
        let mut event_slots: Vec<usize> = Vec::with_capacity(events.len());
        for e in events {
            let mapped = hints.get(&*e.source.input);
            let (name, hint): (&str, Option<&str>) = match mapped {
                Some(m) => (m, Some(&e.host)),
                None => (&e.host, None),
            };
            let slot = *slot_of.entry((name, hint)).or_insert_with(|| {
                slots.push((name, hint, 0));
                slots.len() - 1
            });
            if let Some(entry) = slots.get_mut(slot) {
                entry.2 += 1;
            }
            event_slots.push(slot);
        }
        let mut builders: BTreeMap<String, Builder<'_>> = BTreeMap::new();
        for name in logged.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            builders
                .entry(host_key(name))
                .or_default()
                .names
                .entry(name)
                .or_default();
        }
        let mut slot_keys: Vec<String> = Vec::with_capacity(slots.len());
        for &(name, hint, count) in &slots {
            let key = host_key(name);
            let b = builders.entry(key.clone()).or_default();
            *b.names.entry(name).or_default() += count;
            if let Some(h) = hint.map(str::trim).filter(|h| !h.is_empty()) {
                b.hints.insert(h.to_lowercase());
            }
            slot_keys.push(key);
        }
        let mut hosts = Vec::with_capacity(builders.len());
        let mut id_of_key = HashMap::default();
        let mut by_alias = HashMap::default();
        for (id, (key, b)) in builders.into_iter().enumerate() {
            let name = preferred_name(b.names.iter().map(|(n, c)| (*n, *c)))
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| key.clone());
            let mut aliases: BTreeSet<String> = BTreeSet::new();
            for n in b.names.keys() {
                let lower = n.trim().trim_end_matches('.').to_lowercase();
                if lower.is_empty() {
                    continue;
                }
                aliases.insert(host_key(&lower));
                aliases.insert(lower);
            }
            aliases.extend(b.hints);
            for alias in &aliases {
                by_alias.entry(alias.clone()).or_insert(id);
            }
            by_alias.entry(key.clone()).or_insert(id);
            id_of_key.insert(key, id);
            hosts.push(Host {
                name,
                aliases: aliases.into_iter().collect(),
                addresses: Vec::new(),
                roles: Roles::default(),
                clock_offset_seconds: None,
                first_event: None,
                last_event: None,
                channels: Vec::new(),
            });
        }
        let slot_host: Vec<HostId> = slot_keys
            .iter()
            .map(|k| id_of_key.get(k).copied().unwrap_or(0))
            .collect();
        let event_host = event_slots
            .iter()
            .map(|&s| slot_host.get(s).copied().unwrap_or(0))
            .collect();
        let mut identity = Identity {
            hosts,
            event_host,
            by_alias,
            by_ip: HashMap::default(),
        };
        // A host whose name is an IP literal has that address.
        let literal: Vec<(HostId, IpAddr)> = identity
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(id, h)| net::parse_ip(&host_key(&h.name)).map(|ip| (id, ip)))
            .collect();
        for (id, ip) in literal {
            identity.add_address(id, ip, "computer name");
        }
        identity
    }

    /// Records an address of a host (loopback and unspecified addresses are ignored).
    pub fn add_address(&mut self, host: HostId, ip: IpAddr, learned_from: &str) {
        if is_uninformative(ip) {
            return;
        }
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        if h.addresses.iter().any(|a| a.ip == ip) {
            return;
        }
        h.addresses.push(HostAddress {
            ip,
            learned_from: learned_from.to_string(),
        });
        self.by_ip.entry(ip).or_default().insert(host);
    }

    /// The hosts known to have this address.
    pub fn hosts_with_ip(&self, ip: IpAddr) -> impl Iterator<Item = HostId> + '_ {
        self.by_ip.get(&ip).into_iter().flatten().copied()
    }

    /// True when the host is known to have this address.
    pub fn has_ip(&self, host: HostId, ip: IpAddr) -> bool {
        self.by_ip.get(&ip).is_some_and(|s| s.contains(&host))
    }

    /// The hosts a target as typed names: by address, full name or short name.
    pub fn resolve(&self, target: &str) -> Vec<HostId> {
        let t = strip_target(target);
        if let Some(ip) = net::parse_ip(t) {
            return self.hosts_with_ip(ip).collect();
        }
        let lower = t.trim().trim_end_matches('.').to_lowercase();
        if lower.is_empty() {
            return Vec::new();
        }
        if let Some(&id) = self.by_alias.get(&lower) {
            return vec![id];
        }
        self.by_alias
            .get(&host_key(&lower))
            .map(|&id| vec![id])
            .unwrap_or_default()
    }

    /// Learns addresses every host states about itself: the local side of its WFP records and
    /// firewall-log lines.
    pub fn learn_own_addresses(&mut self, events: &[Event]) {
        let mut found: BTreeSet<(HostId, IpAddr, String)> = BTreeSet::new();
        for (i, e) in events.iter().enumerate() {
            let Some(flow) = net::flow(e) else { continue };
            let Some(local) = flow.local else { continue };
            let Some(&host) = self.event_host.get(i) else {
                continue;
            };
            let how = if e.kind.key() == "wfp" {
                format!("{} {} local address", e.channel, e.event_id)
            } else {
                "pfirewall.log local address".to_string()
            };
            found.insert((host, local, how));
        }
        for (host, ip, how) in found {
            self.add_address(host, ip, &how);
        }
    }

    /// Sorts each host's addresses (stable output).
    pub fn finish(&mut self) {
        for h in &mut self.hosts {
            h.addresses.sort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use rdpsleuth_parser::input::ChannelSpan;

    #[test]
    fn keys_merge_fqdn_and_short_names() {
        assert_eq!(host_key("SRV01.corp.local"), "srv01");
        assert_eq!(host_key("srv01"), "srv01");
        assert_eq!(host_key("10.0.0.5"), "10.0.0.5");
        assert_eq!(host_key(""), UNKNOWN_HOST);
        assert_eq!(strip_target("srv01:3390"), "srv01");
        assert_eq!(strip_target("10.0.0.5:3389"), "10.0.0.5");
        assert_eq!(strip_target("[fe80::1]:3389"), "fe80::1");
        assert_eq!(strip_target("fe80::1"), "fe80::1");

        let events = vec![
            corets("SRV01.corp.local", None, 129, 0, &[]),
            corets("SRV01", None, 129, 1, &[]),
            corets("srv01.CORP.local", None, 129, 2, &[]),
            client("WS1", None, 1024, 3, &[("Value", "srv01")]),
        ];
        let id = Identity::new(&events, &HashMap::default());
        assert_eq!(id.hosts.len(), 2);
        assert_eq!(id.event_host, vec![0, 0, 0, 1]);
        assert!(id.hosts[0].name.eq_ignore_ascii_case("srv01.corp.local"));
        assert!(id.hosts[0].aliases.contains(&"srv01".to_string()));
        assert!(
            id.hosts[0]
                .aliases
                .contains(&"srv01.corp.local".to_string())
        );
        assert_eq!(id.resolve("SRV01.CORP.LOCAL"), vec![0]);
        assert_eq!(id.resolve("srv01:3389"), vec![0]);
        assert_eq!(id.resolve("srv01.other.example"), vec![0]);
        assert!(id.resolve("nothere").is_empty());
    }

    fn report(path: &str, format: Format, hint: &str, computers: &[(&str, u64)]) -> InputReport {
        InputReport {
            path: path.into(),
            format,
            host: Some(hint.into()),
            records: 0,
            kept: 0,
            failed: 0,
            errors: vec![],
            skipped: None,
            time_basis: None,
            empty_channel: None,
            channels: computers
                .iter()
                .map(|(c, n)| ChannelSpan {
                    channel: "System".into(),
                    host: (*c).into(),
                    first: BASE,
                    last: BASE,
                    records: *n,
                    lost: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn host_hint_maps_to_the_bundles_computer() {
        let reports = vec![
            report(
                "case/collection-7/C/Windows/System32/winevt/Logs/System.evtx",
                Format::Evtx,
                "collection-7",
                &[("SRV01.corp.local", 100)],
            ),
            report(
                "case/collection-7/C/Windows/System32/LogFiles/Firewall/pfirewall.log",
                Format::FirewallLog,
                "collection-7",
                &[("collection-7", 10)],
            ),
            report(
                "case/other/pfirewall.log",
                Format::FirewallLog,
                "other",
                &[("other", 10)],
            ),
        ];
        let map = hint_targets(&reports);
        assert_eq!(
            map.get("case/collection-7/C/Windows/System32/LogFiles/Firewall/pfirewall.log")
                .map(String::as_str),
            Some("SRV01.corp.local")
        );
        assert!(!map.contains_key("case/other/pfirewall.log"));

        let mut fw = ev(
            "collection-7",
            rdpsleuth_parser::catalog::channel::FIREWALL_LOG,
            rdpsleuth_parser::catalog::FIREWALL_LOG_PROVIDER,
            1,
            0,
            fields(&[
                ("src-ip", "10.0.0.5"),
                ("dst-ip", "10.0.0.10"),
                ("path", "RECEIVE"),
            ]),
        );
        fw.source.input =
            "case/collection-7/C/Windows/System32/LogFiles/Firewall/pfirewall.log".into();
        let events = vec![fw, corets("SRV01", None, 129, 5, &[])];
        let mut id = Identity::new(&events, &map);
        assert_eq!(id.hosts.len(), 1);
        assert!(id.hosts[0].aliases.contains(&"collection-7".to_string()));
        id.learn_own_addresses(&events);
        assert_eq!(id.resolve("10.0.0.10"), vec![0]);
        assert_eq!(
            id.hosts[0].addresses[0].learned_from,
            "pfirewall.log local address"
        );
    }

    #[test]
    fn several_computers_prefer_the_hint_then_the_most_records() {
        let reports = vec![
            report(
                "b/SRV02/System.evtx",
                Format::Evtx,
                "SRV02",
                &[("WS9", 500), ("SRV02.x", 10)],
            ),
            report("b/SRV02/pfirewall.log", Format::FirewallLog, "SRV02", &[]),
            report(
                "c/box/System.evtx",
                Format::Evtx,
                "box",
                &[("WS9", 5), ("DC1", 50)],
            ),
            report("c/box/pfirewall.log", Format::FirewallLog, "box", &[]),
        ];
        let map = hint_targets(&reports);
        assert_eq!(
            map.get("b/SRV02/pfirewall.log").map(String::as_str),
            Some("SRV02.x")
        );
        assert_eq!(
            map.get("c/box/pfirewall.log").map(String::as_str),
            Some("DC1")
        );
    }
}
