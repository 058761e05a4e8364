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
        Box::<str>::from("Data"),
        FieldValue::List(data.iter().map(|s| (*s).into()).collect()),
    )];
    if let Some(b) = binary {
        f.push(("Binary".into(), FieldValue::Text(b.into())));
    }
    ev(host, channel::SYSTEM, provider, id, ms, Fields(f))
}
