//! Onset: when failures began on a host and what changed shortly before.
//!
//! Connections are grouped by their server (by their client when no server is known: failures
//! that never left the client). In each group, in order of their start — of their drop, for
//! sessions dropped after they began (the time they failed) — a **run** of failures begins
//! with the first failure after a success (or the first failure seen) and ends at the next
//! success; connections whose outcome is unknown (scanners, probes) neither start nor end a
//! run. For each run, the **changes** are the events, on the group's host and on the clients of
//! the run's failures, that a rule flagged `onset` recognises as a change of state (a
//! certificate renewed or failing to renew, a firewall rule or profile changed, a security
//! product installed or registered, a TLS credential failing after a restart, a service
//! stopped or disabled, a network or clock change), from the last time a new connection of the
//! failing clients was known to work up to the first failure — or in the [`LOOKBACK_SECONDS`]
//! before the first failure when no success precedes it. That time is the **start** of the
//! last success (a session opened before a change can stay open across it, so its end proves
//! nothing about the change) of one of the run's clients (a change may break some clients only
//! — a rule for a subnet, a client's policy — while others keep connecting), of any client when
//! they never succeeded before. The nearest [`MAX_CHANGES`] are kept. Changes that bear on a
//! cause also count as evidence for it (rule `onset-change`).

use rdpsleuth_parser::Timestamp;
use rdpsleuth_timelines::{Connection, EventIndex, HostId, Outcome, Timelines};

use crate::cause::Cause;
use crate::evidence::{Analysis, Subject, decode, event_matches};
use crate::rules::{CauseSource, Direction, RULES, Rule, Trigger};

/// How far before the first failure changes are looked for when no success precedes it.
pub const LOOKBACK_SECONDS: f64 = 7.0 * 86_400.0;
/// Most changes kept per run (the nearest to the first failure).
pub const MAX_CHANGES: usize = 12;
/// Most clients of a run whose logs are searched for changes.
const MAX_CLIENTS: usize = 8;

/// One change of host state before a run of failures.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The event.
    pub event: EventIndex,
    /// The host that logged it.
    pub host: HostId,
    /// The rule that recognised it.
    pub rule: &'static Rule,
    /// The causes it bears on.
    pub causes: Vec<Cause>,
}

/// A run of failures and what changed before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Onset {
    /// The host the run is about (the server; the client when no server is known).
    pub host: HostId,
    /// True when `host` is the server of the run's connections.
    pub server_side: bool,
    /// Start of the first failure (reference clock; the drop, for a dropped session).
    pub first_failure: Timestamp,
    /// End of the last success before it, when there was one (it may lie after
    /// `first_failure`: a session that was still open when the failures began).
    pub last_success: Option<Timestamp>,
    /// Where the search for changes begins: the start of the last success of one of the run's
    /// clients before it (of any client for a client that never succeeded before), the
    /// earliest over its clients; `None` when no success precedes the run.
    pub changes_since: Option<Timestamp>,
    /// The connections of the run that failed, in start order.
    pub failures: Vec<usize>,
    /// What changed before, in time order.
    pub changes: Vec<Change>,
}

/// The onsets of every run, and for each connection the run it belongs to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Onsets {
    /// The runs, in order of their first failure.
    pub runs: Vec<Onset>,
    /// Per connection, the index of its run in `runs`.
    pub of_connection: Vec<Option<usize>>,
}

impl Onsets {
    /// The run a connection belongs to.
    pub fn of(&self, conn: usize) -> Option<&Onset> {
        self.of_connection
            .get(conn)
            .copied()
            .flatten()
            .and_then(|r| self.runs.get(r))
    }
}

