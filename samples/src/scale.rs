//! `scale`: a large multi-host corpus for benchmarks (not checked in). Many hosts with the
//! channels real collections hold — Security and System dominate, with Sysmon, PowerShell and
//! Application volume — RDP sessions between them all along, and a few failures of the recipe
//! book's causes spread across the period.
//!
//! Generation is streamed: simulated time advances an hour at a time; each hour is laid down by
//! the scenario engine (same recipes as the sample bundles), its records are appended to one
//! [`EvtxStreamWriter`] per host and channel (records that belong to a later hour — a session
//! that ends later — wait in a small carry-over), and memory stays flat whatever the size.
//! `manifest.json` lists the hosts and the failures with their ActivityIDs.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;

use crate::generate::{GenerateError, Library, firewall_header, lay};
use crate::record::EventRecord;
use crate::rng::Rng;
use crate::scenario::{
    Build, ConnectionSpec, DomainSpec, FirewallLogSpec, HostSpec, IncidentSpec, NoiseSpec, Outcome,
    OutputSpec, Role, Scenario, SessionEnd, channel_file_name, channel_name,
};
use crate::writer::{EvtxStreamWriter, WriteOptions};

/// What to write.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    /// Approximate total size in bytes.
    pub size: u64,
    /// Output folder (one sub-folder per host).
    pub out: PathBuf,
    /// Seed of every random choice.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// Hosts.
    pub hosts: usize,
    /// Files written.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Records written.
    pub records: u64,
    /// Simulated hours.
    pub hours: u64,
    /// Connection attempts laid down.
    pub connections: u64,
    /// Failed attempts among them.
    pub failures: u64,
}

/// A size like `2GiB`, `500MB`, `64MiB`, `1.5G` or a number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 2GiB or 500MB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        "t" | "tib" => 1024.0_f64.powi(4),
        "tb" => 1e12,
        other => return Err(format!("unknown size unit {other:?} in {text:?}")),
    };
    let bytes = value * factor;
    if !(bytes.is_finite() && (1.0..1e15).contains(&bytes)) {
        return Err(format!("{text:?} is not a usable size"));
    }
    Ok(bytes as u64)
}

/// Which side of a connection an incident's host is on.
#[derive(Clone, Copy)]
enum IncidentSide {
    Server,
    Client,
}

/// The failures `scale` draws from: cause, variant, where the broken state is. (Gateway
/// variants need an RD Gateway and are left out.)
const FAILURES: &[(&str, &str, IncidentSide)] = &[
    ("cert_expired", "rcm_1058_schannel", IncidentSide::Server),
    ("cert_expired", "capi2_client_expired", IncidentSide::Server),
    (
        "private_key_access",
        "schannel_36870_keyset",
        IncidentSide::Server,
    ),
    (
        "private_key_access",
        "access_denied_no_36870",
        IncidentSide::Server,
    ),
    ("tls_mismatch", "server_policy_36874", IncidentSide::Server),
    ("tls_mismatch", "client_policy_36871", IncidentSide::Client),
    ("credssp_nla", "oracle_6041", IncidentSide::Client),
    ("security_software", "host_ips_reset", IncidentSide::Server),
    ("firewall_block", "rule_deleted_5157", IncidentSide::Server),
    ("network", "vpn_drop", IncidentSide::Client),
    (
        "service_unavailable",
        "not_accepting_1071",
        IncidentSide::Server,
    ),
    ("domain_trust", "trust_broken_4625", IncidentSide::Server),
    ("session_stuck", "state_errors_churn", IncidentSide::Server),
    ("logon_denied", "nla_bad_password", IncidentSide::Client),
];

/// Background volume per host and hour: noise group, occurrences for a server, for a client.
/// (Security and System dominate, as in real collections.)
const HOURLY_NOISE: &[(&str, u32, u32)] = &[
    ("service_logon", 600, 150),
    ("process_creation", 450, 220),
    ("wfp_permit_other", 300, 120),
    ("brute_force", 40, 0),
    ("service_churn", 380, 140),
    ("time_sync", 2, 2),
    ("dcom_10016", 60, 30),
    ("uptime", 1, 1),
    ("sysmon_activity", 160, 90),
    ("powershell_scriptblock", 220, 60),
    ("spp_restart", 60, 40),
    ("securitycenter_defender_on", 30, 30),
    ("defender_signature_update", 0, 3),
    ("pfirewall_background", 60, 0),
];

/// Channels of a server and of a client.
const SERVER_CHANNELS: &[&str] = &[
    "rdpcorets",
    "rcm",
    "lsm",
    "system",
    "security",
    "application",
    "sysmon",
    "powershell",
    "firewall",
];
const CLIENT_CHANNELS: &[&str] = &[
    "rdpclient",
    "system",
    "security",
    "application",
    "sysmon",
    "powershell",
    "defender",
];

