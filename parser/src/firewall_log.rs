//! The Windows Firewall text log (`pfirewall.log`): one line per allowed connection or dropped
//! packet, columns named by a `#Fields:` header (the newer trailing `pid` column included; the
//! header may come again after a rotation), times in the host's local time without a zone.
//!
//! [`read`] keeps the lines that can bear on RDP — drops, lost-event notices, and any line
//! whose source or destination port is an RDP port — as [`Event`]s of the `pfirewall.log`
//! channel (event id by action, fields named after the columns, `-` as `Null`, record id = line
//! number), counting every line read. Their times are read as if UTC and marked
//! `TimeBasis` = `local`; once every input is read, [`settle_local_times`] turns them into UTC
//! with the offset the user gave for the host, or one learned from the same host's RdpCoreTS 131
//! and WFP 5152/5156/5157 records that describe the same connections, and says which in the
//! input's report.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::catalog::{FIREWALL_LOG_PROVIDER, channel, firewall_log_id};
use crate::event::{Event, FieldValue, MAX_FIELDS, Timestamp};
use crate::input::{Format, InputReport, Source, SourceData};
use crate::reader::{ReadOptions, ReadOutcome};
use crate::record::{RawRecord, RawSystem, field_name};
use crate::text::{Collector, Lines, MAX_RECORD_BYTES, Place, decode, input_offset, utf8_lossy};

/// Field marking how an event's time was read: [`TIME_LOCAL`] until settled, then [`TIME_UTC`].
pub const TIME_BASIS_FIELD: &str = "TimeBasis";
/// Field holding the UTC offset applied to an event's time (`+01:00`), once settled.
pub const UTC_OFFSET_FIELD: &str = "UtcOffset";
/// The fields the reader adds to each line's columns, in the order it adds them.
const RESERVED_FIELDS: [&str; 2] = [TIME_BASIS_FIELD, UTC_OFFSET_FIELD];
/// [`TIME_BASIS_FIELD`] value: local time read as if UTC (offset unknown or not yet settled).
pub const TIME_LOCAL: &str = "local";
/// [`TIME_BASIS_FIELD`] value: the time is UTC.
pub const TIME_UTC: &str = "utc";

/// Columns of a log that has no `#Fields:` header (the layout Windows writes by default).
pub const DEFAULT_COLUMNS: &[&str] = &[
    "date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port", "dst-port", "size",
    "tcpflags", "tcpsyn", "tcpack", "tcpwin", "icmptype", "icmpcode", "info", "path",
];

/// Which lines are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeepLine {
    /// Every such line.
    Always,
    /// Only when its source or destination port is an RDP port.
    OnRdpPort,
}

/// Actions: the event id they get and which of their lines are kept. Other actions (`OPEN`,
/// `CLOSE` of older logs, …) get [`firewall_log_id::OTHER`] and are kept on an RDP port.
static ACTIONS: &[(&str, u32, KeepLine)] = &[
    ("DROP", firewall_log_id::DROP, KeepLine::Always),
    ("ALLOW", firewall_log_id::ALLOW, KeepLine::OnRdpPort),
    ("INFO-EVENTS-LOST", firewall_log_id::OTHER, KeepLine::Always),
];

fn action(name: &str) -> (u32, KeepLine) {
    ACTIONS
        .iter()
        .find(|(a, _, _)| a.eq_ignore_ascii_case(name))
        .map(|&(_, id, keep)| (id, keep))
        .unwrap_or((firewall_log_id::OTHER, KeepLine::OnRdpPort))
}

/// IP protocol numbers of the protocol names the log writes (WFP events carry the numbers).
static PROTOCOLS: &[(&str, u8)] = &[("ICMP", 1), ("TCP", 6), ("UDP", 17), ("ICMPv6", 58)];

fn protocol_number(text: &str) -> Option<u8> {
    PROTOCOLS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|&(_, n)| n)
        .or_else(|| text.parse().ok())
}

