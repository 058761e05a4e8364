//! The event catalog: the one table of which Windows events matter to an RDP failure.
//!
//! Only records that match a [`CatalogEntry`] become [`crate::Event`]s. Each entry names the
//! channel, the provider(s), the event ids, the side of the connection it is logged on, the
//! area it speaks about and what it means. Sources: `docs/EVENTS.md` §3 (the field reference).
//!
//! Matching is cheap by design: readers first ask [`Catalog::may_match_id`] (a bitset lookup on
//! the event id alone) before rendering a record, then [`Catalog::lookup`] on channel, provider
//! and id, then [`Catalog::keep`] on the rendered fields for the few high-volume ids (WFP, logons,
//! key operations) where only the RDP-related records are kept.

use std::fmt;
use std::sync::OnceLock;

use foldhash::HashMap;
use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::event::{FieldValue, Fields};

/// Which machine of the connection logs an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The machine running the RDP client (mstsc).
    Client,
    /// The machine accepting the connection.
    Host,
    /// Either machine (Schannel, Security, firewall, security software…).
    Either,
}

/// What an event speaks about; the timeline and the rules group evidence by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The RDP client's own connection events (ClientActiveXCore).
    ClientRdp,
    /// The host's RDP stack (RdpCoreTS, RemoteConnectionManager Operational).
    HostRdp,
    /// Sessions on the host (LocalSessionManager).
    Session,
    /// Logons and session reconnects in the Security log.
    Logon,
    /// The RDP certificate and certificate chains (RCM System 105x, CAPI2).
    Certificate,
    /// TLS (Schannel) and the RDP security layer (TermDD).
    Tls,
    /// Private-key operations (Security 5058/5059/5061).
    Key,
    /// CredSSP / NLA negotiation and authentication packages (LsaSrv).
    Authentication,
    /// Domain trust and domain controllers (NETLOGON, LsaSrv 4096x, Kerberos).
    Trust,
    /// Services starting, stopping, failing; listeners; reboots.
    Service,
    /// Name resolution, network profiles, VPN.
    Network,
    /// Packet filtering and firewall configuration (WFP, Windows Firewall, pfirewall.log).
    Firewall,
    /// Antivirus / EDR products.
    SecuritySoftware,
    /// RD Gateway.
    Gateway,
    /// Clock changes and time synchronisation.
    Clock,
    /// The audit trail itself (log cleared).
    Audit,
}

/// Which providers an entry accepts.
#[derive(Clone, Copy, Debug)]
pub enum ProviderMatch {
    /// Any of these names (case-insensitive).
    Names(&'static [&'static str]),
    /// Names matching this regex (case-insensitive).
    Pattern(&'static str),
}

/// Which channels an entry accepts.
#[derive(Clone, Copy, Debug)]
pub enum ChannelMatch {
    /// This channel (case-insensitive).
    Name(&'static str),
    /// Channels matching this regex (case-insensitive).
    Pattern(&'static str),
}

/// Which event ids an entry accepts.
#[derive(Clone, Copy, Debug)]
pub enum IdMatch {
    /// Exactly these ids.
    List(&'static [u32]),
    /// Every id of the channel and provider.
    Any,
}

/// A post-render filter for high-volume events: keep only the records that can bear on RDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Keep every record.
    All,
    /// Keep when one of these port fields holds an RDP port (see [`Catalog::keep`]).
    RdpPort(&'static [&'static str]),
    /// Keep remote logons: `LogonType` 3, 7, 10, 11 or 12 with a non-local `IpAddress`.
    RemoteLogon,
    /// Keep key operations on the RDP key or under MachineKeys, and every failed one.
    RdpKeyOperation,
    /// Keep a service state change (SCM 7036, whose `Binary` reads `Key/state`) only when the
    /// service is one of [`RDP_SERVICES`] or a security product (key or `param1` matching
    /// [`SECURITY_VENDOR_PATTERN`]); every other SCM record (failures, start types, installs,
    /// and state changes whose service cannot be told) is kept.
    RdpServiceState,
    /// Keep Security Center records unless their `Data` only reports that a product not
    /// matching [`SECURITY_VENDOR_PATTERN`] (Defender) is on, as it does every few minutes.
    SecurityProductChange,
}

impl Keep {
    /// The only fields [`Catalog::keep`] reads for this filter, so that a reader can decide
    /// from them before building the whole record; `None` when the filter needs every field.
    pub fn fields(self) -> Option<&'static [&'static str]> {
        match self {
            Keep::All => Some(&[]),
            Keep::RdpPort(ports) => Some(ports),
            Keep::RemoteLogon => Some(&["LogonType", "IpAddress"]),
            Keep::RdpKeyOperation => Some(&["KeyName", "KeyFilePath", "ReturnCode"]),
            Keep::RdpServiceState => Some(&["Binary", "param1"]),
            Keep::SecurityProductChange => Some(&["Data"]),
        }
    }
}

/// A service whose state changes can bear on an RDP connection.
#[derive(Clone, Copy, Debug)]
pub struct RdpService {
    /// The service key name (case-insensitive, as Windows treats it).
    pub key: &'static str,
    /// Why its state matters.
    pub why: &'static str,
}

const fn service(key: &'static str, why: &'static str) -> RdpService {
    RdpService { key, why }
}

