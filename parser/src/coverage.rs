//! Coverage: which logs each host's inputs hold, the time each covers, and which logs that
//! matter are missing — so that later stages can say "no RdpCoreTS log from the server" rather
//! than guess around the gap.
//!
//! Built from the per-input channel spans of the [`InputReport`]s (every record read counts,
//! not only the kept ones). Hosts are the recorded `Computer` names (the bundle's host hint for
//! logs without one), merged case-insensitively and short name into FQDN. The expected logs per
//! role are one table, [`EXPECTED_CHANNELS`]; a host's roles are inferred from the logs that
//! hold records ([`ROLE_SIGNS`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, channel};
use crate::event::Timestamp;
use crate::input::{ChannelSpan, InputReport, LostRecords};

/// What a machine does in the connections its logs show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the RDP client.
    Client,
    /// Accepts RDP connections.
    Host,
    /// An RD Gateway.
    Gateway,
}

impl Role {
    /// The role's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Host => "host",
            Role::Gateway => "gateway",
        }
    }
}

/// A log a host of some role should provide.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedChannel {
    /// The channel, as named in the catalog.
    pub channel: &'static str,
    /// Other channels that stand in for it (the firewall text log for the firewall channel).
    pub or: &'static [&'static str],
    /// The role that logs it; `None` for every role.
    pub role: Option<Role>,
    /// True when the log is off by default or often absent; its absence is only a hint.
    pub optional: bool,
    /// What the analysis loses without it.
    pub why: &'static str,
}

/// The logs each role should provide.
pub const EXPECTED_CHANNELS: &[ExpectedChannel] = &[
    ExpectedChannel {
        channel: channel::RDP_CLIENT,
        or: &[],
        role: Some(Role::Client),
        optional: false,
        why: "the client's connection attempts and disconnect reasons",
    },
    ExpectedChannel {
        channel: channel::RDPCORETS,
        or: &[],
        role: Some(Role::Host),
        optional: false,
        why: "the host's RDP stack: connections accepted, security negotiation, errors",
    },
    ExpectedChannel {
        channel: channel::RCM,
        or: &[],
        role: Some(Role::Host),
        optional: false,
        why: "listener state and successful network authentication (1149)",
    },
    ExpectedChannel {
        channel: channel::LSM,
        or: &[],
        role: Some(Role::Host),
        optional: false,
        why: "session logon, reconnect and disconnect",
    },
    ExpectedChannel {
        channel: channel::GATEWAY,
        or: &[],
        role: Some(Role::Gateway),
        optional: false,
        why: "the gateway's connection authorisation and its certificate",
    },
    ExpectedChannel {
        channel: channel::SYSTEM,
        or: &[],
        role: None,
        optional: false,
        why: "certificates, Schannel TLS errors, services, network and trust",
    },
    ExpectedChannel {
        channel: channel::SECURITY,
        or: &[],
        role: None,
        optional: false,
        why: "logons and logon failures, private-key access, packet filtering",
    },
    ExpectedChannel {
        channel: channel::CAPI2,
        or: &[],
        role: None,
        optional: true,
        why: "certificate chain building (off by default)",
    },
    ExpectedChannel {
        channel: channel::FIREWALL,
        or: &[channel::FIREWALL_LOG],
        role: None,
        optional: true,
        why: "firewall configuration changes and dropped packets",
    },
];

/// Channels whose records show a host's role.
pub const ROLE_SIGNS: &[(&str, Role)] = &[
    (channel::RDP_CLIENT, Role::Client),
    (channel::RDPCORETS, Role::Host),
    (channel::RCM, Role::Host),
    (channel::GATEWAY, Role::Gateway),
];

/// Name used for records that name no computer and come without a host hint.
pub const UNKNOWN_HOST: &str = "(unknown host)";

/// What one channel of one host covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCoverage {
    /// The channel.
    pub channel: String,
    /// Earliest record.
    pub first: Timestamp,
    /// Latest record.
    pub last: Timestamp,
    /// Records read (kept or not).
    pub records: u64,
    /// The inputs that hold it.
    pub inputs: Vec<String>,
    /// Records its logs numbered but that no input gave (a damaged or cut copy), by time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostRecords>,
}

