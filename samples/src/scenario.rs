//! Scenarios: one TOML file per sample bundle (`samples/scenarios/<name>.toml`) describing the
//! machines (names, addresses, role, time zone, clock skew, Windows build, which logs were
//! collected and how large they may grow), the incidents (a cause and variant on a host from
//! its onset to its fix), the connections (client → target as typed, user, time, retries,
//! outcome), the background activity and the red herrings. The generator turns it into the
//! bundle's files and its `expected.json`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::value::Guid;

/// Windows build flavour of a host, where it changes event shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum Build {
    /// Windows 7: classic sources in the legacy System layout.
    #[serde(rename = "win7")]
    Win7,
    /// Windows Server 2008 R2: as Windows 7.
    #[serde(rename = "2008r2")]
    Server2008R2,
    /// Windows Server 2012 R2: no RdpCoreTS 153, 4624 v2, firewall 2004/2005.
    #[serde(rename = "2012r2")]
    Server2012R2,
    /// Windows Server 2016: as 2012 R2.
    #[serde(rename = "2016")]
    Server2016,
    /// Windows Server 2019: 153, 4624 v3, firewall 2004/2005.
    #[serde(rename = "2019")]
    Server2019,
    /// Windows Server 2022: 153, 4624 v3, 5058 v1, firewall 2097/2099.
    #[default]
    #[serde(rename = "2022")]
    Server2022,
    /// Windows 10 (19041+): as 2022.
    #[serde(rename = "win10")]
    Win10,
    /// Windows 11: as 2022.
    #[serde(rename = "win11")]
    Win11,
}

impl Build {
    /// The flags this build sets for recipe `when` conditions.
    pub fn flags(self) -> &'static [&'static str] {
        match self {
            Build::Win7 | Build::Server2008R2 => &["legacy", "fw_old", "key_v0"],
            Build::Server2012R2 | Build::Server2016 => &["fw_old", "key_v0", "logon_v2"],
            Build::Server2019 => &["tls153", "logon_v3", "fw_old", "key_v0"],
            Build::Server2022 | Build::Win10 | Build::Win11 => {
                &["tls153", "logon_v3", "fw_new", "key_v1"]
            }
        }
    }

    /// Its name as scenarios write it.
    pub fn name(self) -> &'static str {
        match self {
            Build::Win7 => "win7",
            Build::Server2008R2 => "2008r2",
            Build::Server2012R2 => "2012r2",
            Build::Server2016 => "2016",
            Build::Server2019 => "2019",
            Build::Server2022 => "2022",
            Build::Win10 => "win10",
            Build::Win11 => "win11",
        }
    }
}

/// What a machine does in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the RDP client.
    Client,
    /// Accepts RDP connections.
    Server,
    /// Both.
    Both,
    /// An RD Gateway.
    Gateway,
}

/// The Windows Firewall text log of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FirewallLogSpec {
    /// Newer Windows 11 builds append a `pid` column.
    #[serde(default)]
    pub pid_column: bool,
    /// Also log allowed connections (`ALLOW` lines), not only drops.
    #[serde(default)]
    pub log_allowed: bool,
}

/// A machine.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// `Computer` as the logs write it (the FQDN for domain members).
    pub name: String,
    /// Short (NetBIOS) name; connections and incidents refer to hosts by it.
    pub short: String,
    /// IPv4 addresses, the first being the one RDP uses.
    pub addresses: Vec<String>,
    /// What it does.
    pub role: Role,
    /// UTC offset of its local time (`+01:00`), for the firewall text log.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// How far its clock is off, in seconds (positive: ahead).
    #[serde(default)]
    pub clock_skew: f64,
    /// Windows build flavour.
    #[serde(default)]
    pub build: Build,
    /// Whether its logs are in the bundle.
    #[serde(default = "yes")]
    pub collected: bool,
    /// Channels collected (aliases such as `system`, `rdpcorets` or full channel names);
    /// default by role.
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    /// Its `pfirewall.log`, when collected.
    #[serde(default)]
    pub pfirewall: Option<FirewallLogSpec>,
    /// Maximum size in bytes of channels that wrap (alias or channel → bytes).
    #[serde(default)]
    pub max_size: BTreeMap<String, u64>,
    /// The user logged on at the console (for client-side events outside connections).
    #[serde(default)]
    pub user: Option<String>,
    /// Folder name in the bundle (default: the short name).
    #[serde(default)]
    pub folder: Option<String>,
    /// Start of its record numbering per channel (default: drawn from the seed).
    #[serde(default)]
    pub first_record: BTreeMap<String, u64>,
    /// The last `RDP-Tcp#N` number used before the scenario starts (default: drawn).
    #[serde(default)]
    pub last_connection: Option<u32>,
    /// The last session id used before the scenario starts (default: drawn).
    #[serde(default)]
    pub last_session: Option<u32>,
}