/// The causes a change bears on: its rule's causes for it, decoded where the rule decodes.
fn change_causes(a: &Analysis<'_>, rule: &Rule, event: EventIndex) -> Vec<Cause> {
    let mut out: Vec<Cause> = Vec::new();
    for effect in rule
        .effects
        .iter()
        .filter(|e| e.direction == Direction::For)
    {
        let causes: &[Cause] = match effect.causes {
            CauseSource::Fixed(c) => c,
            CauseSource::OfChange { .. } => &[],
            CauseSource::Decoded { decode: d, .. } => a
                .event(event)
                .and_then(|e| decode(e, d))
                .map_or(&[], |x| x.causes),
        };
        for c in causes {
            if !out.contains(c) {
                out.push(*c);
            }
        }
    }
    out
}

/// The first onset rule that recognises an event as a change of state.
fn change_rule(a: &Analysis<'_>, index: EventIndex) -> Option<&'static Rule> {
    let e = a.event(index)?;
    if a.timelines.owner.get(index).copied().flatten().is_some() {
        return None;
    }
    a.rules_for(e.kind.key()).iter().copied().find(|r| {
        r.onset
            && matches!(r.trigger, Trigger::Event { .. })
            && event_matches(a, r, index, e, Subject { conn: None })
    })
}

/// The changes on one host between two reference-clock times (exclusive start, inclusive end).
fn changes_on(
    a: &Analysis<'_>,
    host: HostId,
    conn: &Connection,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(f64, Change)> {
    let shift = a.host_shift(host, conn);
    let local_from = from.add_seconds(shift);
    let local_to = to.add_seconds(shift);
    a.host_events_between(host, local_from, local_to)
        .iter()
        .filter(|&&i| a.event(i).is_some_and(|e| e.time > local_from))
        .filter_map(|&i| {
            let rule = change_rule(a, i)?;
            let t = a.event(i)?.time.add_seconds(-shift);
            Some((
                to.seconds_since(t),
                Change {
                    event: i,
                    host,
                    rule,
                    causes: change_causes(a, rule, i),
                },
            ))
        })
        .collect()
}

/// True when two connections come from the same client: the same client host, or the same
/// client address.
fn same_client(x: &Connection, y: &Connection) -> bool {
    match (x.client, y.client) {
        (Some(a), Some(b)) if a == b => true,
        _ => x.client_address.is_some() && x.client_address == y.client_address,
    }
}

/// Where the search for a run's changes begins (see [`Onset::changes_since`]); `successes`
/// are the group's successes before the run, in start order.
fn changes_since(tl: &Timelines, successes: &[usize], failures: &[usize]) -> Option<Timestamp> {
    let latest_any = successes
        .iter()
        .filter_map(|&k| tl.connections.get(k))
        .map(|c| c.start)
        .max()?;
    let mut clients: Vec<&Connection> = Vec::new();
    for c in failures.iter().filter_map(|&k| tl.connections.get(k)) {
        if !clients.iter().any(|x| same_client(x, c)) {
            clients.push(c);
        }
    }
    clients
        .iter()
        .map(|failed| {
            successes
                .iter()
                .rev()
                .filter_map(|&k| tl.connections.get(k))
                .find(|ok| same_client(ok, failed))
                .map_or(latest_any, |ok| ok.start)
        })
        .min()
}

/// Finds the runs of failures and their changes.
pub fn onsets(a: &Analysis<'_>) -> Onsets {
    let tl = a.timelines;
    let mut of_connection: Vec<Option<usize>> = vec![None; tl.connections.len()];
    // (group host, server side) → connection indexes in start order.
    let mut groups: Vec<((HostId, bool), Vec<usize>)> = Vec::new();
    for (k, c) in tl.connections.iter().enumerate() {
        if c.outcome == Outcome::Unknown {
            continue;
        }
        let key = match (c.server, c.client) {
            (Some(s), _) => (s, true),
            (None, Some(cl)) => (cl, false),
            (None, None) => continue,
        };
        match groups.iter_mut().find(|(g, _)| *g == key) {
            Some((_, list)) => list.push(k),
            None => groups.push((key, vec![k])),
        }
    }
    // In order of when each connection worked or failed: a session dropped after it began
    // failed at its drop, not at its start.
    for (_, members) in &mut groups {
        members.sort_by_key(|&k| tl.connections.get(k).map(|c| (c.failure_window().0, k)));
    }
    let mut runs: Vec<Onset> = Vec::new();
    for ((host, server_side), members) in groups {
        let mut last_success: Option<Timestamp> = None;
        // The group's successes so far, in start order.
        let mut successes: Vec<usize> = Vec::new();
        let mut current: Option<Onset> = None;
        let mut close = |run: Option<Onset>, successes: &[usize]| {
            if let Some(mut run) = run {
                run.changes_since = changes_since(tl, successes, &run.failures);
                runs.push(run);
            }
        };
        for k in members {
            let Some(c) = tl.connections.get(k) else {
                continue;
            };
            match c.outcome {
                Outcome::Succeeded => {
                    close(current.take(), &successes);
                    last_success = Some(last_success.map_or(c.end, |t| t.max(c.end)));
                    successes.push(k);
                }
                Outcome::Failed => {
                    let run = current.get_or_insert_with(|| Onset {
                        host,
                        server_side,
                        first_failure: c.failure_window().0,
                        last_success,
                        changes_since: None,
                        failures: Vec::new(),
                        changes: Vec::new(),
                    });
                    run.failures.push(k);
                }
                Outcome::Unknown => {}
            }
        }
        close(current, &successes);
    }
    runs.sort_by(|x, y| {
        x.first_failure
            .cmp(&y.first_failure)
            .then(x.host.cmp(&y.host))
    });
    for (r, run) in runs.iter_mut().enumerate() {
        for &k in &run.failures {
            if let Some(slot) = of_connection.get_mut(k) {
                *slot = Some(r);
            }
        }
        let Some(first) = run.failures.first().and_then(|&k| tl.connections.get(k)) else {
            continue;
        };
        let from = run
            .changes_since
            .unwrap_or_else(|| run.first_failure.add_seconds(-LOOKBACK_SECONDS));
        let to = run.first_failure;
        let mut found = changes_on(a, run.host, first, from, to);
        if run.server_side {
            let mut clients: Vec<HostId> = run
                .failures
                .iter()
                .filter_map(|&k| tl.connections.get(k).and_then(|c| c.client))
                .filter(|&c| c != run.host)
                .collect();
            clients.sort_unstable();
            clients.dedup();
            for client in clients.into_iter().take(MAX_CLIENTS) {
                found.extend(changes_on(a, client, first, from, to));
            }
        }
        found.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.event.cmp(&y.1.event)));
        found.truncate(MAX_CHANGES);
        found.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.event.cmp(&y.1.event)));
        run.changes = found.into_iter().map(|(_, c)| c).collect();
    }
    Onsets {
        runs,
        of_connection,
    }
}

