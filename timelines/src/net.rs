//! Addresses as Windows logs write them, and the normalisation of packet-filter records into
//! flows seen from the logging host.
//!
//! Owns: parsing `ip:port`, `[ip]:port`, bare IPv4/IPv6 (zone ids, IPv4-mapped IPv6) and the
//! placeholders (`-`, `LOCAL` in any language) into [`Endpoint`]s; and turning WFP 5152–5159 and
//! `pfirewall.log` lines into a [`Flow`] with a local and a remote side (EVENTS.md §3.10: the
//! connection-layer events 5155–5159 put the **local** endpoint in `Source*`, the packet events
//! 5152/5153 put the **sender** there; firewall-log lines say which with `path`).

use std::net::{IpAddr, Ipv6Addr};

use rdpsleuth_parser::Event;
use rdpsleuth_parser::catalog::{channel, firewall_log_id};

/// An IP address with an optional port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    /// The address (IPv4-mapped IPv6 addresses are given as IPv4).
    pub ip: IpAddr,
    /// The port, when the text carried one.
    pub port: Option<u16>,
}

/// Parses an address as the logs write it: `10.0.2.16:52202`, `[10.0.2.16]:59407`,
/// `[fe80::1]:3389`, `fe80::1%12`, `::ffff:10.0.0.5`, `10.0.0.5`. Placeholders (`-`, `LOCAL`,
/// its translations, empty text) and anything else give `None`.
pub fn parse_endpoint(text: &str) -> Option<Endpoint> {
    let t = text.trim();
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ip = parse_ip(inside)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.trim().parse().ok()?),
            None if after.trim().is_empty() => None,
            None => return None,
        };
        return Some(Endpoint { ip, port });
    }
    if let Some(ip) = parse_ip(t) {
        return Some(Endpoint { ip, port: None });
    }
    // `a.b.c.d:port` (a single colon: IPv6 without brackets never carries a port here).
    let (host, port) = t.rsplit_once(':')?;
    if host.contains(':') {
        return None;
    }
    let ip = parse_ip(host)?;
    let port = port.trim().parse().ok()?;
    Some(Endpoint {
        ip,
        port: Some(port),
    })
}

/// Parses a bare IP address (zone id dropped, IPv4-mapped IPv6 turned into IPv4).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    let t = t.split_once('%').map_or(t, |(ip, _zone)| ip);
    let ip: IpAddr = t.parse().ok()?;
    Some(canonical(ip))
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4; everything else unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// True for addresses that say nothing about which machine is meant (loopback, unspecified,
/// link-local IPv6 is kept: it identifies a machine on its segment).
pub fn is_uninformative(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified() || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
}

/// A packet-filter record seen from the machine that logged it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    /// The logging machine's address.
    pub local: Option<IpAddr>,
    /// The logging machine's port.
    pub local_port: Option<u16>,
    /// The peer's address.
    pub remote: Option<IpAddr>,
    /// The peer's port.
    pub remote_port: Option<u16>,
    /// True when the traffic came in, false when it went out, `None` when not said.
    pub inbound: Option<bool>,
    /// The filter blocked or dropped it.
    pub blocked: bool,
}

/// Which side of a record holds the local endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LocalSide {
    /// `Source*` is local (connection and bind layers).
    Source,
    /// Decided by the direction: inbound packets have the peer in `Source*`.
    ByDirection,
}

/// The WFP events and how their addresses read (EVENTS.md §3.10): event id, which side is
/// local, and whether it reports a block.
const WFP_EVENTS: &[(u32, LocalSide, bool)] = &[
    (5152, LocalSide::ByDirection, true),
    (5153, LocalSide::ByDirection, true),
    (5155, LocalSide::Source, true),
    (5156, LocalSide::Source, false),
    (5157, LocalSide::Source, true),
    (5158, LocalSide::Source, false),
    (5159, LocalSide::Source, true),
];

