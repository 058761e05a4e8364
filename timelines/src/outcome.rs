//! How a connection ended: failed, succeeded or unknown.
//!
//! Rules, in order:
//! 1. **Succeeded** — the client logged 1027 (logon done), or the host started or reconnected a
//!    session for it (LSM 21/22/25, RdpCoreTS 66) — unless the session was **dropped**
//!    ([`session_drop`]): the client's 1026 names an error (not 0–3), or, where no client
//!    reason is known, the host recorded an abnormal end after the session began
//!    ([`SESSION_DROP_EVIDENCE`]); then it is a failure the user lived through, at the
//!    [`Stage::Session`](crate::model::Stage) (the failure's window is the drop, not the
//!    connection's start).
//! 2. **Failed** — the client's 1026 names an error ([`disconnect_class`]: reasons 0–2 are normal
//!    ends; 3, "disconnected by the server", is normal after a logon, so here it is a failure —
//!    unless the attempt lasted [`SESSION_LIKE_SECONDS`], then unknown), or the connection owns host-side failure evidence ([`FAILURE_EVIDENCE`]: 139,
//!    140, 97, TermDD 50/56, a 4625, a failing key operation, a TLS error, a packet filter
//!    block). For a connection the host saw without any client log, a user must be visible —
//!    credentials were tried (140, 4625, 1149, a user name), or the address is one of a machine
//!    whose logs are among the inputs, or it got a session on this host at another time — and
//!    the address must not be probing ([`PROBE_CONNECTIONS`] connections within
//!    [`PROBE_WINDOW_SECONDS`]); then failure evidence, or the host tearing the connection down
//!    without a session, makes it a failure.
//! 3. **Unknown** — everything else, notably what Internet scanners, brute-forcers and probes
//!    leave: the host saw connections torn down, perhaps with protocol errors, but nobody
//!    visible tried to log on and no client log speaks for them.

use std::collections::HashMap;
use std::net::IpAddr;

use rdpsleuth_parser::{Event, Timestamp};

use crate::group::secs_between;
use crate::model::{
    ClientAttempt, EventIndex, HostConnection, HostId, Lane, Outcome, TimelineEntry,
};

/// What a client disconnect reason (1026 `Value`) says about the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisconnectClass {
    /// A normal end (no information, user disconnect, remote logoff).
    Normal,
    /// The server ended it: normal after a logon, a failure before one.
    ByServer,
    /// An error.
    Error,
}

/// Disconnect reasons that are not errors (W32 `ImsTscAxEvents::OnDisconnected`): 0 no
/// information, 1 local disconnection, 2 remote disconnection by the user; 3 remote
/// disconnection by the server.
pub static NON_ERROR_REASONS: &[(u32, DisconnectClass)] = &[
    (0, DisconnectClass::Normal),
    (1, DisconnectClass::Normal),
    (2, DisconnectClass::Normal),
    (3, DisconnectClass::ByServer),
];

/// A connection the server ended (reason 3) after this many seconds without a logon logged was
/// most likely a session, not a failure.
pub const SESSION_LIKE_SECONDS: f64 = 300.0;

/// The class of a 1026 reason.
pub fn disconnect_class(reason: u32) -> DisconnectClass {
    NON_ERROR_REASONS
        .iter()
        .find(|(r, _)| *r == reason)
        .map_or(DisconnectClass::Error, |(_, c)| *c)
}

