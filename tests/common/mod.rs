//! Shared helpers of the end-to-end tests: running the binary, finding the sample bundles, and
//! writing small logs in the `evtx_dump` JSONL shape (one record per line, as `evtx_dump -o
//! jsonl` prints them) for the cases the bundles do not cover — hostile field values, damaged
//! lines, tens of thousands of connections.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rdpsleuth"))
}

/// Runs the binary with arguments and returns its output.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample bundles (`samples/bundles/<scenario>/`, each with an `expected.json`), sorted.
pub fn bundles() -> Vec<PathBuf> {
    let dir = root().join("samples").join("bundles");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir() && p.join("expected.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The public corpus beside the checkout, when present.
pub fn corpus() -> Option<PathBuf> {
    let dir = root().join("..").join("shared").join("corpus");
    dir.is_dir().then_some(dir)
}

/// `2024-04-22T07:03:51.402Z`-style text to a time.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 time")
        .with_timezone(&Utc)
}

/// Seconds (fractional) as a duration.
pub fn secs(s: f64) -> Duration {
    Duration::microseconds((s * 1e6).round() as i64)
}

const RDP_CLIENT: &str = "Microsoft-Windows-TerminalServices-RDPClient/Operational";
const CLIENT_PROVIDER: &str = "Microsoft-Windows-TerminalServices-ClientActiveXCore";
const RDPCORETS: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational";
const RDPCORETS_PROVIDER: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
const RCM: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
const RCM_PROVIDER: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";
const LSM_PROVIDER: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
/// LSM logs every event under this constant ActivityID.
const LSM_ACTIVITY: &str = "{61a55000-55e5-1017-0000-000000000000}";

/// A machine of a generated collection.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The `Computer` value.
    pub computer: String,
    /// The name the user types to reach it.
    pub short: String,
    /// Its address.
    pub ip: String,
    /// Its clock minus true time, seconds.
    pub skew: f64,
}

impl Machine {
    /// A machine with a correct clock.
    pub fn new(computer: &str, short: &str, ip: &str) -> Self {
        Machine {
            computer: computer.to_string(),
            short: short.to_string(),
            ip: ip.to_string(),
            skew: 0.0,
        }
    }

    /// The same machine with a skewed clock.
    pub fn skewed(mut self, seconds: f64) -> Self {
        self.skew = seconds;
        self
    }

    /// The folder of its logs in a collection.
    fn folder(&self) -> String {
        let clean: String = self
            .short
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        clean
    }
}

/// How a generated failure shows in the logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The host cannot use its certificate's private key: Schannel 36870 and RdpCoreTS 139.
    PrivateKey,
    /// The user's password is wrong: RdpCoreTS 140 and a 4625 type 3.
    BadPassword,
    /// The host only speaks old TLS: Schannel 36874 and RdpCoreTS 139 0x80090331.
    TlsMismatch,
}

/// Logs under construction: per file, its lines; per (file, channel), the last record id.
#[derive(Default)]
pub struct Collection {
    files: BTreeMap<String, Vec<String>>,
    records: BTreeMap<(String, String), u64>,
    guid: u64,
    port: u16,
}

impl Collection {
    /// An empty collection.
    pub fn new() -> Self {
        Collection {
            port: 50_000,
            ..Default::default()
        }
    }

    fn next_guid(&mut self, host_side: bool) -> String {
        self.guid += 1;
        if host_side {
            format!(
                "{{f420{:04x}-5a1e-4c3d-9e2f-{:08x}0000}}",
                self.guid & 0xffff,
                self.guid
            )
        } else {
            format!(
                "{{c1e7{:04x}-77aa-4b0c-8d21-{:012x}}}",
                self.guid & 0xffff,
                self.guid
            )
        }
    }

    fn next_port(&mut self) -> u16 {
        self.port = if self.port >= 65_000 {
            50_000
        } else {
            self.port + 1
        };
        self.port
    }

