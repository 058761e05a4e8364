//! Missing sources: which log, on which host, covering which time, would decide a diagnosis —
//! or could change it.
//!
//! Computed from the rules that could have spoken (those that support the chosen cause or an
//! alternative — every cause when the diagnosis is `unknown` — and those that could argue
//! against the chosen cause) and from what each host's logs cover ([`Analysis::covers`], fed
//! by the parser's coverage). A log that a needed rule reads and that the host's inputs do not
//! hold for the connection's time is named with the audit settings or channel state it needs:
//! "System log of SRV01 covering 2024-05-01 09:10–09:20 UTC", "Security log of SRV01 (Logon
//! auditing) covering …", "CAPI2/Operational log of WS-0142 (disabled by default) covering …",
//! "RDPClient/Operational log of the client at 10.0.0.5".

use rdpsleuth_parser::Timestamp;
use rdpsleuth_parser::catalog::{ChannelMatch, channel};
use rdpsleuth_timelines::{Connection, HostId};

use crate::cause::Cause;
use crate::evidence::Analysis;
use crate::rules::{Direction, Fact, RULES, Side, Trigger, effect_causes};
use crate::score::Ranking;

/// Alternatives at or above this confidence are worth deciding.
pub const RELEVANT_ALTERNATIVE: f64 = 0.05;
/// A chosen cause at or above this confidence needs no more support; only logs that could
/// argue against it are still asked for.
pub const SETTLED: f64 = 0.9;
/// Minutes added on each side of the connection's window in the time asked for.
const PAD_SECONDS: f64 = 300.0;
/// Empty inputs named in one line; the rest are counted.
const MAX_EMPTY_SHOWN: usize = 2;

/// Display names of the logs, in the order they are listed.
pub static CHANNEL_NAMES: &[(&str, &str)] = &[
    (channel::RDPCORETS, "RdpCoreTS/Operational log"),
    (channel::RCM, "RemoteConnectionManager/Operational log"),
    (channel::LSM, "LocalSessionManager/Operational log"),
    (channel::RDP_CLIENT, "RDPClient/Operational log"),
    (channel::SYSTEM, "System log"),
    (channel::SECURITY, "Security log"),
    (channel::CAPI2, "CAPI2/Operational log"),
    (
        channel::FIREWALL,
        "Windows Firewall log (Firewall channel or pfirewall.log)",
    ),
    (channel::DEFENDER, "Windows Defender/Operational log"),
    (channel::NETWORK_PROFILE, "NetworkProfile/Operational log"),
    (channel::APPLICATION, "Application log"),
    (channel::GATEWAY, "TerminalServices-Gateway/Operational log"),
];

/// What a log needs to hold the events a kind of rule reads: (catalog kind, note).
pub static SOURCE_NOTES: &[(&str, &str)] = &[
    ("logon", "Logon auditing"),
    ("logon_failure", "Logon auditing"),
    (
        "wfp",
        "Filtering Platform Packet Drop and Connection auditing",
    ),
    ("key_operations", "Other System Events auditing"),
    (
        "firewall_policy_audit",
        "MPSSVC Rule-Level Policy Change auditing",
    ),
    ("capi2", "disabled by default: enable it before reproducing"),
];

/// Logs that are off by default or often not collected: when a host has none of them they are
/// named together on one line.
const OPTIONAL: &[&str] = &[
    channel::CAPI2,
    channel::FIREWALL,
    channel::DEFENDER,
    channel::NETWORK_PROFILE,
    channel::APPLICATION,
    channel::GATEWAY,
];

/// Logs that stand in for one another.
const ALTERNATES: &[(&str, &str)] = &[(channel::FIREWALL, channel::FIREWALL_LOG)];