/// The rules that can mark an onset (for documentation and tests).
pub fn onset_rules() -> impl Iterator<Item = &'static Rule> {
    RULES.iter().filter(|r| r.onset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use rdpsleuth_parser::catalog::channel;
    use rdpsleuth_parser::coverage::Coverage;
    use rdpsleuth_timelines::build;

    fn rule_deleted(ms: i64, name: &str) -> rdpsleuth_parser::Event {
        ev(
            "SRV01.corp.local",
            channel::FIREWALL,
            "Microsoft-Windows-Windows Firewall With Advanced Security",
            2006,
            ms,
            fields(&[("RuleName", name)]),
        )
    }

    #[test]
    fn failures_begin_after_the_last_success_and_changes_are_found() {
        let mut events = attempt(0x1000, 0, 1, true);
        events.extend(hosted(1, 80, 50_000, true));
        // Before the last success: not a change of this run.
        events.push(rule_deleted(-3_600_000, "Remote Desktop - Shadow (TCP-In)"));
        // Between the success and the failures.
        events.push(rule_deleted(
            1_800_000,
            "Remote Desktop - User Mode (TCP-In)",
        ));
        events.push(system(
            "SRV01.corp.local",
            "Microsoft-Windows-Kernel-General",
            1,
            1_900_000,
            &[
                ("NewTime", "2024-05-01T10:31:40Z"),
                ("OldTime", "2024-05-01T10:31:39.99Z"),
            ],
        ));
        for n in 0..3u128 {
            let ms = 3_600_000 + n as i64 * 60_000;
            events.extend(attempt(0x2000 + n, ms, 2308, false));
            events.extend(hosted(10 + n, ms + 80, 51_000 + n as u16, false));
        }
        let t = build(events, &[]);
        let cov = Coverage::default();
        let a = Analysis::new(&t, &cov);
        let o = onsets(&a);
        assert_eq!(o.runs.len(), 1);
        let run = &o.runs[0];
        assert_eq!(run.failures.len(), 3);
        assert!(run.server_side);
        assert!(run.last_success.is_some());
        assert!(run.first_failure > run.last_success.unwrap());
        // The firewall rule deleted in between is the only change (the clock moved 10 ms).
        assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
        assert_eq!(run.changes[0].causes, vec![Cause::FirewallBlock]);
        for &k in &run.failures {
            assert_eq!(o.of(k).map(|r| r.failures.len()), Some(3));
        }
        // The success belongs to no run.
        let ok = t
            .connections
            .iter()
            .position(|c| c.outcome == Outcome::Succeeded)
            .unwrap();
        assert!(o.of(ok).is_none());
    }

    #[test]
    fn changes_are_searched_from_the_start_of_a_session_still_open_when_failures_began() {
        // A session from 0 to 2 h (its 102 logged at the end); 30 min in, a firewall rule is
        // deleted; at 1 h a new connection fails while the session is still open.
        let mut events = attempt(0x1000, 0, 1, true);
        events.extend(hosted(1, 80, 50_000, true));
        events.push(corets(
            "SRV01.corp.local",
            Some(host_guid(1)),
            102,
            7_200_000,
            &[],
        ));
        events.push(rule_deleted(-3_600_000, "Remote Desktop - Shadow (TCP-In)"));
        events.push(rule_deleted(
            1_800_000,
            "Remote Desktop - User Mode (TCP-In)",
        ));
        events.extend(attempt(0x2000, 3_600_000, 2308, false));
        events.extend(hosted(10, 3_600_080, 51_000, false));
        let t = build(events, &[]);
        let cov = Coverage::default();
        let a = Analysis::new(&t, &cov);
        let o = onsets(&a);
        assert_eq!(o.runs.len(), 1);
        let run = &o.runs[0];
        // The last success ended after the first failure; its start opens the window (on the
        // server's clock: the client's 1024 moved by the estimated offset).
        assert!(run.last_success.unwrap() > run.first_failure);
        assert!(run.changes_since.is_some_and(|t| t < at(1_000)));
        assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
        assert_eq!(run.changes[0].causes, vec![Cause::FirewallBlock]);
        assert_eq!(
            a.event(run.changes[0].event).map(|e| e.time),
            Some(at(1_800_000))
        );
    }

    #[test]
    fn a_session_dropped_later_fails_at_its_drop() {
        // WS1's session from 0 is dropped at 2 h (client 1026 2308); a firewall rule was
        // deleted at 1 h, while it ran.
        let mut events = attempt(0x1000, 0, 2308, true);
        for e in &mut events {
            if e.event_id == 1026 {
                e.time = at(7_200_000);
            }
        }
        events.extend(hosted(1, 80, 50_000, true));
        events.push(rule_deleted(
            3_600_000,
            "Remote Desktop - User Mode (TCP-In)",
        ));
        let t = build(events, &[]);
        let c = &t.connections[0];
        assert_eq!(c.outcome, Outcome::Failed);
        assert_eq!(c.stage(), Some(rdpsleuth_timelines::Stage::Session));
        let cov = Coverage::default();
        let a = Analysis::new(&t, &cov);
        let o = onsets(&a);
        assert_eq!(o.runs.len(), 1);
        let run = &o.runs[0];
        assert!(run.first_failure > at(7_000_000), "{:?}", run.first_failure);
        assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
    }

    /// The host side of a session from another client (10.0.0.99) at `ms`.
    fn other_client_session(n: u128, ms: i64) -> Vec<rdpsleuth_parser::Event> {
        let mut events = hosted(n, ms, 52_000, true);
        for e in &mut events {
            for (_, v) in &mut e.fields.0 {
                if let rdpsleuth_parser::FieldValue::Text(t) = v {
                    *t = t.replace("10.0.0.5", "10.0.0.99").into();
                }
            }
        }
        events
    }

    #[test]
    fn changes_are_searched_from_the_failing_clients_last_success() {
        // WS1 (10.0.0.5) succeeds at 0; a firewall rule is deleted at 30 min; another client
        // (10.0.0.99) connects at 40 min and 50 min — the change did not concern it —; WS1
        // fails at 1 h.
        let mut events = attempt(0x1000, 0, 1, true);
        events.extend(hosted(1, 80, 50_000, true));
        events.push(rule_deleted(
            1_800_000,
            "Remote Desktop - User Mode (TCP-In)",
        ));
        events.extend(other_client_session(2, 2_400_000));
        events.extend(other_client_session(3, 3_000_000));
        events.extend(attempt(0x2000, 3_600_000, 2308, false));
        events.extend(hosted(10, 3_600_080, 51_000, false));
        let t = build(events, &[]);
        let cov = Coverage::default();
        let a = Analysis::new(&t, &cov);
        let o = onsets(&a);
        assert_eq!(o.runs.len(), 1);
        let run = &o.runs[0];
        let successes = t
            .connections
            .iter()
            .filter(|c| c.outcome == Outcome::Succeeded)
            .count();
        assert_eq!(successes, 3);
        // The host's last success is the other client's; the window opens at WS1's own.
        assert!(run.last_success.is_some_and(|t| t > at(3_000_000)));
        assert!(run.changes_since.is_some_and(|t| t < at(1_000)));
        assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
        // A client that never succeeded before: the last success of any client opens it.
        let mut events = attempt(0x1000, 0, 1, true);
        events.extend(hosted(1, 80, 50_000, true));
        events.push(rule_deleted(
            1_800_000,
            "Remote Desktop - User Mode (TCP-In)",
        ));
        events.extend(other_client_session(2, 2_400_000));
        let mut failing = hosted(10, 3_600_080, 51_000, false);
        for e in &mut failing {
            for (_, v) in &mut e.fields.0 {
                if let rdpsleuth_parser::FieldValue::Text(t) = v {
                    *t = t.replace("10.0.0.5", "10.0.0.77").into();
                }
            }
        }
        events.extend(failing);
        events.push(security(
            "SRV01.corp.local",
            4625,
            3_600_500,
            &[
                ("LogonType", "3"),
                ("IpAddress", "10.0.0.77"),
                ("Status", "0xc000006d"),
                ("SubStatus", "0xc000006a"),
            ],
        ));
        let t = build(events, &[]);
        let a = Analysis::new(&t, &cov);
        let o = onsets(&a);
        assert_eq!(o.runs.len(), 1, "{:?}", t.connections);
        let run = &o.runs[0];
        assert_eq!(
            run.changes_since,
            t.connections
                .iter()
                .filter(|c| c.outcome == Outcome::Succeeded)
                .map(|c| c.start)
                .max()
        );
        assert!(run.changes.is_empty(), "{:?}", run.changes);
    }
}
