//! Synthetic RDP failures, one per cause, built from events with the real channel, provider and
//! field spellings of docs/EVENTS.md, and the variations the property tests apply to them
//! (names, clock skew, time shifts, field renderings, languages, noise).
#![allow(dead_code)]

use std::sync::Arc;

use rdpsleuth_analyzers::{Cause, Diagnoses, diagnose};
use rdpsleuth_parser::catalog::{Catalog, channel};
use rdpsleuth_parser::coverage::Coverage;
use rdpsleuth_parser::{Event, FieldValue, Fields, Guid, Locator, SourceRef, Timestamp};
use rdpsleuth_timelines::{Timelines, build};

/// 2024-05-01T10:00:00Z.
pub const BASE: Timestamp = Timestamp(17_145_576_000_000_000);

/// How a scenario is rendered.
#[derive(Clone, Debug)]
pub struct Variation {
    /// Client host name (FQDN).
    pub client: String,
    /// Server host name (FQDN).
    pub server: String,
    /// Client address.
    pub client_ip: String,
    /// Server address.
    pub server_ip: String,
    /// Server clock minus client clock, ms.
    pub skew_ms: i64,
    /// Added to every time, ms.
    pub shift_ms: i64,
    /// Time between the baseline success and the failure, ms.
    pub gap_ms: i64,
    /// Numbers written as `0x…` hex instead of decimal where Windows may do either.
    pub hex_numbers: bool,
    /// Hex digits in upper case.
    pub upper_hex: bool,
    /// Values padded with spaces.
    pub pad: bool,
    /// Which language the localised texts are in (index into the tables below).
    pub language: usize,
    /// Unrelated events, scanner noise and another user's failures.
    pub noise: bool,
    /// Reverse the order of the events given to the timelines (same-millisecond order varies).
    pub reverse: bool,
}

impl Default for Variation {
    fn default() -> Self {
        Variation {
            client: "WS1.corp.local".into(),
            server: "SRV01.corp.local".into(),
            client_ip: "10.0.0.5".into(),
            server_ip: "10.0.0.10".into(),
            skew_ms: 0,
            shift_ms: 0,
            gap_ms: 3_600_000,
            hex_numbers: false,
            upper_hex: true,
            pad: false,
            language: 0,
            noise: false,
            reverse: false,
        }
    }
}

/// "Keyset does not exist" in several languages.
pub const KEYSET_TEXT: &[&str] = &[
    "Keyset does not exist\r\n",
    "Der Schlüsselsatz ist nicht vorhanden.\r\n",
    "Le jeu de clés n'existe pas.\r\n",
    "El conjunto de claves no existe.\r\n",
    "Il keyset non esiste.\r\n",
    "O conjunto de chaves não existe.\r\n",
    "キー セットがありません。\r\n",
];
/// "stopped" in several languages (SCM 7036 `param2`).
pub const STOPPED_TEXT: &[&str] = &[
    "stopped",
    "beendet",
    "arrêté",
    "detenido",
    "interrotto",
    "parado",
    "停止",
];
/// "Remote Desktop Services" in several languages (SCM `param1`).
pub const TERMSERVICE_TEXT: &[&str] = &[
    "Remote Desktop Services",
    "Remotedesktopdienste",
    "Services Bureau à distance",
    "Servicios de Escritorio remoto",
    "Servizi Desktop remoto",
    "Serviços de Área de Trabalho Remota",
    "リモート デスクトップ サービス",
];

/// Events under construction.
pub struct World {
    pub v: Variation,
    pub events: Vec<Event>,
    record: u64,
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields(
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), FieldValue::Text((*v).into())))
            .collect(),
    )
}

/// A classic event's unnamed `Data` and optional `Binary`.
pub fn data(items: &[&str], binary: Option<&str>) -> Fields {
    let mut f = vec![(
        std::sync::Arc::<str>::from("Data"),
        FieldValue::List(items.iter().map(|s| (*s).into()).collect()),
    )];
    if let Some(b) = binary {
        f.push(("Binary".into(), FieldValue::Text(b.into())));
    }
    Fields(f)
}