/// A test on an event's fields.
#[derive(Clone, Copy, Debug)]
pub enum Condition {
    /// Always.
    Always,
    /// A numeric field is present and not zero.
    NonZero(&'static str),
    /// A numeric field is present and one of these values.
    In(&'static str, &'static [u64]),
    /// A numeric field is present and none of these values.
    NotIn(&'static str, &'static [u64]),
}

impl Condition {
    /// True when the event passes the test.
    pub fn holds(self, e: &Event) -> bool {
        match self {
            Condition::Always => true,
            Condition::NonZero(field) => e.fields.u64(field).is_some_and(|v| v != 0),
            Condition::In(field, values) => {
                e.fields.u64(field).is_some_and(|v| values.contains(&v))
            }
            Condition::NotIn(field, values) => {
                e.fields.u64(field).is_some_and(|v| !values.contains(&v))
            }
        }
    }
}

/// Host- or client-side events that show a connection failing, when the connection owns them:
/// (catalog kind, event ids, condition).
pub static FAILURE_EVIDENCE: &[(&str, &[u32], Condition)] = &[
    ("rdpcorets", &[97, 139, 140], Condition::Always),
    ("termdd", &[50, 56], Condition::Always),
    ("logon_failure", &[4625], Condition::Always),
    (
        "key_operations",
        &[5058, 5059, 5061],
        Condition::NonZero("ReturnCode"),
    ),
    (
        "schannel",
        &[
            36870, 36871, 36872, 36874, 36876, 36877, 36881, 36882, 36883, 36884,
        ],
        Condition::Always,
    ),
    ("schannel", &[36887, 36888], Condition::NonZero("AlertDesc")),
    ("wfp", &[5152, 5153, 5157], Condition::Always),
    (
        "firewall_log",
        &[rdpsleuth_parser::catalog::firewall_log_id::DROP],
        Condition::Always,
    ),
    ("credssp", &[6041], Condition::Always),
];

/// Host records that show a session ended abnormally, when the connection owns them after its
/// session began: (catalog kind, event ids, condition). Left out on purpose: RdpCoreTS 142/143
/// with error 64 (ERROR_NETNAME_DELETED — the peer reset the socket, which a client closing
/// its window can do too), LSM 40 reasons 0 (no information), 1–5, 11, 12 (administrative
/// actions, time limits, a reconnect replacing the connection, the user's own disconnect or
/// logoff).
pub static SESSION_DROP_EVIDENCE: &[(&str, &[u32], Condition)] = &[
    // The protocol stream or the security layer broke and the host disconnected the client.
    ("rdpcorets", &[97, 139], Condition::Always),
    // A socket read or write failed with another error (a timeout, an abort).
    ("rdpcorets", &[142, 143], Condition::NotIn("error", &[64])),
    // TermDD dropped the client (an IO timeout when the network went away).
    ("termdd", &[56], Condition::Always),
    // LSM 40: out of memory, connection denied, insufficient privileges, fresh credentials
    // required (EVENTS.md §5.3).
    ("lsm", &[40], Condition::In("Reason", &[6, 7, 9, 10])),
];

/// Host records of a drop that lie within this many seconds of the client's error disconnect
/// belong to the same drop (the host notices a dead network later than the client, or
/// earlier).
pub const DROP_GATHER_SECONDS: f64 = 120.0;

/// Records that show a session started: the client's logon (1027), the host's session logon,
/// shell start or reconnection (LSM 21/22/25), the connection's session (RdpCoreTS 66).
fn is_session_start(e: &Event) -> bool {
    matches!(
        (e.kind.key(), e.event_id),
        ("rdpclient", 1027) | ("lsm", 21 | 22 | 25) | ("rdpcorets", 66)
    )
}

fn matches_table(table: &[(&str, &[u32], Condition)], e: &Event) -> bool {
    let key = e.kind.key();
    table
        .iter()
        .any(|(k, ids, cond)| *k == key && ids.contains(&e.event_id) && cond.holds(e))
}

/// The records of a dropped session, among a connection's owned entries (time order): none
/// when it had no session. When the client logged a disconnect reason it decides — an error
/// (not 0–3) is a drop, its 1026 with the host's [`SESSION_DROP_EVIDENCE`] within
/// [`DROP_GATHER_SECONDS`] of it; a normal end is none. Without a client reason, the host's
/// drop evidence after the session began.
pub fn session_drop<'t>(
    events: &[Event],
    attempt: Option<&ClientAttempt>,
    entries: &'t [TimelineEntry],
) -> Vec<&'t TimelineEntry> {
    let event = |x: &TimelineEntry| events.get(x.event);
    let Some(began) = entries
        .iter()
        .filter(|x| event(x).is_some_and(is_session_start))
        .map(|x| x.time)
        .min()
    else {
        return Vec::new();
    };
    let host_drops = entries.iter().filter(|x| {
        x.lane == Lane::Server
            && x.time >= began
            && event(x).is_some_and(|e| matches_table(SESSION_DROP_EVIDENCE, e))
    });
    match attempt.and_then(|a| a.disconnect_reason) {
        Some(reason) if disconnect_class(reason) == DisconnectClass::Error => {
            let Some(client_end) = entries.iter().find(|x| {
                x.lane == Lane::Client
                    && x.time >= began
                    && event(x).is_some_and(|e| e.event_id == 1026 && e.kind.key() == "rdpclient")
            }) else {
                return Vec::new();
            };
            let mut out: Vec<&TimelineEntry> = host_drops
                .filter(|x| secs_between(x.time, client_end.time).abs() <= DROP_GATHER_SECONDS)
                .collect();
            out.push(client_end);
            out.sort_by(|a, b| a.time.cmp(&b.time).then(a.event.cmp(&b.event)));
            out
        }
        Some(_) => Vec::new(),
        None => host_drops.collect(),
    }
}