fn utc() -> String {
    "+00:00".to_owned()
}

fn yes() -> bool {
    true
}

/// The domain the machines and users belong to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// NetBIOS name (`CORP`).
    pub netbios: String,
    /// DNS name (`corp.contoso.com`).
    pub fqdn: String,
    /// Domain SID (`S-1-5-21-…`); users get RIDs from their names.
    pub sid: String,
}

/// A cause in effect on a host from its onset until its fix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// Name connections refer to.
    pub id: String,
    /// The cause id.
    pub cause: String,
    /// The variant of the cause's recipe.
    pub variant: String,
    /// The host whose state is broken (short name).
    pub host: String,
    /// When it broke.
    pub onset: DateTime<Utc>,
    /// When it was fixed.
    #[serde(default)]
    pub fixed: Option<DateTime<Utc>>,
    /// Template values that override the variant's.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// The outcome of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The user got a session.
    Succeeded,
    /// The client gave up with an error.
    Failed,
}

/// How a successful session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    /// The user closes the client window (the session stays, disconnected).
    #[default]
    Disconnect,
    /// The user signs out.
    Logoff,
}

/// A connection a user makes (one or more attempts).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    /// Name in expected.json (attempts get `-1`, `-2` …).
    pub id: String,
    /// The client (short name).
    pub client: String,
    /// The host connected to (short name).
    pub server: String,
    /// What the user typed (default: the server's short name in lower case).
    #[serde(default)]
    pub target: Option<String>,
    /// `DOMAIN\user` or `user` (a local account of the server).
    pub user: String,
    /// When the first attempt starts.
    pub at: DateTime<Utc>,
    /// Attempts after the first.
    #[serde(default)]
    pub retries: u32,
    /// Seconds between one attempt's end and the next start (`[low, high]`).
    #[serde(default)]
    pub spacing_s: Option<[f64; 2]>,
    /// What happened.
    pub outcome: Outcome,
    /// The incident that makes it fail (required for failures).
    #[serde(default)]
    pub incident: Option<String>,
    /// Session length in minutes (successes).
    #[serde(default)]
    pub duration_min: Option<f64>,
    /// How the session ends (successes).
    #[serde(default)]
    pub end: Option<SessionEnd>,
    /// Whether the UDP transport comes up (successes; default drawn).
    #[serde(default)]
    pub udp: Option<bool>,
    /// An RD Gateway the client goes through (short name).
    #[serde(default)]
    pub via: Option<String>,
    /// The address the client connects from, when not its first one (VPN pool).
    #[serde(default)]
    pub client_address: Option<String>,
    /// Template values for this connection.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// Successful sessions drawn at random between the given machines.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    /// How many.
    pub sessions: u32,
    /// Clients to draw from (short names).
    pub clients: Vec<String>,
    /// Hosts to draw from (short names).
    pub servers: Vec<String>,
    /// Users to draw from.
    pub users: Vec<String>,
    /// Session length range in minutes.
    #[serde(default = "default_duration")]
    pub duration_min: [f64; 2],
    /// Only in these windows (`[start, end]` pairs); default the scenario's whole window.
    #[serde(default)]
    pub windows: Vec<[DateTime<Utc>; 2]>,
}

fn default_duration() -> [f64; 2] {
    [4.0, 95.0]
}

/// Background events on hosts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// The noise group.
    pub group: String,
    /// Hosts (short names); default every collected host.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Occurrences per host.
    pub count: u32,
    /// Only between these times; default the scenario's window.
    #[serde(default)]
    pub window: Option<[DateTime<Utc>; 2]>,
    /// Template values.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Listed in expected.json as a red herring with this description.
    #[serde(default)]
    pub red_herring: Option<String>,
}