/// A log a host should have and does not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingChannel {
    /// The channel.
    pub channel: String,
    /// The role that needs it; `None` for every role.
    pub role: Option<Role>,
    /// True when its absence is expected (off by default).
    pub optional: bool,
    /// What the analysis loses without it.
    pub why: String,
    /// Inputs of this host that are this log's file but hold no record (collected, but
    /// cleared, disabled or never written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_inputs: Vec<String>,
}

/// One host's logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCoverage {
    /// The host's name (the FQDN when one was seen).
    pub host: String,
    /// Other spellings merged into it.
    pub aliases: Vec<String>,
    /// Roles its logs show (`client`, `host`, `gateway`); empty when they show none.
    pub roles: Vec<Role>,
    /// The catalogued channels present, by name.
    pub channels: Vec<ChannelCoverage>,
    /// Expected channels absent, for its roles (for client and host when its role is unknown).
    pub missing: Vec<MissingChannel>,
}

impl HostCoverage {
    /// A channel's coverage, by name (case-insensitive).
    pub fn channel(&self, name: &str) -> Option<&ChannelCoverage> {
        self.channels
            .iter()
            .find(|c| c.channel.eq_ignore_ascii_case(name))
    }

    /// True when the host has records of this channel.
    pub fn has(&self, name: &str) -> bool {
        self.channel(name).is_some()
    }

    /// True when `name` is this host (or an alias), ignoring case and the domain part.
    pub fn is_named(&self, name: &str) -> bool {
        std::iter::once(&self.host)
            .chain(&self.aliases)
            .any(|n| same_host(n, name))
    }
}

/// Per host, the logs read and the logs missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Hosts sorted by name.
    pub hosts: Vec<HostCoverage>,
}

impl Coverage {
    /// Builds the coverage from the input reports' channel spans, keeping the channels the
    /// catalog cares about.
    pub fn from_reports(reports: &[InputReport], catalog: &Catalog) -> Coverage {
        // host key → (spellings, channel key → coverage)
        let mut hosts: BTreeMap<String, (Vec<String>, BTreeMap<String, ChannelCoverage>)> =
            BTreeMap::new();
        // (host key, channel key) → every input's span of it, to tell which lost records no
        // other input gives.
        let mut spans_of: BTreeMap<(String, String), Vec<&ChannelSpan>> = BTreeMap::new();
        for report in reports {
            for span in &report.channels {
                if !catalog.channel_is_relevant(&span.channel) {
                    continue;
                }
                let name = Some(span.host.trim())
                    .filter(|h| !h.is_empty())
                    .or(report
                        .host
                        .as_deref()
                        .map(str::trim)
                        .filter(|h| !h.is_empty()))
                    .unwrap_or(UNKNOWN_HOST);
                let (spellings, channels) = hosts.entry(name.to_lowercase()).or_default();
                if !spellings.iter().any(|s| s == name) {
                    spellings.push(name.to_string());
                }
                let entry = channels
                    .entry(span.channel.to_lowercase())
                    .or_insert_with(|| ChannelCoverage {
                        channel: span.channel.clone(),
                        first: span.first,
                        last: span.last,
                        records: 0,
                        inputs: Vec::new(),
                        lost: Vec::new(),
                    });
                spans_of
                    .entry((name.to_lowercase(), span.channel.to_lowercase()))
                    .or_default()
                    .push(span);
                entry.first = entry.first.min(span.first);
                entry.last = entry.last.max(span.last);
                entry.records += span.records;
                if !entry.inputs.contains(&report.path) {
                    entry.inputs.push(report.path.clone());
                }
            }
        }
        for ((host, channel), spans) in &spans_of {
            let Some(entry) = hosts.get_mut(host).and_then(|(_, c)| c.get_mut(channel)) else {
                continue;
            };
            entry.lost = lost_by_all(spans);
        }
        merge_short_names(&mut hosts);
        // EVTX files that hold no record: (host hint, channel, input).
        let empty: Vec<(&str, &str, &str)> = reports
            .iter()
            .filter_map(|r| {
                let channel = r.empty_channel.as_deref()?;
                let host = r.host.as_deref().map(str::trim).filter(|h| !h.is_empty())?;
                Some((host, channel, r.path.as_str()))
            })
            .collect();
        let hosts = hosts
            .into_values()
            .map(|(mut spellings, channels)| {
                // The FQDN first when one was seen; every entry has at least one spelling.
                spellings.sort_by_key(|s| (!s.contains('.'), s.clone()));
                let mut names = spellings.into_iter();
                let host = names.next().unwrap_or_else(|| UNKNOWN_HOST.to_string());
                let spellings: Vec<String> = names.collect();
                let mut channels: Vec<ChannelCoverage> = channels.into_values().collect();
                for c in &mut channels {
                    c.inputs.sort();
                }
                let roles = roles_of(&channels);
                let mut missing = missing_for(&roles, &channels);
                let named = |hint: &str| {
                    std::iter::once(&host)
                        .chain(&spellings)
                        .any(|n| same_host(n, hint))
                };
                for m in &mut missing {
                    m.empty_inputs = empty
                        .iter()
                        .filter(|(h, c, _)| c.eq_ignore_ascii_case(&m.channel) && named(h))
                        .map(|(_, _, input)| input.to_string())
                        .collect();
                    m.empty_inputs.sort();
                    m.empty_inputs.dedup();
                }
                HostCoverage {
                    host,
                    aliases: spellings,
                    roles,
                    channels,
                    missing,
                }
            })
            .collect();
        Coverage { hosts }
    }