    /// Adds one record in the `evtx_dump` JSON shape to `machine`'s file `file`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        machine: &Machine,
        file: &str,
        channel: &str,
        provider: &str,
        id: Value,
        level: u8,
        true_time: DateTime<Utc>,
        activity: Option<&str>,
        payload: (&str, Value),
    ) {
        let path = format!("{}/{file}", machine.folder());
        let record = self
            .records
            .entry((path.clone(), channel.to_string()))
            .or_insert(0);
        *record += 1;
        let logged = true_time + secs(machine.skew);
        let mut event = json!({
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "Provider": {"#attributes": {"Name": provider}},
                "EventID": id,
                "Version": 0,
                "Level": level,
                "Task": 0,
                "Opcode": 0,
                "Keywords": "0x4000000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": format!(
                    "{}.{:07}Z",
                    logged.format("%Y-%m-%dT%H:%M:%S"),
                    logged.timestamp_subsec_nanos() / 100
                )}},
                "EventRecordID": *record,
                "Correlation": activity.map(|a| json!({"#attributes": {"ActivityID": a}})),
                "Execution": {"#attributes": {"ProcessID": 1234, "ThreadID": 4321}},
                "Channel": channel,
                "Computer": machine.computer,
                "Security": null
            }
        });
        if let Some(obj) = event.as_object_mut() {
            obj.insert(payload.0.to_string(), payload.1);
        }
        let line = json!({ "Event": event }).to_string();
        self.files.entry(path).or_default().push(line);
    }

    fn client(&mut self, m: &Machine, id: u32, t: DateTime<Utc>, activity: &str, data: Value) {
        self.record(
            m,
            "rdpclient.jsonl",
            RDP_CLIENT,
            CLIENT_PROVIDER,
            json!(id),
            4,
            t,
            Some(activity),
            ("EventData", data),
        );
    }

    fn host(
        &mut self,
        m: &Machine,
        id: u32,
        level: u8,
        t: DateTime<Utc>,
        activity: &str,
        data: Value,
    ) {
        self.record(
            m,
            "rdpcorets.jsonl",
            RDPCORETS,
            RDPCORETS_PROVIDER,
            json!(id),
            level,
            t,
            Some(activity),
            ("EventData", data),
        );
    }

    fn system(
        &mut self,
        m: &Machine,
        provider: &str,
        id: u32,
        level: u8,
        t: DateTime<Utc>,
        data: Value,
    ) {
        self.record(
            m,
            "system.jsonl",
            "System",
            provider,
            json!({"#attributes": {"Qualifiers": 49152}, "#text": id}),
            level,
            t,
            None,
            ("EventData", data),
        );
    }

    fn security(&mut self, m: &Machine, id: u32, t: DateTime<Utc>, data: Value) {
        self.record(
            m,
            "security.jsonl",
            "Security",
            "Microsoft-Windows-Security-Auditing",
            json!(id),
            0,
            t,
            None,
            ("EventData", data),
        );
    }

    /// A connection that gives the user a session, lasting `minutes`.
    pub fn success(
        &mut self,
        client: &Machine,
        server: &Machine,
        t: DateTime<Utc>,
        user: &str,
        minutes: f64,
    ) {
        self.success_typed(client, server, &server.short.clone(), t, user, minutes);
    }

    /// A successful connection with the target typed as `target`.
    pub fn success_typed(
        &mut self,
        client: &Machine,
        server: &Machine,
        target: &str,
        t: DateTime<Utc>,
        user: &str,
        minutes: f64,
    ) {
        let ca = self.next_guid(false);
        let ha = self.next_guid(true);
        let port = self.next_port();
        let (domain, name) = user.split_once('\\').unwrap_or(("CORP", user));
        self.client(
            client,
            1024,
            t,
            &ca,
            json!({"Name": "Server Name", "Value": target, "CustomLevel": "Info"}),
        );
        self.host(
            server,
            131,
            4,
            t + secs(0.021),
            &ha,
            json!({"ConnType": "TCP", "ClientIP": format!("{}:{port}", client.ip)}),
        );
        self.host(
            server,
            65,
            4,
            t + secs(0.025),
            &ha,
            json!({"ConnectionName": "RDP-Tcp#7"}),
        );
        self.client(client, 1025, t + secs(0.040), &ca, Value::Null);
        self.record(
            server,
            "rcm.jsonl",
            RCM,
            RCM_PROVIDER,
            json!(1149),
            4,
            t + secs(1.2),
            Some(&ha),
            ("UserData", json!({"EventXML": {"#attributes": {"xmlns": "Event_NS"}, "Param1": name, "Param2": domain, "Param3": client.ip}})),
        );
        self.record(
            server,
            "lsm.jsonl",
            LSM,
            LSM_PROVIDER,
            json!(21),
            4,
            t + secs(2.1),
            Some(LSM_ACTIVITY),
            ("UserData", json!({"EventXML": {"#attributes": {"xmlns": "Event_NS"}, "User": user, "SessionID": 2, "Address": client.ip}})),
        );
        self.client(
            client,
            1027,
            t + secs(2.3),
            &ca,
            json!({"DomainName": domain, "SessionId": 2}),
        );
        self.client(
            client,
            1026,
            t + secs(minutes * 60.0),
            &ca,
            json!({"Name": "Disconnect Reason", "Value": 1, "CustomLevel": "Info"}),
        );
    }

    /// A failed attempt (client 1024 → 1025 → 1026 2308) and what the host logged of it.
    pub fn failure(
        &mut self,
        client: &Machine,
        server: &Machine,
        t: DateTime<Utc>,
        how: Failure,
        user: &str,
    ) {
        let target = server.short.clone();
        self.failure_typed(client, server, &target, t, how, user);
    }

    /// A failed attempt with the target typed as `target`.
    pub fn failure_typed(
        &mut self,
        client: &Machine,
        server: &Machine,
        target: &str,
        t: DateTime<Utc>,
        how: Failure,
        user: &str,
    ) {
        let ca = self.next_guid(false);
        let ha = self.next_guid(true);
        let port = self.next_port();
        self.client(
            client,
            1024,
            t,
            &ca,
            json!({"Name": "Server Name", "Value": target, "CustomLevel": "Info"}),
        );
        self.host(
            server,
            131,
            4,
            t + secs(0.021),
            &ha,
            json!({"ConnType": "TCP", "ClientIP": format!("{}:{port}", client.ip)}),
        );
        self.host(
            server,
            65,
            4,
            t + secs(0.025),
            &ha,
            json!({"ConnectionName": "RDP-Tcp#9"}),
        );
        self.client(client, 1025, t + secs(0.040), &ca, Value::Null);
        match how {
            Failure::PrivateKey => {
                self.system(
                    server,
                    "Schannel",
                    36870,
                    2,
                    t + secs(0.180),
                    json!({"Type": "server", "ErrorCode": "0x8009030D", "ErrorStatus": 10001}),
                );
                self.host(
                    server,
                    139,
                    3,
                    t + secs(0.182),
                    &ha,
                    json!({"ResultCode": "0x8009030D", "IPString": client.ip}),
                );
            }
            Failure::TlsMismatch => {
                self.system(
                    server,
                    "Schannel",
                    36874,
                    2,
                    t + secs(0.150),
                    json!({"Protocol": "TLS 1.0"}),
                );
                self.host(
                    server,
                    139,
                    3,
                    t + secs(0.152),
                    &ha,
                    json!({"ResultCode": "0x80090331", "IPString": client.ip}),
                );
            }
            Failure::BadPassword => {
                let (domain, name) = user.split_once('\\').unwrap_or(("CORP", user));
                self.security(
                    server,
                    4625,
                    t + secs(0.900),
                    json!({
                        "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-",
                        "SubjectLogonId": "0x0", "TargetUserSid": "S-1-0-0", "TargetUserName": name,
                        "TargetDomainName": domain, "Status": "0xc000006d", "FailureReason": "%%2313",
                        "SubStatus": "0xc000006a", "LogonType": 3, "LogonProcessName": "NtLmSsp ",
                        "AuthenticationPackageName": "NTLM", "WorkstationName": client.short,
                        "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0,
                        "ProcessId": "0x0", "ProcessName": "-", "IpAddress": client.ip, "IpPort": "0"
                    }),
                );
                self.host(
                    server,
                    140,
                    3,
                    t + secs(0.910),
                    &ha,
                    json!({"IPString": client.ip}),
                );
            }
        }
        self.host(
            server,
            102,
            4,
            t + secs(0.95),
            &ha,
            json!({"ConnectionName": "RDP-Tcp#9"}),
        );
        self.client(
            client,
            1026,
            t + secs(1.0),
            &ca,
            json!({"Name": "Disconnect Reason", "Value": 2308, "CustomLevel": "Info"}),
        );
    }

    /// Appends a raw line to a machine's file (for damaged-input cases).
    pub fn raw_line(&mut self, machine: &Machine, file: &str, line: &str) {
        let path = format!("{}/{file}", machine.folder());
        self.files.entry(path).or_default().push(line.to_string());
    }

    /// Writes every file under `dir` (one folder per machine).
    pub fn write(&self, dir: &Path) {
        for (path, lines) in &self.files {
            let file = dir.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).expect("create a log folder");
            }
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(&file, text).expect("write a log file");
        }
    }

    /// Records written so far.
    pub fn len(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// The value that must never run as markup in the report.
pub const XSS_TARGET: &str = "<img src=x onerror=alert(1)>";
/// A user name that starts like a spreadsheet formula.
pub const FORMULA_USER: &str = "=HYPERLINK(\"http://evil.example/\",\"click\")";
/// A second formula-like value.
pub const FORMULA_SUM: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

/// A small collection: one client, one host, two failures (private key, bad password) and two
/// successes, with the client's clock 90 s fast.
pub fn small_collection() -> Collection {
    let ws = Machine::new("WS01.corp.example", "WS01", "10.20.0.11").skewed(90.0);
    let srv = Machine::new("SRV01.corp.example", "SRV01", "10.20.0.5");
    let mut c = Collection::new();
    c.success(
        &ws,
        &srv,
        at("2024-03-04T08:01:10.100Z"),
        "CORP\\alice",
        45.0,
    );
    c.failure(
        &ws,
        &srv,
        at("2024-03-04T09:15:02.250Z"),
        Failure::PrivateKey,
        "CORP\\alice",
    );
    c.failure(
        &ws,
        &srv,
        at("2024-03-04T09:15:09.750Z"),
        Failure::PrivateKey,
        "CORP\\alice",
    );
    c.failure(
        &ws,
        &srv,
        at("2024-03-04T10:40:00.000Z"),
        Failure::BadPassword,
        "CORP\\alice",
    );
    c.success(
        &ws,
        &srv,
        at("2024-03-04T11:30:00.000Z"),
        "CORP\\alice",
        20.0,
    );
    c
}

/// A hostile collection: the client's name, the target as typed and user names carry markup
/// and spreadsheet formulas.
pub fn hostile_collection() -> Collection {
    let ws = Machine::new("<svg onload=alert(2)>", "WS-EVIL", "10.66.0.7");
    let srv = Machine::new("SRV66.corp.example", "SRV66", "10.66.0.1");
    let mut c = Collection::new();
    c.failure_typed(
        &ws,
        &srv,
        XSS_TARGET,
        at("2024-05-01T12:00:00Z"),
        Failure::BadPassword,
        &format!("CORP\\{FORMULA_USER}"),
    );
    c.failure_typed(
        &ws,
        &srv,
        XSS_TARGET,
        at("2024-05-01T12:00:30Z"),
        Failure::PrivateKey,
        "CORP\\bob",
    );
    c.success_typed(
        &ws,
        &srv,
        "srv66",
        at("2024-05-01T12:30:00Z"),
        &format!("CORP\\{FORMULA_SUM}"),
        5.0,
    );
    c
}

/// `n` connections between 20 clients and 4 hosts, one every 37 s, about one in four failed.
pub fn large_collection(n: usize) -> Collection {
    let servers: Vec<Machine> = (0..4)
        .map(|i| {
            Machine::new(
                &format!("RDS{i:02}.corp.example"),
                &format!("RDS{i:02}"),
                &format!("10.30.0.{}", 10 + i),
            )
        })
        .collect();
    let clients: Vec<Machine> = (0..20)
        .map(|i| {
            Machine::new(
                &format!("PC{i:03}.corp.example"),
                &format!("PC{i:03}"),
                &format!("10.31.{}.{}", i / 200, 20 + i % 200),
            )
        })
        .collect();
    let start = at("2024-06-03T06:00:00Z");
    let mut c = Collection::new();
    for k in 0..n {
        let client = &clients[k % clients.len()];
        let server = &servers[(k / 7) % servers.len()];
        let t = start + secs(37.0 * k as f64);
        let user = format!("CORP\\user{:03}", k % 150);
        match k % 8 {
            1 => c.failure(client, server, t, Failure::PrivateKey, &user),
            4 => c.failure(client, server, t, Failure::BadPassword, &user),
            6 if k % 16 == 6 => c.failure(client, server, t, Failure::TlsMismatch, &user),
            _ => c.success(client, server, t, &user, 3.0),
        }
    }
    c
}