/// The column layout in force, with the positions the reader needs.
struct Layout {
    columns: Vec<String>,
    date: Option<usize>,
    time: Option<usize>,
    action: Option<usize>,
    src_port: Option<usize>,
    dst_port: Option<usize>,
}

impl Layout {
    fn new<'c>(columns: impl IntoIterator<Item = &'c str>) -> Self {
        let columns: Vec<String> = columns.into_iter().map(str::to_string).collect();
        let at = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
        Layout {
            date: at("date"),
            time: at("time"),
            action: at("action"),
            src_port: at("src-port"),
            dst_port: at("dst-port"),
            columns,
        }
    }
}

/// Reads a `pfirewall.log` and keeps the lines that can bear on RDP (see the module notes).
pub fn read(source: &Source, data: SourceData, opts: &ReadOptions) -> ReadOutcome {
    let mut collector = Collector::new(source, opts);
    let decoded = match decode(data.into_read()) {
        Ok(d) => d,
        Err(e) => {
            collector.problem(
                format!("cannot read the input: {e}"),
                Place::default(),
                None,
            );
            return collector.finish();
        }
    };
    let (encoding, bom_len) = (decoded.encoding, decoded.bom_len);
    let mut lines = Lines::new(decoded.reader, MAX_RECORD_BYTES);
    let mut layout = Layout::new(DEFAULT_COLUMNS.iter().copied());
    let mut utc = false;
    let mut declared_utc = false;
    // A line read under a `#Time Format: Local` section (or before any): the input still has
    // local times to settle, even if another section declares UTC.
    let mut local_lines = false;
    let mut buf = Vec::new();
    loop {
        let line = match lines.next_line(&mut buf) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                collector.problem(format!("read error: {e}"), Place::default(), None);
                break;
            }
        };
        let place = Place {
            line: line.number,
            offset: input_offset(encoding, bom_len, line.offset),
        };
        if let Some(len) = line.too_long {
            collector.failed(
                format!(
                    "line of {len} bytes is longer than the {MAX_RECORD_BYTES}-byte limit: skipped"
                ),
                place,
                None,
            );
            continue;
        }
        let (text, lossy) = utf8_lossy(&buf);
        if lossy {
            collector.warn(
                "invalid UTF-8 in the line, replaced with U+FFFD".to_string(),
                place,
            );
        }
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(header) = text.strip_prefix('#') {
            if let Some(fields) = header.strip_prefix("Fields:") {
                layout = Layout::new(fields.split_whitespace());
            } else if let Some(format) = header.strip_prefix("Time Format:") {
                utc = format.trim().eq_ignore_ascii_case("UTC");
                declared_utc |= utc;
            }
            continue;
        }
        local_lines |= !utc;
        read_line(text, &layout, utc, place, opts, &mut collector);
    }
    if declared_utc && !local_lines {
        collector.set_time_basis("UTC, as the log's #Time Format header declares".to_string());
    }
    collector.finish()
}

