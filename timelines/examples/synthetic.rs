//! Scaling check of the correlation stage on synthetic events (no files): many clients and
//! servers, connections with retries and skewed clocks, scanners, logon and TLS noise.
//!
//! ```text
//! cargo run --release -p rdpsleuth-timelines --example synthetic -- [CONNECTIONS] [--threads N]
//! ```
//!
//! Prints the number of events, the build time, the export times and the peak memory.

use std::sync::Arc;
use std::time::Instant;

use rdpsleuth_parser::catalog::{Catalog, channel};
use rdpsleuth_parser::{Event, FieldValue, Fields, Guid, Locator, SourceRef, Timestamp};
use rdpsleuth_timelines::export::DefaultAnnotator;
use rdpsleuth_timelines::export::csv::write_csv;
use rdpsleuth_timelines::export::jsonl::write_jsonl;
use rdpsleuth_timelines::{BuildOptions, Outcome, build_with};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Maker {
    record: u64,
    base: Timestamp,
    names: std::collections::HashMap<String, Arc<str>>,
}

impl Maker {
    /// Shares host, channel, provider and input strings between events, as the readers do.
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.names.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.names.insert(s.to_string(), a.clone());
        a
    }

    /// An event of `(host, channel, provider)`.
    fn event(
        &mut self,
        (host, chan, provider): (&str, &str, &str),
        id: u32,
        ms: i64,
        activity: Option<Guid>,
        fields: &[(&str, String)],
    ) -> Option<Event> {
        let kind = Catalog::global().lookup(chan, provider, id)?;
        self.record += 1;
        Some(Event {
            time: Timestamp(self.base.0 + ms * 10_000),
            host: self.intern(host),
            channel: self.intern(chan),
            provider: self.intern(provider),
            event_id: id,
            qualifiers: None,
            version: None,
            level: Some(4),
            record_id: self.record,
            activity_id: activity,
            process_id: None,
            thread_id: None,
            user_sid: None,
            kind,
            user_data_root: None,
            fields: Fields(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).into(), FieldValue::Text(v.as_str().into())))
                    .collect(),
            ),
            rendering: None,
            source: SourceRef {
                input: self.intern(&format!("synthetic/{host}/{chan}.evtx")),
                locator: Locator::Record(self.record),
            },
        })
    }
}

const CLIENT: &str = "Microsoft-Windows-TerminalServices-ClientActiveXCore";
const CORETS: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
const RCM: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
const SEC: &str = "Microsoft-Windows-Security-Auditing";