/// The services whose state changes (SCM 7036) are kept; state changes of other services are
/// most of a System log and say nothing about RDP. Security products are kept by
/// [`SECURITY_VENDOR_PATTERN`] instead. Source: EVENTS.md §3.8 and the cause matrix (§4).
pub static RDP_SERVICES: &[RdpService] = &[
    service("TermService", "accepts RDP connections"),
    service("UmRdpService", "redirects devices into RDP sessions"),
    service(
        "SessionEnv",
        "configures RDP sessions and their certificate",
    ),
    service("TSGateway", "RD Gateway"),
    service("TermServLicensing", "RD Licensing"),
    service("Tssdis", "RD Connection Broker"),
    service("mpssvc", "the Windows firewall"),
    service(
        "BFE",
        "the filtering engine firewalls and security products use",
    ),
    service("WinDefend", "Microsoft Defender Antivirus"),
    service("WdNisSvc", "Defender network inspection"),
    service("Sense", "Defender for Endpoint"),
    service("SecurityHealthService", "Windows Security"),
    service("wscsvc", "Security Center"),
    service("KeyIso", "holds the RDP certificate's private key"),
    service("CertPropSvc", "certificate propagation (smart cards)"),
    service("SamSs", "local accounts and logons"),
    service("Netlogon", "the secure channel to the domain"),
    service("Kdc", "Kerberos on domain controllers"),
    service("NlaSvc", "network location: the firewall profile"),
    service("netprofm", "network list: the firewall profile"),
    service("Dnscache", "name resolution"),
    service("RasMan", "VPN connections"),
    service("IKEEXT", "IPsec and VPN keying"),
    service("PolicyAgent", "IPsec policy"),
    service("RemoteAccess", "routing and remote access"),
    service("W32Time", "the clock"),
    service("EventLog", "the logs themselves"),
    service("gpsvc", "group policy (RDP, NLA and firewall settings)"),
];

/// True when `key` names one of [`RDP_SERVICES`].
pub fn is_rdp_service(key: &str) -> bool {
    let key = key.trim();
    RDP_SERVICES.iter().any(|s| s.key.eq_ignore_ascii_case(key))
}

/// The service key and state an SCM 7036 `Binary` holds (hex of NUL-terminated UTF-16LE
/// `"Key/state"`, e.g. `WerSvc/4`); `None` when it is not that shape (other SCM events hold
/// the key alone).
pub fn service_state_binary(hex: &str) -> Option<(String, u32)> {
    let hex = hex.trim().as_bytes();
    if hex.len() % 4 != 0 || hex.len() > 4 * 600 {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    let mut units = Vec::with_capacity(hex.len() / 4);
    for quad in hex.chunks_exact(4) {
        let mut bytes = [0u8; 2];
        for (byte, pair) in bytes.iter_mut().zip(quad.chunks_exact(2)) {
            let (Some(high), Some(low)) = (
                pair.first().copied().and_then(digit),
                pair.get(1).copied().and_then(digit),
            ) else {
                return None;
            };
            *byte = (high * 16 + low) as u8;
        }
        let unit = u16::from_le_bytes(bytes);
        if unit == 0 {
            break;
        }
        units.push(unit);
    }
    let text = String::from_utf16(&units).ok()?;
    let (key, state) = text.rsplit_once('/')?;
    let plausible = !key.is_empty() && key.chars().all(|c| c == ' ' || c.is_ascii_graphic());
    let state = state.parse::<u32>().ok().filter(|_| plausible)?;
    Some((key.to_string(), state))
}

/// One row of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct CatalogEntry {
    /// Stable short name of the entry, e.g. `rdpclient`, `schannel`.
    pub key: &'static str,
    /// The channel.
    pub channel: ChannelMatch,
    /// The provider(s).
    pub provider: ProviderMatch,
    /// The event ids.
    pub ids: IdMatch,
    /// Which side logs it.
    pub side: Side,
    /// What it speaks about.
    pub area: Area,
    /// Post-render filter.
    pub keep: Keep,
    /// What the events mean, in a line.
    pub about: &'static str,
}

/// Channel names used by the catalog and the later stages.
pub mod channel {
    /// RDP client (mstsc / ClientActiveXCore).
    pub const RDP_CLIENT: &str = "Microsoft-Windows-TerminalServices-RDPClient/Operational";
    /// Host RDP stack.
    pub const RDPCORETS: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational";
    /// Host RDP stack, admin channel.
    pub const RDPCORETS_ADMIN: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Admin";
    /// Remote Connection Manager.
    pub const RCM: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
    /// Remote Connection Manager, admin channel.
    pub const RCM_ADMIN: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin";
    /// Local Session Manager.
    pub const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";
    /// RD Gateway.
    pub const GATEWAY: &str = "Microsoft-Windows-TerminalServices-Gateway/Operational";
    /// The System log.
    pub const SYSTEM: &str = "System";
    /// The Security log.
    pub const SECURITY: &str = "Security";
    /// The Application log.
    pub const APPLICATION: &str = "Application";
    /// CAPI2 (disabled by default).
    pub const CAPI2: &str = "Microsoft-Windows-CAPI2/Operational";
    /// Windows Firewall's event channel.
    pub const FIREWALL: &str = "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall";
    /// Microsoft Defender Antivirus.
    pub const DEFENDER: &str = "Microsoft-Windows-Windows Defender/Operational";
    /// Network profiles (connected / disconnected networks).
    pub const NETWORK_PROFILE: &str = "Microsoft-Windows-NetworkProfile/Operational";
    /// Lines of the Windows Firewall text log (`pfirewall.log`), as rdpsleuth names them.
    pub const FIREWALL_LOG: &str = "pfirewall.log";
}

/// Provider name rdpsleuth gives to `pfirewall.log` lines.
pub const FIREWALL_LOG_PROVIDER: &str = "Windows Firewall log";
/// Event ids rdpsleuth gives to `pfirewall.log` lines, by action.
pub mod firewall_log_id {
    /// `DROP`.
    pub const DROP: u32 = 1;
    /// `ALLOW`.
    pub const ALLOW: u32 = 2;
    /// `INFO-EVENTS-LOST` and other actions.
    pub const OTHER: u32 = 3;
}