fn read_line(
    text: &str,
    layout: &Layout,
    utc: bool,
    place: Place,
    opts: &ReadOptions,
    collector: &mut Collector<'_>,
) {
    let values: Vec<&str> = text.split_ascii_whitespace().collect();
    if values.len() != layout.columns.len() {
        collector.failed(
            format!(
                "firewall log line has {} columns where the #Fields header names {}",
                values.len(),
                layout.columns.len()
            ),
            place,
            None,
        );
        return;
    }
    let value = |index: Option<usize>| index.and_then(|i| values.get(i).copied());
    let (Some(date), Some(clock)) = (value(layout.date), value(layout.time)) else {
        collector.failed(
            "firewall log line without date and time".into(),
            place,
            None,
        );
        return;
    };
    let Some(time) = Timestamp::parse(&format!("{date} {clock}")) else {
        collector.failed(
            format!("firewall log line with an unreadable time {date:?} {clock:?}"),
            place,
            None,
        );
        return;
    };
    let (event_id, keep) = action(value(layout.action).unwrap_or("-"));
    let on_rdp_port = [layout.src_port, layout.dst_port].iter().any(|&i| {
        value(i)
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|p| opts.catalog.rdp_ports().contains(&p))
    });
    if keep == KeepLine::OnRdpPort && !on_rdp_port {
        collector.counted(channel::FIREWALL_LOG, time);
        return;
    }
    // Columns named like the reader's own fields are left out (a crafted header could
    // otherwise mark a local line as UTC), and the rest leave room for those fields.
    let mut fields: Vec<(Arc<str>, FieldValue)> = layout
        .columns
        .iter()
        .zip(&values)
        .enumerate()
        .filter(|(i, _)| Some(*i) != layout.date && Some(*i) != layout.time)
        .filter(|(_, (name, _))| !RESERVED_FIELDS.contains(&name.as_str()))
        .take(MAX_FIELDS - RESERVED_FIELDS.len())
        .map(|(_, (name, v))| {
            let value = if *v == "-" {
                FieldValue::Null
            } else {
                FieldValue::Text((*v).into())
            };
            (field_name(name), value)
        })
        .collect();
    let basis = if utc { TIME_UTC } else { TIME_LOCAL };
    fields.push((field_name(TIME_BASIS_FIELD), FieldValue::Text(basis.into())));
    let raw = RawRecord {
        system: RawSystem {
            provider: Some(FIREWALL_LOG_PROVIDER.to_string()),
            event_id: Some(event_id.to_string()),
            timestamp: Some(time),
            record_id: Some(place.line.to_string()),
            channel: Some(channel::FIREWALL_LOG.to_string()),
            ..RawSystem::default()
        },
        fields,
        ..RawRecord::default()
    };
    collector.record(raw, place);
}

/// Turns the local times of `pfirewall.log` events into UTC, per input, once all inputs are
/// read: with the offset the user `given` for the input's host (name, minutes east of UTC;
/// matched case-insensitively, short names matching FQDNs), else with one learned from the same
/// host's RdpCoreTS 131 `ClientIP` and WFP 5152/5156/5157 endpoints that name the same
/// connections (the median difference, rounded to 15 minutes), else the times stay as read.
/// Sets each such report's `time_basis` to say which, and shifts its channel spans. Inputs
/// already settled (their `time_basis` set) are left alone.
pub fn settle_local_times(
    events: &mut [Event],
    reports: &mut [InputReport],
    given: &[(String, i32)],
) {
    for report in reports
        .iter_mut()
        .filter(|r| r.format == Format::FirewallLog && r.time_basis.is_none())
    {
        let host = report.host.clone();
        let user = host.as_deref().and_then(|h| {
            given
                .iter()
                .find(|(name, _)| same_host(name, h))
                .map(|(_, minutes)| *minutes)
        });
        let (minutes, basis) = match user {
            Some(m) => (
                Some(m),
                format!("UTC offset {} given by the user", format_offset(m)),
            ),
            None => match host
                .as_deref()
                .and_then(|h| learn_offset(events, &report.path, h))
            {
                Some((m, n)) => (
                    Some(m),
                    format!(
                        "UTC offset {} learned from {n} matching RdpCoreTS/WFP events",
                        format_offset(m)
                    ),
                ),
                None => (None, "local time, offset unknown: read as UTC".to_string()),
            },
        };
        report.time_basis = Some(basis);
        let Some(minutes) = minutes else { continue };
        let shift = -f64::from(minutes) * 60.0;
        let offset_text = format_offset(minutes);
        for event in events
            .iter_mut()
            .filter(|e| is_local_line_of(e, &report.path))
        {
            event.time = event.time.add_seconds(shift);
            for (name, value) in event.fields.0.iter_mut() {
                if &**name == TIME_BASIS_FIELD {
                    *value = FieldValue::Text(TIME_UTC.into());
                }
            }
            event.fields.0.push((
                UTC_OFFSET_FIELD.into(),
                FieldValue::Text(offset_text.as_str().into()),
            ));
        }
        for span in report
            .channels
            .iter_mut()
            .filter(|s| s.channel == channel::FIREWALL_LOG)
        {
            span.first = span.first.add_seconds(shift);
            span.last = span.last.add_seconds(shift);
        }
    }
}

