//! How a connection ended: failed, succeeded or unknown.
//!
//! Rules, in order:
//! 1. **Succeeded** — the client logged 1027 (logon done), or the host started or reconnected a
//!    session for it (LSM 21/22/25, RdpCoreTS 66).
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
use crate::model::{ClientAttempt, EventIndex, HostConnection, HostId, Outcome};

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

/// True when an event is failure evidence.
pub fn is_failure_evidence(e: &Event) -> bool {
    let key = e.kind.key();
    FAILURE_EVIDENCE.iter().any(|(k, ids, cond)| {
        *k == key
            && ids.contains(&e.event_id)
            && match cond {
                Condition::Always => true,
                Condition::NonZero(field) => e.fields.u64(field).is_some_and(|v| v != 0),
            }
    })
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
        return Outcome::Succeeded;
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