/// Extra outputs made from the bundle.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// A KAPE-like zip (`<HOST>/C/Windows/System32/winevt/Logs/…`) as bundle `<name>-kape`.
    #[serde(default)]
    pub kape_zip: bool,
    /// Velociraptor-like zips (one per host, `uploads/auto/C%3A/…`) as bundle
    /// `<name>-velociraptor`.
    #[serde(default)]
    pub velociraptor_zip: bool,
    /// Event Viewer XML exports of every channel as bundle `<name>-xml`.
    #[serde(default)]
    pub xml_export: bool,
}

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Bundle name (the file's stem).
    pub name: String,
    /// One line.
    pub title: String,
    /// What happens, in a paragraph.
    pub description: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Start of the logged period.
    pub start: DateTime<Utc>,
    /// End of the logged period.
    pub end: DateTime<Utc>,
    /// The special situations the scenario covers (free tags, listed in expected.json).
    #[serde(default)]
    pub situations: Vec<String>,
    /// The domain.
    pub domain: DomainSpec,
    /// The machines.
    pub host: Vec<HostSpec>,
    /// The incidents.
    #[serde(default)]
    pub incident: Vec<IncidentSpec>,
    /// The connections.
    #[serde(default)]
    pub connection: Vec<ConnectionSpec>,
    /// Random successful sessions.
    #[serde(default)]
    pub background: Vec<BackgroundSpec>,
    /// Background events.
    #[serde(default)]
    pub noise: Vec<NoiseSpec>,
    /// Extra outputs.
    #[serde(default)]
    pub outputs: OutputSpec,
    /// Template values for the whole scenario.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// Why a scenario cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// Not valid TOML of the scenario shape.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, with its location.
        message: String,
    },
    /// Inconsistent content.
    #[error("scenario {scenario}: {message}")]
    Invalid {
        /// The scenario.
        scenario: String,
        /// What is wrong.
        message: String,
    },
}

/// Channel aliases scenarios may use, and the full names.
pub const CHANNEL_ALIASES: &[(&str, &str)] = &[
    (
        "rdpclient",
        "Microsoft-Windows-TerminalServices-RDPClient/Operational",
    ),
    (
        "rdpcorets",
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
    ),
    (
        "rcm",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    ),
    (
        "lsm",
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    ),
    (
        "gateway",
        "Microsoft-Windows-TerminalServices-Gateway/Operational",
    ),
    ("system", "System"),
    ("security", "Security"),
    ("application", "Application"),
    ("capi2", "Microsoft-Windows-CAPI2/Operational"),
    (
        "firewall",
        "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
    ),
    ("defender", "Microsoft-Windows-Windows Defender/Operational"),
    (
        "networkprofile",
        "Microsoft-Windows-NetworkProfile/Operational",
    ),
    ("sysmon", "Microsoft-Windows-Sysmon/Operational"),
    ("powershell", "Microsoft-Windows-PowerShell/Operational"),
];

/// The full channel name of an alias (other names are returned as they are).
pub fn channel_name(alias: &str) -> &str {
    CHANNEL_ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(alias))
        .map_or(alias, |(_, name)| name)
}

/// The file name Windows gives a channel's log (`/` becomes `%4`).
pub fn channel_file_name(channel: &str) -> String {
    format!("{}.evtx", channel.replace('/', "%4"))
}

impl HostSpec {
    /// The channels collected from this host (full names).
    pub fn channel_names(&self) -> Vec<String> {
        let defaults: &[&str] = match self.role {
            Role::Client => &["rdpclient", "system", "security"],
            Role::Server => &["rdpcorets", "rcm", "lsm", "system", "security"],
            Role::Both => &["rdpclient", "rdpcorets", "rcm", "lsm", "system", "security"],
            Role::Gateway => &["gateway", "system", "security"],
        };
        match &self.channels {
            Some(list) => list.iter().map(|c| channel_name(c).to_owned()).collect(),
            None => defaults
                .iter()
                .map(|c| channel_name(c).to_owned())
                .collect(),
        }
    }

    /// The folder of the host in the bundle.
    pub fn folder_name(&self) -> &str {
        self.folder.as_deref().unwrap_or(&self.short)
    }

    /// The first address.
    pub fn address(&self) -> &str {
        self.addresses.first().map_or("0.0.0.0", String::as_str)
    }

    /// The host's UTC offset in seconds.
    pub fn utc_offset_seconds(&self) -> Result<i32, String> {
        parse_utc_offset(&self.time_zone)
    }
}

/// Seconds of a `+HH:MM` / `-HH:MM` offset.
pub fn parse_utc_offset(text: &str) -> Result<i32, String> {
    let fail = || format!("{text:?} is not a UTC offset like +01:00");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(fail()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(fail)?;
    let h: i32 = h.parse().map_err(|_| fail())?;
    let m: i32 = m.parse().map_err(|_| fail())?;
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return Err(fail());
    }
    Ok(sign * (h * 3600 + m * 60))
}