/// A firewall-log event of this input whose time is still local.
fn is_local_line_of(event: &Event, input: &str) -> bool {
    &*event.channel == channel::FIREWALL_LOG
        && &*event.source.input == input
        && event.fields.text(TIME_BASIS_FIELD) == Some(TIME_LOCAL)
}

/// `+01:00`, `-03:30`, `+00:00`.
fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Host names match ignoring case, and a short name matches the first label of an FQDN.
pub(crate) fn same_host(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let label = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || ((!a.contains('.') || !b.contains('.')) && label(a) == label(b))
}

/// An IP endpoint in canonical form.
type Endpoint = (IpAddr, u16);

fn endpoint(ip: &str, port: &str) -> Option<Endpoint> {
    let ip = ip.trim().trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = ip.parse().ok()?;
    Some((ip.to_canonical(), port.trim().parse().ok()?))
}

/// `ip:port` or `[ip]:port` (RdpCoreTS 131 `ClientIP`).
fn endpoint_text(text: &str) -> Option<Endpoint> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some((addr.ip().to_canonical(), addr.port()));
    }
    let (ip, port) = text.rsplit_once(':')?;
    endpoint(ip, port)
}

/// The two endpoints of a connection in a fixed order, with the protocol.
fn pair(protocol: Option<u8>, a: Endpoint, b: Endpoint) -> (Option<u8>, Endpoint, Endpoint) {
    if a <= b {
        (protocol, a, b)
    } else {
        (protocol, b, a)
    }
}

/// Largest UTC offset in use (+14:00), with a margin, in seconds.
const MAX_OFFSET_SECONDS: f64 = 14.0 * 3600.0 + 900.0;
/// How far a difference may be from a quarter hour and still count as a match, in seconds.
const MATCH_SLACK_SECONDS: f64 = 120.0;

/// The offset (minutes) and the number of matches learned for one firewall log's host.
fn learn_offset(events: &[Event], input: &str, host: &str) -> Option<(i32, usize)> {
    let mut by_endpoint: HashMap<Endpoint, Vec<Timestamp>> = HashMap::new();
    let mut by_pair: HashMap<(Option<u8>, Endpoint, Endpoint), Vec<Timestamp>> = HashMap::new();
    for e in events.iter().filter(|e| same_host(&e.host, host)) {
        match (e.kind.key(), e.event_id) {
            ("rdpcorets", 131) => {
                if let Some(ep) = e.fields.text("ClientIP").and_then(endpoint_text) {
                    by_endpoint.entry(ep).or_default().push(e.time);
                }
            }
            ("wfp", 5152 | 5156 | 5157) => {
                let f = &e.fields;
                let source = endpoint(
                    f.text("SourceAddress").unwrap_or(""),
                    f.text("SourcePort").unwrap_or(""),
                );
                let dest = endpoint(
                    f.text("DestAddress").unwrap_or(""),
                    f.text("DestPort").unwrap_or(""),
                );
                if let (Some(s), Some(d)) = (source, dest) {
                    let protocol = f.u64("Protocol").and_then(|p| u8::try_from(p).ok());
                    by_pair
                        .entry(pair(protocol, s, d))
                        .or_default()
                        .push(e.time);
                }
            }
            _ => {}
        }
    }
    if by_endpoint.is_empty() && by_pair.is_empty() {
        return None;
    }
    let mut deltas: Vec<f64> = Vec::new();
    for line in events.iter().filter(|e| is_local_line_of(e, input)) {
        if !matches!(
            line.event_id,
            firewall_log_id::ALLOW | firewall_log_id::DROP
        ) {
            continue;
        }
        let f = &line.fields;
        let src = endpoint(
            f.text("src-ip").unwrap_or(""),
            f.text("src-port").unwrap_or(""),
        );
        let dst = endpoint(
            f.text("dst-ip").unwrap_or(""),
            f.text("dst-port").unwrap_or(""),
        );
        let protocol = f.text("protocol").and_then(protocol_number);
        let mut candidates: Vec<Timestamp> = Vec::new();
        for ep in [src, dst].into_iter().flatten() {
            candidates.extend(by_endpoint.get(&ep).into_iter().flatten());
        }
        if let (Some(s), Some(d)) = (src, dst) {
            for key in [pair(protocol, s, d), pair(None, s, d)] {
                candidates.extend(by_pair.get(&key).into_iter().flatten());
            }
        }
        let best = candidates
            .iter()
            .map(|&t| line.time.seconds_since(t))
            .filter(|d| d.abs() <= MAX_OFFSET_SECONDS)
            .map(|d| (d, (d - round_quarter_hour(d)).abs()))
            .filter(|&(_, off)| off <= MATCH_SLACK_SECONDS)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((delta, _)) = best {
            deltas.push(delta);
        }
    }
    if deltas.is_empty() {
        return None;
    }
    deltas.sort_by(f64::total_cmp);
    let mid = deltas.len() / 2;
    let median = if deltas.len() % 2 == 0 {
        (deltas.get(mid - 1).copied().unwrap_or(0.0) + deltas.get(mid).copied().unwrap_or(0.0))
            / 2.0
    } else {
        deltas.get(mid).copied().unwrap_or(0.0)
    };
    let minutes = (round_quarter_hour(median) / 60.0).round() as i32;
    Some((minutes, deltas.len()))
}