    /// A host by name (case-insensitive, with or without its domain).
    pub fn host(&self, name: &str) -> Option<&HostCoverage> {
        self.hosts.iter().find(|h| h.is_named(name))
    }
}

/// True when two names are the same host: equal ignoring case, or equal in their first
/// label when one of them is a short name.
fn same_host(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let short = |s: &str| !s.contains('.');
    let label = |s: &str| s.split('.').next().unwrap_or(s).to_string();
    (short(a) || short(b)) && label(a).eq_ignore_ascii_case(&label(b))
}

type HostMap = BTreeMap<String, (Vec<String>, BTreeMap<String, ChannelCoverage>)>;

/// Merges a short name (`dc01`) into the one FQDN that starts with it (`dc01.corp.local`).
fn merge_short_names(hosts: &mut HostMap) {
    let shorts: Vec<String> = hosts
        .keys()
        .filter(|k| !k.contains('.') && k.as_str() != UNKNOWN_HOST)
        .cloned()
        .collect();
    for short in shorts {
        let prefix = format!("{short}.");
        let fqdns: Vec<&String> = hosts.keys().filter(|k| k.starts_with(&prefix)).collect();
        let [fqdn] = fqdns.as_slice() else {
            continue;
        };
        let fqdn = (*fqdn).clone();
        let Some((spellings, channels)) = hosts.remove(&short) else {
            continue;
        };
        let Some((into_spellings, into_channels)) = hosts.get_mut(&fqdn) else {
            continue;
        };
        for s in spellings {
            if !into_spellings.contains(&s) {
                into_spellings.push(s);
            }
        }
        for (key, c) in channels {
            match into_channels.get_mut(&key) {
                Some(existing) => {
                    existing.first = existing.first.min(c.first);
                    existing.last = existing.last.max(c.last);
                    existing.records += c.records;
                    for input in c.inputs {
                        if !existing.inputs.contains(&input) {
                            existing.inputs.push(input);
                        }
                    }
                    for run in c.lost {
                        if !existing.lost.contains(&run) {
                            existing.lost.push(run);
                        }
                    }
                }
                None => {
                    into_channels.insert(key, c);
                }
            }
        }
    }
}