/// Vendors of security software whose events in `Application` (or their own channels) are kept.
/// Matched case-insensitively against provider and channel names.
pub const SECURITY_VENDOR_PATTERN: &str = r"(?i)symantec|norton|mcafee|trellix|sophos|crowdstrike|csfalcon|bitdefender|eset|kaspersky|trend ?micro|sentinel ?one|sentinelagent|cylance|carbon ?black|cbdefense|webroot|avast|\bavg\b|malwarebytes|f-secure|withsecure|panda|cortex|\btraps\b|forti(client|net)|check ?point|zonealarm|comodo|emsisoft|gdata|g data|vipre|cisco (amp|secure endpoint)|immunet|elastic (agent|endpoint)|cybereason|deep instinct|harfanglab|tanium";

const RDPCLIENT_PROVIDERS: &[&str] = &["Microsoft-Windows-TerminalServices-ClientActiveXCore"];
const RDPCORETS_PROVIDERS: &[&str] = &["Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"];
const RCM_PROVIDERS: &[&str] = &[
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
    "TermService",
];
const LSM_PROVIDERS: &[&str] = &["Microsoft-Windows-TerminalServices-LocalSessionManager"];
const SECURITY_PROVIDERS: &[&str] = &["Microsoft-Windows-Security-Auditing"];
const FIREWALL_PROVIDERS: &[&str] = &["Microsoft-Windows-Windows Firewall With Advanced Security"];
const WFP_PORTS: &[&str] = &["SourcePort", "DestPort"];