fn round_quarter_hour(seconds: f64) -> f64 {
    (seconds / 900.0).round() * 900.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::event::Locator;
    use crate::input::Location;

    fn source(host: Option<&str>) -> Source {
        Source {
            display: std::sync::Arc::from("bundle/pfirewall.log"),
            location: Location::File("bundle/pfirewall.log".into()),
            format: Format::FirewallLog,
            host_hint: host.map(str::to_string),
            size: 0,
        }
    }

    fn read_text(text: &str, host: Option<&str>) -> ReadOutcome {
        read(
            &source(host),
            SourceData::Bytes(text.as_bytes().to_vec()),
            &ReadOptions::new(Catalog::global()),
        )
    }

    const LOG: &str = "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\r\n\r\n2021-06-22 12:19:41 DROP UDP 192.168.1.25 224.0.0.251 5353 5353 73 - - - - - - - RECEIVE\r\n2021-06-22 12:19:42 ALLOW TCP 192.168.1.30 192.168.1.10 50123 3389 0 - - - - - - - RECEIVE\r\n2021-06-22 12:19:43 ALLOW TCP 192.168.1.10 192.168.1.1 50124 443 0 - - - - - - - SEND\r\n2021-06-22 12:20:00 INFO-EVENTS-LOST - - - - - - - - - - - - 59 -\r\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid\r\n2021-06-22 12:21:00 DROP TCP 192.168.1.31 192.168.1.10 50200 3389 52 S 1 0 64240 - - - RECEIVE 4\r\n2021-06-22 12:21:01 DROP TCP 192.168.1.31 192.168.1.10 50201 3389 52 S 1 0 64240 - - - RECEIVE\r\n2021-13-22 12:21:02 DROP TCP 192.168.1.31 192.168.1.10 50202 3389 52 S 1 0 64240 - - - RECEIVE 4\r\n";

    #[test]
    fn keeps_drops_rdp_lines_and_lost_events() {
        let out = read_text(LOG, Some("SRV01"));
        let r = &out.report;
        assert_eq!(r.records, 7, "{:#?}", r.errors);
        assert_eq!(r.kept, 4);
        assert_eq!(r.failed, 2);
        assert_eq!(r.errors[0].line, Some(12));
        assert!(
            r.errors[0].message.contains("17 columns"),
            "{}",
            r.errors[0].message
        );
        assert_eq!(r.errors[1].line, Some(13));
        assert_eq!(r.time_basis, None);
        assert_eq!(r.channels.len(), 1);
        assert_eq!(r.channels[0].records, 5);
        assert_eq!(r.channels[0].host, "SRV01");

        let ids: Vec<u32> = out.events.iter().map(|e| e.event_id).collect();
        assert_eq!(
            ids,
            [
                firewall_log_id::DROP,
                firewall_log_id::ALLOW,
                firewall_log_id::OTHER,
                firewall_log_id::DROP
            ]
        );
        let allow = &out.events[1];
        assert_eq!(&*allow.host, "SRV01");
        assert_eq!(&*allow.channel, channel::FIREWALL_LOG);
        assert_eq!(&*allow.provider, FIREWALL_LOG_PROVIDER);
        assert_eq!(allow.record_id, 7);
        assert_eq!(allow.source.locator, Locator::Line(7));
        assert_eq!(allow.time.to_rfc3339(), "2021-06-22T12:19:42.0000000Z");
        assert_eq!(allow.fields.text("src-ip"), Some("192.168.1.30"));
        assert_eq!(allow.fields.u64("dst-port"), Some(3389));
        assert_eq!(allow.fields.get("tcpflags"), Some(&FieldValue::Null));
        assert_eq!(allow.fields.text(TIME_BASIS_FIELD), Some(TIME_LOCAL));
        assert!(allow.fields.get("date").is_none());
        let with_pid = &out.events[3];
        assert_eq!(with_pid.fields.text("pid"), Some("4"));
        assert_eq!(with_pid.fields.text("tcpflags"), Some("S"));
    }

    #[test]
    fn utf16_log_reads_like_utf8() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(LOG.encode_utf16().flat_map(u16::to_le_bytes));
        let out = read(
            &source(Some("SRV01")),
            SourceData::Bytes(utf16),
            &ReadOptions::new(Catalog::global()),
        );
        let plain = read_text(LOG, Some("SRV01"));
        assert_eq!(out.report.records, plain.report.records);
        assert_eq!(out.events, plain.events);
        // Offsets are only given where they are the input's own (UTF-8).
        assert_eq!(out.report.errors[0].offset, None);
        assert!(plain.report.errors[0].offset.is_some());
    }

    #[test]
    fn custom_rdp_port_and_missing_header() {
        let text =
            "2021-06-22 12:19:42 ALLOW TCP 10.0.0.2 10.0.0.1 50123 3390 0 - - - - - - - RECEIVE\n";
        let catalog = Catalog::with_rdp_ports(&[3390]);
        let out = read(
            &source(None),
            SourceData::Bytes(text.as_bytes().to_vec()),
            &ReadOptions::new(&catalog),
        );
        assert_eq!((out.report.records, out.report.kept), (1, 1));
        assert_eq!(&*out.events[0].host, "");
        let out = read_text(text, None);
        assert_eq!((out.report.records, out.report.kept), (1, 0));
    }

    fn rdpcorets_131(host: &str, time: &str, client: &str) -> Event {
        let raw = RawRecord {
            system: RawSystem {
                provider: Some("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS".into()),
                event_id: Some("131".into()),
                time: Some(time.into()),
                record_id: Some("5".into()),
                channel: Some(channel::RDPCORETS.into()),
                computer: Some(host.into()),
                ..RawSystem::default()
            },
            fields: vec![
                ("ConnType".into(), FieldValue::Text("TCP".into())),
                ("ClientIP".into(), FieldValue::Text(client.into())),
            ],
            ..RawRecord::default()
        };
        let source = crate::event::SourceRef {
            input: std::sync::Arc::from("rdpcorets.evtx"),
            locator: Locator::Record(5),
        };
        match raw.normalise(Catalog::global(), source, None) {
            Ok(crate::record::Normalised::Event(e)) => *e,
            other => panic!("{other:?}"),
        }
    }

    fn wfp_5156(host: &str, time: &str, local: (&str, &str), remote: (&str, &str)) -> Event {
        let text = |v: &str| FieldValue::Text(v.into());
        let raw = RawRecord {
            system: RawSystem {
                provider: Some("Microsoft-Windows-Security-Auditing".into()),
                event_id: Some("5156".into()),
                time: Some(time.into()),
                record_id: Some("9".into()),
                channel: Some("Security".into()),
                computer: Some(host.into()),
                ..RawSystem::default()
            },
            fields: vec![
                ("SourceAddress".into(), text(local.0)),
                ("SourcePort".into(), text(local.1)),
                ("DestAddress".into(), text(remote.0)),
                ("DestPort".into(), text(remote.1)),
                ("Protocol".into(), text("6")),
            ],
            ..RawRecord::default()
        };
        let source = crate::event::SourceRef {
            input: std::sync::Arc::from("Security.evtx"),
            locator: Locator::Record(9),
        };
        match raw.normalise(Catalog::global(), source, None) {
            Ok(crate::record::Normalised::Event(e)) => *e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn offset_learned_from_rdpcorets_and_wfp() {
        let out = read_text(LOG, Some("srv01"));
        let mut events = out.events;
        let mut reports = vec![out.report];
        // The host's clock is UTC+02:00: the 12:19:42 local ALLOW is 10:19:42 UTC.
        events.push(rdpcorets_131(
            "SRV01.corp.example",
            "2021-06-22T10:19:42.5Z",
            "192.168.1.30:50123",
        ));
        events.push(wfp_5156(
            "SRV01.corp.example",
            "2021-06-22T10:21:00.9Z",
            ("192.168.1.10", "3389"),
            ("192.168.1.31", "50200"),
        ));
        // A port reuse hours later and another host's record do not count.
        events.push(rdpcorets_131(
            "SRV01.corp.example",
            "2021-06-22T18:03:10Z",
            "192.168.1.30:50123",
        ));
        events.push(rdpcorets_131(
            "OTHER",
            "2021-06-22T11:19:42Z",
            "192.168.1.30:50123",
        ));
        settle_local_times(&mut events, &mut reports, &[]);
        assert_eq!(
            reports[0].time_basis.as_deref(),
            Some("UTC offset +02:00 learned from 2 matching RdpCoreTS/WFP events")
        );
        let allow = &events[1];
        assert_eq!(allow.time.to_rfc3339(), "2021-06-22T10:19:42.0000000Z");
        assert_eq!(allow.fields.text(TIME_BASIS_FIELD), Some(TIME_UTC));
        assert_eq!(allow.fields.text(UTC_OFFSET_FIELD), Some("+02:00"));
        assert_eq!(
            reports[0].channels[0].first.to_rfc3339(),
            "2021-06-22T10:19:41.0000000Z"
        );
        // Settling again changes nothing.
        let before = events.clone();
        settle_local_times(&mut events, &mut reports, &[]);
        assert_eq!(events, before);
    }

    #[test]
    fn offset_given_by_the_user_wins_and_unknown_stays_local() {
        let out = read_text(LOG, Some("srv01.corp.example"));
        let mut events = out.events;
        let mut reports = vec![out.report];
        settle_local_times(&mut events, &mut reports, &[("SRV01".into(), -210)]);
        assert_eq!(
            reports[0].time_basis.as_deref(),
            Some("UTC offset -03:30 given by the user")
        );
        assert_eq!(events[1].time.to_rfc3339(), "2021-06-22T15:49:42.0000000Z");

        let out = read_text(LOG, Some("SRV02"));
        let mut events = out.events;
        let mut reports = vec![out.report];
        settle_local_times(&mut events, &mut reports, &[("SRV01".into(), 60)]);
        assert_eq!(
            reports[0].time_basis.as_deref(),
            Some("local time, offset unknown: read as UTC")
        );
        assert_eq!(events[1].time.to_rfc3339(), "2021-06-22T12:19:42.0000000Z");
        assert_eq!(events[1].fields.text(TIME_BASIS_FIELD), Some(TIME_LOCAL));
    }

    #[test]
    fn declared_utc_logs_are_not_shifted() {
        let text = LOG.replace("#Time Format: Local", "#Time Format: UTC");
        let out = read_text(&text, Some("SRV01"));
        let mut events = out.events;
        let mut reports = vec![out.report];
        settle_local_times(&mut events, &mut reports, &[("SRV01".into(), 60)]);
        assert_eq!(events[1].time.to_rfc3339(), "2021-06-22T12:19:42.0000000Z");
        assert_eq!(events[1].fields.text(TIME_BASIS_FIELD), Some(TIME_UTC));
        assert!(
            reports[0]
                .time_basis
                .as_deref()
                .unwrap()
                .contains("declares")
        );
    }

    #[test]
    fn local_section_after_a_utc_one_is_still_settled() {
        // The log's settings changed between rotations: a UTC section, then a local one.
        let local = LOG.replace("#Version: 1.5\r\n", "");
        let text = format!(
            "{}{local}",
            LOG.replace("#Time Format: Local", "#Time Format: UTC")
        );
        let out = read_text(&text, Some("SRV01"));
        assert_eq!(out.report.time_basis, None);
        let mut events = out.events;
        let mut reports = vec![out.report];
        settle_local_times(&mut events, &mut reports, &[("SRV01".into(), 60)]);
        let half = events.len() / 2;
        assert_eq!(events[1].time.to_rfc3339(), "2021-06-22T12:19:42.0000000Z");
        assert_eq!(events[1].fields.text(UTC_OFFSET_FIELD), None);
        assert_eq!(
            events[half + 1].time.to_rfc3339(),
            "2021-06-22T11:19:42.0000000Z"
        );
        assert!(
            events
                .iter()
                .all(|e| e.fields.text(TIME_BASIS_FIELD) == Some(TIME_UTC))
        );
        assert_eq!(
            reports[0].time_basis.as_deref(),
            Some("UTC offset +01:00 given by the user")
        );
    }

    #[test]
    fn columns_cannot_pass_for_the_readers_own_fields() {
        // A header naming a `TimeBasis` column, and one with more columns than an event keeps.
        let spoofed = "#Fields: date time action src-port dst-port TimeBasis UtcOffset\n\
                       2024-02-06 08:31:01 DROP 50123 3389 utc +05:00\n";
        let many: String = (0..600).map(|i| format!(" c{i}")).collect();
        let values: String = (0..600).map(|i| format!(" {i}")).collect();
        let wide = format!("#Fields: date time action{many}\n2024-02-06 08:31:01 DROP{values}\n");
        for text in [spoofed.to_string(), wide] {
            let out = read_text(&text, Some("SRV01"));
            assert_eq!(out.events.len(), 1, "{:?}", out.report.errors);
            assert_eq!(
                out.events[0].fields.text(TIME_BASIS_FIELD),
                Some(TIME_LOCAL)
            );
            let mut events = out.events;
            let mut reports = vec![out.report];
            settle_local_times(&mut events, &mut reports, &[("SRV01".into(), 60)]);
            let fields = &events[0].fields;
            assert_eq!(events[0].time.to_rfc3339(), "2024-02-06T07:31:01.0000000Z");
            assert_eq!(fields.text(TIME_BASIS_FIELD), Some(TIME_UTC));
            assert_eq!(fields.text(UTC_OFFSET_FIELD), Some("+01:00"));
            assert!(fields.len() <= MAX_FIELDS);
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(format_offset(0), "+00:00");
        assert_eq!(format_offset(330), "+05:30");
        assert_eq!(format_offset(-600), "-10:00");
        assert!(same_host("srv01", "SRV01.corp.example"));
        assert!(!same_host("srv01.a.example", "srv01.b.example"));
        assert!(!same_host("", "x"));
        let v4: IpAddr = "10.0.2.16".parse().unwrap();
        assert_eq!(endpoint_text("10.0.2.16:52202"), Some((v4, 52202)));
        assert_eq!(endpoint_text("[10.0.2.16]:59407"), Some((v4, 59407)));
        assert_eq!(endpoint_text("[::ffff:10.0.2.16]:1"), Some((v4, 1)));
        assert_eq!(endpoint_text("fe80::1:443").map(|e| e.1), Some(443));
        assert_eq!(endpoint_text("nonsense"), None);
        assert_eq!(protocol_number("tcp"), Some(6));
        assert_eq!(protocol_number("47"), Some(47));
    }
}