fn generate(connections: usize) -> Vec<Event> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut m = Maker {
        record: 0,
        base: Timestamp(17_145_576_000_000_000),
        names: std::collections::HashMap::new(),
    };
    let servers = 20usize;
    let clients = 400usize;
    let span_ms = 7 * 86_400_000i64;
    let mut out: Vec<Event> = Vec::new();
    let mut push = |e: Option<Event>| {
        if let Some(e) = e {
            out.push(e);
        }
    };
    for n in 0..connections {
        let c = rng.below(clients as u64) as usize;
        let s = rng.below(servers as u64) as usize;
        let client = format!("WS{c:04}.corp.local");
        let server = format!("SRV{s:02}.corp.local");
        let ip = format!("10.1.{}.{}", c / 250, c % 250 + 1);
        let skew = (c as i64 % 7 - 3) * 40_000;
        let t = rng.below(span_ms as u64) as i64;
        let ok = rng.below(10) != 0;
        let ca = Some(Guid(0x5000_0000_0000_0000 | n as u128));
        let sa = Some(Guid(
            0xf420_0000_0000_0000_0000_0000_0000_0000 | ((n as u128) << 16),
        ));
        push(m.event(
            (&client, channel::RDP_CLIENT, CLIENT),
            1024,
            t,
            ca,
            &[
                ("Name", "Server Name".into()),
                ("Value", format!("srv{s:02}")),
            ],
        ));
        push(m.event(
            (&client, channel::RDP_CLIENT, CLIENT),
            1025,
            t + 40,
            ca,
            &[],
        ));
        let h = t + 80 + skew;
        push(m.event(
            (&server, channel::RDPCORETS, CORETS),
            131,
            h,
            sa,
            &[
                ("ConnType", "TCP".into()),
                ("ClientIP", format!("{ip}:{}", 40_000 + n % 20_000)),
            ],
        ));
        push(m.event(
            (&server, channel::RCM, RCM),
            261,
            h + 5,
            sa,
            &[("listenerName", "RDP-Tcp".into())],
        ));
        push(m.event(
            (&server, channel::RDPCORETS, CORETS),
            65,
            h + 10,
            sa,
            &[("ConnectionName", "RDP-Tcp#1".into())],
        ));
        if ok {
            push(m.event(
                (&server, channel::SECURITY, SEC),
                4624,
                h + 1_500,
                None,
                &[
                    ("LogonType", "3".into()),
                    ("IpAddress", ip.clone()),
                    ("TargetLogonId", format!("0x{:x}", 2 * n + 1)),
                ],
            ));
            push(m.event(
                (&server, channel::RCM, RCM),
                1149,
                h + 2_000,
                sa,
                &[("Param1", "alice".into()), ("Param3", ip.clone())],
            ));
            push(m.event(
                (&server, channel::LSM, LSM),
                21,
                h + 2_500,
                sa,
                &[
                    ("User", "CORP\\alice".into()),
                    ("SessionID", "2".into()),
                    ("Address", ip.clone()),
                ],
            ));
            push(m.event(
                (&server, channel::SECURITY, SEC),
                4624,
                h + 3_000,
                None,
                &[
                    ("LogonType", "10".into()),
                    ("IpAddress", ip.clone()),
                    ("TargetLogonId", format!("0x{:x}", 2 * n + 2)),
                ],
            ));
            push(m.event(
                (&client, channel::RDP_CLIENT, CLIENT),
                1027,
                t + 3_000,
                ca,
                &[("DomainName", "CORP".into())],
            ));
            push(m.event(
                (&server, channel::RDPCORETS, CORETS),
                102,
                h + 600_000,
                sa,
                &[],
            ));
            push(m.event(
                (&server, channel::SECURITY, SEC),
                4634,
                h + 600_100,
                None,
                &[("TargetLogonId", format!("0x{:x}", 2 * n + 2))],
            ));
            push(m.event(
                (&client, channel::RDP_CLIENT, CLIENT),
                1026,
                t + 600_000,
                ca,
                &[("Value", "1".into())],
            ));
        } else {
            push(m.event(
                (&server, channel::SYSTEM, "Schannel"),
                36888,
                h + 300,
                None,
                &[("AlertDesc", "40".into())],
            ));
            push(m.event(
                (&server, channel::RDPCORETS, CORETS),
                139,
                h + 301,
                sa,
                &[
                    ("ResultCode", "0x80090304".into()),
                    ("IPString", ip.clone()),
                ],
            ));
            push(m.event((&server, channel::RDPCORETS, CORETS), 102, h + 310, sa, &[]));
            push(m.event(
                (&client, channel::RDP_CLIENT, CLIENT),
                1026,
                t + 1_000,
                ca,
                &[("Value", "2308".into())],
            ));
        }
    }
    // Internet scanners: bursts of 131 → 139 → 102 with Schannel pairs.
    for b in 0..connections / 20 {
        let s = rng.below(servers as u64) as usize;
        let server = format!("SRV{s:02}.corp.local");
        let t = rng.below(span_ms as u64) as i64;
        let ip = format!("198.51.{}.{}", b % 250, b / 250 % 250 + 1);
        for k in 0..10 {
            let sa = Some(Guid(
                0xf421_0000_0000_0000_0000_0000_0000_0000 | (((b * 10 + k) as u128) << 16),
            ));
            let h = t + k as i64 * 200;
            push(m.event(
                (&server, channel::RDPCORETS, CORETS),
                131,
                h,
                sa,
                &[
                    ("ConnType", "TCP".into()),
                    ("ClientIP", format!("{ip}:{}", 50_000 + k)),
                ],
            ));
            push(m.event(
                (&server, channel::SYSTEM, "Schannel"),
                36874,
                h + 20,
                None,
                &[("Protocol", "TLS 1.0".into())],
            ));
            push(m.event(
                (&server, channel::SYSTEM, "Schannel"),
                36888,
                h + 21,
                None,
                &[("AlertDesc", "40".into())],
            ));
            push(m.event((&server, channel::RDPCORETS, CORETS), 102, h + 30, sa, &[]));
        }
    }
    // Host-state noise: service changes and firewall rule changes.
    for _ in 0..connections / 10 {
        let s = rng.below(servers as u64) as usize;
        let server = format!("SRV{s:02}.corp.local");
        let t = rng.below(span_ms as u64) as i64;
        push(m.event(
            (&server, channel::SYSTEM, "Service Control Manager"),
            7036,
            t,
            None,
            &[
                ("param1", "Print Spooler".into()),
                ("param2", "running".into()),
            ],
        ));
    }
    out
}

fn main() -> Result<(), String> {
    let mut connections = 100_000usize;
    let mut threads = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or("--threads needs a number")?;
        } else {
            connections = a.parse().map_err(|_| format!("not a number: {a}"))?;
        }
    }
    let started = Instant::now();
    let events = generate(connections);
    let generated = started.elapsed();
    let n = events.len();
    let started = Instant::now();
    let t = build_with(
        events,
        &[],
        &BuildOptions {
            threads,
            ..BuildOptions::default()
        },
    );
    let build_time = started.elapsed();
    let failed = t
        .connections
        .iter()
        .filter(|c| c.outcome == Outcome::Failed)
        .count();
    let linked = t
        .connections
        .iter()
        .filter(|c| c.client_activity_id.is_some() && c.server_activity_id.is_some())
        .count();
    let context: usize = t.connections.iter().map(|c| c.context.len()).sum();
    let entries: usize = t.connections.iter().map(|c| c.entries.len()).sum();
    println!("owned entries {entries} · context entries {context}");
    let started = Instant::now();
    let mut csv = std::io::sink();
    write_csv(&t, &DefaultAnnotator, &mut csv).map_err(|e| e.to_string())?;
    let csv_time = started.elapsed();
    let started = Instant::now();
    let mut jsonl = std::io::sink();
    write_jsonl(&t, &DefaultAnnotator, &mut jsonl).map_err(|e| e.to_string())?;
    let jsonl_time = started.elapsed();
    println!(
        "{n} events (generated in {:.2} s) · {} hosts · {} connections ({linked} linked, {failed} failed)",
        generated.as_secs_f64(),
        t.hosts.len(),
        t.connections.len()
    );
    println!(
        "build {:.3} s · csv {:.3} s · jsonl {:.3} s",
        build_time.as_secs_f64(),
        csv_time.as_secs_f64(),
        jsonl_time.as_secs_f64()
    );
    if let Some(line) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        println!("peak memory: {}", line.trim_start_matches("VmHWM:").trim());
    }
    Ok(())
}