/// The catalog table.
pub static ENTRIES: &[CatalogEntry] = &[
    // ---- client -------------------------------------------------------------------------
    CatalogEntry {
        key: "rdpclient",
        channel: ChannelMatch::Name(channel::RDP_CLIENT),
        provider: ProviderMatch::Names(RDPCLIENT_PROVIDERS),
        ids: IdMatch::List(&[
            1024, 1025, 1026, 1027, 1028, 1029, 1033, 1102, 1103, 1104, 1105, 226, 1401, 1402,
            1403, 1404, 1405,
        ]),
        side: Side::Client,
        area: Area::ClientRdp,
        keep: Keep::All,
        about: "RDP client connection attempt: start (1024), transport up (1025), disconnect reason (1026), logon done (1027), state errors (226), UDP transport (1102-1105)",
    },
    CatalogEntry {
        key: "credssp",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["LsaSrv", "Microsoft-Windows-LsaSrv"]),
        ids: IdMatch::List(&[6037, 6038, 6039, 6041, 40960, 40961, 40962]),
        side: Side::Either,
        area: Area::Authentication,
        keep: Keep::All,
        about: "CredSSP version refused by Encryption Oracle Remediation (6041), NTLM use (6038), authentication failures for a target (40960/40961)",
    },
    CatalogEntry {
        key: "dns_client",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["Microsoft-Windows-DNS-Client"]),
        ids: IdMatch::List(&[1014]),
        side: Side::Either,
        area: Area::Network,
        keep: Keep::All,
        about: "name resolution timed out (1014)",
    },
    // ---- host RDP stack --------------------------------------------------------------------
    CatalogEntry {
        key: "rdpcorets",
        channel: ChannelMatch::Name(channel::RDPCORETS),
        provider: ProviderMatch::Names(RDPCORETS_PROVIDERS),
        ids: IdMatch::List(&[
            65, 66, 68, 72, 97, 98, 99, 100, 101, 102, 103, 104, 129, 131, 135, 136, 138, 139, 140,
            141, 142, 143, 145, 146, 147, 148, 149, 151, 152, 153, 154, 162, 168, 169, 226, 227,
            228, 229,
        ]),
        side: Side::Host,
        area: Area::HostRdp,
        keep: Keep::All,
        about: "host RDP stack per connection: accepted (131), security-layer error (139), bad credentials (140), socket errors (142/143), TLS version (153), teardown (102/103)",
    },
    CatalogEntry {
        key: "rdpcorets_admin",
        channel: ChannelMatch::Name(channel::RDPCORETS_ADMIN),
        provider: ProviderMatch::Names(RDPCORETS_PROVIDERS),
        ids: IdMatch::Any,
        side: Side::Host,
        area: Area::HostRdp,
        keep: Keep::All,
        about: "host RDP stack errors (admin channel)",
    },
    CatalogEntry {
        key: "rcm",
        channel: ChannelMatch::Name(channel::RCM),
        provider: ProviderMatch::Names(RCM_PROVIDERS),
        ids: IdMatch::List(&[
            256, 257, 258, 259, 260, 261, 262, 1149, 1150, 1158, 20499, 20500,
        ]),
        side: Side::Host,
        area: Area::HostRdp,
        keep: Keep::All,
        about: "listener received a connection (261), user authentication succeeded (1149), listener start/stop/failure (258-262)",
    },
    CatalogEntry {
        key: "rcm_admin",
        channel: ChannelMatch::Name(channel::RCM_ADMIN),
        provider: ProviderMatch::Names(RCM_PROVIDERS),
        ids: IdMatch::Any,
        side: Side::Host,
        area: Area::HostRdp,
        keep: Keep::All,
        about: "Remote Connection Manager errors (admin channel)",
    },
    CatalogEntry {
        key: "rcm_system",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(RCM_PROVIDERS),
        ids: IdMatch::List(&[
            1050, 1051, 1052, 1053, 1054, 1055, 1056, 1057, 1058, 1059, 1060, 1061, 1062, 1063,
            1064, 1065, 1067, 1070, 1071,
        ]),
        side: Side::Host,
        area: Area::Certificate,
        keep: Keep::All,
        about: "RDP certificate created (1056), creation failed (1057), expired certificate not replaced (1058), custom certificate problems (1050-1065), SPN registration failed (1067), logons refused (1070/1071)",
    },
    CatalogEntry {
        key: "lsm",
        channel: ChannelMatch::Name(channel::LSM),
        provider: ProviderMatch::Names(LSM_PROVIDERS),
        ids: IdMatch::List(&[
            21, 22, 23, 24, 25, 34, 36, 37, 39, 40, 41, 42, 43, 44, 45, 48, 49, 50, 51, 52, 53, 54,
        ]),
        side: Side::Host,
        area: Area::Session,
        keep: Keep::All,
        about: "session logon/logoff/disconnect/reconnect (21-25), disconnect reasons (39/40), arbitration (41/42), hung session transitions (36/37, 43-53)",
    },
    CatalogEntry {
        key: "termdd",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["TermDD"]),
        ids: IdMatch::List(&[50, 56]),
        side: Side::Host,
        area: Area::Tls,
        keep: Keep::All,
        about: "RDP protocol or security-layer error in the stream; the client was disconnected (status in Binary)",
    },
    CatalogEntry {
        key: "gateway",
        channel: ChannelMatch::Name(channel::GATEWAY),
        provider: ProviderMatch::Names(&["Microsoft-Windows-TerminalServices-Gateway"]),
        ids: IdMatch::Any,
        side: Side::Host,
        area: Area::Gateway,
        keep: Keep::All,
        about: "RD Gateway authorisation, connection and disconnection",
    },
    // ---- TLS, certificates, keys ------------------------------------------------------------
    CatalogEntry {
        key: "schannel",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["Schannel"]),
        ids: IdMatch::List(&[
            36867, 36868, 36870, 36871, 36872, 36874, 36876, 36877, 36880, 36881, 36882, 36883,
            36884, 36885, 36886, 36887, 36888,
        ]),
        side: Side::Either,
        area: Area::Tls,
        keep: Keep::All,
        about: "TLS: private key inaccessible (36870), credential creation failed (36871), no common cipher (36874), certificate errors (36876-36884), alerts received/sent (36887/36888)",
    },
    CatalogEntry {
        key: "capi2",
        channel: ChannelMatch::Name(channel::CAPI2),
        provider: ProviderMatch::Names(&["Microsoft-Windows-CAPI2"]),
        ids: IdMatch::List(&[11, 30, 41, 42, 53, 70, 90]),
        side: Side::Either,
        area: Area::Certificate,
        keep: Keep::All,
        about: "certificate chain built (11), chain policy verified (30), revocation (41/42/53), private key acquired (70), certificate details (90)",
    },
    CatalogEntry {
        key: "key_operations",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(SECURITY_PROVIDERS),
        ids: IdMatch::List(&[5058, 5059, 5061]),
        side: Side::Either,
        area: Area::Key,
        keep: Keep::RdpKeyOperation,
        about: "key file operation (5058), key migration (5059), cryptographic operation (5061) with return code",
    },
    // ---- logons ---------------------------------------------------------------------------
    CatalogEntry {
        key: "logon",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(SECURITY_PROVIDERS),
        ids: IdMatch::List(&[4624, 4634, 4647, 4648, 4776]),
        side: Side::Either,
        area: Area::Logon,
        keep: Keep::RemoteLogon,
        about: "successful logon (4624), logoff (4634/4647), explicit credentials (4648), NTLM validation (4776)",
    },
    CatalogEntry {
        key: "logon_failure",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(SECURITY_PROVIDERS),
        ids: IdMatch::List(&[4625, 4778, 4779]),
        side: Side::Either,
        area: Area::Logon,
        keep: Keep::All,
        about: "failed logon with Status/SubStatus (4625), session reconnected/disconnected (4778/4779)",
    },
    CatalogEntry {
        key: "audit_log",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(&["Microsoft-Windows-Eventlog"]),
        ids: IdMatch::List(&[1102]),
        side: Side::Either,
        area: Area::Audit,
        keep: Keep::All,
        about: "the Security log was cleared (1102)",
    },
    // ---- network and firewall -------------------------------------------------------------
    CatalogEntry {
        key: "wfp",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(SECURITY_PROVIDERS),
        ids: IdMatch::List(&[5152, 5153, 5155, 5156, 5157, 5159]),
        side: Side::Either,
        area: Area::Firewall,
        keep: Keep::RdpPort(WFP_PORTS),
        about: "Windows Filtering Platform dropped a packet (5152/5153), blocked a listen/bind (5155/5159), permitted (5156) or blocked (5157) a connection",
    },
    CatalogEntry {
        key: "firewall_policy_audit",
        channel: ChannelMatch::Name(channel::SECURITY),
        provider: ProviderMatch::Names(SECURITY_PROVIDERS),
        ids: IdMatch::List(&[4946, 4947, 4948, 4950]),
        side: Side::Either,
        area: Area::Firewall,
        keep: Keep::All,
        about: "firewall exception rule added (4946), modified (4947), deleted (4948), setting changed (4950)",
    },
    CatalogEntry {
        key: "firewall",
        channel: ChannelMatch::Name(channel::FIREWALL),
        provider: ProviderMatch::Names(FIREWALL_PROVIDERS),
        ids: IdMatch::List(&[
            2002, 2003, 2004, 2005, 2006, 2008, 2009, 2010, 2011, 2033, 2043, 2051, 2052, 2071,
            2073, 2097, 2099,
        ]),
        side: Side::Either,
        area: Area::Firewall,
        keep: Keep::All,
        about: "firewall settings (2002/2003), rules added/modified/deleted (2004-2006, 2071/2073/2052, 2097/2099), all rules deleted (2033), network profile changed (2010)",
    },
    CatalogEntry {
        key: "firewall_log",
        channel: ChannelMatch::Name(channel::FIREWALL_LOG),
        provider: ProviderMatch::Names(&[FIREWALL_LOG_PROVIDER]),
        ids: IdMatch::List(&[
            firewall_log_id::DROP,
            firewall_log_id::ALLOW,
            firewall_log_id::OTHER,
        ]),
        side: Side::Either,
        area: Area::Firewall,
        keep: Keep::All,
        about: "Windows Firewall text log line (DROP / ALLOW)",
    },
    CatalogEntry {
        key: "network_profile",
        channel: ChannelMatch::Name(channel::NETWORK_PROFILE),
        provider: ProviderMatch::Names(&["Microsoft-Windows-NetworkProfile"]),
        ids: IdMatch::List(&[10000, 10001]),
        side: Side::Either,
        area: Area::Network,
        keep: Keep::All,
        about: "network connected (10000) / disconnected (10001)",
    },
    CatalogEntry {
        key: "vpn",
        channel: ChannelMatch::Name(channel::APPLICATION),
        provider: ProviderMatch::Names(&["RasClient"]),
        ids: IdMatch::List(&[20221, 20222, 20223, 20224, 20225, 20226, 20227]),
        side: Side::Either,
        area: Area::Network,
        keep: Keep::All,
        about: "VPN (RAS) dial, connect, disconnect and failure",
    },
    // ---- services, reboots, trust, clock ----------------------------------------------------
    CatalogEntry {
        key: "service_control",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["Service Control Manager"]),
        ids: IdMatch::List(&[
            7000, 7001, 7009, 7011, 7022, 7023, 7024, 7031, 7034, 7036, 7040, 7045,
        ]),
        side: Side::Either,
        area: Area::Service,
        keep: Keep::RdpServiceState,
        about: "state changes (7036) of the services that bear on RDP and of security products, start type changes (7040), failures (7000-7034), service installed (7045)",
    },
    CatalogEntry {
        key: "eventlog_service",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["EventLog", "Microsoft-Windows-Eventlog", "User32"]),
        ids: IdMatch::List(&[6005, 6006, 6008, 1074, 104]),
        side: Side::Either,
        area: Area::Service,
        keep: Keep::All,
        about: "machine start (6005), clean shutdown (6006), unexpected shutdown (6008), shutdown initiated (1074), log cleared (104)",
    },
    CatalogEntry {
        key: "netlogon",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["NETLOGON", "Microsoft-Windows-Netlogon"]),
        ids: IdMatch::List(&[3210, 5719, 5722, 5723, 5783, 5805]),
        side: Side::Either,
        area: Area::Trust,
        keep: Keep::All,
        about: "no secure channel to a domain controller (5719, 3210, 5783) or machine-account failures (5722/5723/5805)",
    },
    CatalogEntry {
        key: "kerberos",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&["Microsoft-Windows-Security-Kerberos", "Kerberos"]),
        ids: IdMatch::List(&[3, 4, 7, 14]),
        side: Side::Either,
        area: Area::Trust,
        keep: Keep::All,
        about: "Kerberos errors (KRB_AP_ERR_MODIFIED and friends)",
    },
    CatalogEntry {
        key: "clock",
        channel: ChannelMatch::Name(channel::SYSTEM),
        provider: ProviderMatch::Names(&[
            "Microsoft-Windows-Kernel-General",
            "Microsoft-Windows-Time-Service",
        ]),
        // Time-Service 35 ("now synchronising with") and 37 ("receiving valid time data") are
        // routine and frequent: left out.
        ids: IdMatch::List(&[1, 36, 129, 134, 142]),
        side: Side::Either,
        area: Area::Clock,
        keep: Keep::All,
        about: "system time changed (Kernel-General 1), time not synchronised for long (36) or time source unreachable (Time-Service 129/134/142)",
    },
    // ---- security software -------------------------------------------------------------------
    CatalogEntry {
        key: "defender",
        channel: ChannelMatch::Name(channel::DEFENDER),
        provider: ProviderMatch::Names(&["Microsoft-Windows-Windows Defender"]),
        ids: IdMatch::List(&[
            1116, 1117, 1118, 1119, 1121, 1122, 1125, 1126, 5001, 5004, 5007, 5010, 5012,
        ]),
        side: Side::Either,
        area: Area::SecuritySoftware,
        keep: Keep::All,
        about: "Defender detections and actions (1116-1119), ASR and network protection blocks (1121-1126), protection disabled or reconfigured (5001-5012)",
    },
    CatalogEntry {
        key: "security_center",
        channel: ChannelMatch::Name(channel::APPLICATION),
        provider: ProviderMatch::Names(&["SecurityCenter", "Microsoft-Windows-Security-Center"]),
        ids: IdMatch::Any,
        side: Side::Either,
        area: Area::SecuritySoftware,
        keep: Keep::SecurityProductChange,
        about: "security products registered with Windows and their state (off, snoozed, expired; third-party products also on)",
    },
    CatalogEntry {
        key: "security_vendor_application",
        channel: ChannelMatch::Name(channel::APPLICATION),
        provider: ProviderMatch::Pattern(SECURITY_VENDOR_PATTERN),
        ids: IdMatch::Any,
        side: Side::Either,
        area: Area::SecuritySoftware,
        keep: Keep::All,
        about: "third-party antivirus / EDR events in the Application log",
    },
    CatalogEntry {
        key: "security_vendor_channel",
        channel: ChannelMatch::Pattern(SECURITY_VENDOR_PATTERN),
        provider: ProviderMatch::Pattern("."),
        ids: IdMatch::Any,
        side: Side::Either,
        area: Area::SecuritySoftware,
        keep: Keep::All,
        about: "third-party antivirus / EDR events in the product's own channel",
    },
];