fn roles_of(channels: &[ChannelCoverage]) -> Vec<Role> {
    let mut roles = Vec::new();
    for (name, role) in ROLE_SIGNS {
        let present = channels
            .iter()
            .any(|c| c.channel.eq_ignore_ascii_case(name) && c.records > 0);
        if present && !roles.contains(role) {
            roles.push(*role);
        }
    }
    roles
}

fn missing_for(roles: &[Role], channels: &[ChannelCoverage]) -> Vec<MissingChannel> {
    let wanted = |role: Option<Role>| match role {
        None => true,
        Some(role) if roles.is_empty() => role != Role::Gateway,
        Some(role) => roles.contains(&role),
    };
    let present = |name: &str| {
        channels
            .iter()
            .any(|c| c.channel.eq_ignore_ascii_case(name))
    };
    EXPECTED_CHANNELS
        .iter()
        .filter(|e| wanted(e.role))
        .filter(|e| !present(e.channel) && !e.or.iter().any(|alt| present(alt)))
        .map(|e| MissingChannel {
            channel: e.channel.to_string(),
            role: e.role,
            optional: e.optional,
            why: e.why.to_string(),
            empty_inputs: Vec::new(),
        })
        .collect()
}

/// A channel name without the `Microsoft-Windows-` and service prefixes, for tables.
pub fn short_channel(name: &str) -> &str {
    let name = name.strip_prefix("Microsoft-Windows-").unwrap_or(name);
    name.strip_prefix("TerminalServices-")
        .or_else(|| name.strip_prefix("RemoteDesktopServices-"))
        .unwrap_or(name)
}

impl fmt::Display for Coverage {
    /// A compact table: one line per host channel, then the missing logs of each host.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hosts.is_empty() {
            return writeln!(f, "no catalogued logs were read");
        }
        let mut rows: Vec<[String; 6]> = vec![[
            "HOST".into(),
            "ROLE".into(),
            "CHANNEL".into(),
            "FIRST".into(),
            "LAST".into(),
            "RECORDS".into(),
        ]];
        let mut missing_lines: Vec<(usize, String)> = Vec::new();
        for host in &self.hosts {
            let roles = if host.roles.is_empty() {
                "?".to_string()
            } else {
                host.roles
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join("+")
            };
            for (i, c) in host.channels.iter().enumerate() {
                let (name, role) = if i == 0 {
                    (host.host.clone(), roles.clone())
                } else {
                    (String::new(), String::new())
                };
                rows.push([
                    name,
                    role,
                    short_channel(&c.channel).to_string(),
                    c.first.to_chrono().format("%Y-%m-%d %H:%M:%S").to_string(),
                    c.last.to_chrono().format("%Y-%m-%d %H:%M:%S").to_string(),
                    c.records.to_string(),
                ]);
            }
            if !host.missing.is_empty() {
                let list = host
                    .missing
                    .iter()
                    .map(|m| {
                        let mut text = short_channel(&m.channel).to_string();
                        match (m.role, m.optional) {
                            (_, true) => text.push_str(" (optional)"),
                            (None, false) => {}
                            (Some(role), false) => text.push_str(&format!(" ({})", role.name())),
                        }
                        if !m.empty_inputs.is_empty() {
                            text.push_str(" [collected, but empty]");
                        }
                        text
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                missing_lines.push((rows.len() - 1, list));
            }
        }
        let mut widths = [0usize; 6];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut next_missing = missing_lines.iter().peekable();
        for (index, row) in rows.iter().enumerate() {
            let mut line = String::new();
            for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
                if i == 5 {
                    line.push_str(&format!("{cell:>width$}"));
                } else {
                    line.push_str(&format!("{cell:<width$}  "));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
            while let Some((_, list)) = next_missing.next_if(|(after, _)| *after == index) {
                let indent = widths[0] + 2;
                writeln!(f, "{:indent$}missing: {list}", "")?;
            }
        }
        Ok(())
    }
}

/// The lost records of a channel that no input gives: a run lost in one copy but held whole
/// by another (the same log collected twice) is not lost. Sorted by time, at most
/// [`MAX_LOST_RUNS`].
fn lost_by_all(spans: &[&ChannelSpan]) -> Vec<LostRecords> {
    let mut lost: Vec<LostRecords> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        for run in &span.lost {
            let held_elsewhere = spans.iter().enumerate().any(|(j, other)| {
                j != i
                    && other.first <= run.after
                    && run.before <= other.last
                    && !other
                        .lost
                        .iter()
                        .any(|o| o.after < run.before && run.after < o.before)
            });
            if !held_elsewhere && !lost.contains(run) {
                lost.push(*run);
            }
        }
    }
    lost.sort_by_key(|r| (r.after, r.before));
    lost.truncate(MAX_LOST_RUNS);
    lost
}