/// UTF-16LE hex of a text, NUL-terminated (SCM `Binary`).
pub fn utf16_hex(text: &str) -> String {
    let mut out = String::new();
    for unit in text.encode_utf16().chain(std::iter::once(0)) {
        for b in unit.to_le_bytes() {
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

/// A TermDD 56 `Binary` carrying `status` (stored with the HRESULT_FROM_NT bit).
pub fn termdd_56_binary(status: u32) -> String {
    let mut b = vec![0u8; 40];
    b[2] = 4; // DumpDataSize
    b[4] = 2; // NumberOfStrings
    b[6] = 0x2C;
    b[12..16].copy_from_slice(&0xC00A_0038u32.to_le_bytes());
    let stored = status | 0x1000_0000;
    b.extend_from_slice(&stored.to_le_bytes());
    b.iter().map(|x| format!("{x:02X}")).collect()
}

impl World {
    pub fn new(v: Variation) -> World {
        World {
            v,
            events: Vec::new(),
            record: 0,
        }
    }

    pub fn at(&self, ms: i64) -> Timestamp {
        Timestamp(BASE.0 + (ms + self.v.shift_ms) * 10_000)
    }

    /// A number as Windows might render it.
    pub fn num(&self, n: u64) -> String {
        let s = if self.v.hex_numbers {
            if self.v.upper_hex {
                format!("0x{n:X}")
            } else {
                format!("0x{n:x}")
            }
        } else {
            n.to_string()
        };
        self.pad(&s)
    }

    /// A code that Windows always writes in hex.
    pub fn hex(&self, n: u64) -> String {
        let s = if self.v.upper_hex {
            format!("0x{n:08X}")
        } else {
            format!("0x{n:08x}")
        };
        self.pad(&s)
    }

    pub fn pad(&self, s: &str) -> String {
        if self.v.pad {
            format!(" {s} ")
        } else {
            s.to_string()
        }
    }

    pub fn short(name: &str) -> &str {
        name.split('.').next().unwrap_or(name)
    }

    /// Adds an event logged by `host` at `ms` (on that host's clock).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        host: &str,
        chan: &str,
        provider: &str,
        id: u32,
        ms: i64,
        activity: Option<Guid>,
        f: Fields,
    ) {
        let kind = Catalog::global()
            .lookup(chan, provider, id)
            .unwrap_or_else(|| panic!("not catalogued: {chan} {provider} {id}"));
        if !Catalog::global().keep(kind, &f) {
            return;
        }
        self.record += 1;
        self.events.push(Event {
            time: self.at(ms),
            host: Arc::from(host),
            channel: Arc::from(chan),
            provider: Arc::from(provider),
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
            fields: f,
            rendering: None,
            source: SourceRef {
                input: Arc::from(format!(
                    "{}/{}.evtx",
                    Self::short(host),
                    chan.replace('/', "%4")
                )),
                locator: Locator::Record(self.record),
            },
        });
    }

    fn client_host(&self) -> String {
        self.v.client.clone()
    }

    fn server_host(&self) -> String {
        self.v.server.clone()
    }

    /// A client event at client-clock `ms`.
    pub fn client(&mut self, id: u32, ms: i64, act: Option<Guid>, f: &[(&str, &str)]) {
        let h = self.client_host();
        self.push(
            &h,
            channel::RDP_CLIENT,
            "Microsoft-Windows-TerminalServices-ClientActiveXCore",
            id,
            ms,
            act,
            fields(f),
        );
    }

    /// A server event at server-clock `ms` (the skew applied).
    pub fn server(
        &mut self,
        chan: &str,
        provider: &str,
        id: u32,
        ms: i64,
        act: Option<Guid>,
        f: Fields,
    ) {
        let h = self.server_host();
        let t = ms + self.v.skew_ms;
        self.push(&h, chan, provider, id, t, act, f);
    }

    pub fn corets(&mut self, id: u32, ms: i64, act: Option<Guid>, f: &[(&str, &str)]) {
        self.server(
            channel::RDPCORETS,
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS",
            id,
            ms,
            act,
            fields(f),
        );
    }

    pub fn rcm(&mut self, id: u32, ms: i64, act: Option<Guid>, f: &[(&str, &str)]) {
        self.server(
            channel::RCM,
            "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
            id,
            ms,
            act,
            fields(f),
        );
    }

    pub fn lsm(&mut self, id: u32, ms: i64, act: Option<Guid>, f: &[(&str, &str)]) {
        self.server(
            channel::LSM,
            "Microsoft-Windows-TerminalServices-LocalSessionManager",
            id,
            ms,
            act,
            fields(f),
        );
    }

    pub fn server_system(&mut self, provider: &str, id: u32, ms: i64, f: Fields) {
        self.server(channel::SYSTEM, provider, id, ms, None, f);
    }

    pub fn server_security(&mut self, id: u32, ms: i64, f: &[(&str, &str)]) {
        self.server(
            channel::SECURITY,
            "Microsoft-Windows-Security-Auditing",
            id,
            ms,
            None,
            fields(f),
        );
    }

    pub fn client_system(&mut self, provider: &str, id: u32, ms: i64, f: Fields) {
        let h = self.client_host();
        self.push(&h, channel::SYSTEM, provider, id, ms, None, f);
    }

    /// A client attempt: 1024, 1102, (1025), then 1027 or 1026 with `reason`.
    pub fn attempt(&mut self, act: Guid, ms: i64, reason: u32, connected: bool, logged_on: bool) {
        let a = Some(act);
        let target = Self::short(&self.v.server).to_lowercase();
        let server_ip = self.v.server_ip.clone();
        self.client(1024, ms, a, &[("Name", "Server Name"), ("Value", &target)]);
        self.client(
            1102,
            ms + 20,
            a,
            &[("Name", "ServerAddress"), ("Value", &server_ip)],
        );
        if connected {
            self.client(1025, ms + 50, a, &[]);
        }
        if logged_on {
            self.client(
                1027,
                ms + 3_000,
                a,
                &[("DomainName", "CORP"), ("SessionId", "2")],
            );
        }
        let reason_text = self.num(u64::from(reason));
        self.client(
            1026,
            ms + if logged_on { 60_000 } else { 1_500 },
            a,
            &[("Name", "Disconnect Reason"), ("Value", &reason_text)],
        );
    }

    /// The start of a host connection: 131, 261.
    pub fn accepted(&mut self, act: Guid, ms: i64, port: u16) {
        let a = Some(act);
        let ip_port = format!("{}:{port}", self.v.client_ip);
        self.corets(131, ms, a, &[("ConnType", "TCP"), ("ClientIP", &ip_port)]);
        self.rcm(261, ms + 5, a, &[("listenerName", "RDP-Tcp")]);
    }

    /// RDP connection object created: 65, 72.
    pub fn stack_started(&mut self, act: Guid, ms: i64) {
        let a = Some(act);
        self.corets(65, ms, a, &[("ConnectionName", "RDP-Tcp#3")]);
        self.corets(72, ms + 2, a, &[("MethodName", "PrepareForAccept")]);
    }

    /// A successful connection at client-clock `ms`.
    pub fn success(&mut self, n: u128, ms: i64) {
        let act = Guid(0x1000 + n);
        let host = Guid(0xf420_0000_0000_0000_0000_0000_0000_0000 | (n << 16));
        self.attempt(act, ms, 1, true, true);
        self.accepted(host, ms + 80, 50_000 + n as u16);
        self.stack_started(host, ms + 90);
        self.corets(153, ms + 300, Some(host), &[("TLSVersion", "TLS 1.2")]);
        let ip = self.v.client_ip.clone();
        self.rcm(
            1149,
            ms + 2_000,
            Some(host),
            &[("Param1", "alice"), ("Param2", "CORP"), ("Param3", &ip)],
        );
        self.lsm(
            21,
            ms + 2_500,
            Some(host),
            &[
                ("User", "CORP\\alice"),
                ("SessionID", "2"),
                ("Address", &ip),
            ],
        );
        self.corets(
            66,
            ms + 2_600,
            Some(host),
            &[("ConnectionName", "RDP-Tcp#3"), ("SessionID", "2")],
        );
    }

    /// Noise: an Internet scanner's connections with Schannel errors, another user's bad
    /// password from another address, unrelated services starting.
    pub fn noise(&mut self, around: i64) {
        for k in 0..6u128 {
            let act = Guid(0xf420_0000_0000_0000_0000_0000_ffff_0000 | (k << 16));
            let ms = around - 20_000 + k as i64 * 7_000;
            let ip = format!("198.51.100.{}:4{k}000", 10 + k);
            self.corets(
                131,
                ms,
                Some(act),
                &[("ConnType", "TCP"), ("ClientIP", &ip)],
            );
            self.corets(65, ms + 10, Some(act), &[("ConnectionName", "RDP-Tcp#9")]);
            self.server_system(
                "Schannel",
                36874,
                ms + 20,
                fields(&[("Protocol", "TLS 1.0")]),
            );
            self.server_system(
                "Schannel",
                36888,
                ms + 21,
                fields(&[("AlertDesc", "40"), ("ErrorState", "1205")]),
            );
            self.corets(102, ms + 40, Some(act), &[]);
        }
        self.server_security(
            4625,
            around - 9_000,
            &[
                ("TargetUserName", "mallory"),
                ("TargetDomainName", "CORP"),
                ("Status", "0xc000006d"),
                ("SubStatus", "0xc000006a"),
                ("LogonType", "3"),
                ("IpAddress", "203.0.113.77"),
                ("IpPort", "0"),
            ],
        );
        self.server_system(
            "Service Control Manager",
            7036,
            around - 30_000,
            fields(&[
                ("param1", "Windows Update"),
                ("param2", "running"),
                ("Binary", &utf16_hex("wuauserv/4")),
            ]),
        );
        self.client_system(
            "Service Control Manager",
            7036,
            around - 25_000,
            fields(&[
                ("param1", "Background Intelligent Transfer Service"),
                ("param2", "stopped"),
                ("Binary", &utf16_hex("BITS/1")),
            ]),
        );
    }
}

/// The failing attempt's ids.
pub const FAIL_CLIENT: Guid = Guid(0x2000);
pub const FAIL_HOST: Guid = Guid(0xf420_0000_0000_0000_0000_0000_0abc_0000);

/// Builds the events of a scenario whose failure has cause `cause`.
pub fn scenario(cause: Cause, v: &Variation) -> Vec<Event> {
    let mut w = World::new(v.clone());
    w.success(1, 0);
    let t = v.gap_ms;
    let port = 51_000;
    let lang = v.language % KEYSET_TEXT.len();
    let ip = v.client_ip.clone();
    let server_short = World::short(&v.server).to_string();
    match cause {
        Cause::CertExpired => {
            for day in [2, 1] {
                w.server_system(
                    "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
                    1058,
                    t - day * 86_400_000,
                    data(
                        &["The certificate is not valid for the requested usage.\r\n"],
                        None,
                    ),
                );
            }
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            let alert = w.num(45);
            w.server_system("Schannel", 36887, t + 200, fields(&[("AlertDesc", &alert)]));
            w.corets(102, t + 400, Some(FAIL_HOST), &[]);
        }
        Cause::PrivateKeyAccess => {
            w.server_system(
                "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
                1057,
                t - 3_600_000,
                data(&[KEYSET_TEXT[lang]], None),
            );
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            let rc = w.hex(0x8009_0016);
            w.server_security(
                5061,
                t + 100,
                &[
                    ("SubjectUserSid", "S-1-5-20"),
                    ("ProviderName", "Microsoft Software Key Storage Provider"),
                    ("AlgorithmName", "RSA"),
                    ("KeyName", "TSSecKeySet1"),
                    ("KeyType", "%%2499"),
                    ("Operation", "%%2480"),
                    ("ReturnCode", &rc),
                ],
            );
            let code = w.hex(0x8009_030D);
            let state = w.num(10001);
            w.server_system(
                "Schannel",
                36870,
                t + 110,
                fields(&[
                    ("Type", "server"),
                    ("ErrorCode", &code),
                    ("ErrorStatus", &state),
                ]),
            );
            w.corets(102, t + 400, Some(FAIL_HOST), &[]);
        }
        Cause::TlsMismatch => {
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.server_system(
                "Schannel",
                36874,
                t + 120,
                fields(&[("Protocol", "TLS 1.0")]),
            );
            let alert = w.num(40);
            w.server_system(
                "Schannel",
                36888,
                t + 121,
                fields(&[("AlertDesc", &alert), ("ErrorState", "1205")]),
            );
            let rc = w.hex(0x8009_0331);
            w.corets(
                139,
                t + 130,
                Some(FAIL_HOST),
                &[("ResultCode", &rc), ("IPString", &ip)],
            );
            w.corets(102, t + 400, Some(FAIL_HOST), &[]);
        }
        Cause::CredsspNla => {
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            let spn = format!("TERMSRV/{}", server_short.to_lowercase());
            w.client_system("LsaSrv", 6041, t + 900, data(&[&spn, "4"], None));
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.corets(153, t + 300, Some(FAIL_HOST), &[("TLSVersion", "TLS 1.2")]);
            w.corets(102, t + 1_000, Some(FAIL_HOST), &[]);
        }
        Cause::SecuritySoftware => {
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            let err = w.num(64);
            w.corets(143, t + 150, Some(FAIL_HOST), &[("error", &err)]);
            w.corets(102, t + 160, Some(FAIL_HOST), &[]);
            let mut fields_app = data(
                &[&format!(
                    "Intrusion prevention blocked inbound RDP connection from {ip} to port 3389"
                )],
                None,
            );
            fields_app
                .0
                .push(("Rule".into(), FieldValue::Text("RDP brute force".into())));
            w.server(
                channel::APPLICATION,
                "Sophos Endpoint Defense",
                42,
                t + 140,
                None,
                fields_app,
            );
        }
        Cause::FirewallBlock => {
            w.server(
                channel::FIREWALL,
                "Microsoft-Windows-Windows Firewall With Advanced Security",
                2006,
                t - 86_400_000 / 2,
                None,
                fields(&[
                    ("RuleId", "RemoteDesktop-UserMode-In-TCP"),
                    ("RuleName", "Remote Desktop - User Mode (TCP-In)"),
                    ("ModifyingApplication", "C:\\Windows\\System32\\netsh.exe"),
                ]),
            );
            w.attempt(FAIL_CLIENT, t, 516, false, false);
            let sip = v.server_ip.clone();
            for k in 0..3 {
                w.server_security(
                    5152,
                    t + 10 + k * 500,
                    &[
                        ("ProcessId", "0"),
                        ("Application", "-"),
                        ("Direction", "%%14592"),
                        ("SourceAddress", &ip),
                        ("SourcePort", "51000"),
                        ("DestAddress", &sip),
                        ("DestPort", "3389"),
                        ("Protocol", "6"),
                        ("FilterRTID", "0"),
                        ("LayerName", "%%14597"),
                    ],
                );
            }
        }
        Cause::GatewayCertMismatch => {
            let a = Some(FAIL_CLIENT);
            w.client(
                1024,
                t,
                a,
                &[("Name", "Server Name"), ("Value", "rdsh01.corp.local")],
            );
            w.client(1025, t + 400, a, &[]);
            w.client_system(
                "Schannel",
                36884,
                t + 500,
                fields(&[("Name", "gateway.corp.example")]),
            );
            let reason = w.num(50_331_654);
            w.client(
                1026,
                t + 900,
                a,
                &[("Name", "Disconnect Reason"), ("Value", &reason)],
            );
        }
        Cause::Network => {
            w.client(1104, t - 5_000, None, &[("Name", "Reason"), ("Value", "1")]);
            w.push(
                &v.client.clone(),
                channel::APPLICATION,
                "RasClient",
                20226,
                t - 4_000,
                None,
                data(
                    &[
                        "CoId={1}",
                        "corp-vpn",
                        "The connection was terminated by the remote computer.",
                    ],
                    None,
                ),
            );
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.corets(153, t + 300, Some(FAIL_HOST), &[("TLSVersion", "TLS 1.2")]);
            let err = w.num(64);
            w.corets(142, t + 1_200, Some(FAIL_HOST), &[("error", &err)]);
            w.server_system(
                "TermDD",
                56,
                t + 1_300,
                data(
                    &["\\Device\\Termdd", &ip],
                    Some(&termdd_56_binary(0xC000_00B5)),
                ),
            );
            w.corets(102, t + 1_400, Some(FAIL_HOST), &[]);
        }
        Cause::ServiceUnavailable => {
            let display = TERMSERVICE_TEXT[lang];
            let stopped = STOPPED_TEXT[lang];
            w.server_system(
                "Service Control Manager",
                7036,
                t - 600_000,
                fields(&[("param1", display), ("param2", stopped)]),
            );
            w.attempt(FAIL_CLIENT, t, 516, false, false);
        }
        Cause::DomainTrust => {
            w.server_system(
                "NETLOGON",
                5719,
                t - 1_800_000,
                data(&["CORP", "%%1311"], Some("5E0000C0")),
            );
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.corets(153, t + 300, Some(FAIL_HOST), &[("TLSVersion", "TLS 1.2")]);
            let status = w.hex(0xC000_018D);
            w.server_security(
                4625,
                t + 600,
                &[
                    ("TargetUserName", "alice"),
                    ("TargetDomainName", "CORP"),
                    ("Status", &status),
                    ("SubStatus", "0x0"),
                    ("FailureReason", "%%2304"),
                    ("LogonType", "3"),
                    ("LogonProcessName", "NtLmSsp "),
                    ("IpAddress", &ip),
                    ("IpPort", "0"),
                ],
            );
            w.corets(102, t + 900, Some(FAIL_HOST), &[]);
        }
        Cause::SessionStuck => {
            w.lsm(44, t - 900_000, None, &[("Session", "2")]);
            w.lsm(51, t - 600_000, None, &[("Session", "2")]);
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.corets(153, t + 300, Some(FAIL_HOST), &[("TLSVersion", "TLS 1.2")]);
            w.rcm(
                1149,
                t + 1_000,
                Some(FAIL_HOST),
                &[("Param1", "alice"), ("Param2", "CORP"), ("Param3", &ip)],
            );
            w.lsm(
                41,
                t + 1_100,
                Some(FAIL_HOST),
                &[("User", "CORP\\alice"), ("SessionID", "2")],
            );
            w.server_system(
                "TermDD",
                56,
                t + 1_200,
                data(
                    &["\\Device\\Termdd", &ip],
                    Some(&termdd_56_binary(0xC000_0184)),
                ),
            );
            w.corets(102, t + 1_300, Some(FAIL_HOST), &[]);
        }
        Cause::LogonDenied => {
            w.attempt(FAIL_CLIENT, t, 2308, true, false);
            w.accepted(FAIL_HOST, t + 80, port);
            w.stack_started(FAIL_HOST, t + 90);
            w.corets(153, t + 300, Some(FAIL_HOST), &[("TLSVersion", "TLS 1.2")]);
            let status = w.hex(0xC000_006D);
            let sub = w.hex(0xC000_0234);
            w.server_security(
                4625,
                t + 600,
                &[
                    ("TargetUserName", "bob"),
                    ("TargetDomainName", "CORP"),
                    ("Status", &status),
                    ("SubStatus", &sub),
                    ("FailureReason", "%%2307"),
                    ("LogonType", "3"),
                    ("LogonProcessName", "NtLmSsp "),
                    ("IpAddress", &ip),
                    ("IpPort", "0"),
                ],
            );
            w.corets(140, t + 620, Some(FAIL_HOST), &[("IPString", &ip)]);
            w.corets(102, t + 900, Some(FAIL_HOST), &[]);
        }
        Cause::Unknown => {
            // Only the client's side, and the server's logs end before the failure.
            w.attempt(FAIL_CLIENT, t + 3 * 86_400_000, 2308, true, false);
        }
    }
    if v.noise {
        w.noise(t);
    }
    let mut events = w.events;
    if v.reverse {
        events.reverse();
    }
    events
}

/// Builds the timelines and diagnoses of a set of events (no input reports: coverage from the
/// events themselves).
pub fn analyse(events: Vec<Event>) -> (Timelines, Diagnoses) {
    let t = build(events, &[]);
    let d = diagnose(&t, &Coverage::default());
    (t, d)
}

/// The diagnosis of the failed attempt of a scenario.
pub fn failed_cause(t: &Timelines, d: &Diagnoses) -> Option<(Cause, f64)> {
    let k = t
        .connections
        .iter()
        .position(|c| c.client_activity_id == Some(FAIL_CLIENT))?;
    d.of(k).map(|x| (x.cause, x.confidence))
}

/// An event as `evtx_dump -o jsonl` prints it (named data as `EventData`; a classic `Data`
/// list as `Data.#text`).
pub fn to_evtx_json(e: &Event) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut data = Map::new();
    for (name, value) in e.fields.iter() {
        let v = match value {
            FieldValue::Null => Value::Null,
            FieldValue::Text(t) => Value::String(t.to_string()),
            FieldValue::List(items) => {
                json!({ "#text": items.iter().map(|s| s.to_string()).collect::<Vec<_>>() })
            }
        };
        data.insert(name.to_string(), v);
    }
    let mut system = json!({
        "Provider": { "#attributes": { "Name": e.provider.to_string() } },
        "EventID": e.event_id,
        "Level": 4,
        "TimeCreated": { "#attributes": { "SystemTime": e.time.to_rfc3339() } },
        "EventRecordID": e.record_id,
        "Channel": e.channel.to_string(),
        "Computer": e.host.to_string(),
    });
    if let Some(g) = e.activity_id {
        system["Correlation"] = json!({ "#attributes": { "ActivityID": g.to_string() } });
    }
    json!({ "Event": { "System": system, "EventData": Value::Object(data) } })
}

/// Writes events as JSONL files, one per host, into `dir`.
pub fn write_bundle(dir: &std::path::Path, events: &[Event]) {
    let mut by_host: std::collections::BTreeMap<String, String> = Default::default();
    for e in events {
        let line = to_evtx_json(e).to_string();
        let file = by_host
            .entry(World::short(&e.host).to_lowercase())
            .or_default();
        file.push_str(&line);
        file.push('\n');
    }
    std::fs::create_dir_all(dir).unwrap();
    for (host, text) in by_host {
        std::fs::write(dir.join(format!("{host}.jsonl")), text).unwrap();
    }
}

/// Every cause with a scenario.
pub fn scenario_causes() -> Vec<Cause> {
    Cause::all().collect()
}