/// A reference to a catalog entry. Serialised as the entry's `key`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKind(u16);

impl EventKind {
    /// The catalog row.
    pub fn entry(self) -> &'static CatalogEntry {
        &ENTRIES[self.0 as usize]
    }

    /// The row's key.
    pub fn key(self) -> &'static str {
        self.entry().key
    }

    /// The kind with this key.
    pub fn from_key(key: &str) -> Option<Self> {
        ENTRIES
            .iter()
            .position(|e| e.key == key)
            .map(|i| EventKind(i as u16))
    }

    /// Which side logs events of this kind.
    pub fn side(self) -> Side {
        self.entry().side
    }

    /// What events of this kind speak about.
    pub fn area(self) -> Area {
        self.entry().area
    }
}

impl fmt::Debug for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventKind({})", self.key())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        EventKind::from_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {key}")))
    }
}

/// The catalog compiled for fast lookups.
pub struct Catalog {
    by_channel_id: HashMap<(String, u32), Vec<u16>>,
    any_id_by_channel: HashMap<String, Vec<u16>>,
    pattern_channel: Vec<(Regex, u16)>,
    provider_patterns: Vec<Option<Regex>>,
    id_bits: Vec<u64>,
    rdp_ports: Vec<u16>,
    vendor: Regex,
}