impl Scenario {
    /// A scenario read from TOML text.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        scenario.check()?;
        Ok(scenario)
    }

    fn invalid(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            scenario: self.name.clone(),
            message: message.into(),
        }
    }

    /// The host with this short name.
    pub fn host(&self, short: &str) -> Option<&HostSpec> {
        self.host
            .iter()
            .find(|h| h.short.eq_ignore_ascii_case(short))
    }

    /// References resolve, times are ordered, names are unique.
    pub fn check(&self) -> Result<(), ScenarioError> {
        if self.end <= self.start {
            return Err(self.invalid("end is not after start"));
        }
        let mut shorts = std::collections::BTreeSet::new();
        let mut folders = std::collections::BTreeSet::new();
        for host in &self.host {
            if !shorts.insert(host.short.to_ascii_lowercase()) {
                return Err(self.invalid(format!("host {} is defined twice", host.short)));
            }
            if host.collected && !folders.insert(host.folder_name().to_ascii_lowercase()) {
                return Err(self.invalid(format!("folder {} is used twice", host.folder_name())));
            }
            if host.addresses.is_empty() {
                return Err(self.invalid(format!("host {} has no address", host.short)));
            }
            host.utc_offset_seconds()
                .map_err(|e| self.invalid(format!("host {}: {e}", host.short)))?;
        }
        let known = |short: &str, what: &str| {
            self.host(short)
                .map(|_| ())
                .ok_or_else(|| self.invalid(format!("{what} {short} is not a host")))
        };
        let mut incidents = std::collections::BTreeSet::new();
        for incident in &self.incident {
            known(&incident.host, "incident host")?;
            if !incidents.insert(incident.id.as_str()) {
                return Err(self.invalid(format!("incident {} is defined twice", incident.id)));
            }
            if incident.fixed.is_some_and(|fixed| fixed <= incident.onset) {
                return Err(self.invalid(format!(
                    "incident {} is fixed before its onset",
                    incident.id
                )));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for conn in &self.connection {
            if !ids.insert(conn.id.as_str()) {
                return Err(self.invalid(format!("connection {} is defined twice", conn.id)));
            }
            known(&conn.client, "client")?;
            known(&conn.server, "server")?;
            if let Some(via) = &conn.via {
                known(via, "gateway")?;
            }
            match (conn.outcome, &conn.incident) {
                (Outcome::Failed, None) => {
                    return Err(
                        self.invalid(format!("failed connection {} names no incident", conn.id))
                    );
                }
                (_, Some(incident)) if !incidents.contains(incident.as_str()) => {
                    return Err(self.invalid(format!(
                        "connection {} names incident {incident}, which is not defined",
                        conn.id
                    )));
                }
                _ => {}
            }
        }
        for background in &self.background {
            for short in background.clients.iter().chain(&background.servers) {
                known(short, "background host")?;
            }
            if background.users.is_empty() {
                return Err(self.invalid("background sessions need users"));
            }
        }
        for noise in &self.noise {
            for short in &noise.hosts {
                known(short, "noise host")?;
            }
        }
        Ok(())
    }
}

/// `text` with every case-insensitive occurrence of `old` replaced by `new`, in lower case
/// where the occurrence was lower case.
fn replace_name(text: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return text.to_owned();
    }
    let lower_text = text.to_ascii_lowercase();
    let lower_old = old.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0usize;
    while let Some(found) = lower_text.get(rest..).and_then(|t| t.find(&lower_old)) {
        let at = rest + found;
        let end = at + old.len();
        out.push_str(text.get(rest..at).unwrap_or(""));
        let original = text.get(at..end).unwrap_or("");
        if original == original.to_ascii_lowercase() {
            out.push_str(&new.to_ascii_lowercase());
        } else {
            out.push_str(new);
        }
        rest = end;
    }
    out.push_str(text.get(rest..).unwrap_or(""));
    out
}

