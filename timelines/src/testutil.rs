//! Synthetic events for the unit tests: real channel/provider/field spellings (EVENTS.md), times
//! in milliseconds after a fixed base.

use std::sync::Arc;

use rdpsleuth_parser::catalog::{Catalog, channel};
use rdpsleuth_parser::{Event, FieldValue, Fields, Guid, Locator, SourceRef, Timestamp};

/// 2024-05-01T10:00:00Z.
pub const BASE: Timestamp = Timestamp(17_145_576_000_000_000);

pub const CLIENT_PROVIDER: &str = "Microsoft-Windows-TerminalServices-ClientActiveXCore";
pub const CORETS_PROVIDER: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
pub const RCM_PROVIDER: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
pub const LSM_PROVIDER: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
pub const SECURITY_PROVIDER: &str = "Microsoft-Windows-Security-Auditing";

pub fn at(ms: i64) -> Timestamp {
    Timestamp(BASE.0 + ms * 10_000)
}

pub fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields(
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), FieldValue::Text((*v).into())))
            .collect(),
    )
}

pub fn guid(n: u128) -> Guid {
    Guid(0xf420_0000_0000_0000_0000_0000_0000_0000 | (n << 16))
}

/// An event; panics when the catalog does not keep it (a mistake in the test).
pub fn ev(host: &str, chan: &str, provider: &str, id: u32, ms: i64, fields: Fields) -> Event {
    let kind = Catalog::global()
        .lookup(chan, provider, id)
        .unwrap_or_else(|| panic!("not catalogued: {chan} {provider} {id}"));
    Event {
        time: at(ms),
        host: Arc::from(host),
        channel: Arc::from(chan),
        provider: Arc::from(provider),
        event_id: id,
        qualifiers: None,
        version: None,
        level: Some(4),
        record_id: 0,
        activity_id: None,
        process_id: None,
        thread_id: None,
        user_sid: None,
        kind,
        user_data_root: None,
        fields,
        rendering: None,
        source: SourceRef {
            input: Arc::from(format!("{host}/{chan}.evtx")),
            locator: Locator::Record(0),
        },
    }
}

pub fn with_activity(mut e: Event, activity: Option<Guid>) -> Event {
    e.activity_id = activity;
    e
}

pub fn client(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    with_activity(
        ev(
            host,
            channel::RDP_CLIENT,
            CLIENT_PROVIDER,
            id,
            ms,
            fields(f),
        ),
        act,
    )
}

pub fn corets(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    with_activity(
        ev(host, channel::RDPCORETS, CORETS_PROVIDER, id, ms, fields(f)),
        act,
    )
}

pub fn rcm(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    with_activity(ev(host, channel::RCM, RCM_PROVIDER, id, ms, fields(f)), act)
}

pub fn lsm(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    with_activity(ev(host, channel::LSM, LSM_PROVIDER, id, ms, fields(f)), act)
}

pub fn security(host: &str, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    ev(
        host,
        channel::SECURITY,
        SECURITY_PROVIDER,
        id,
        ms,
        fields(f),
    )
}

pub fn system(host: &str, provider: &str, id: u32, ms: i64, f: Fields) -> Event {
    ev(host, channel::SYSTEM, provider, id, ms, f)
}

/// A classic event's unnamed `Data` list.
pub fn data(items: &[&str]) -> Fields {
    Fields(vec![(
        "Data".into(),
        FieldValue::List(items.iter().map(|s| (*s).into()).collect()),
    )])
}

/// The events of a client attempt: 1024, (1102), 1025, then 1027 or 1026 with `reason`.
pub fn client_attempt(
    host: &str,
    act: Guid,
    ms: i64,
    target: &str,
    server_address: Option<&str>,
    reason: u32,
    logged_on: bool,
) -> Vec<Event> {
    let a = Some(act);
    let mut out = vec![client(
        host,
        a,
        1024,
        ms,
        &[("Name", "Server Name"), ("Value", target)],
    )];
    if let Some(addr) = server_address {
        out.push(client(
            host,
            a,
            1102,
            ms + 20,
            &[("Name", "ServerAddress"), ("Value", addr)],
        ));
    }
    out.push(client(host, a, 1025, ms + 50, &[]));
    if logged_on {
        out.push(client(
            host,
            a,
            1027,
            ms + 3_000,
            &[("DomainName", "CORP"), ("SessionId", "2")],
        ));
    }
    let reason = reason.to_string();
    out.push(client(
        host,
        a,
        1026,
        ms + if logged_on { 60_000 } else { 1_500 },
        &[("Name", "Disconnect Reason"), ("Value", &reason)],
    ));
    out
}

/// The host side of a connection accepted at `ms` (client clock + skew already applied by the
/// caller): 131 → 261 → 65, then a session (1149, LSM 21/22, 66) or a security-layer error 139.
pub fn host_connection(
    host: &str,
    act: Guid,
    ms: i64,
    client_ip: &str,
    port: u16,
    session: bool,
) -> Vec<Event> {
    let a = Some(act);
    let ip_port = format!("{client_ip}:{port}");
    let mut out = vec![
        corets(
            host,
            a,
            131,
            ms,
            &[("ConnType", "TCP"), ("ClientIP", &ip_port)],
        ),
        rcm(host, a, 261, ms + 5, &[("listenerName", "RDP-Tcp")]),
        corets(host, a, 65, ms + 10, &[("ConnectionName", "RDP-Tcp#1")]),
    ];
    if session {
        out.push(rcm(
            host,
            a,
            1149,
            ms + 2_000,
            &[
                ("Param1", "alice"),
                ("Param2", "CORP"),
                ("Param3", client_ip),
            ],
        ));
        out.push(lsm(
            host,
            a,
            21,
            ms + 2_500,
            &[
                ("User", "CORP\\alice"),
                ("SessionID", "2"),
                ("Address", client_ip),
            ],
        ));
        out.push(corets(
            host,
            a,
            66,
            ms + 2_600,
            &[("ConnectionName", "RDP-Tcp#1"), ("SessionID", "2")],
        ));
        out.push(corets(host, a, 102, ms + 60_000, &[]));
    } else {
        out.push(corets(
            host,
            a,
            139,
            ms + 300,
            &[("ResultCode", "0x80090304"), ("IPString", client_ip)],
        ));
        out.push(corets(host, a, 102, ms + 310, &[]));
    }
    out
}

/// WS1's attempt on srv01 that the client saw refused (2308), and SRV01's failed connection
/// from 10.0.0.5 thirty seconds later: the smallest two-sided failure.
pub fn refused_attempt_and_its_host() -> Vec<Event> {
    let mut events = client_attempt("WS1", guid(1), 0, "srv01", None, 2308, false);
    events.extend(host_connection(
        "SRV01",
        guid(2),
        30,
        "10.0.0.5",
        50000,
        false,
    ));
    events
}
