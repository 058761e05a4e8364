//! Synthetic events for the unit tests, with the real channel, provider and field spellings of
//! docs/EVENTS.md; times in milliseconds after a fixed base.

use std::sync::Arc;

use rdpsleuth_parser::catalog::{Catalog, channel};
use rdpsleuth_parser::{Event, FieldValue, Fields, Guid, Locator, SourceRef, Timestamp};

/// 2024-05-01T10:00:00Z.
pub const BASE: Timestamp = Timestamp(17_145_576_000_000_000);

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

pub fn client(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    let mut e = ev(
        host,
        channel::RDP_CLIENT,
        "Microsoft-Windows-TerminalServices-ClientActiveXCore",
        id,
        ms,
        fields(f),
    );
    e.activity_id = act;
    e
}

pub fn corets(host: &str, act: Option<Guid>, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    let mut e = ev(
        host,
        channel::RDPCORETS,
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
        id,
        ms,
        fields(f),
    );
    e.activity_id = act;
    e
}

pub fn security(host: &str, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    ev(
        host,
        channel::SECURITY,
        "Microsoft-Windows-Security-Auditing",
        id,
        ms,
        fields(f),
    )
}

pub fn system(host: &str, provider: &str, id: u32, ms: i64, f: &[(&str, &str)]) -> Event {
    ev(host, channel::SYSTEM, provider, id, ms, fields(f))
}

/// A classic System event with unnamed `Data` and an optional `Binary`.
pub fn system_data(
    host: &str,
    provider: &str,
    id: u32,
    ms: i64,
    data: &[&str],
    binary: Option<&str>,
) -> Event {
    let mut f = vec![(
        std::sync::Arc::<str>::from("Data"),
        FieldValue::List(data.iter().map(|s| (*s).into()).collect()),
    )];
    if let Some(b) = binary {
        f.push(("Binary".into(), FieldValue::Text(b.into())));
    }
    ev(host, channel::SYSTEM, provider, id, ms, Fields(f))
}

/// A host ActivityID.
pub fn host_guid(n: u128) -> Guid {
    Guid(0xf420_0000_0000_0000_0000_0000_0000_0000 | (n << 16))
}

/// A client attempt from WS1 to srv01 at `ms`: 1024, 1102, 1025, then 1027 (logged on) or 1026.
pub fn attempt(act: u128, ms: i64, reason: u32, logged_on: bool) -> Vec<Event> {
    let a = Some(Guid(act));
    let reason = reason.to_string();
    let mut out = vec![
        client(
            "WS1.corp.local",
            a,
            1024,
            ms,
            &[("Name", "Server Name"), ("Value", "srv01")],
        ),
        client(
            "WS1.corp.local",
            a,
            1102,
            ms + 20,
            &[("Name", "ServerAddress"), ("Value", "10.0.0.10")],
        ),
        client("WS1.corp.local", a, 1025, ms + 50, &[]),
    ];
    if logged_on {
        out.push(client(
            "WS1.corp.local",
            a,
            1027,
            ms + 3_000,
            &[("DomainName", "CORP"), ("SessionId", "2")],
        ));
    }
    out.push(client(
        "WS1.corp.local",
        a,
        1026,
        ms + if logged_on { 60_000 } else { 1_500 },
        &[("Name", "Disconnect Reason"), ("Value", &reason)],
    ));
    out
}

/// The host side on SRV01 at `ms`: 131, 65, then a session (1149, LSM 21, 66) or a teardown.
pub fn hosted(n: u128, ms: i64, port: u16, session: bool) -> Vec<Event> {
    let a = Some(host_guid(n));
    let ip_port = format!("10.0.0.5:{port}");
    let mut out = vec![
        corets(
            "SRV01.corp.local",
            a,
            131,
            ms,
            &[("ConnType", "TCP"), ("ClientIP", &ip_port)],
        ),
        corets(
            "SRV01.corp.local",
            a,
            65,
            ms + 10,
            &[("ConnectionName", "RDP-Tcp#1")],
        ),
    ];
    if session {
        let mut auth = ev(
            "SRV01.corp.local",
            channel::RCM,
            "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
            1149,
            ms + 2_000,
            fields(&[
                ("Param1", "alice"),
                ("Param2", "CORP"),
                ("Param3", "10.0.0.5"),
            ]),
        );
        auth.activity_id = a;
        out.push(auth);
        let mut logon = ev(
            "SRV01.corp.local",
            channel::LSM,
            "Microsoft-Windows-TerminalServices-LocalSessionManager",
            21,
            ms + 2_500,
            fields(&[
                ("User", "CORP\\alice"),
                ("SessionID", "2"),
                ("Address", "10.0.0.5"),
            ]),
        );
        logon.activity_id = a;
        out.push(logon);
    } else {
        out.push(corets("SRV01.corp.local", a, 102, ms + 400, &[]));
    }
    out
}