/// RDP's well-known port.
pub const DEFAULT_RDP_PORT: u16 = 3389;

impl Catalog {
    /// The catalog with the default RDP port (3389).
    pub fn global() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::with_rdp_ports(&[DEFAULT_RDP_PORT]))
    }

    /// A catalog that treats these TCP/UDP ports as RDP (for hosts on a custom port).
    pub fn with_rdp_ports(ports: &[u16]) -> Catalog {
        let mut by_channel_id: HashMap<(String, u32), Vec<u16>> = HashMap::default();
        let mut any_id_by_channel: HashMap<String, Vec<u16>> = HashMap::default();
        let mut pattern_channel = Vec::new();
        let mut provider_patterns = Vec::new();
        let mut id_bits = vec![0u64; 65536 / 64];
        for (i, entry) in ENTRIES.iter().enumerate() {
            let index = i as u16;
            provider_patterns.push(match entry.provider {
                ProviderMatch::Pattern(p) => Some(case_insensitive(p)),
                ProviderMatch::Names(_) => None,
            });
            match (entry.channel, entry.ids) {
                (ChannelMatch::Name(name), IdMatch::List(ids)) => {
                    for &id in ids {
                        by_channel_id
                            .entry((name.to_ascii_lowercase(), id))
                            .or_default()
                            .push(index);
                        if let Some(word) = id_bits.get_mut((id / 64) as usize) {
                            *word |= 1 << (id % 64);
                        }
                    }
                }
                (ChannelMatch::Name(name), IdMatch::Any) => {
                    any_id_by_channel
                        .entry(name.to_ascii_lowercase())
                        .or_default()
                        .push(index);
                }
                (ChannelMatch::Pattern(p), _) => pattern_channel.push((case_insensitive(p), index)),
            }
        }
        let mut rdp_ports = ports.to_vec();
        if rdp_ports.is_empty() {
            rdp_ports.push(DEFAULT_RDP_PORT);
        }
        Catalog {
            by_channel_id,
            any_id_by_channel,
            pattern_channel,
            provider_patterns,
            id_bits,
            rdp_ports,
            vendor: case_insensitive(SECURITY_VENDOR_PATTERN),
        }
    }

    /// The ports treated as RDP.
    pub fn rdp_ports(&self) -> &[u16] {
        &self.rdp_ports
    }

    /// True when some entry lists this event id. Entries that accept any id of their channel
    /// are not counted: check [`Catalog::channel_has_any_id_entries`] for those.
    pub fn may_match_id(&self, event_id: u32) -> bool {
        event_id < 65536 && self.id_bits[(event_id / 64) as usize] & (1 << (event_id % 64)) != 0
    }

    /// True when records of this channel can match whatever their id (Gateway, Application
    /// security vendors, vendor channels…), so the id alone cannot rule them out.
    pub fn channel_has_any_id_entries(&self, channel: &str) -> bool {
        self.any_id_by_channel
            .contains_key(&channel.to_ascii_lowercase())
            || self
                .pattern_channel
                .iter()
                .any(|(re, _)| re.is_match(channel))
    }

    /// True when any entry can match records of this channel at all. A reader may skip a whole
    /// file whose channel is not relevant.
    pub fn channel_is_relevant(&self, channel: &str) -> bool {
        let lower = channel.to_ascii_lowercase();
        self.any_id_by_channel.contains_key(&lower)
            || self.by_channel_id.keys().any(|(c, _)| *c == lower)
            || self
                .pattern_channel
                .iter()
                .any(|(re, _)| re.is_match(channel))
    }

    /// The entry matching a record's channel, provider and id, if any.
    pub fn lookup(&self, channel: &str, provider: &str, event_id: u32) -> Option<EventKind> {
        let lower = channel.to_ascii_lowercase();
        let any = self.any_id_by_channel.get(&lower);
        let listed = self.by_channel_id.get(&(lower, event_id));
        let patterned = self
            .pattern_channel
            .iter()
            .filter(|(re, _)| re.is_match(channel))
            .map(|(_, i)| i);
        listed
            .into_iter()
            .flatten()
            .chain(any.into_iter().flatten())
            .chain(patterned)
            .copied()
            .find(|&i| self.provider_matches(i, provider))
            .map(EventKind)
    }

    fn provider_matches(&self, index: u16, provider: &str) -> bool {
        match ENTRIES[index as usize].provider {
            ProviderMatch::Names(names) => names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(provider.trim())),
            ProviderMatch::Pattern(_) => self.provider_patterns[index as usize]
                .as_ref()
                .is_some_and(|re| re.is_match(provider)),
        }
    }

    /// The post-render filter of a kind: false for the high-volume records that cannot bear on
    /// an RDP connection (WFP traffic on other ports, local logons, unrelated key operations).
    pub fn keep(&self, kind: EventKind, fields: &Fields) -> bool {
        match kind.entry().keep {
            Keep::All => true,
            Keep::RdpPort(port_fields) => port_fields.iter().any(|name| {
                fields
                    .u64(name)
                    .is_some_and(|p| self.rdp_ports.iter().any(|&rdp| u64::from(rdp) == p))
            }),
            Keep::RemoteLogon => {
                let remote_type = fields
                    .u32("LogonType")
                    .is_some_and(|t| matches!(t, 3 | 7 | 10 | 11 | 12));
                let remote_ip = fields
                    .text("IpAddress")
                    .is_some_and(|ip| !matches!(ip, "-" | "::1" | "127.0.0.1" | "0.0.0.0"));
                // NTLM validation (4776) and explicit credentials (4648) carry no LogonType.
                let no_type = fields.get("LogonType").is_none();
                (remote_type && remote_ip) || no_type
            }
            Keep::RdpKeyOperation => {
                let name = fields.text("KeyName").unwrap_or("");
                let path = fields.text("KeyFilePath").unwrap_or("");
                let failed = fields.u64("ReturnCode").is_some_and(|c| c != 0);
                failed
                    || name.eq_ignore_ascii_case("TSSecKeySet1")
                    || name.starts_with("RdCertificateFactory")
                    || path.to_ascii_lowercase().contains("\\machinekeys\\")
            }
            Keep::RdpServiceState => {
                let Some((key, _state)) = fields.text("Binary").and_then(service_state_binary)
                else {
                    return true;
                };
                is_rdp_service(&key)
                    || self.vendor.is_match(&key)
                    || fields
                        .text("param1")
                        .is_some_and(|n| self.vendor.is_match(n))
            }
            Keep::SecurityProductChange => {
                let texts = || {
                    let items = fields
                        .get("Data")
                        .map(FieldValue::items)
                        .unwrap_or_default();
                    items.iter().map(|t| t.trim())
                };
                let routine = texts().any(|t| t.eq_ignore_ascii_case("SECURITY_PRODUCT_STATE_ON"));
                !routine || texts().any(|t| self.vendor.is_match(t))
            }
        }
    }
}