/// The logs a fact reads: (side, channel).
fn fact_sources(fact: Fact) -> &'static [(Side, &'static str)] {
    match fact {
        Fact::ConnectedButNeverAccepted | Fact::NeverReachedHost => &[
            (Side::Server, channel::RDPCORETS),
            (Side::Client, channel::RDP_CLIENT),
        ],
        Fact::AcceptedThenDropped => &[(Side::Server, channel::RDPCORETS)],
        Fact::ConnectTimedOut | Fact::ConnectRefused => &[(Side::Client, channel::RDP_CLIENT)],
        Fact::ArbitrationNeverEnded => &[(Side::Server, channel::LSM)],
        Fact::TermServiceStopped | Fact::HostDown => &[(Side::Server, channel::SYSTEM)],
        Fact::LaterSuccessUnchanged | Fact::ChangedBeforeOnset => &[],
    }
}

/// The channel a catalog kind reads, when it is one fixed channel.
fn kind_channel(kind: &str) -> Option<&'static str> {
    let entry = rdpsleuth_parser::EventKind::from_key(kind)?.entry();
    match entry.channel {
        ChannelMatch::Name(name) => Some(name),
        ChannelMatch::Pattern(_) => None,
    }
}

/// One needed log: side, channel, and the notes of the kinds that need it.
#[derive(Debug, Default)]
struct Need {
    side: Option<Side>,
    channel: &'static str,
    notes: Vec<&'static str>,
}

fn add_need(needs: &mut Vec<Need>, side: Side, channel: &'static str, note: Option<&'static str>) {
    // A log that stands in for another is asked for under the other's name.
    let channel = ALTERNATES
        .iter()
        .find(|(_, alt)| alt.eq_ignore_ascii_case(channel))
        .map_or(channel, |(primary, _)| *primary);
    let sides: &[Side] = match side {
        Side::Either => &[Side::Server, Side::Client],
        Side::Server => &[Side::Server],
        Side::Client => &[Side::Client],
    };
    for &s in sides {
        let at = match needs
            .iter()
            .position(|n| n.side == Some(s) && n.channel == channel)
        {
            Some(i) => i,
            None => {
                needs.push(Need {
                    side: Some(s),
                    channel,
                    notes: Vec::new(),
                });
                needs.len() - 1
            }
        };
        let Some(need) = needs.get_mut(at) else {
            continue;
        };
        if let Some(n) = note
            && !need.notes.contains(&n)
        {
            need.notes.push(n);
        }
    }
}

fn format_window(from: Timestamp, to: Timestamp) -> String {
    let a = from.to_chrono();
    let b = to.to_chrono();
    if a.date_naive() == b.date_naive() {
        format!("{}–{} UTC", a.format("%Y-%m-%d %H:%M"), b.format("%H:%M"))
    } else {
        format!(
            "{} – {} UTC",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M")
        )
    }
}

fn channel_rank(channel: &str) -> usize {
    CHANNEL_NAMES
        .iter()
        .position(|(c, _)| c.eq_ignore_ascii_case(channel))
        .unwrap_or(CHANNEL_NAMES.len())
}

fn display(channel: &str) -> String {
    CHANNEL_NAMES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(channel))
        .map_or_else(|| format!("{channel} log"), |(_, d)| (*d).to_string())
}