/// Lost-record runs kept per channel.
const MAX_LOST_RUNS: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{ChannelSpan, Format};

    fn report(
        path: &str,
        hint: Option<&str>,
        spans: &[(&str, &str, i64, i64, u64)],
    ) -> InputReport {
        InputReport {
            path: path.into(),
            format: Format::Evtx,
            host: hint.map(String::from),
            records: spans.iter().map(|s| s.4).sum(),
            kept: 0,
            failed: 0,
            errors: Vec::new(),
            skipped: None,
            time_basis: None,
            empty_channel: None,
            channels: spans
                .iter()
                .map(|(channel, host, first, last, records)| ChannelSpan {
                    channel: (*channel).into(),
                    host: (*host).into(),
                    first: Timestamp(*first),
                    last: Timestamp(*last),
                    records: *records,
                    lost: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn hosts_roles_spans_and_missing_logs() {
        let reports = [
            report(
                "srv/RdpCoreTS.evtx",
                Some("SRV"),
                &[(channel::RDPCORETS, "SRV.corp.local", 100, 200, 5)],
            ),
            report(
                "srv/System.evtx",
                Some("SRV"),
                &[(channel::SYSTEM, "srv.corp.local", 50, 300, 9)],
            ),
            report(
                "srv/pfirewall.log",
                Some("SRV"),
                &[(channel::FIREWALL_LOG, "", 10, 20, 3)],
            ),
            report(
                "wks/Client.evtx",
                None,
                &[(channel::RDP_CLIENT, "WKS1", 90, 95, 2)],
            ),
            report(
                "wks/Sysmon.evtx",
                None,
                &[("Microsoft-Windows-Sysmon/Operational", "WKS1", 1, 2, 7)],
            ),
        ];
        let coverage = Coverage::from_reports(&reports, Catalog::global());
        assert_eq!(coverage.hosts.len(), 2);
        let srv = coverage.host("srv").unwrap();
        assert_eq!(srv.host, "SRV.corp.local");
        assert!(srv.aliases.contains(&"SRV".to_string()));
        assert!(srv.aliases.contains(&"srv.corp.local".to_string()));
        assert_eq!(srv.roles, vec![Role::Host]);
        assert!(srv.has(channel::FIREWALL_LOG));
        let system = srv.channel("system").unwrap();
        assert_eq!(
            (system.first, system.last, system.records),
            (Timestamp(50), Timestamp(300), 9)
        );
        let missing: Vec<&str> = srv.missing.iter().map(|m| m.channel.as_str()).collect();
        assert_eq!(
            missing,
            [
                channel::RCM,
                channel::LSM,
                channel::SECURITY,
                channel::CAPI2
            ]
        );

        let wks = coverage.host("WKS1.corp.local").unwrap();
        assert_eq!(wks.roles, vec![Role::Client]);
        assert!(!wks.has("Microsoft-Windows-Sysmon/Operational"));
        let missing: Vec<&str> = wks.missing.iter().map(|m| m.channel.as_str()).collect();
        assert_eq!(
            missing,
            [
                channel::SYSTEM,
                channel::SECURITY,
                channel::CAPI2,
                channel::FIREWALL
            ]
        );

        let text = coverage.to_string();
        assert!(text.starts_with("HOST"));
        assert!(text.contains("RdpCoreTS/Operational"));
        assert!(text.contains("missing: RemoteConnectionManager/Operational (host)"));
    }

    #[test]
    fn a_collected_but_empty_log_is_named_in_its_missing_entry() {
        let mut empty_capi2 = report("SRV/CAPI2.evtx", Some("SRV"), &[]);
        empty_capi2.empty_channel = Some(channel::CAPI2.to_string());
        let mut other_host = report("WKS/CAPI2.evtx", Some("WKS"), &[]);
        other_host.empty_channel = Some(channel::CAPI2.to_string());
        let reports = [
            report(
                "SRV/RdpCoreTS.evtx",
                Some("SRV"),
                &[(channel::RDPCORETS, "SRV.corp.local", 100, 200, 5)],
            ),
            empty_capi2,
            other_host,
        ];
        let coverage = Coverage::from_reports(&reports, Catalog::global());
        let srv = coverage.host("srv").unwrap();
        let capi2 = srv
            .missing
            .iter()
            .find(|m| m.channel == channel::CAPI2)
            .unwrap();
        assert_eq!(capi2.empty_inputs, vec!["SRV/CAPI2.evtx".to_string()]);
        // Other missing logs were not collected at all.
        let rcm = srv
            .missing
            .iter()
            .find(|m| m.channel == channel::RCM)
            .unwrap();
        assert!(rcm.empty_inputs.is_empty());
        assert!(
            coverage
                .to_string()
                .contains("CAPI2/Operational (optional) [collected, but empty]")
        );
        // An empty log makes no host of its own and no channel present.
        assert_eq!(coverage.hosts.len(), 1);
        assert!(!srv.has(channel::CAPI2));
    }

    #[test]
    fn unknown_role_lists_both_sides() {
        let reports = [report(
            "x/Security.evtx",
            None,
            &[(channel::SECURITY, "", 1, 2, 1)],
        )];
        let coverage = Coverage::from_reports(&reports, Catalog::global());
        let host = coverage.host(UNKNOWN_HOST).unwrap();
        assert!(host.roles.is_empty());
        assert!(
            host.missing
                .iter()
                .any(|m| m.channel == channel::RDP_CLIENT)
        );
        assert!(host.missing.iter().any(|m| m.channel == channel::RDPCORETS));
        assert!(!host.missing.iter().any(|m| m.channel == channel::SECURITY));
    }

    #[test]
    fn a_gateway_is_expected_to_have_its_own_log() {
        let reports = [report(
            "gw/gw.evtx",
            None,
            &[
                (channel::GATEWAY, "GW1", 1, 2, 4),
                (channel::SYSTEM, "GW1", 1, 2, 4),
            ],
        )];
        let coverage = Coverage::from_reports(&reports, Catalog::global());
        let gw = coverage.host("gw1").unwrap();
        assert_eq!(gw.roles, vec![Role::Gateway]);
        let missing: Vec<&str> = gw.missing.iter().map(|m| m.channel.as_str()).collect();
        assert_eq!(
            missing,
            [channel::SECURITY, channel::CAPI2, channel::FIREWALL]
        );
        let unknown = Coverage::from_reports(
            &[report("x", None, &[(channel::SYSTEM, "X", 1, 2, 1)])],
            Catalog::global(),
        );
        assert!(
            !unknown.hosts[0]
                .missing
                .iter()
                .any(|m| m.channel == channel::GATEWAY)
        );
    }

    #[test]
    fn short_names_merge_only_into_a_unique_fqdn() {
        let reports = [
            report("a", None, &[(channel::SYSTEM, "dc01.a.local", 1, 2, 1)]),
            report("b", None, &[(channel::SYSTEM, "dc01.b.local", 1, 2, 1)]),
            report("c", None, &[(channel::SECURITY, "DC01", 1, 2, 1)]),
        ];
        let coverage = Coverage::from_reports(&reports, Catalog::global());
        assert_eq!(coverage.hosts.len(), 3);
    }
}