fn case_insensitive(pattern: &str) -> Regex {
    let pattern = if pattern.starts_with("(?i)") {
        pattern.to_string()
    } else {
        format!("(?i){pattern}")
    };
    // The patterns are compile-time constants of this module; a test compiles every one.
    Regex::new(&pattern).unwrap_or_else(|e| panic!("catalog pattern {pattern:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::FieldValue;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), FieldValue::Text((*v).into())))
                .collect(),
        )
    }

    #[test]
    fn keys_are_unique_and_patterns_compile() {
        let cat = Catalog::global();
        let mut keys: Vec<&str> = ENTRIES.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ENTRIES.len());
        assert!(cat.may_match_id(1026));
        assert!(!cat.may_match_id(4688));
    }

    #[test]
    fn lookups_follow_channel_and_provider() {
        let cat = Catalog::global();
        let k = cat
            .lookup(
                channel::RDP_CLIENT,
                "Microsoft-Windows-TerminalServices-ClientActiveXCore",
                1026,
            )
            .unwrap();
        assert_eq!(k.key(), "rdpclient");
        assert_eq!(k.side(), Side::Client);
        // The RCM provider logs in System too: a different entry.
        let k = cat
            .lookup(
                "system",
                "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
                1056,
            )
            .unwrap();
        assert_eq!(k.key(), "rcm_system");
        assert!(cat.lookup("System", "Some-Other-Provider", 1056).is_none());
        assert!(
            cat.lookup(
                channel::SECURITY,
                "Microsoft-Windows-Security-Auditing",
                4688
            )
            .is_none()
        );
        let vendor = cat.lookup("Application", "Symantec AntiVirus", 51).unwrap();
        assert_eq!(vendor.key(), "security_vendor_application");
        assert!(cat.lookup("Application", "MsiInstaller", 1033).is_none());
        let own = cat
            .lookup(
                "CrowdStrike-Falcon Sensor-CSFalconService/Operational",
                "CSFalconService",
                3,
            )
            .unwrap();
        assert_eq!(own.key(), "security_vendor_channel");
        assert!(cat.channel_is_relevant("System"));
        assert!(!cat.channel_is_relevant("Microsoft-Windows-Sysmon/Operational"));
        assert!(cat.channel_has_any_id_entries("Application"));
        assert!(!cat.channel_has_any_id_entries("Security"));
    }

    #[test]
    fn keep_filters_high_volume_events() {
        let cat = Catalog::global();
        let wfp = EventKind::from_key("wfp").unwrap();
        assert!(cat.keep(
            wfp,
            &fields(&[("SourcePort", "3389"), ("DestPort", "50123")])
        ));
        assert!(!cat.keep(
            wfp,
            &fields(&[("SourcePort", "445"), ("DestPort", "50123")])
        ));
        let custom = Catalog::with_rdp_ports(&[3390]);
        assert!(custom.keep(wfp, &fields(&[("DestPort", "3390")])));

        let logon = EventKind::from_key("logon").unwrap();
        assert!(cat.keep(
            logon,
            &fields(&[("LogonType", "10"), ("IpAddress", "10.0.0.5")])
        ));
        assert!(!cat.keep(logon, &fields(&[("LogonType", "5"), ("IpAddress", "-")])));
        assert!(!cat.keep(logon, &fields(&[("LogonType", "3"), ("IpAddress", "::1")])));
        assert!(cat.keep(
            logon,
            &fields(&[("TargetUserName", "bob"), ("Workstation", "WS1")])
        ));

        let keys = EventKind::from_key("key_operations").unwrap();
        assert!(cat.keep(
            keys,
            &fields(&[("KeyName", "TSSecKeySet1"), ("ReturnCode", "0x0")])
        ));
        assert!(cat.keep(
            keys,
            &fields(&[("KeyName", "other"), ("ReturnCode", "0x80090016")])
        ));
        assert!(!cat.keep(
            keys,
            &fields(&[
                ("KeyName", "TB_0_o365"),
                ("KeyFilePath", "C:\\Users\\x\\Crypto\\Keys\\a"),
                ("ReturnCode", "0x0")
            ])
        ));
    }

    /// `Binary` as Windows writes it: hex of NUL-terminated UTF-16LE text.
    fn utf16_hex(text: &str) -> String {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    #[test]
    fn service_binary_decodes_key_and_state() {
        assert_eq!(
            service_state_binary("5700650072005300760063002F0034000000"),
            Some(("WerSvc".to_string(), 4))
        );
        assert_eq!(
            service_state_binary(&utf16_hex("TermService/1")),
            Some(("TermService".to_string(), 1))
        );
        // A key alone (7023/7031), odd or non-hex text, no state digits: not a state change.
        assert_eq!(service_state_binary(&utf16_hex("TermService")), None);
        assert_eq!(service_state_binary("570"), None);
        assert_eq!(service_state_binary("ZZZZ"), None);
        assert_eq!(service_state_binary(&utf16_hex("TermService/x")), None);
        assert_eq!(service_state_binary(&utf16_hex("/4")), None);
        assert_eq!(service_state_binary(""), None);
    }

    #[test]
    fn only_rdp_service_state_changes_are_kept() {
        let cat = Catalog::global();
        let scm = EventKind::from_key("service_control").unwrap();
        let change = |binary: &str, name: &str| {
            cat.keep(
                scm,
                &fields(&[
                    ("param1", name),
                    ("param2", "running"),
                    ("Binary", &utf16_hex(binary)),
                ]),
            )
        };
        assert!(change("TermService/1", "Remote Desktop Services"));
        assert!(change("termservice/4", "x"));
        assert!(change("KeyIso/1", "CNG Key Isolation"));
        assert!(change("mpssvc/1", "Windows Defender Firewall"));
        assert!(!change("WerSvc/4", "Windows Error Reporting Service"));
        assert!(!change("wuauserv/1", "Windows Update"));
        // Security products by key or display name.
        assert!(change("SepMasterService/4", "Symantec Endpoint Protection"));
        assert!(change("CSFalconService/1", "x"));
        // Whatever cannot be told apart is kept: no Binary (some localised exports), a key
        // without a state (failures), an unreadable Binary.
        assert!(cat.keep(scm, &fields(&[("param1", "원격 데스크톱 서비스")])));
        assert!(cat.keep(
            scm,
            &fields(&[
                ("param1", "Windows Update"),
                ("Binary", &utf16_hex("wuauserv"))
            ])
        ));
        assert!(cat.keep(scm, &fields(&[("param1", "x"), ("Binary", "nothex")])));
        assert!(RDP_SERVICES.iter().all(|s| is_rdp_service(s.key)));
    }

    #[test]
    fn routine_time_and_security_center_reports_are_left_out() {
        let cat = Catalog::global();
        let time = "Microsoft-Windows-Time-Service";
        assert!(cat.lookup("System", time, 37).is_none());
        assert!(cat.lookup("System", time, 35).is_none());
        assert!(cat.lookup("System", time, 36).is_some());
        assert!(cat.lookup("System", time, 129).is_some());

        let center = cat.lookup("Application", "SecurityCenter", 15).unwrap();
        let data = |items: &[&str]| {
            Fields(vec![(
                "Data".into(),
                FieldValue::List(items.iter().map(|s| (*s).into()).collect()),
            )])
        };
        assert!(!cat.keep(
            center,
            &data(&["Windows Defender", "SECURITY_PRODUCT_STATE_ON"])
        ));
        assert!(cat.keep(
            center,
            &data(&["Windows Defender", "SECURITY_PRODUCT_STATE_SNOOZED"])
        ));
        assert!(cat.keep(
            center,
            &data(&["Symantec Endpoint Protection", "SECURITY_PRODUCT_STATE_ON"])
        ));
        assert!(cat.keep(center, &Fields::default()));
    }

    #[test]
    fn keep_filters_read_only_their_declared_fields() {
        let cat = Catalog::global();
        let records: &[(&str, &[(&str, &str)])] = &[
            (
                "wfp",
                &[
                    ("SourcePort", "3389"),
                    ("DestPort", "5"),
                    ("Application", "x"),
                ],
            ),
            (
                "wfp",
                &[
                    ("SourcePort", "445"),
                    ("DestPort", "5"),
                    ("Direction", "%%14592"),
                ],
            ),
            (
                "logon",
                &[
                    ("LogonType", "10"),
                    ("IpAddress", "10.0.0.5"),
                    ("IpPort", "3"),
                ],
            ),
            (
                "logon",
                &[
                    ("LogonType", "5"),
                    ("IpAddress", "-"),
                    ("TargetUserName", "SYSTEM"),
                ],
            ),
            (
                "logon",
                &[("TargetUserName", "bob"), ("Workstation", "WS1")],
            ),
            (
                "key_operations",
                &[("KeyName", "TSSecKeySet1"), ("ReturnCode", "0x0")],
            ),
            (
                "key_operations",
                &[("KeyName", "other"), ("ReturnCode", "0x0"), ("X", "1")],
            ),
        ];
        let binary = utf16_hex("WerSvc/4");
        let scm: &[(&str, &str)] = &[("param1", "WER"), ("param2", "r"), ("Binary", &binary)];
        for (key, pairs) in records.iter().copied().chain([("service_control", scm)]) {
            let kind = EventKind::from_key(key).unwrap();
            let all = fields(pairs);
            let Some(declared) = kind.entry().keep.fields() else {
                panic!("{key}: its filter should be decidable from a few fields");
            };
            let only = Fields(
                all.0
                    .iter()
                    .filter(|(k, _)| declared.contains(&&**k))
                    .cloned()
                    .collect(),
            );
            assert_eq!(
                cat.keep(kind, &all),
                cat.keep(kind, &only),
                "{key} {pairs:?}"
            );
        }
    }

    #[test]
    fn kind_serialises_as_key() {
        let k = EventKind::from_key("schannel").unwrap();
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"schannel\"");
        let back: EventKind = serde_json::from_str("\"schannel\"").unwrap();
        assert_eq!(back, k);
    }
}