impl Scenario {
    /// The same scenario with every host, folder and the bundle itself renamed: host `i`
    /// becomes `<PREFIX><i+1 as two digits>` (in its short name, `Computer`, folder and in the
    /// targets users typed), the bundle `<prefix>-<seed>`. Random draws do not depend on names,
    /// so the events are the same otherwise — for tests that renamed bundles give the same
    /// diagnoses.
    pub fn renamed(&self, prefix: &str) -> Scenario {
        let mut out = self.clone();
        let names: Vec<(String, String)> = self
            .host
            .iter()
            .enumerate()
            .map(|(i, h)| (h.short.clone(), format!("{prefix}{:02}", i + 1)))
            .collect();
        // Longest names first, so that `SRV-APP01` is not half-replaced by `SRV-APP0`.
        let mut by_length = names.clone();
        by_length.sort_by_key(|(old, _)| std::cmp::Reverse(old.len()));
        let map = |short: &str| -> String {
            names
                .iter()
                .find(|(old, _)| old.eq_ignore_ascii_case(short))
                .map_or_else(|| short.to_owned(), |(_, new)| new.clone())
        };
        let rewrite = |text: &str| -> String {
            by_length
                .iter()
                .fold(text.to_owned(), |t, (old, new)| replace_name(&t, old, new))
        };
        for (host, (old, new)) in out.host.iter_mut().zip(&names) {
            host.name = replace_name(&host.name, old, new);
            if host.name == host.short {
                host.name = new.clone();
            }
            if !host.name.contains(new.as_str()) {
                host.name = new.clone();
            }
            host.short = new.clone();
            host.folder = None;
        }
        for incident in &mut out.incident {
            incident.host = map(&incident.host);
        }
        for conn in &mut out.connection {
            conn.client = map(&conn.client);
            conn.server = map(&conn.server);
            conn.via = conn.via.as_deref().map(map);
            conn.target = conn.target.as_deref().map(rewrite);
        }
        for background in &mut out.background {
            background.clients = background.clients.iter().map(|c| map(c)).collect();
            background.servers = background.servers.iter().map(|c| map(c)).collect();
        }
        for noise in &mut out.noise {
            noise.hosts = noise.hosts.iter().map(|c| map(c)).collect();
        }
        out.name = format!("{}-{}", prefix.to_ascii_lowercase(), self.seed);
        out.title = rewrite(&self.title);
        out.description = rewrite(&self.description);
        out
    }
}

/// A GUID drawn from a name, stable across runs (FNV-1a of the name, twice).
pub fn stable_guid(name: &str) -> Guid {
    let mut rng = crate::rng::Rng::new(0x5eed).fork(name);
    rng.guid()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
        name = "demo"
        title = "Demo"
        description = "A demo."
        seed = 7
        start = "2024-03-11T07:00:00Z"
        end = "2024-03-11T12:00:00Z"
        domain = { netbios = "CORP", fqdn = "corp.example", sid = "S-1-5-21-1-2-3" }

        [[host]]
        name = "SRV01.corp.example"
        short = "SRV01"
        addresses = ["10.0.0.10"]
        role = "server"
        time_zone = "+01:00"

        [[host]]
        name = "WS01.corp.example"
        short = "WS01"
        addresses = ["10.0.1.20"]
        role = "client"

        [[incident]]
        id = "i1"
        cause = "cert_expired"
        variant = "rcm_1058"
        host = "SRV01"
        onset = "2024-03-11T08:00:00Z"

        [[connection]]
        id = "c1"
        client = "WS01"
        server = "SRV01"
        user = "CORP\\alice"
        at = "2024-03-11T09:00:00Z"
        outcome = "failed"
        incident = "i1"
    "#;

    #[test]
    fn scenarios_read_and_check() {
        let scenario = Scenario::from_toml("demo.toml", TEXT).unwrap();
        assert_eq!(scenario.host("srv01").map(|h| h.role), Some(Role::Server));
        assert_eq!(scenario.host[0].utc_offset_seconds(), Ok(3600));
        assert_eq!(
            scenario.host[0].channel_names()[0],
            "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational"
        );
        let broken = TEXT.replace("incident = \"i1\"\n", "incident = \"i9\"\n");
        let err = Scenario::from_toml("demo.toml", &broken).unwrap_err();
        assert!(err.to_string().contains("i9"), "{err}");
    }

    #[test]
    fn renaming_replaces_every_host_reference() {
        let scenario = Scenario::from_toml("demo.toml", TEXT).unwrap();
        let renamed = scenario.renamed("ZQ");
        renamed.check().unwrap();
        assert_eq!(renamed.name, "zq-7");
        assert_eq!(renamed.host[0].short, "ZQ01");
        assert_eq!(renamed.host[0].name, "ZQ01.corp.example");
        assert_eq!(renamed.connection[0].server, "ZQ01");
        assert_eq!(renamed.connection[0].client, "ZQ02");
        assert_eq!(renamed.incident[0].host, "ZQ01");
        assert_eq!(
            replace_name("srv01.corp / SRV01", "SRV01", "ZQ01"),
            "zq01.corp / ZQ01"
        );
    }

    #[test]
    fn channel_files_are_named_as_windows_names_them() {
        assert_eq!(
            channel_file_name(channel_name("rdpclient")),
            "Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx"
        );
        assert_eq!(channel_file_name(channel_name("system")), "System.evtx");
        assert_eq!(parse_utc_offset("-05:30"), Ok(-19800));
        assert!(parse_utc_offset("01:00").is_err());
    }
}