/// The logs whose absence leaves the diagnosis of connection `conn` open.
pub fn missing_sources(a: &Analysis<'_>, conn: usize, ranking: &Ranking) -> Vec<String> {
    let Some(c) = a.timelines.connections.get(conn) else {
        return Vec::new();
    };
    // Logs that could decide it: for `unknown` every cause's; otherwise the leading
    // alternatives', the chosen cause's own while it is not yet settled, and (below) every log
    // that could argue against the chosen cause.
    let relevant: Vec<Cause> = if ranking.cause == Cause::Unknown {
        Cause::all().filter(|x| *x != Cause::Unknown).collect()
    } else {
        let unsettled = ranking.confidence < SETTLED;
        unsettled
            .then_some(ranking.cause)
            .into_iter()
            .chain(
                ranking
                    .alternatives
                    .iter()
                    .filter(|(x, p)| *x != Cause::Unknown && *p >= RELEVANT_ALTERNATIVE)
                    .map(|(x, _)| *x),
            )
            .collect()
    };
    let mut needs: Vec<Need> = Vec::new();
    for rule in RULES {
        let speaks = rule.effects.iter().any(|e| {
            let causes = effect_causes(e);
            match e.direction {
                Direction::For => causes.iter().any(|x| relevant.contains(x)),
                Direction::Against => causes.contains(&ranking.cause),
            }
        });
        if !speaks {
            continue;
        }
        match rule.trigger {
            Trigger::Event { kind, .. } => {
                let Some(ch) = kind_channel(kind) else {
                    continue;
                };
                let note = SOURCE_NOTES
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, n)| *n);
                add_need(&mut needs, rule.side, ch, note);
            }
            Trigger::Fact(f) => {
                for &(side, ch) in fact_sources(f) {
                    add_need(&mut needs, side, ch, None);
                }
            }
        }
    }
    needs.sort_by_key(|n| (n.side != Some(Side::Server), channel_rank(n.channel)));

    // The logs that would decide it must cover when it failed: the connection, or the drop
    // of a session that was given.
    let (fail_start, fail_end) = c.failure_window();
    let from = fail_start.add_seconds(-PAD_SECONDS);
    let to = fail_end.add_seconds(PAD_SECONDS);
    let mut out: Vec<String> = Vec::new();
    let mut optional: Vec<(HostId, &'static str, Vec<&'static str>)> = Vec::new();
    let mut unknown_server: Vec<&'static str> = Vec::new();
    let mut unknown_client: Vec<&'static str> = Vec::new();
    for need in &needs {
        let host = match need.side {
            Some(Side::Server) => c.server,
            _ => c.client,
        };
        let Some(host) = host else {
            match need.side {
                Some(Side::Server) => unknown_server.push(need.channel),
                _ => unknown_client.push(need.channel),
            }
            continue;
        };
        if let Some(line) = missing_line(a, c, host, need, from, to) {
            // An optional log that was collected but holds nothing gets a line of its own.
            if OPTIONAL.contains(&need.channel)
                && a.span(host, need.channel).is_none()
                && a.empty_inputs(host, need.channel).is_empty()
            {
                optional.push((host, need.channel, need.notes.clone()));
            } else {
                out.push(line);
            }
        }
    }
    // Logs the host was not collected with, and which are often off or absent: one line each.
    let mut hosts: Vec<HostId> = optional.iter().map(|(h, _, _)| *h).collect();
    hosts.dedup();
    for host in hosts {
        let name = a.timelines.hosts.get(host).map_or("?", |h| h.name.as_str());
        let shift = a.host_shift(host, c);
        let items: Vec<String> = optional
            .iter()
            .filter(|(h, _, _)| *h == host)
            .map(|(_, ch, notes)| {
                let d = display(ch);
                let d = d.trim_end_matches(" log");
                if notes.is_empty() {
                    d.to_string()
                } else {
                    format!("{d} ({})", notes.join("; "))
                }
            })
            .collect();
        out.push(format!(
            "Optional logs of {name} that would help, covering {}: {}",
            format_window(from.add_seconds(shift), to.add_seconds(shift)),
            items.join(", ")
        ));
    }
    if !unknown_server.is_empty() {
        let name = c.target.as_deref().map_or_else(
            || "the server".to_string(),
            |t| format!("the server {}", crate::summary::clean(t)),
        );
        out.push(format!(
            "{} of {name} covering {}",
            list(&unknown_server),
            format_window(from, to)
        ));
    }
    if !unknown_client.is_empty() {
        let name = c.client_address.map_or_else(
            || "the client".to_string(),
            |ip| format!("the client at {ip}"),
        );
        out.push(format!(
            "{} of {name} covering {}",
            list(&unknown_client),
            format_window(from, to)
        ));
    }
    out.dedup();
    out
}