/// WFP `Direction` message references.
const DIRECTION_INBOUND: &str = "%%14592";
const DIRECTION_OUTBOUND: &str = "%%14593";

/// The flow of a WFP event or a firewall-log line; `None` for other events.
pub fn flow(event: &Event) -> Option<Flow> {
    let f = &event.fields;
    if &*event.channel == channel::FIREWALL_LOG {
        let src = f.text("src-ip").and_then(parse_ip);
        let dst = f.text("dst-ip").and_then(parse_ip);
        let src_port = f.u64("src-port").and_then(|p| u16::try_from(p).ok());
        let dst_port = f.u64("dst-port").and_then(|p| u16::try_from(p).ok());
        let path = f.text("path").map(str::to_ascii_uppercase);
        let inbound = match path.as_deref() {
            Some("SEND") => Some(false),
            Some("RECEIVE") => Some(true),
            _ => None,
        };
        let (local, local_port, remote, remote_port) = if inbound == Some(false) {
            (src, src_port, dst, dst_port)
        } else {
            (dst, dst_port, src, src_port)
        };
        return Some(Flow {
            local,
            local_port,
            remote,
            remote_port,
            inbound,
            blocked: event.event_id == firewall_log_id::DROP,
        });
    }
    if event.kind.key() != "wfp" {
        return None;
    }
    let &(_, side, blocked) = WFP_EVENTS.iter().find(|(id, _, _)| *id == event.event_id)?;
    let src = f.text("SourceAddress").and_then(parse_ip);
    let dst = f.text("DestAddress").and_then(parse_ip);
    let src_port = f.u64("SourcePort").and_then(|p| u16::try_from(p).ok());
    let dst_port = f.u64("DestPort").and_then(|p| u16::try_from(p).ok());
    let inbound = match f.text("Direction") {
        Some(DIRECTION_INBOUND) => Some(true),
        Some(DIRECTION_OUTBOUND) => Some(false),
        _ => None,
    };
    let source_is_local = match side {
        LocalSide::Source => true,
        // An inbound packet was sent by the peer; an undirected one is read as inbound, the
        // common case for drops at a listener.
        LocalSide::ByDirection => inbound == Some(false),
    };
    let (local, local_port, remote, remote_port) = if source_is_local {
        (src, src_port, dst, dst_port)
    } else {
        (dst, dst_port, src, src_port)
    };
    Some(Flow {
        local,
        local_port,
        remote,
        remote_port,
        inbound,
        blocked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ev, fields};
    use std::net::Ipv4Addr;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn endpoints_in_every_spelling() {
        assert_eq!(
            parse_endpoint("10.0.2.16:52202"),
            Some(Endpoint {
                ip: v4(10, 0, 2, 16),
                port: Some(52202)
            })
        );
        assert_eq!(
            parse_endpoint("[10.0.2.16]:59407"),
            Some(Endpoint {
                ip: v4(10, 0, 2, 16),
                port: Some(59407)
            })
        );
        let v6 = parse_endpoint("[fe80::1]:3389").unwrap();
        assert_eq!(v6.port, Some(3389));
        assert!(v6.ip.is_ipv6());
        assert_eq!(
            parse_endpoint("fe80::2dcf:e660:be73:d220").unwrap().port,
            None
        );
        assert_eq!(parse_endpoint("fe80::1%12").unwrap().port, None);
        assert_eq!(
            parse_endpoint("::ffff:10.0.0.5").unwrap().ip,
            v4(10, 0, 0, 5)
        );
        for junk in [
            "-",
            "LOCAL",
            "YEREL",
            "ローカル",
            "",
            "10.0.0.5:x",
            "[10.0.0.5",
            "1.2.3",
        ] {
            assert_eq!(parse_endpoint(junk), None, "{junk}");
        }
        assert!(is_uninformative(v4(127, 0, 0, 1)));
        assert!(is_uninformative(parse_ip("::1").unwrap()));
        assert!(!is_uninformative(v4(10, 0, 0, 1)));
    }

    #[test]
    fn wfp_connection_and_packet_events_are_normalised() {
        // 5157 inbound block at the host: Source = local listener, Dest = the client.
        let e = ev(
            "SRV01",
            "Security",
            "Microsoft-Windows-Security-Auditing",
            5157,
            0,
            fields(&[
                ("Direction", "%%14592"),
                ("SourceAddress", "10.0.0.10"),
                ("SourcePort", "3389"),
                ("DestAddress", "10.0.0.5"),
                ("DestPort", "50123"),
            ]),
        );
        let f = flow(&e).unwrap();
        assert_eq!(f.local, Some(v4(10, 0, 0, 10)));
        assert_eq!(f.local_port, Some(3389));
        assert_eq!(f.remote, Some(v4(10, 0, 0, 5)));
        assert_eq!(f.remote_port, Some(50123));
        assert!(f.blocked);
        // 5152 inbound drop of the same traffic: Source = the sender (the client).
        let e = ev(
            "SRV01",
            "Security",
            "Microsoft-Windows-Security-Auditing",
            5152,
            0,
            fields(&[
                ("Direction", "%%14592"),
                ("SourceAddress", "10.0.0.5"),
                ("SourcePort", "50123"),
                ("DestAddress", "10.0.0.10"),
                ("DestPort", "3389"),
            ]),
        );
        let g = flow(&e).unwrap();
        assert_eq!((g.local, g.local_port), (f.local, f.local_port));
        assert_eq!((g.remote, g.remote_port), (f.remote, f.remote_port));
        // 5152 outbound on a client: Source = the client itself.
        let e = ev(
            "WS1",
            "Security",
            "Microsoft-Windows-Security-Auditing",
            5152,
            0,
            fields(&[
                ("Direction", "%%14593"),
                ("SourceAddress", "10.0.0.5"),
                ("SourcePort", "50123"),
                ("DestAddress", "10.0.0.10"),
                ("DestPort", "3389"),
            ]),
        );
        let h = flow(&e).unwrap();
        assert_eq!(h.local, Some(v4(10, 0, 0, 5)));
        assert_eq!(h.remote_port, Some(3389));
        assert_eq!(h.inbound, Some(false));
        // 5156 permit: not blocked.
        let e = ev(
            "SRV01",
            "Security",
            "Microsoft-Windows-Security-Auditing",
            5156,
            0,
            fields(&[("SourceAddress", "10.0.0.10"), ("SourcePort", "3389")]),
        );
        assert!(!flow(&e).unwrap().blocked);
    }

    #[test]
    fn firewall_log_lines_follow_path() {
        let recv = ev(
            "SRV01",
            channel::FIREWALL_LOG,
            rdpsleuth_parser::catalog::FIREWALL_LOG_PROVIDER,
            firewall_log_id::DROP,
            0,
            fields(&[
                ("action", "DROP"),
                ("src-ip", "10.0.0.5"),
                ("dst-ip", "10.0.0.10"),
                ("src-port", "50123"),
                ("dst-port", "3389"),
                ("path", "RECEIVE"),
            ]),
        );
        let f = flow(&recv).unwrap();
        assert_eq!(f.local, Some(v4(10, 0, 0, 10)));
        assert_eq!(f.local_port, Some(3389));
        assert_eq!(f.remote, Some(v4(10, 0, 0, 5)));
        assert!(f.blocked);
        let mut send = recv.clone();
        send.fields = fields(&[
            ("src-ip", "10.0.0.5"),
            ("dst-ip", "10.0.0.10"),
            ("src-port", "50123"),
            ("dst-port", "3389"),
            ("path", "SEND"),
        ]);
        let g = flow(&send).unwrap();
        assert_eq!(g.local, Some(v4(10, 0, 0, 5)));
        assert_eq!(g.remote_port, Some(3389));
        assert_eq!(g.inbound, Some(false));
    }
}