/// True when an event is failure evidence.
pub fn is_failure_evidence(e: &Event) -> bool {
    matches_table(FAILURE_EVIDENCE, e)
}

/// What the outcome rules look at.
pub struct OutcomeFacts<'a> {
    /// The client half.
    pub attempt: Option<&'a ClientAttempt>,
    /// The host half.
    pub host: Option<&'a HostConnection>,
    /// Every event the connection owns.
    pub owned: &'a [EventIndex],
    /// The client address belongs to a host whose logs are among the inputs.
    pub known_client: bool,
    /// The client address got a session on this host at another time (a user's machine).
    pub returning_user: bool,
    /// The client address opened [`PROBE_CONNECTIONS`] or more connections to this host within
    /// [`PROBE_WINDOW_SECONDS`] of this one: a scanner or a brute-forcer, not a user.
    pub probing: bool,
    /// The session it had was dropped ([`session_drop`] found records of it).
    pub dropped: bool,
}

/// Connections from one address within [`PROBE_WINDOW_SECONDS`] (either side) that make it a
/// probe rather than a user retrying.
pub const PROBE_CONNECTIONS: usize = 10;
/// See [`PROBE_CONNECTIONS`].
pub const PROBE_WINDOW_SECONDS: f64 = 60.0;

/// The accept times of each client address's connections per host, to tell a probing
/// scanner or brute-forcer from a user retrying.
#[derive(Debug, Default)]
pub struct Probes {
    accepted: HashMap<(HostId, IpAddr), Vec<Timestamp>>,
}

impl Probes {
    /// Indexes host connections by (server, client address).
    pub fn new<'a>(conns: impl IntoIterator<Item = &'a HostConnection>) -> Probes {
        let mut accepted: HashMap<(HostId, IpAddr), Vec<Timestamp>> = HashMap::new();
        for c in conns {
            if let Some(ip) = c.client_ip {
                accepted.entry((c.server, ip)).or_default().push(c.start);
            }
        }
        for times in accepted.values_mut() {
            times.sort_unstable();
        }
        Probes { accepted }
    }

    /// True when `ip` opened [`PROBE_CONNECTIONS`] or more connections to `server` within
    /// [`PROBE_WINDOW_SECONDS`] of `at`.
    pub fn probing(&self, server: HostId, ip: IpAddr, at: Timestamp) -> bool {
        self.accepted.get(&(server, ip)).is_some_and(|times| {
            let lo = times.partition_point(|t| *t < at.add_seconds(-PROBE_WINDOW_SECONDS));
            let hi = times.partition_point(|t| *t <= at.add_seconds(PROBE_WINDOW_SECONDS));
            hi.saturating_sub(lo) >= PROBE_CONNECTIONS
        })
    }

    /// True when a host connection comes from a probing address.
    pub fn is_probe(&self, c: &HostConnection) -> bool {
        c.client_ip
            .is_some_and(|ip| self.probing(c.server, ip, c.start))
    }
}