#[derive(Serialize)]
struct ManifestHost {
    name: String,
    folder: String,
    role: &'static str,
    address: String,
    build: &'static str,
}

#[derive(Serialize)]
struct ManifestFailure {
    id: String,
    kind: &'static str,
    cause: Option<String>,
    variant: Option<String>,
    client: Option<String>,
    server: String,
    client_activity_id: String,
    server_activity_id: Option<String>,
    start: String,
}

#[derive(Serialize)]
struct Manifest {
    schema: &'static str,
    seed: u64,
    report: ScaleReport,
    hosts: Vec<ManifestHost>,
    failures: Vec<ManifestFailure>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One output log: its writer, the next record id, records waiting for a later hour.
struct Sink {
    writer: EvtxStreamWriter<BufWriter<File>>,
    path: PathBuf,
    next_id: u64,
    carry: Vec<EventRecord>,
    records: u64,
}

struct FirewallSink {
    file: BufWriter<File>,
    carry: Vec<(DateTime<Utc>, String)>,
}

fn write_error(path: &Path, source: crate::writer::WriteError) -> GenerateError {
    GenerateError::Write {
        scenario: "scale".into(),
        file: path.display().to_string(),
        source,
    }
}

/// The fleet: servers first, then clients.
fn fleet(options: &ScaleOptions) -> Vec<HostSpec> {
    let mut rng = Rng::new(options.seed).fork("fleet");
    // Memory grows with the hosts (one open chunk per log), so their number is capped;
    // larger sizes cover more hours.
    let count = (options.size / (96 << 20)).clamp(6, 64) as usize;
    let servers = (count / 4).max(2);
    let server_builds = [
        Build::Server2022,
        Build::Server2019,
        Build::Server2016,
        Build::Server2022,
    ];
    let client_builds = [Build::Win11, Build::Win10, Build::Win11];
    (0..count)
        .map(|i| {
            let server = i < servers;
            let short = if server {
                format!("SRV-{:03}", i + 1)
            } else {
                format!("WS-{:04}", i - servers + 1)
            };
            let address = if server {
                format!("10.60.{}.{}", 1 + i / 200, 10 + i % 200)
            } else {
                format!("10.61.{}.{}", 1 + i / 200, 10 + i % 200)
            };
            let channels: &[&str] = if server {
                SERVER_CHANNELS
            } else {
                CLIENT_CHANNELS
            };
            HostSpec {
                name: format!("{short}.scale.example"),
                short: short.clone(),
                addresses: vec![address],
                role: if server { Role::Server } else { Role::Client },
                time_zone: "+01:00".into(),
                clock_skew: if server {
                    0.0
                } else {
                    rng.uniform(-3.0, 3.0).round()
                },
                build: if server {
                    server_builds[i % server_builds.len()]
                } else {
                    client_builds[i % client_builds.len()]
                },
                collected: true,
                channels: Some(channels.iter().map(|c| (*c).to_owned()).collect()),
                pfirewall: (server && i % 3 == 0).then_some(FirewallLogSpec {
                    pid_column: i % 2 == 0,
                    log_allowed: true,
                }),
                max_size: BTreeMap::new(),
                user: (!server).then(|| format!("SCALE\\user{:04}", i + 1)),
                folder: None,
                first_record: BTreeMap::new(),
                last_connection: None,
                last_session: None,
            }
        })
        .collect()
}

/// The scenario of one simulated hour.
fn hour_scenario(
    options: &ScaleOptions,
    hosts: &[HostSpec],
    hour: u64,
    start: DateTime<Utc>,
    counters: &[(u32, u32)],
) -> Scenario {
    let mut rng = Rng::new(options.seed).fork(&format!("hour:{hour}"));
    let end = start + Duration::hours(1);
    let mut hosts: Vec<HostSpec> = hosts.to_vec();
    for (host, (conn, session)) in hosts.iter_mut().zip(counters) {
        host.last_connection = Some(*conn);
        host.last_session = Some(*session);
    }
    let servers: Vec<&HostSpec> = hosts.iter().filter(|h| h.role == Role::Server).collect();
    let clients: Vec<&HostSpec> = hosts.iter().filter(|h| h.role == Role::Client).collect();
    let mut connections = Vec::new();
    let mut incidents = Vec::new();
    for client in &clients {
        for slot in 0..2 {
            if !rng.chance(0.4) {
                continue;
            }
            let Some(server) = rng.pick(&servers) else {
                continue;
            };
            let at = start
                + Duration::milliseconds(
                    rng.between(slot * 1_800_000, slot * 1_800_000 + 1_700_000) as i64,
                );
            let id = format!("h{hour}-{}-{slot}", client.short);
            let user = client.user.clone().unwrap_or_else(|| "SCALE\\user".into());
            let failed = rng.chance(0.02);
            let (outcome, incident, retries) = if failed {
                let (cause, variant, side) = rng.pick(FAILURES).copied().unwrap_or(FAILURES[0]);
                let incident_id = format!("i-{id}");
                incidents.push(IncidentSpec {
                    id: incident_id.clone(),
                    cause: cause.to_owned(),
                    variant: variant.to_owned(),
                    host: match side {
                        IncidentSide::Server => server.short.clone(),
                        IncidentSide::Client => client.short.clone(),
                    },
                    onset: at - Duration::minutes(rng.between(2, 50) as i64),
                    fixed: None,
                    params: BTreeMap::new(),
                });
                (Outcome::Failed, Some(incident_id), rng.between(0, 2) as u32)
            } else {
                (Outcome::Succeeded, None, 0)
            };
            connections.push(ConnectionSpec {
                id,
                client: client.short.clone(),
                server: server.short.clone(),
                target: Some(if rng.chance(0.5) {
                    server.name.to_ascii_lowercase()
                } else {
                    server.short.to_ascii_lowercase()
                }),
                user,
                at,
                retries,
                spacing_s: None,
                outcome,
                incident,
                duration_min: Some(rng.uniform(5.0, 110.0)),
                end: Some(if rng.chance(0.5) {
                    SessionEnd::Logoff
                } else {
                    SessionEnd::Disconnect
                }),
                udp: None,
                via: None,
                client_address: None,
                params: BTreeMap::new(),
            });
        }
    }
    let mut noise = Vec::new();
    for (group, per_server, per_client) in HOURLY_NOISE {
        for (hosts_of_role, count) in [(&servers, *per_server), (&clients, *per_client)] {
            if count == 0 || hosts_of_role.is_empty() {
                continue;
            }
            noise.push(NoiseSpec {
                group: (*group).to_owned(),
                hosts: hosts_of_role.iter().map(|h| h.short.clone()).collect(),
                count,
                window: Some([start, end]),
                params: BTreeMap::new(),
                red_herring: None,
            });
        }
    }
    Scenario {
        name: format!("scale-hour-{hour}"),
        title: "scale".into(),
        description: "one simulated hour of the scale corpus".into(),
        seed: options.seed ^ hour.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        start,
        end,
        situations: Vec::new(),
        domain: DomainSpec {
            netbios: "SCALE".into(),
            fqdn: "scale.example".into(),
            sid: "S-1-5-21-1111111111-2222222222-3333333333".into(),
        },
        host: hosts,
        incident: incidents,
        connection: connections,
        background: Vec::new(),
        noise,
        outputs: OutputSpec::default(),
        params: BTreeMap::new(),
    }
}

/// Write the corpus.
pub fn scale(lib: &Library, options: &ScaleOptions) -> Result<ScaleReport, GenerateError> {
    std::fs::create_dir_all(&options.out).map_err(io(&options.out))?;
    let hosts = fleet(options);
    let mut sinks: Vec<BTreeMap<String, Sink>> = Vec::with_capacity(hosts.len());
    let mut firewalls: Vec<Option<FirewallSink>> = Vec::with_capacity(hosts.len());
    let mut rng = Rng::new(options.seed).fork("record-ids");
    for host in &hosts {
        let dir = options.out.join(host.folder_name());
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut channels = BTreeMap::new();
        for channel in host.channel_names() {
            let path = dir.join(channel_file_name(&channel));
            let file = File::create(&path).map_err(io(&path))?;
            let writer = EvtxStreamWriter::new(BufWriter::new(file), &WriteOptions::default())
                .map_err(|e| write_error(&path, e))?;
            channels.insert(
                channel,
                Sink {
                    writer,
                    path,
                    next_id: rng.between(1_000, 900_000),
                    carry: Vec::new(),
                    records: 0,
                },
            );
        }
        sinks.push(channels);
        firewalls.push(match host.pfirewall {
            Some(fw) => {
                let path = dir.join("pfirewall.log");
                let mut file = BufWriter::new(File::create(&path).map_err(io(&path))?);
                file.write_all(firewall_header(fw.pid_column).as_bytes())
                    .map_err(io(&path))?;
                Some(FirewallSink {
                    file,
                    carry: Vec::new(),
                })
            }
            None => None,
        });
    }
    let base = Utc
        .with_ymd_and_hms(2025, 1, 6, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let mut counters: Vec<(u32, u32)> = hosts.iter().map(|_| (40, 2)).collect();
    let mut report = ScaleReport {
        hosts: hosts.len(),
        files: 0,
        bytes: 0,
        records: 0,
        hours: 0,
        connections: 0,
        failures: 0,
    };
    let mut failures = Vec::new();
    let mut hour = 0u64;
    loop {
        let written: u64 = sinks
            .iter()
            .flat_map(|s| s.values())
            .map(|s| s.writer.size_so_far())
            .sum();
        if written >= options.size || hour >= 24 * 365 {
            break;
        }
        let start = base + Duration::hours(hour as i64);
        let scenario = hour_scenario(options, &hosts, hour, start, &counters);
        let laid = lay(lib, &scenario)?;
        let until = start + Duration::hours(1);
        for attempt in &laid.attempts {
            report.connections += 1;
            if attempt.outcome == "failed" {
                report.failures += 1;
                failures.push(ManifestFailure {
                    id: attempt.id.clone(),
                    kind: attempt.kind,
                    cause: attempt.cause.clone(),
                    variant: attempt.variant.clone(),
                    client: attempt.client.clone(),
                    server: attempt.server.clone(),
                    client_activity_id: attempt.client_activity_id.clone(),
                    server_activity_id: attempt.server_activity_id.clone(),
                    start: crate::generate::iso7(&attempt.start),
                });
            }
        }
        for (index, host) in laid.hosts.into_iter().enumerate() {
            counters[index] = (host.last_connection, host.last_session);
            let Some(channels) = sinks.get_mut(index) else {
                continue;
            };
            for (channel, records) in host.channels {
                if let Some(sink) = channels.get_mut(&channel) {
                    flush(sink, records, Some(until))?;
                }
            }
            if let Some(Some(fw)) = firewalls.get_mut(index) {
                fw.carry.extend(host.firewall);
                fw.carry.sort_by_key(|a| a.0);
                let keep = fw.carry.partition_point(|(t, _)| *t < until);
                for (_, line) in fw.carry.drain(..keep) {
                    fw.file
                        .write_all(format!("{line}\r\n").as_bytes())
                        .map_err(io(&options.out))?;
                }
            }
        }
        hour += 1;
    }
    report.hours = hour;
    for channels in sinks {
        for (_, mut sink) in channels {
            let carry = std::mem::take(&mut sink.carry);
            flush(&mut sink, carry, None)?;
            let path = sink.path.clone();
            let (log, _) = sink.writer.finish().map_err(|e| write_error(&path, e))?;
            report.files += 1;
            report.bytes += log.file_size;
            report.records += sink.records;
        }
    }
    for mut fw in firewalls.into_iter().flatten() {
        for (_, line) in std::mem::take(&mut fw.carry) {
            fw.file
                .write_all(format!("{line}\r\n").as_bytes())
                .map_err(io(&options.out))?;
        }
        fw.file.flush().map_err(io(&options.out))?;
        report.files += 1;
    }
    let manifest = Manifest {
        schema: "rdpsleuth.samples.scale/1",
        seed: options.seed,
        report: report.clone(),
        hosts: hosts
            .iter()
            .map(|h| ManifestHost {
                name: h.name.clone(),
                folder: h.folder_name().to_owned(),
                role: if h.role == Role::Server {
                    "server"
                } else {
                    "client"
                },
                address: h.address().to_owned(),
                build: h.build.name(),
            })
            .collect(),
        failures,
    };
    let path = options.out.join("manifest.json");
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(report)
}

/// Append `records` (and what waited) up to `until` to the log, numbering them; the rest
/// waits for the next hour. `None` flushes everything.
fn flush(
    sink: &mut Sink,
    records: Vec<EventRecord>,
    until: Option<DateTime<Utc>>,
) -> Result<(), GenerateError> {
    let mut pending = std::mem::take(&mut sink.carry);
    pending.extend(records);
    pending.sort_by_key(|a| a.time_created);
    let keep = until.map_or(pending.len(), |u| {
        pending.partition_point(|r| r.time_created < u)
    });
    sink.carry = pending.split_off(keep);
    for mut record in pending {
        record.record_id = sink.next_id;
        sink.next_id += 1;
        sink.records += 1;
        let path = sink.path.clone();
        sink.writer
            .push(&record)
            .map_err(|e| write_error(&path, e))?;
    }
    Ok(())
}

/// The channel aliases a scale host collects, as full names (for documentation and tests).
pub fn scale_channels(server: bool) -> Vec<String> {
    let list = if server {
        SERVER_CHANNELS
    } else {
        CLIENT_CHANNELS
    };
    list.iter().map(|c| channel_name(c).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1.5G"), Ok(1_610_612_736));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn the_fleet_grows_with_the_size() {
        let small = fleet(&ScaleOptions {
            size: 10 << 20,
            out: PathBuf::new(),
            seed: 1,
        });
        let large = fleet(&ScaleOptions {
            size: 4 << 30,
            out: PathBuf::new(),
            seed: 1,
        });
        assert_eq!(small.len(), 6);
        assert_eq!(large.len(), 42);
        assert!(large.iter().filter(|h| h.role == Role::Server).count() >= 10);
        assert!(scale_channels(true).contains(&"Security".to_owned()));
    }
}