/// "RdpCoreTS/Operational, System and Security logs".
fn list(channels: &[&str]) -> String {
    let names: Vec<String> = channels
        .iter()
        .map(|c| display(c).trim_end_matches(" log").to_string())
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("{one} log"),
        [init @ .., last] => format!("{} and {last} logs", init.join(", ")),
    }
}

fn missing_line(
    a: &Analysis<'_>,
    c: &Connection,
    host: HostId,
    need: &Need,
    from: Timestamp,
    to: Timestamp,
) -> Option<String> {
    let alternates: Vec<&str> = std::iter::once(need.channel)
        .chain(
            ALTERNATES
                .iter()
                .filter(|(x, _)| *x == need.channel)
                .map(|(_, y)| *y),
        )
        .collect();
    // Covered, unless records of that time could not be read (a damaged or cut copy).
    let lost = if alternates.iter().any(|ch| a.covers(host, ch, c, from, to)) {
        Some(
            alternates
                .iter()
                .find_map(|ch| a.lost_within(host, ch, c, from, to))?,
        )
    } else {
        None
    };
    let name = a.timelines.hosts.get(host).map_or("?", |h| h.name.as_str());
    let shift = a.host_shift(host, c);
    let mut line = display(need.channel);
    line.push_str(&format!(" of {name}"));
    if !need.notes.is_empty() {
        line.push_str(&format!(" ({})", need.notes.join("; ")));
    }
    line.push_str(&format!(
        " covering {}",
        format_window(from.add_seconds(shift), to.add_seconds(shift))
    ));
    if let Some(lost) = lost {
        line.push_str(&format!(
            " (the copy read lacks {} records written between {}: damaged or cut)",
            lost.records,
            format_window(lost.after, lost.before)
        ));
    } else if let Some(span) = alternates.iter().find_map(|ch| a.span(host, ch)) {
        line.push_str(&format!(
            " (the log read covers {})",
            format_window(span.first, span.last)
        ));
    } else if let Some(empty) = alternates
        .iter()
        .map(|ch| a.empty_inputs(host, ch))
        .find(|inputs| !inputs.is_empty())
    {
        let shown: Vec<String> = empty
            .iter()
            .take(MAX_EMPTY_SHOWN)
            .map(|input| crate::summary::clean(input))
            .collect();
        let more = empty.len().saturating_sub(MAX_EMPTY_SHOWN);
        line.push_str(&format!(
            " (collected, but empty: {}{})",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::diagnose;
    use crate::testutil::*;
    use rdpsleuth_parser::coverage::Coverage;
    use rdpsleuth_timelines::{Outcome, build};

    #[test]
    fn unknown_names_the_logs_and_the_time_that_would_decide_it() {
        // Only the client's log: the server is known by name only.
        let events = attempt(0x2000, 0, 2308, false);
        let t = build(events, &[]);
        let d = diagnose(&t, &Coverage::default());
        let k = t
            .connections
            .iter()
            .position(|c| c.outcome == Outcome::Failed)
            .unwrap();
        let x = d.of(k).unwrap();
        assert_eq!(x.cause, Cause::Unknown);
        let text = x.missing_sources.join("\n");
        assert!(
            text.contains("of the server srv01 covering 2024-05-01 09:55–10:05 UTC"),
            "{text}"
        );
        assert!(text.contains("RdpCoreTS/Operational"), "{text}");
        assert!(text.contains("System"), "{text}");

        // The server's RdpCoreTS log ends a week earlier: named with what it covers.
        let mut events = hosted(1, -7 * 86_400_000, 50_000, true);
        events.extend(attempt(0x2000, 0, 2308, false));
        let t = build(events, &[]);
        let d = diagnose(&t, &Coverage::default());
        let k = t
            .connections
            .iter()
            .position(|c| c.outcome == Outcome::Failed)
            .unwrap();
        let text = d.of(k).unwrap().missing_sources.join("\n");
        assert!(
            text.contains("RdpCoreTS/Operational log of SRV01.corp.local covering 2024-05-01 09:55–10:05 UTC (the log read covers 2024-04-24"),
            "{text}"
        );
        assert!(!text.contains("collected, but empty"), "{text}");

        // Its System log was collected but holds nothing: said so.
        let empty = |channel: &str, inputs: &[&str]| rdpsleuth_parser::coverage::MissingChannel {
            channel: channel.to_string(),
            role: None,
            optional: false,
            why: String::new(),
            empty_inputs: inputs.iter().map(|i| i.to_string()).collect(),
        };
        let coverage = Coverage {
            hosts: vec![rdpsleuth_parser::coverage::HostCoverage {
                host: "SRV01.corp.local".into(),
                aliases: Vec::new(),
                roles: Vec::new(),
                channels: Vec::new(),
                missing: vec![
                    empty(channel::SYSTEM, &["SRV01/System.evtx"]),
                    empty(channel::CAPI2, &["a.evtx", "b.evtx", "c.evtx"]),
                ],
            }],
        };
        let d = diagnose(&t, &coverage);
        let text = d.of(k).unwrap().missing_sources.join("\n");
        assert!(
            text.contains("System log of SRV01.corp.local covering 2024-05-01 09:55–10:05 UTC (collected, but empty: SRV01/System.evtx)"),
            "{text}"
        );
        // An optional log collected empty is a line of its own, its inputs counted past two.
        assert!(
            text.contains("CAPI2/Operational log of SRV01.corp.local (disabled by default: enable it before reproducing) covering 2024-05-01 09:55–10:05 UTC (collected, but empty: a.evtx, b.evtx and 1 more)"),
            "{text}"
        );

        // Its RdpCoreTS log spans the failure, but the copy lost the records of that time.
        let time = |t: &str| Timestamp::parse(t).unwrap();
        let rdpcorets = |lost: Vec<rdpsleuth_parser::LostRecords>| Coverage {
            hosts: vec![rdpsleuth_parser::coverage::HostCoverage {
                host: "SRV01.corp.local".into(),
                aliases: Vec::new(),
                roles: Vec::new(),
                channels: vec![rdpsleuth_parser::coverage::ChannelCoverage {
                    channel: channel::RDPCORETS.into(),
                    first: time("2024-04-24T00:00:00Z"),
                    last: time("2024-05-02T00:00:00Z"),
                    records: 1000,
                    inputs: vec!["SRV01/RdpCoreTS.evtx".into()],
                    lost,
                }],
                missing: Vec::new(),
            }],
        };
        let run = rdpsleuth_parser::LostRecords {
            after: time("2024-05-01T09:00:00Z"),
            before: time("2024-05-01T11:00:00Z"),
            records: 50,
        };
        let lines = |coverage: &Coverage| {
            diagnose(&t, coverage)
                .of(k)
                .unwrap()
                .missing_sources
                .join("\n")
        };
        let text = lines(&rdpcorets(vec![run]));
        assert!(
            text.contains("RdpCoreTS/Operational log of SRV01.corp.local covering 2024-05-01 09:55–10:05 UTC (the copy read lacks 50 records written between 2024-05-01 09:00–11:00 UTC: damaged or cut)"),
            "{text}"
        );
        // Records lost at another time leave the log as covering the failure.
        let earlier = rdpsleuth_parser::LostRecords {
            after: time("2024-04-30T09:00:00Z"),
            before: time("2024-04-30T11:00:00Z"),
            ..run
        };
        let text = lines(&rdpcorets(vec![earlier]));
        assert!(
            !text.contains("RdpCoreTS/Operational log of SRV01"),
            "{text}"
        );
    }
}