/// Host records that show a connection ended (RdpCoreTS 102/103, 72 `OnDisconnected…`, LSM 40).
fn is_teardown(e: &Event) -> bool {
    match (e.kind.key(), e.event_id) {
        ("rdpcorets", 102 | 103) | ("lsm", 40) => true,
        ("rdpcorets", 72) => e
            .fields
            .text("MethodName")
            .is_some_and(|m| m.starts_with("OnDisconnected")),
        _ => false,
    }
}

/// Decides a connection's outcome.
pub fn outcome(events: &[Event], facts: &OutcomeFacts<'_>) -> Outcome {
    let logged_on = facts.attempt.is_some_and(|a| a.logged_on);
    let session = facts.host.is_some_and(|h| h.session_started);
    if logged_on || session {
        return if facts.dropped {
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
    }
    if let Some(a) = facts.attempt
        && let Some(reason) = a.disconnect_reason
    {
        match disconnect_class(reason) {
            DisconnectClass::Error => return Outcome::Failed,
            // Ended by the server after minutes: a session the client build did not report
            // (older clients log no 1027), not a failed connection.
            DisconnectClass::ByServer if secs_between(a.end, a.start) >= SESSION_LIKE_SECONDS => {
                return Outcome::Unknown;
            }
            DisconnectClass::ByServer => return Outcome::Failed,
            DisconnectClass::Normal => {}
        }
    }
    let owned = || facts.owned.iter().filter_map(|&i| events.get(i));
    let evidence = owned().any(is_failure_evidence)
        || facts
            .host
            .is_some_and(|h| h.credential_failure || h.security_layer_error);
    if facts.attempt.is_some() {
        return if evidence {
            Outcome::Failed
        } else {
            Outcome::Unknown
        };
    }
    // Only the host's side: a user must be visible, and not a probe.
    if facts.probing {
        return Outcome::Unknown;
    }
    let credentials_tried = facts
        .host
        .is_some_and(|h| h.credential_failure || h.authenticated || h.user.is_some())
        || owned().any(|e| {
            matches!(e.event_id, 4624 | 4625) && matches!(e.kind.key(), "logon" | "logon_failure")
        });
    if !(credentials_tried || facts.known_client || facts.returning_user) {
        return Outcome::Unknown;
    }
    // A user's connection the host tore down without giving it a session.
    if evidence || owned().any(is_teardown) {
        Outcome::Failed
    } else {
        Outcome::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{client_attempts, host_connections};
    use crate::testutil::*;

    fn attempt(reason: u32, logged_on: bool) -> (Vec<Event>, ClientAttempt) {
        let events = client_attempt("WS1", guid(1), 0, "srv01", None, reason, logged_on);
        let idx: Vec<usize> = (0..events.len()).collect();
        let a = client_attempts(&events, 0, &idx).remove(0).attempt;
        (events, a)
    }

    fn host(session: bool, extra: Vec<Event>) -> (Vec<Event>, HostConnection) {
        let mut events = host_connection("SRV01", guid(2), 0, "198.51.100.7", 40000, session);
        events.extend(extra);
        events.sort_by_key(|e| e.time);
        let idx: Vec<usize> = (0..events.len()).collect();
        let h = host_connections(&events, 0, &idx).remove(0).conn;
        (events, h)
    }

    #[test]
    fn disconnect_reasons() {
        assert_eq!(disconnect_class(1), DisconnectClass::Normal);
        assert_eq!(disconnect_class(2), DisconnectClass::Normal);
        assert_eq!(disconnect_class(3), DisconnectClass::ByServer);
        assert_eq!(disconnect_class(2308), DisconnectClass::Error);
        assert_eq!(disconnect_class(516), DisconnectClass::Error);
    }

    #[test]
    fn client_side_rules() {
        let run = |reason, logged_on| {
            let (events, a) = attempt(reason, logged_on);
            let owned = a.events.clone();
            outcome(
                &events,
                &OutcomeFacts {
                    attempt: Some(&a),
                    host: None,
                    owned: &owned,
                    known_client: false,
                    returning_user: false,
                    probing: false,
                    dropped: false,
                },
            )
        };
        assert_eq!(run(2308, false), Outcome::Failed);
        assert_eq!(run(3, false), Outcome::Failed);
        let (events, mut a) = attempt(3, false);
        a.end = a.start.add_seconds(1_800.0);
        let owned = a.events.clone();
        let facts = OutcomeFacts {
            attempt: Some(&a),
            host: None,
            owned: &owned,
            known_client: false,
            returning_user: false,
            probing: false,
            dropped: false,
        };
        assert_eq!(outcome(&events, &facts), Outcome::Unknown);
        assert_eq!(run(3, true), Outcome::Succeeded);
        assert_eq!(run(1, true), Outcome::Succeeded);
        assert_eq!(run(1, false), Outcome::Unknown);
        assert_eq!(run(2, false), Outcome::Unknown);
    }

    fn host_only(events: &[Event], h: &HostConnection, known_client: bool) -> Outcome {
        with_facts(events, h, known_client, false, false)
    }

    fn with_facts(
        events: &[Event],
        h: &HostConnection,
        known_client: bool,
        returning_user: bool,
        probing: bool,
    ) -> Outcome {
        let facts = OutcomeFacts {
            attempt: None,
            host: Some(h),
            owned: &h.events,
            known_client,
            returning_user,
            probing,
            dropped: false,
        };
        outcome(events, &facts)
    }

    #[test]
    fn host_only_rules_keep_scanners_unknown() {
        // A scanner: 131 → 139 → 102 from an address nobody knows.
        let (events, h) = host(false, vec![]);
        assert_eq!(host_only(&events, &h, false), Outcome::Unknown);
        // The same from a known client's address: a failure.
        assert_eq!(host_only(&events, &h, true), Outcome::Failed);
        // From an address that had sessions here, a failure — unless it is probing.
        assert_eq!(with_facts(&events, &h, false, true, false), Outcome::Failed);
        assert_eq!(with_facts(&events, &h, false, true, true), Outcome::Unknown);
        assert_eq!(with_facts(&events, &h, true, false, true), Outcome::Unknown);
        // Credentials tried and refused (140): a failure even from a stranger.
        let refused = corets(
            "SRV01",
            Some(guid(2)),
            140,
            200,
            &[("IPString", "198.51.100.7")],
        );
        let (events, h) = host(false, vec![refused]);
        assert_eq!(host_only(&events, &h, false), Outcome::Failed);
        // A session: succeeded.
        let (events, h) = host(true, vec![]);
        assert_eq!(host_only(&events, &h, false), Outcome::Succeeded);
        // Torn down without an error: unknown from a stranger, a failure from a user's machine.
        let events = vec![
            corets(
                "SRV01",
                Some(guid(3)),
                131,
                0,
                &[("ConnType", "TCP"), ("ClientIP", "10.0.0.5:1")],
            ),
            corets("SRV01", Some(guid(3)), 102, 10, &[]),
        ];
        let h = host_connections(&events, 0, &[0, 1]).remove(0).conn;
        assert_eq!(host_only(&events, &h, false), Outcome::Unknown);
        assert_eq!(with_facts(&events, &h, false, true, false), Outcome::Failed);
        // Accepted and not (yet) torn down: unknown.
        let h = host_connections(&events[..1], 0, &[0]).remove(0).conn;
        assert_eq!(
            with_facts(&events, &h, false, true, false),
            Outcome::Unknown
        );
    }

    /// Entries of `events` (all owned, on one clock), with their lanes.
    fn entries_of(events: &[Event]) -> Vec<TimelineEntry> {
        events
            .iter()
            .enumerate()
            .map(|(i, e)| TimelineEntry {
                event: i,
                lane: if e.kind.key() == "rdpclient" {
                    Lane::Client
                } else {
                    Lane::Server
                },
                relation: crate::model::Relation::Activity,
                time: e.time,
                distance_seconds: 0.0,
            })
            .collect()
    }

    /// A session (client logged on 3 s in, host session 2.6 s in) ended at 60 s with `reason`,
    /// plus host records.
    fn session_with(reason: u32, extra: Vec<Event>) -> Vec<Event> {
        let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, reason, true);
        events.extend(host_connection(
            "SRV01",
            guid(2),
            80,
            "10.0.0.5",
            50000,
            true,
        ));
        events.extend(extra);
        events.sort_by_key(|e| e.time);
        events
    }

    fn drop_ids(events: &[Event], with_client: bool) -> Vec<u32> {
        let idx: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].kind.key() == "rdpclient")
            .collect();
        let attempt = client_attempts(events, 0, &idx).pop().map(|c| c.attempt);
        let entries: Vec<TimelineEntry> = entries_of(events)
            .into_iter()
            .filter(|x| with_client || x.lane == Lane::Server)
            .collect();
        session_drop(events, attempt.as_ref().filter(|_| with_client), &entries)
            .iter()
            .map(|x| events[x.event].event_id)
            .collect()
    }

    #[test]
    fn dropped_sessions_are_told_from_normal_ends() {
        let io_timeout = || {
            system(
                "SRV01",
                "TermDD",
                56,
                59_000,
                data(&["\\Device\\Termdd", "10.0.0.5"]),
            )
        };
        // The client's error reason decides, with the host's records of the drop beside it.
        let events = session_with(2308, vec![io_timeout()]);
        assert_eq!(drop_ids(&events, true), vec![56, 1026]);
        // A normal end on the client: no drop, whatever the host logged.
        let events = session_with(1, vec![io_timeout()]);
        assert!(drop_ids(&events, true).is_empty());
        let events = session_with(3, vec![]);
        assert!(drop_ids(&events, true).is_empty());
        // Without the client's reason, the host's records: TermDD 56, a socket error other
        // than a reset, an abnormal LSM 40 reason.
        let events = session_with(1, vec![io_timeout()]);
        assert_eq!(drop_ids(&events, false), vec![56]);
        let socket = |error: &str| corets("SRV01", Some(guid(2)), 143, 59_500, &[("error", error)]);
        let lsm40 = |reason: &str| {
            lsm(
                "SRV01",
                Some(guid(2)),
                40,
                59_600,
                &[("Session", "2"), ("Reason", reason)],
            )
        };
        assert_eq!(
            drop_ids(&session_with(1, vec![socket("121")]), false),
            vec![143]
        );
        assert!(drop_ids(&session_with(1, vec![socket("64")]), false).is_empty());
        assert_eq!(
            drop_ids(&session_with(1, vec![lsm40("9")]), false),
            vec![40]
        );
        for normal in ["0", "5", "11", "12"] {
            assert!(drop_ids(&session_with(1, vec![lsm40(normal)]), false).is_empty());
        }
        // Before the session began it is no drop (and no session: nothing to drop).
        let mut early = io_timeout();
        early.time = at(100);
        assert!(drop_ids(&session_with(1, vec![early]), false).is_empty());
        let no_session = host_connection("SRV01", guid(2), 80, "10.0.0.5", 50000, false);
        assert!(drop_ids(&no_session, false).is_empty());
    }

    #[test]
    fn a_dropped_session_fails() {
        let (events, a) = attempt(2308, true);
        let owned = a.events.clone();
        let facts = |dropped| OutcomeFacts {
            attempt: Some(&a),
            host: None,
            owned: &owned,
            known_client: false,
            returning_user: false,
            probing: false,
            dropped,
        };
        assert_eq!(outcome(&events, &facts(true)), Outcome::Failed);
        assert_eq!(outcome(&events, &facts(false)), Outcome::Succeeded);
    }

    #[test]
    fn failure_evidence_conditions() {
        let ok = security(
            "SRV01",
            5061,
            0,
            &[("KeyName", "TSSecKeySet1"), ("ReturnCode", "0x0")],
        );
        let bad = security(
            "SRV01",
            5061,
            0,
            &[("KeyName", "TSSecKeySet1"), ("ReturnCode", "0x80090016")],
        );
        assert!(!is_failure_evidence(&ok));
        assert!(is_failure_evidence(&bad));
        let close = system("SRV01", "Schannel", 36888, 0, fields(&[("AlertDesc", "0")]));
        let hs = system(
            "SRV01",
            "Schannel",
            36888,
            0,
            fields(&[("AlertDesc", "40")]),
        );
        assert!(!is_failure_evidence(&close));
        assert!(is_failure_evidence(&hs));
    }
}
