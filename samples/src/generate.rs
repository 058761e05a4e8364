//! The generator: a [`Scenario`] and the recipe [`Library`] in, a [`Bundle`] out — one EVTX
//! file per collected channel of every collected host (records numbered per file, in time
//! order, each host on its own skewed clock, wrapped where the scenario caps a log's size),
//! `pfirewall.log` where a host has one, and the `expected.json` ground truth computed from
//! what actually survived in the files.
//!
//! Everything random comes from the scenario's seed through per-purpose forks
//! ([`crate::rng::Rng::fork`]), and every collection is ordered, so a scenario always gives
//! the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::defs::{
    Activity, DefError, Definitions, EventDef, LSM_CONSTANT_ACTIVITY, PayloadKind, PayloadText,
    Placement, ProviderDef,
};
use crate::digest::user_name_hash;
use crate::expected::{
    Counts, EXPECTED_SCHEMA, Expected, ExpectedConnection, ExpectedFile, ExpectedHost, RecordRef,
    RedHerring,
};
use crate::recipe::{Anchor, NoiseKind, Offset, RecipeBook, RecipeError, Side, Step, Variant};
use crate::record::{EventRecord, SystemLayout};
use crate::rng::Rng;
use crate::scenario::{
    HostSpec, Outcome, Role, Scenario, ScenarioError, SessionEnd, channel_file_name, channel_name,
};
use crate::template::{TemplateError, render};
use crate::tree::{TreeError, parse_tree};
use crate::value::{Guid, Sid, hex_upper, parse_hex};
use crate::writer::{WriteError, WriteOptions, write_log};

/// Why a bundle cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The event definitions.
    #[error(transparent)]
    Defs(#[from] DefError),
    /// The recipes.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// The scenario.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A step that cannot be laid down, located by scenario, what it belongs to and event.
    #[error("scenario {scenario}, {context}, step {event}: {message}")]
    Step {
        /// The scenario.
        scenario: String,
        /// The connection, incident or noise group.
        context: String,
        /// The step's event key.
        event: String,
        /// What is wrong.
        message: String,
    },
    /// A log that cannot be written.
    #[error("scenario {scenario}, {file}: {source}")]
    Write {
        /// The scenario.
        scenario: String,
        /// The file.
        file: String,
        /// The error.
        source: WriteError,
    },
}

/// Event definitions and recipes, loaded once for every scenario.
#[derive(Debug, Clone)]
pub struct Library {
    defs: Definitions,
    book: RecipeBook,
}

/// Where the recipes of this crate are.
pub fn default_recipe_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes")
}

/// Where the scenarios of this crate are.
pub fn default_scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Where the checked-in bundles are.
pub fn default_bundle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles")
}

/// The `.toml` files of a folder, sorted by name, with their text.
pub fn read_toml_files(dir: &Path) -> Result<Vec<(String, String)>, GenerateError> {
    let io = |source| GenerateError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| GenerateError::Io {
                path: path.clone(),
                source,
            })?;
            Ok((path.display().to_string(), text))
        })
        .collect()
}

impl Library {
    /// Definitions (`events.toml`) and recipes (every other `.toml`) from these sources.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Self, GenerateError> {
        let defs = Definitions::from_sources(
            sources
                .iter()
                .filter(|(name, _)| name.ends_with("events.toml"))
                .map(|(n, t)| (n.as_str(), t.as_str())),
        )?;
        let book = RecipeBook::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))?;
        let library = Library { defs, book };
        library.check()?;
        Ok(library)
    }

    /// The library in a recipe folder.
    pub fn from_dir(dir: &Path) -> Result<Self, GenerateError> {
        Library::from_sources(&read_toml_files(dir)?)
    }

    /// The event definitions.
    pub fn defs(&self) -> &Definitions {
        &self.defs
    }

    /// The recipes.
    pub fn book(&self) -> &RecipeBook {
        &self.book
    }

    /// Every step of every recipe names a defined event.
    fn check(&self) -> Result<(), GenerateError> {
        let mut steps: Vec<(&str, &Step)> = Vec::new();
        for flow in self.book.flows() {
            steps.extend(flow.step.iter().map(|s| (flow.name.as_str(), s)));
        }
        for recipe in self.book.causes() {
            for variant in &recipe.variant {
                for step in variant
                    .attempt
                    .iter()
                    .chain(&variant.onset)
                    .chain(&variant.fix)
                {
                    steps.push((variant.name.as_str(), step));
                }
            }
        }
        for group in self.book.noise_groups() {
            steps.extend(group.step.iter().map(|s| (group.name.as_str(), s)));
        }
        for (owner, step) in steps {
            self.defs
                .event(&step.event)
                .map_err(|e| GenerateError::Step {
                    scenario: "-".into(),
                    context: format!("recipe {owner}"),
                    event: step.event.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }
}

/// One file of a generated bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Path relative to the bundle, `/` separated.
    pub path: String,
    /// The host's folder.
    pub folder: String,
    /// The host's `Computer`.
    pub host: String,
    /// The channel (`pfirewall.log` for the text log).
    pub channel: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The records that survived in the file, in file order (empty for the text log).
    pub records: Vec<EventRecord>,
}

/// A generated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The scenario name.
    pub name: String,
    /// Its files.
    pub files: Vec<BundleFile>,
    /// Its ground truth.
    pub expected: Expected,
}

/// What a record was laid down for.
#[derive(Debug, Clone, Default)]
struct Tag {
    attempt: Option<usize>,
    incident: Option<usize>,
    herring: Option<usize>,
    evidence: bool,
}

struct Pending {
    time: DateTime<Utc>,
    seq: u64,
    record: EventRecord,
    tag: Tag,
}

struct FirewallLine {
    time: DateTime<Utc>,
    seq: u64,
    columns: Vec<String>,
    tag: Tag,
}

struct HostState {
    spec: HostSpec,
    flags: BTreeSet<String>,
    channels: BTreeSet<String>,
    pids: BTreeMap<String, u32>,
    threads: BTreeMap<String, Vec<u32>>,
    rng: Rng,
    lsa_activity: Guid,
    vars: BTreeMap<String, String>,
    pending: BTreeMap<String, Vec<Pending>>,
    firewall: Vec<FirewallLine>,
    conn_no: u32,
    session_id: u32,
    user_sid: String,
}

#[derive(Debug, Clone)]
enum AttemptKind {
    Success {
        end: SessionEnd,
        udp: bool,
    },
    Failure {
        incident: usize,
    },
    Scanner {
        group: String,
        herring: Option<usize>,
    },
}

struct Attempt {
    id: String,
    label: &'static str,
    number: u32,
    of: u32,
    client: Option<usize>,
    server: usize,
    gateway: Option<usize>,
    start: DateTime<Utc>,
    close_ms: f64,
    end_ms: f64,
    kind: AttemptKind,
    user: Option<String>,
    target: Option<String>,
    client_ip: String,
    params: BTreeMap<String, String>,
    client_aid: Guid,
    server_aid: Guid,
    reaches_server: bool,
    reason: Option<u32>,
    conn_no: u32,
    session_id: u32,
    rng: Rng,
}

struct Engine<'a> {
    lib: &'a Library,
    scenario: &'a Scenario,
    rng: Rng,
    hosts: Vec<HostState>,
    seq: u64,
    herrings: Vec<(String, String)>,
}

/// Milliseconds as a duration, to the 100 ns.
fn millis(ms: f64) -> Duration {
    Duration::nanoseconds(((ms * 10_000.0).round() as i64).saturating_mul(100))
}

/// RFC 3339 with 7 fractional digits, as evtx renders `SystemTime`.
pub fn iso7(time: &DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        time.format("%Y-%m-%dT%H:%M:%S"),
        time.timestamp_subsec_nanos().min(999_999_999) / 100
    )
}

fn iso_ms(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn iso_s(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn draw(rng: &mut Rng, offset: Offset) -> f64 {
    if offset.hi > offset.lo {
        rng.uniform(offset.lo, offset.hi)
    } else {
        offset.lo
    }
}

/// Decode a recipe's binary spec.
fn binary(spec: &str) -> Result<Vec<u8>, String> {
    let (kind, rest) = spec
        .split_once(':')
        .ok_or_else(|| format!("binary {spec:?} is not kind:value"))?;
    match kind {
        "hex" => parse_hex(rest),
        "utf16z" => {
            let mut out: Vec<u8> = rest.encode_utf16().flat_map(u16::to_le_bytes).collect();
            out.extend_from_slice(&[0, 0]);
            Ok(out)
        }
        "ntstatus" => u32::from_str_radix(rest.trim_start_matches("0x"), 16)
            .map(|v| v.to_le_bytes().to_vec())
            .map_err(|_| format!("{rest:?} is not a hex DWORD")),
        "termdd56" | "termdd50" => {
            let status = u32::from_str_radix(rest.trim_start_matches("0x"), 16)
                .map_err(|_| format!("{rest:?} is not a hex DWORD"))?;
            let code: u32 = if kind == "termdd56" {
                0xC00A_0038
            } else {
                0xC00A_0032
            };
            // IO_ERROR_LOG_PACKET: MajorFunctionCode, RetryCount, DumpDataSize (4),
            // NumberOfStrings (2), StringOffset (0x2C), EventCategory, pad, ErrorCode,
            // UniqueErrorValue, FinalStatus, SequenceNumber, IoControlCode, DeviceOffset (8),
            // then the dump data (the status DWORD).
            let mut out = vec![0u8, 0];
            out.extend_from_slice(&4u16.to_le_bytes());
            out.extend_from_slice(&2u16.to_le_bytes());
            out.extend_from_slice(&0x2Cu16.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&code.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&code.to_le_bytes());
            out.extend_from_slice(&[0u8; 16]);
            out.extend_from_slice(&status.to_le_bytes());
            Ok(out)
        }
        other => Err(format!("unknown binary kind {other:?}")),
    }
}

/// The RID a user name gets (stable across runs).
fn rid_of(name: &str) -> u32 {
    if name.eq_ignore_ascii_case("administrator") {
        return 500;
    }
    let mut rng = Rng::new(0x51d).fork(&name.to_ascii_lowercase());
    1104 + rng.below(7000) as u32
}

/// Split `DOMAIN\user` (or `user`).
fn split_user(user: &str) -> (Option<&str>, &str) {
    match user.split_once('\\') {
        Some((domain, name)) => (Some(domain), name),
        None => (None, user),
    }
}

const PROCESS_ROLES: &[&str] = &[
    "lsass",
    "services",
    "termservice",
    "lsm",
    "mstsc",
    "dnscache",
    "mpssvc",
    "msmpeng",
    "netprofm",
    "tsgateway",
    "winlogon",
    "w32time",
    "rpcss",
    "sysmon",
    "powershell",
];

impl<'a> Engine<'a> {
    fn new(lib: &'a Library, scenario: &'a Scenario) -> Result<Self, GenerateError> {
        let rng = Rng::new(scenario.seed);
        let mut hosts = Vec::with_capacity(scenario.host.len());
        for (index, spec) in scenario.host.iter().enumerate() {
            // Forks are keyed by position, not name: a renamed scenario draws the same values.
            let mut hrng = rng.fork(&format!("host:{index}"));
            let mut flags: BTreeSet<String> =
                spec.build.flags().iter().map(|f| (*f).to_owned()).collect();
            flags.insert(format!("build_{}", spec.build.name()));
            let channels: BTreeSet<String> = if spec.collected {
                spec.channel_names().into_iter().collect()
            } else {
                BTreeSet::new()
            };
            for channel in &channels {
                if let Some((alias, _)) = crate::scenario::CHANNEL_ALIASES
                    .iter()
                    .find(|(_, name)| name == channel)
                {
                    flags.insert(format!("has_{alias}"));
                }
            }
            if spec.pfirewall.is_some() && spec.collected {
                flags.insert("has_pfirewall".into());
            }
            let mut pids = BTreeMap::new();
            let mut threads = BTreeMap::new();
            for role in PROCESS_ROLES {
                // One fork per role: adding a role changes no other value.
                let mut prng = hrng.fork(&format!("process:{role}"));
                let pid = 4 * prng.between(90, 3000) as u32;
                pids.insert((*role).to_owned(), pid);
                let pool: Vec<u32> = (0..8).map(|_| 4 * prng.between(60, 4000) as u32).collect();
                threads.insert((*role).to_owned(), pool);
            }
            let lsa_activity = {
                let mut bytes = hrng.bytes::<16>();
                bytes[6] = 0;
                bytes[7] = 0;
                Guid::from_bytes(bytes)
            };
            let machine_guid = hrng.guid();
            let machine_sid = format!(
                "S-1-5-21-{}-{}-{}",
                hrng.between(1_000_000_000, 4_000_000_000),
                hrng.between(1_000_000_000, 4_000_000_000),
                hrng.between(1_000_000_000, 4_000_000_000)
            );
            let cert_thumb = hex_upper(&hrng.bytes::<20>());
            let new_cert_thumb = hex_upper(&hrng.bytes::<20>());
            let console_user = spec
                .user
                .clone()
                .unwrap_or_else(|| format!("{}\\{}", scenario.domain.netbios, "adm.console"));
            let user_sid = user_sid_for(scenario, &console_user, &machine_sid);
            let mut vars = BTreeMap::new();
            for (prefix, value) in [
                ("fqdn", spec.name.clone()),
                ("short", spec.short.clone()),
                ("short_lower", spec.short.to_ascii_lowercase()),
                ("ip", spec.address().to_owned()),
                (
                    "machine_guid",
                    machine_guid.to_string().trim_matches(['{', '}']).to_owned(),
                ),
                ("machine_sid", machine_sid.clone()),
                ("cert_thumb", cert_thumb.clone()),
                ("new_cert_thumb", new_cert_thumb.clone()),
                ("build", spec.build.name().to_owned()),
            ] {
                vars.insert(format!("host_{prefix}"), value);
            }
            for (role, pid) in &pids {
                vars.insert(format!("host_{role}_pid"), format!("{pid:#x}"));
                vars.insert(format!("host_{role}_pid_dec"), pid.to_string());
            }
            vars.insert(
                "host_filter_rtid".into(),
                hrng.between(66_000, 91_000).to_string(),
            );
            vars.insert("host_ca_thumb".into(), hex_upper(&hrng.bytes::<20>()));
            vars.insert("host_stuck_session".into(), hrng.between(2, 6).to_string());
            vars.insert(
                "host_stuck_logon".into(),
                format!("{:#x}", hrng.between(0x10_0000, 0x8f_ffff)),
            );
            vars.insert("host_user".into(), console_user);
            vars.insert("host_user_sid".into(), user_sid.clone());
            let conn_no = spec
                .last_connection
                .unwrap_or_else(|| hrng.between(2, 180) as u32);
            let session_id = spec
                .last_session
                .unwrap_or_else(|| hrng.between(2, 9) as u32);
            hosts.push(HostState {
                spec: spec.clone(),
                flags,
                channels,
                pids,
                threads,
                rng: hrng,
                lsa_activity,
                vars,
                pending: BTreeMap::new(),
                firewall: Vec::new(),
                conn_no,
                session_id,
                user_sid,
            });
        }
        Ok(Engine {
            lib,
            scenario,
            rng,
            hosts,
            seq: 0,
            herrings: Vec::new(),
        })
    }

    fn host_index(&self, short: &str) -> Result<usize, GenerateError> {
        self.hosts
            .iter()
            .position(|h| h.spec.short.eq_ignore_ascii_case(short))
            .ok_or_else(|| {
                GenerateError::Scenario(ScenarioError::Invalid {
                    scenario: self.scenario.name.clone(),
                    message: format!("{short} is not a host"),
                })
            })
    }

    fn step_error(&self, context: &str, step: &Step, message: impl Into<String>) -> GenerateError {
        GenerateError::Step {
            scenario: self.scenario.name.clone(),
            context: context.to_owned(),
            event: step.event.clone(),
            message: message.into(),
        }
    }

    /// Scenario-wide template values.
    fn scenario_vars(&self) -> BTreeMap<String, String> {
        let d = &self.scenario.domain;
        let mut vars = BTreeMap::new();
        vars.insert("domain".into(), d.netbios.clone());
        vars.insert("domain_fqdn".into(), d.fqdn.clone());
        vars.insert("realm".into(), d.fqdn.to_ascii_uppercase());
        vars.insert("domain_sid".into(), d.sid.clone());
        vars.insert("admin_sid".into(), format!("{}-500", d.sid));
        vars.insert("admin".into(), format!("{}\\Administrator", d.netbios));
        vars.insert("tls_version".into(), "TLS 1.2".into());
        vars.insert("dns_hex".into(), "0A0A000A".into());
        vars.insert("dns2_hex".into(), "0A0A000B".into());
        vars.insert("teardown_code".into(), "0".into());
        vars.extend(self.scenario.params.clone());
        vars
    }

    /// The host's values under `role_` names (`server_fqdn`, `client_ip` …).
    fn role_vars(&self, host: usize, role: &str, vars: &mut BTreeMap<String, String>) {
        if let Some(state) = self.hosts.get(host) {
            for (name, value) in &state.vars {
                if let Some(rest) = name.strip_prefix("host_") {
                    vars.insert(format!("{role}_{rest}"), value.clone());
                }
            }
        }
    }

    /// Lay down one step.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        context: &str,
        host: usize,
        step: &Step,
        anchor: DateTime<Utc>,
        vars: &BTreeMap<String, String>,
        flags: &BTreeSet<String>,
        activities: (Option<Guid>, Option<Guid>),
        tag: Tag,
        rng: &mut Rng,
    ) -> Result<Option<DateTime<Utc>>, GenerateError> {
        let Some(state) = self.hosts.get(host) else {
            return Ok(None);
        };
        let host_flags = &state.flags;
        let has = |flag: &str| flags.contains(flag) || host_flags.contains(flag);
        if !step.applies(&has) {
            return Ok(None);
        }
        let def: &EventDef = self
            .lib
            .defs
            .event(&step.event)
            .map_err(|e| self.step_error(context, step, e.to_string()))?;
        let provider: &ProviderDef = self
            .lib
            .defs
            .provider_of(def)
            .map_err(|e| self.step_error(context, step, e.to_string()))?;
        let scenario_name = self.scenario.name.clone();
        let step_error = move |message: String| GenerateError::Step {
            scenario: scenario_name.clone(),
            context: context.to_owned(),
            event: step.event.clone(),
            message,
        };
        let repeat = step
            .repeat
            .map_or((1, 0.0), |r| (r.count.max(1), r.every_s));
        let mut first_time = None;
        for occurrence in 0..repeat.0 {
            let offset = draw(rng, step.offset());
            let true_time =
                anchor + millis(offset) + millis(f64::from(occurrence) * repeat.1 * 1000.0);
            first_time.get_or_insert(true_time);
            let written = true_time + millis(state_skew_ms(&self.hosts[host]));
            let lookup_vars = |name: &str| -> Option<String> {
                match name {
                    "now" => Some(iso_ms(&written)),
                    "now_s" => Some(iso_s(&written)),
                    "now_sysmon" => Some(written.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
                    "now7" => Some(iso7(&written)),
                    _ => vars.get(name).cloned(),
                }
            };
            let fail = |e: TemplateError| step_error(e.to_string());
            let mut text = PayloadText::default();
            for (name, template) in &step.values {
                text.values.insert(
                    name.clone(),
                    render(template, &lookup_vars, rng).map_err(fail)?,
                );
            }
            for template in &step.data {
                text.data
                    .push(render(template, &lookup_vars, rng).map_err(fail)?);
            }
            if let Some(spec) = &step.binary {
                let spec = render(spec, &lookup_vars, rng).map_err(fail)?;
                text.binary = Some(binary(&spec).map_err(&step_error)?);
            }
            if let Some(tree) = &step.tree {
                let xml = render(tree, &lookup_vars, rng).map_err(fail)?;
                text.tree =
                    Some(parse_tree(&xml).map_err(|e: TreeError| step_error(e.to_string()))?);
            }
            self.seq += 1;
            let seq = self.seq;
            if def.payload == PayloadKind::FirewallLog {
                if !self.hosts[host].flags.contains("has_pfirewall") {
                    continue;
                }
                let mut columns = Vec::with_capacity(def.fields.len());
                if let Some(unknown) = text
                    .values
                    .keys()
                    .find(|k| !def.fields.iter().any(|f| &f.name == *k))
                {
                    return Err(step_error(format!("no column {unknown:?}")));
                }
                for field in &def.fields {
                    let value = text
                        .values
                        .get(&field.name)
                        .or(field.default.as_ref())
                        .ok_or_else(|| step_error(format!("no value for {}", field.name)))?;
                    columns.push(value.clone());
                }
                self.hosts[host].firewall.push(FirewallLine {
                    time: written,
                    seq,
                    columns,
                    tag: tag.clone(),
                });
                continue;
            }
            if !self.hosts[host].channels.contains(&provider.channel) {
                continue;
            }
            let activity = match step.activity.unwrap_or(def.activity(provider)) {
                Activity::None => None,
                Activity::Client => activities.0,
                Activity::Connection => activities.1,
                Activity::Lsm => Some(LSM_CONSTANT_ACTIVITY),
                Activity::Lsa => Some(self.hosts[host].lsa_activity),
                Activity::Fresh => Some(rng.activity_guid(None)),
            };
            let role = step
                .process
                .as_deref()
                .unwrap_or(def.process(provider))
                .to_owned();
            let execution = match role.as_str() {
                "zero" => Some((0, 0)),
                "system" => {
                    let state = &self.hosts[host];
                    let pool = state.threads.get("lsass").cloned().unwrap_or_default();
                    Some((4, rng.pick(&pool).copied().unwrap_or(80)))
                }
                role => {
                    let state = &self.hosts[host];
                    let pid = state
                        .pids
                        .get(role)
                        .copied()
                        .ok_or_else(|| step_error(format!("no process role {role:?}")))?;
                    let pool = state.threads.get(role).cloned().unwrap_or_default();
                    Some((pid, rng.pick(&pool).copied().unwrap_or(4)))
                }
            };
            let user_template = match step.user.as_deref() {
                Some("none") => None,
                Some(user) => Some(user),
                None => def.user(provider),
            };
            let user_id = match user_template {
                Some(template) => {
                    let text_sid = render(template, &lookup_vars, rng).map_err(fail)?;
                    Some(
                        text_sid
                            .parse::<Sid>()
                            .map_err(|e| step_error(format!("user {text_sid:?}: {e}")))?,
                    )
                }
                None => None,
            };
            let layout = (self.hosts[host].flags.contains("legacy")
                && provider.layout == Some(SystemLayout::Classic))
            .then_some(SystemLayout::Legacy);
            let placement = Placement {
                computer: &self.hosts[host].spec.name,
                time: written,
                activity_id: activity,
                execution,
                user_id,
                layout,
            };
            let mut record = def
                .record(provider, &placement, text)
                .map_err(|e| step_error(e.to_string()))?;
            if let Some(level) = step.level {
                record.level = Some(level);
            }
            if let Some(keywords) = &step.keywords {
                let value = u64::from_str_radix(keywords.trim_start_matches("0x"), 16)
                    .map_err(|_| step_error(format!("keywords {keywords:?}")))?;
                record.keywords = Some(value);
            }
            self.hosts[host]
                .pending
                .entry(provider.channel.clone())
                .or_default()
                .push(Pending {
                    time: written,
                    seq,
                    record,
                    tag: tag.clone(),
                });
        }
        Ok(first_time)
    }
}

fn state_skew_ms(state: &HostState) -> f64 {
    state.spec.clock_skew * 1000.0
}

/// Add template parameters to `vars`, later layers overriding earlier ones; each value is
/// rendered once against the values already there (so a parameter may be `{guid}` or refer
/// to `{server_fqdn}`).
fn apply_params(
    vars: &mut BTreeMap<String, String>,
    layers: &[&BTreeMap<String, String>],
    rng: &mut Rng,
) -> Result<(), TemplateError> {
    let mut merged: BTreeMap<&String, &String> = BTreeMap::new();
    for layer in layers {
        merged.extend(layer.iter());
    }
    let base = vars.clone();
    let lookup = |name: &str| base.get(name).cloned();
    for (name, template) in merged {
        vars.insert(name.clone(), render(template, &lookup, rng)?);
    }
    Ok(())
}

/// The SID of `user` (`DOMAIN\name` a domain account, else a local account of the machine).
fn user_sid_for(scenario: &Scenario, user: &str, machine_sid: &str) -> String {
    let (domain, name) = split_user(user);
    match domain {
        Some(d) if d.eq_ignore_ascii_case(&scenario.domain.netbios) => {
            format!("{}-{}", scenario.domain.sid, rid_of(name))
        }
        _ if name.eq_ignore_ascii_case("administrator") => format!("{machine_sid}-500"),
        _ => format!("{machine_sid}-{}", 1000 + rid_of(name) % 50),
    }
}

/// What a scenario lays down before numbering and writing: per host, every channel's records
/// and the firewall log's lines in time order; the attempts with their truth. `scale` streams
/// these out window by window.
pub(crate) struct Laid {
    pub(crate) hosts: Vec<LaidHost>,
    pub(crate) attempts: Vec<LaidAttempt>,
}

/// One host's laid records.
pub(crate) struct LaidHost {
    /// Records by channel, in time order (record ids not yet set).
    pub(crate) channels: BTreeMap<String, Vec<EventRecord>>,
    /// Firewall log lines (local time, text without line end), in time order.
    pub(crate) firewall: Vec<(DateTime<Utc>, String)>,
    /// The last `RDP-Tcp#N` and session id used.
    pub(crate) last_connection: u32,
    pub(crate) last_session: u32,
}

/// One attempt's truth.
pub(crate) struct LaidAttempt {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) outcome: &'static str,
    pub(crate) cause: Option<String>,
    pub(crate) variant: Option<String>,
    pub(crate) client: Option<String>,
    pub(crate) server: String,
    pub(crate) client_activity_id: String,
    pub(crate) server_activity_id: Option<String>,
    pub(crate) start: DateTime<Utc>,
}

/// Lay a scenario down without writing it.
pub(crate) fn lay(lib: &Library, scenario: &Scenario) -> Result<Laid, GenerateError> {
    scenario.check()?;
    let mut engine = Engine::new(lib, scenario)?;
    let mut attempts = engine.plan()?;
    engine.number(&mut attempts);
    for index in 0..attempts.len() {
        engine.lay_attempt(&attempts, index)?;
    }
    engine.lay_incidents()?;
    engine.lay_noise()?;
    let laid_attempts = attempts
        .iter()
        .map(|a| {
            let (outcome, cause, variant) = match &a.kind {
                AttemptKind::Success { .. } => ("succeeded", None, None),
                AttemptKind::Failure { incident } => {
                    let inc = &scenario.incident[*incident];
                    ("failed", Some(inc.cause.clone()), Some(inc.variant.clone()))
                }
                AttemptKind::Scanner { group, .. } => ("failed", None, Some(group.clone())),
            };
            LaidAttempt {
                id: a.id.clone(),
                kind: a.label,
                outcome,
                cause,
                variant,
                client: a.client.map(|c| engine.hosts[c].spec.name.clone()),
                server: engine.hosts[a.server].spec.name.clone(),
                client_activity_id: a.client_aid.to_string(),
                server_activity_id: a.reaches_server.then(|| a.server_aid.to_string()),
                start: a.start,
            }
        })
        .collect();
    let mut hosts = Vec::with_capacity(engine.hosts.len());
    for state in &mut engine.hosts {
        let mut channels = BTreeMap::new();
        for (channel, mut pending) in std::mem::take(&mut state.pending) {
            pending.sort_by(|a, b| a.time.cmp(&b.time).then(a.seq.cmp(&b.seq)));
            channels.insert(channel, pending.into_iter().map(|p| p.record).collect());
        }
        let mut lines = std::mem::take(&mut state.firewall);
        lines.sort_by(|a, b| a.time.cmp(&b.time).then(a.seq.cmp(&b.seq)));
        let firewall = match (state.spec.pfirewall, state.spec.utc_offset_seconds()) {
            (Some(fw), Ok(offset)) => lines
                .into_iter()
                .filter(|l| fw.log_allowed || l.columns.first().is_none_or(|a| a != "ALLOW"))
                .map(|l| {
                    (
                        l.time,
                        firewall_line(&l.time, offset, l.columns, fw.pid_column),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        hosts.push(LaidHost {
            channels,
            firewall,
            last_connection: state.conn_no,
            last_session: state.session_id,
        });
    }
    Ok(Laid {
        hosts,
        attempts: laid_attempts,
    })
}

/// The header of a Windows Firewall text log.
pub(crate) fn firewall_header(pid_column: bool) -> String {
    let mut text = String::from(
        "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n",
    );
    text.push_str("#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path");
    if pid_column {
        text.push_str(" pid");
    }
    text.push_str("\r\n\r\n");
    text
}

/// One firewall log line (local time, no line end).
fn firewall_line(
    time: &DateTime<Utc>,
    offset: i32,
    mut columns: Vec<String>,
    pid_column: bool,
) -> String {
    let local = *time + Duration::seconds(i64::from(offset));
    if !pid_column {
        columns.truncate(15);
    }
    format!(
        "{} {}",
        local.format("%Y-%m-%d %H:%M:%S"),
        columns.join(" ")
    )
}

/// Whether a channel is one of the RDP logs that identify connections.
fn is_rdp_channel(channel: &str) -> bool {
    ["rdpclient", "rdpcorets", "rcm", "lsm"]
        .iter()
        .any(|alias| channel_name(alias) == channel)
}

/// Generate the bundle of `scenario`.
pub fn generate(lib: &Library, scenario: &Scenario) -> Result<Bundle, GenerateError> {
    scenario.check()?;
    let mut engine = Engine::new(lib, scenario)?;
    let mut attempts = engine.plan()?;
    engine.number(&mut attempts);
    for index in 0..attempts.len() {
        engine.lay_attempt(&attempts, index)?;
    }
    engine.lay_incidents()?;
    engine.lay_noise()?;
    engine.finish(&attempts)
}

impl Engine<'_> {
    /// Every attempt of every connection, background session and scanner, in time order.
    fn plan(&mut self) -> Result<Vec<Attempt>, GenerateError> {
        let scenario = self.scenario;
        let mut attempts = Vec::new();
        for conn in &scenario.connection {
            let client = self.host_index(&conn.client)?;
            let server = self.host_index(&conn.server)?;
            let gateway = conn
                .via
                .as_deref()
                .map(|v| self.host_index(v))
                .transpose()?;
            let mut rng = self.rng.fork(&format!("connection:{}", conn.id));
            let (kind, variant) = match (conn.outcome, &conn.incident) {
                (Outcome::Failed, Some(id)) => {
                    let index = scenario
                        .incident
                        .iter()
                        .position(|i| &i.id == id)
                        .unwrap_or_default();
                    let incident = &scenario.incident[index];
                    let variant = self.lib.book.variant(&incident.cause, &incident.variant)?;
                    (AttemptKind::Failure { incident: index }, Some(variant))
                }
                _ => (
                    AttemptKind::Success {
                        end: conn.end.unwrap_or_else(|| {
                            if rng.chance(0.5) {
                                SessionEnd::Logoff
                            } else {
                                SessionEnd::Disconnect
                            }
                        }),
                        udp: conn.udp.unwrap_or_else(|| rng.chance(0.6)),
                    },
                    None,
                ),
            };
            let attempts_n = conn.retries + 1;
            let spacing = conn.spacing_s.unwrap_or([2.0, 9.0]);
            let client_ip = match (&conn.client_address, gateway) {
                (_, Some(gw)) => self.hosts[gw].spec.address().to_owned(),
                (Some(address), None) => address.clone(),
                (None, None) => self.hosts[client].spec.address().to_owned(),
            };
            let mut start = conn.at;
            for number in 1..=attempts_n {
                let mut arng = rng.fork(&format!("attempt:{number}"));
                let (close_ms, end_ms, reaches, reason) = match (&kind, variant) {
                    (AttemptKind::Failure { .. }, Some(v)) => {
                        let close = if v.close.hi > 0.0 {
                            draw(&mut arng, v.close)
                        } else {
                            arng.uniform(600.0, 2500.0)
                        };
                        let reason = conn
                            .params
                            .get("reason")
                            .and_then(|r| r.parse().ok())
                            .or(v.reason);
                        (close, close, v.server_flow != "none", reason)
                    }
                    (AttemptKind::Success { end, .. }, _) => {
                        let minutes = conn.duration_min.unwrap_or_else(|| arng.uniform(4.0, 95.0));
                        let reason = match end {
                            SessionEnd::Disconnect => 1,
                            SessionEnd::Logoff => 2,
                        };
                        (6000.0, minutes * 60_000.0, true, Some(reason))
                    }
                    _ => (0.0, 0.0, false, None),
                };
                attempts.push(Attempt {
                    id: format!("{}-{number}", conn.id),
                    label: "attempt",
                    number,
                    of: attempts_n,
                    client: Some(client),
                    server,
                    gateway,
                    start,
                    close_ms,
                    end_ms,
                    kind: kind.clone(),
                    user: Some(conn.user.clone()),
                    target: Some(
                        conn.target
                            .clone()
                            .unwrap_or_else(|| self.hosts[server].spec.short.to_ascii_lowercase()),
                    ),
                    client_ip: client_ip.clone(),
                    params: conn.params.clone(),
                    client_aid: arng.activity_guid(None),
                    server_aid: arng.activity_guid(Some(0xf420)),
                    reaches_server: reaches,
                    reason,
                    conn_no: 0,
                    session_id: 0,
                    rng: arng.fork("steps"),
                });
                let gap = rng.uniform(spacing[0], spacing[1].max(spacing[0]));
                start = start + millis(end_ms) + millis(gap * 1000.0);
            }
        }
        for (bi, background) in scenario.background.iter().enumerate() {
            let mut rng = self.rng.fork(&format!("background:{bi}"));
            let windows: Vec<[DateTime<Utc>; 2]> = if background.windows.is_empty() {
                vec![[
                    scenario.start + Duration::minutes(5),
                    scenario.end - Duration::minutes(100),
                ]]
            } else {
                background.windows.clone()
            };
            for n in 0..background.sessions {
                let window = rng
                    .pick(&windows)
                    .copied()
                    .unwrap_or([scenario.start, scenario.end]);
                let span = (window[1] - window[0]).num_milliseconds().max(1) as f64;
                let start = window[0] + millis(rng.uniform(0.0, span));
                let start = start
                    - Duration::nanoseconds(i64::from(start.timestamp_subsec_nanos() % 1_000_000));
                let client_short = rng.pick(&background.clients).cloned().unwrap_or_default();
                let server_short = rng.pick(&background.servers).cloned().unwrap_or_default();
                let client = self.host_index(&client_short)?;
                let server = self.host_index(&server_short)?;
                if client == server {
                    continue;
                }
                let user = rng.pick(&background.users).cloned().unwrap_or_default();
                let minutes = rng.uniform(background.duration_min[0], background.duration_min[1]);
                let end = if rng.chance(0.5) {
                    SessionEnd::Logoff
                } else {
                    SessionEnd::Disconnect
                };
                let mut arng = rng.fork(&format!("session:{n}"));
                attempts.push(Attempt {
                    id: format!("bg{bi}-{:03}", n + 1),
                    label: "background",
                    number: 1,
                    of: 1,
                    client: Some(client),
                    server,
                    gateway: None,
                    start,
                    close_ms: 6000.0,
                    end_ms: minutes * 60_000.0,
                    kind: AttemptKind::Success {
                        end,
                        udp: rng.chance(0.6),
                    },
                    user: Some(user),
                    target: Some(if rng.chance(0.5) {
                        self.hosts[server].spec.name.to_ascii_lowercase()
                    } else {
                        self.hosts[server].spec.short.to_ascii_lowercase()
                    }),
                    client_ip: self.hosts[client].spec.address().to_owned(),
                    params: BTreeMap::new(),
                    client_aid: arng.activity_guid(None),
                    server_aid: arng.activity_guid(Some(0xf420)),
                    reaches_server: true,
                    reason: Some(match end {
                        SessionEnd::Disconnect => 1,
                        SessionEnd::Logoff => 2,
                    }),
                    conn_no: 0,
                    session_id: 0,
                    rng: arng.fork("steps"),
                });
            }
        }
        for (ni, noise) in scenario.noise.iter().enumerate() {
            let group = self.lib.book.noise(&noise.group)?;
            if group.kind != NoiseKind::Scanner {
                continue;
            }
            let herring = noise.red_herring.as_ref().map(|description| {
                self.herrings
                    .push((description.clone(), noise.group.clone()));
                self.herrings.len() - 1
            });
            let hosts = self.noise_hosts(noise)?;
            let window = noise.window.unwrap_or([scenario.start, scenario.end]);
            for host in hosts {
                let mut rng = self.rng.fork(&format!("scanner:{ni}:{host}"));
                for n in 0..noise.count {
                    let span = (window[1] - window[0]).num_milliseconds().max(1) as f64;
                    let start = window[0] + millis(rng.uniform(0.0, span));
                    let mut arng = rng.fork(&format!("scan:{n}"));
                    let ip = crate::template::public_ip(&mut arng);
                    let mut params = group.params.clone();
                    params.extend(noise.params.clone());
                    attempts.push(Attempt {
                        id: format!("scan{ni}-{}-{:03}", self.hosts[host].spec.short, n + 1),
                        label: "scanner",
                        number: 1,
                        of: 1,
                        client: None,
                        server: host,
                        gateway: None,
                        start,
                        close_ms: 400.0,
                        end_ms: 400.0,
                        kind: AttemptKind::Scanner {
                            group: noise.group.clone(),
                            herring,
                        },
                        user: None,
                        target: None,
                        client_ip: ip,
                        params,
                        client_aid: arng.activity_guid(None),
                        server_aid: arng.activity_guid(Some(0xf420)),
                        reaches_server: true,
                        reason: None,
                        conn_no: 0,
                        session_id: 0,
                        rng: arng.fork("steps"),
                    });
                }
            }
        }
        attempts.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
        Ok(attempts)
    }

    fn noise_hosts(&self, noise: &crate::scenario::NoiseSpec) -> Result<Vec<usize>, GenerateError> {
        if noise.hosts.is_empty() {
            Ok((0..self.hosts.len())
                .filter(|&i| self.hosts[i].spec.collected)
                .collect())
        } else {
            noise.hosts.iter().map(|h| self.host_index(h)).collect()
        }
    }

    /// Connection numbers and session ids per host, in time order.
    fn number(&mut self, attempts: &mut [Attempt]) {
        for attempt in attempts.iter_mut() {
            if !attempt.reaches_server {
                continue;
            }
            let host = &mut self.hosts[attempt.server];
            host.conn_no += 1;
            attempt.conn_no = host.conn_no;
            if let AttemptKind::Success { .. } = attempt.kind {
                host.session_id += 1;
                attempt.session_id = host.session_id;
            } else {
                attempt.session_id = host.session_id + 1;
            }
        }
    }

    /// Template values of an attempt.
    fn attempt_vars(
        &self,
        a: &Attempt,
        variant: Option<&Variant>,
        incident: Option<usize>,
    ) -> Result<BTreeMap<String, String>, GenerateError> {
        let scenario = self.scenario;
        let mut vars = self.scenario_vars();
        if let Some(i) = incident.and_then(|i| scenario.incident.get(i)) {
            vars.insert("onset".into(), iso_ms(&i.onset));
            vars.insert(
                "cert_not_after".into(),
                iso_s(&(i.onset - Duration::hours(3))),
            );
            vars.insert(
                "cert_not_before".into(),
                iso_s(&(i.onset - Duration::days(183))),
            );
        }
        self.role_vars(a.server, "server", &mut vars);
        if let Some(client) = a.client {
            self.role_vars(client, "client", &mut vars);
        }
        if let Some(gw) = a.gateway {
            self.role_vars(gw, "gateway", &mut vars);
        }
        vars.insert("client_ip".into(), a.client_ip.clone());
        if let Some(client) = a.client {
            vars.insert(
                "origin_ip".into(),
                self.hosts[client].spec.address().to_owned(),
            );
        }
        if let Some(target) = &a.target {
            vars.insert("target".into(), target.clone());
        }
        if let Some(user) = &a.user {
            let (domain, name) = split_user(user);
            let server = &self.hosts[a.server];
            let domain_name = domain.map_or_else(|| server.spec.short.clone(), str::to_owned);
            let machine_sid = server
                .vars
                .get("host_machine_sid")
                .cloned()
                .unwrap_or_default();
            let sid = user_sid_for(scenario, user, &machine_sid);
            let local = domain.is_none();
            vars.insert("user".into(), name.to_owned());
            vars.insert("user_domain".into(), domain_name.clone());
            vars.insert("user_qualified".into(), format!("{domain_name}\\{name}"));
            vars.insert("user_sid".into(), sid.clone());
            vars.insert("user_hash".into(), user_name_hash(name));
            vars.insert("local_user".into(), if local { "1" } else { "0" }.into());
            let client_user_sid = match (local, a.client) {
                (false, _) => sid,
                (true, Some(c)) => self.hosts[c].user_sid.clone(),
                (true, None) => sid,
            };
            vars.insert("client_user_sid".into(), client_user_sid);
        }
        let mut rng = a.rng.fork("vars");
        vars.insert(
            "client_port".into(),
            rng.between(49_700, 65_300).to_string(),
        );
        vars.insert("udp_port".into(), rng.between(49_700, 65_300).to_string());
        vars.insert("conn_no".into(), a.conn_no.to_string());
        vars.insert("session_id".into(), a.session_id.to_string());
        vars.insert("temp_session".into(), a.session_id.to_string());
        vars.insert(
            "logon_id3".into(),
            format!("{:#x}", rng.between(0x20_0000, 0xff_ffff)),
        );
        vars.insert(
            "logon_id10".into(),
            format!("{:#x}", rng.between(0x20_0000, 0xff_ffff)),
        );
        vars.insert("logon_guid".into(), rng.guid().to_string());
        vars.insert("attempt".into(), a.number.to_string());
        vars.insert("attempts".into(), a.of.to_string());
        vars.insert(
            "duration_s".into(),
            format!("{}", (a.end_ms / 1000.0).round() as u64),
        );
        vars.insert(
            "bytes_rx".into(),
            rng.between(200_000, 90_000_000).to_string(),
        );
        vars.insert(
            "bytes_tx".into(),
            rng.between(100_000, 20_000_000).to_string(),
        );
        vars.insert("_sel".into(), rng.next_u64().to_string());
        vars.insert(
            "attempt_guid".into(),
            rng.guid()
                .to_string()
                .trim_matches(['{', '}'])
                .to_ascii_uppercase(),
        );
        vars.insert(
            "chain_ref".into(),
            rng.guid().to_string().to_ascii_uppercase(),
        );
        vars.insert(
            "capi_task".into(),
            rng.guid().to_string().to_ascii_uppercase(),
        );
        vars.insert("cert_serial".into(), hex_upper(&rng.bytes::<16>()));
        for name in ["stuck_session", "stuck_logon"] {
            if let Some(value) = self.hosts[a.server].vars.get(&format!("host_{name}")) {
                vars.insert(name.into(), value.clone());
            }
        }
        if let Some(reason) = a.reason {
            vars.insert("reason".into(), reason.to_string());
        }
        // The client's own SID for ClientActiveXCore/CAPI2 events on the client.
        if let Some(sid) = vars.get("client_user_sid").cloned() {
            vars.insert("csid".into(), sid);
        }
        let empty = BTreeMap::new();
        let layers = [
            &scenario.params,
            variant.map_or(&empty, |v| &v.params),
            incident
                .and_then(|i| scenario.incident.get(i))
                .map_or(&empty, |i| &i.params),
            &a.params,
        ];
        apply_params(&mut vars, &layers, &mut rng).map_err(|e| GenerateError::Step {
            scenario: scenario.name.clone(),
            context: format!("connection {}", a.id),
            event: "params".into(),
            message: e.to_string(),
        })?;
        Ok(vars)
    }

    fn attempt_flags(&self, a: &Attempt, variant: Option<&Variant>) -> BTreeSet<String> {
        let mut flags = BTreeSet::new();
        match &a.kind {
            AttemptKind::Success { end, udp } => {
                flags.insert("success".to_owned());
                flags.insert(
                    match end {
                        SessionEnd::Logoff => "logoff",
                        SessionEnd::Disconnect => "disconnect",
                    }
                    .to_owned(),
                );
                if *udp {
                    flags.insert("udp".into());
                }
            }
            AttemptKind::Failure { .. } => {
                flags.insert("failure".into());
            }
            AttemptKind::Scanner { .. } => {
                flags.insert("scanner".into());
            }
        }
        if a.number == 1 {
            flags.insert("first".into());
        } else {
            flags.insert("retry".into());
        }
        if a.number == a.of {
            flags.insert("last".into());
        }
        if a.gateway.is_some() {
            flags.insert("gateway".into());
        }
        if a.user.as_deref().is_some_and(|u| !u.contains('\\')) {
            flags.insert("local_user".into());
        }
        if let Some(v) = variant {
            flags.extend(v.flags.iter().cloned());
        }
        flags
    }

    fn lay_attempt(&mut self, attempts: &[Attempt], index: usize) -> Result<(), GenerateError> {
        let a = &attempts[index];
        let (variant, incident) = match &a.kind {
            AttemptKind::Failure { incident } => {
                let inc = &self.scenario.incident[*incident];
                (
                    Some(self.lib.book.variant(&inc.cause, &inc.variant)?),
                    Some(*incident),
                )
            }
            _ => (None, None),
        };
        let vars = self.attempt_vars(a, variant, incident)?;
        let flags = self.attempt_flags(a, variant);
        let (client_flow, server_flow) = match (&a.kind, variant) {
            (AttemptKind::Failure { .. }, Some(v)) => {
                (v.client_flow.clone(), v.server_flow.clone())
            }
            (AttemptKind::Success { .. }, _) => {
                ("client.session".to_owned(), "server.session".to_owned())
            }
            _ => ("none".to_owned(), "none".to_owned()),
        };
        // (list, step, evidence by default): `prev` anchors chain within one list.
        let mut steps: Vec<(usize, Step, bool)> = Vec::new();
        for (list, flow) in [&client_flow, &server_flow].into_iter().enumerate() {
            if flow != "none" {
                steps.extend(
                    self.lib
                        .book
                        .flow(flow)?
                        .step
                        .iter()
                        .cloned()
                        .map(|s| (list, s, false)),
                );
            }
        }
        if let AttemptKind::Success { .. } = a.kind
            && a.gateway.is_some()
        {
            steps.extend(
                self.lib
                    .book
                    .flow("gateway.session")?
                    .step
                    .iter()
                    .cloned()
                    .map(|s| (2, s, false)),
            );
        }
        if let Some(v) = variant {
            steps.extend(v.attempt.iter().cloned().map(|s| (3, s, true)));
        }
        if let AttemptKind::Scanner { group, .. } = &a.kind {
            steps.extend(
                self.lib
                    .book
                    .noise(group)?
                    .step
                    .iter()
                    .cloned()
                    .map(|s| (4, s, false)),
            );
        }
        let herring = match &a.kind {
            AttemptKind::Scanner { herring, .. } => *herring,
            _ => None,
        };
        let context = format!("connection {}", a.id);
        let start = a.start;
        let (close_ms, end_ms) = (a.close_ms, a.end_ms);
        let (client, server, gateway) = (a.client, a.server, a.gateway);
        let activities = (Some(a.client_aid), Some(a.server_aid));
        let mut rng = a.rng.fork("lay");
        let mut prev: BTreeMap<usize, DateTime<Utc>> = BTreeMap::new();
        for (list, step, evidence_default) in steps {
            let host = match step.side {
                Side::Client => client,
                Side::Server => Some(server),
                Side::Gateway => gateway,
            };
            let Some(host) = host else { continue };
            let anchor = match step.anchor {
                Anchor::Start => start,
                Anchor::Close => start + millis(close_ms),
                Anchor::End => start + millis(end_ms),
                Anchor::Prev => prev.get(&list).copied().unwrap_or(start),
            };
            let reason_step =
                variant.is_some_and(|v| v.reason_evidence) && step.event == "rdpclient.1026";
            let tag = Tag {
                attempt: Some(index),
                incident,
                herring,
                evidence: step.evidence.unwrap_or(evidence_default || reason_step),
            };
            if let Some(time) = self.emit(
                &context, host, &step, anchor, &vars, &flags, activities, tag, &mut rng,
            )? {
                prev.insert(list, time);
            }
        }
        Ok(())
    }

    fn lay_incidents(&mut self) -> Result<(), GenerateError> {
        for (index, incident) in self.scenario.incident.iter().enumerate() {
            let variant = self.lib.book.variant(&incident.cause, &incident.variant)?;
            let host = self.host_index(&incident.host)?;
            let mut vars = self.scenario_vars();
            self.role_vars(host, "server", &mut vars);
            self.role_vars(host, "host", &mut vars);
            vars.insert("onset".into(), iso_ms(&incident.onset));
            vars.insert(
                "cert_not_after".into(),
                iso_s(&(incident.onset - Duration::hours(3))),
            );
            vars.insert(
                "cert_not_before".into(),
                iso_s(&(incident.onset - Duration::days(183))),
            );
            if let Some(sid) = self.hosts[host].vars.get("host_user_sid").cloned() {
                vars.insert("user_sid".into(), sid.clone());
                vars.insert("csid".into(), sid);
            }
            let mut flags: BTreeSet<String> = variant.flags.iter().cloned().collect();
            flags.insert("incident".into());
            let context = format!("incident {}", incident.id);
            let mut rng = self.rng.fork(&format!("incident:{}", incident.id));
            vars.insert("_sel".into(), rng.next_u64().to_string());
            apply_params(
                &mut vars,
                &[&self.scenario.params, &variant.params, &incident.params],
                &mut rng,
            )
            .map_err(|e| GenerateError::Step {
                scenario: self.scenario.name.clone(),
                context: format!("incident {}", incident.id),
                event: "params".into(),
                message: e.to_string(),
            })?;
            let mut lists: Vec<(&Vec<Step>, DateTime<Utc>, bool)> =
                vec![(&variant.onset, incident.onset, true)];
            if let Some(fixed) = incident.fixed {
                lists.push((&variant.fix, fixed, false));
            }
            for (steps, anchor, evidence) in lists {
                let mut prev = anchor;
                for step in steps {
                    let tag = Tag {
                        attempt: None,
                        incident: Some(index),
                        herring: None,
                        evidence: step.evidence.unwrap_or(evidence),
                    };
                    let aid = (
                        Some(rng.activity_guid(None)),
                        Some(rng.activity_guid(Some(0xf420))),
                    );
                    let at = if step.anchor == Anchor::Prev {
                        prev
                    } else {
                        anchor
                    };
                    if let Some(time) =
                        self.emit(&context, host, step, at, &vars, &flags, aid, tag, &mut rng)?
                    {
                        prev = time;
                    }
                }
            }
        }
        Ok(())
    }

    fn lay_noise(&mut self) -> Result<(), GenerateError> {
        let scenario = self.scenario;
        for (ni, noise) in scenario.noise.iter().enumerate() {
            let group = self.lib.book.noise(&noise.group)?;
            if group.kind == NoiseKind::Scanner {
                continue;
            }
            let herring = noise.red_herring.as_ref().map(|description| {
                self.herrings
                    .push((description.clone(), noise.group.clone()));
                self.herrings.len() - 1
            });
            let window = noise.window.unwrap_or([scenario.start, scenario.end]);
            let context = format!("noise {}", noise.group);
            for host in self.noise_hosts(noise)? {
                let mut rng = self.rng.fork(&format!("noise:{ni}:{host}"));
                let mut vars = self.scenario_vars();
                self.role_vars(host, "host", &mut vars);
                self.role_vars(host, "server", &mut vars);
                if let Some(sid) = self.hosts[host].vars.get("host_user_sid").cloned() {
                    vars.insert("user_sid".into(), sid.clone());
                    vars.insert("csid".into(), sid);
                }
                let flags: BTreeSet<String> = ["noise".to_owned()].into_iter().collect();
                let span = (window[1] - window[0]).num_milliseconds().max(1) as f64;
                for _ in 0..noise.count {
                    let start = window[0] + millis(rng.uniform(0.0, span));
                    let mut orng =
                        rng.fork(&format!("{}", start.timestamp_nanos_opt().unwrap_or(0)));
                    let aid = (
                        Some(orng.activity_guid(None)),
                        Some(orng.activity_guid(Some(0xf420))),
                    );
                    let mut local = vars.clone();
                    local.insert("public_peer".into(), crate::template::public_ip(&mut orng));
                    local.insert("peer_port".into(), orng.between(1024, 65_000).to_string());
                    local.insert("conn_no".into(), orng.between(2, 9000).to_string());
                    local.insert("_sel".into(), orng.next_u64().to_string());
                    apply_params(
                        &mut local,
                        &[&scenario.params, &group.params, &noise.params],
                        &mut orng,
                    )
                    .map_err(|e| GenerateError::Step {
                        scenario: scenario.name.clone(),
                        context: context.clone(),
                        event: "params".into(),
                        message: e.to_string(),
                    })?;
                    local.insert(
                        "occ_guid".into(),
                        orng.guid().to_string().trim_matches(['{', '}']).to_owned(),
                    );
                    let mut prev = start;
                    for step in &group.step {
                        let tag = Tag {
                            attempt: None,
                            incident: None,
                            herring,
                            evidence: step.evidence.unwrap_or(false),
                        };
                        let at = if step.anchor == Anchor::Prev {
                            prev
                        } else {
                            start
                        };
                        if let Some(time) = self.emit(
                            &context, host, step, at, &local, &flags, aid, tag, &mut orng,
                        )? {
                            prev = time;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Number, write and account for every record.
    fn finish(mut self, attempts: &[Attempt]) -> Result<Bundle, GenerateError> {
        let scenario = self.scenario;
        let mut files = Vec::new();
        let mut expected_hosts = Vec::new();
        // Surviving records, for expected.json: (host, file path, record, tag).
        let mut survivors: Vec<(usize, String, EventRecord, Tag)> = Vec::new();
        let mut firewall_refs: Vec<(usize, String, RecordRef, Tag)> = Vec::new();
        // Attempts that had records in an RDP channel before any log wrapped.
        let mut laid_rdp: BTreeSet<usize> = BTreeSet::new();
        for (hi, state) in self.hosts.iter_mut().enumerate() {
            let spec = &state.spec;
            let mut roles: BTreeSet<&str> = BTreeSet::new();
            match spec.role {
                Role::Client => {
                    roles.insert("client");
                }
                Role::Server => {
                    roles.insert("server");
                }
                Role::Both => {
                    roles.insert("client");
                    roles.insert("server");
                }
                Role::Gateway => {
                    roles.insert("gateway");
                }
            }
            let mut host_files = Vec::new();
            if spec.collected {
                let folder = spec.folder_name().to_owned();
                for channel in &state.channels {
                    let mut pending = state.pending.remove(channel).unwrap_or_default();
                    pending.sort_by(|a, b| a.time.cmp(&b.time).then(a.seq.cmp(&b.seq)));
                    let alias = crate::scenario::CHANNEL_ALIASES
                        .iter()
                        .find(|(_, name)| name == channel)
                        .map(|(alias, _)| *alias);
                    let lookup = |map: &BTreeMap<String, u64>| {
                        alias
                            .and_then(|a| map.get(a))
                            .or_else(|| map.get(channel.as_str()))
                            .copied()
                    };
                    let base = lookup(&spec.first_record).unwrap_or_else(|| {
                        let (lo, hi) = match channel.as_str() {
                            "Security" => (120_000, 2_400_000),
                            "System" => (8_000, 96_000),
                            "Application" => (3_000, 60_000),
                            _ => (40, 4_000),
                        };
                        state.rng.fork(&format!("first:{channel}")).between(lo, hi)
                    });
                    for (i, p) in pending.iter_mut().enumerate() {
                        p.record.record_id = base + i as u64;
                    }
                    let options = WriteOptions {
                        max_size: lookup(&spec.max_size),
                        dirty: false,
                    };
                    let path = format!("{folder}/{}", channel_file_name(channel));
                    let log = write_log(pending.iter().map(|p| &p.record), &options).map_err(
                        |source| GenerateError::Write {
                            scenario: scenario.name.clone(),
                            file: path.clone(),
                            source,
                        },
                    )?;
                    let first_kept = log.first_record_id.unwrap_or(u64::MAX);
                    if is_rdp_channel(channel) {
                        laid_rdp.extend(pending.iter().filter_map(|p| p.tag.attempt));
                    }
                    let mut kept_records = Vec::new();
                    for p in pending {
                        if p.record.record_id >= first_kept {
                            kept_records.push(p.record.clone());
                            survivors.push((hi, path.clone(), p.record, p.tag));
                        }
                    }
                    host_files.push(ExpectedFile {
                        path: path.clone(),
                        channel: channel.clone(),
                        records: log.records_kept,
                        overwritten: log.records_written - log.records_kept,
                        first_record_id: kept_records.first().map(|r| r.record_id),
                        last_record_id: kept_records.last().map(|r| r.record_id),
                    });
                    files.push(BundleFile {
                        path,
                        folder: folder.clone(),
                        host: spec.name.clone(),
                        channel: channel.clone(),
                        bytes: log.bytes,
                        records: kept_records,
                    });
                }
                if let Some(fw) = spec.pfirewall {
                    let offset =
                        spec.utc_offset_seconds()
                            .map_err(|message| ScenarioError::Invalid {
                                scenario: scenario.name.clone(),
                                message,
                            })?;
                    let mut lines = std::mem::take(&mut state.firewall);
                    lines.sort_by(|a, b| a.time.cmp(&b.time).then(a.seq.cmp(&b.seq)));
                    let mut text = firewall_header(fw.pid_column);
                    let path = format!("{folder}/pfirewall.log");
                    let mut line_no = 5u64;
                    let mut count = 0u64;
                    for line in lines {
                        if !fw.log_allowed && line.columns.first().is_some_and(|a| a == "ALLOW") {
                            continue;
                        }
                        text.push_str(&firewall_line(
                            &line.time,
                            offset,
                            line.columns.clone(),
                            fw.pid_column,
                        ));
                        text.push_str("\r\n");
                        line_no += 1;
                        count += 1;
                        firewall_refs.push((
                            hi,
                            path.clone(),
                            RecordRef {
                                host: spec.name.clone(),
                                file: path.clone(),
                                provider: "pfirewall.log".into(),
                                event_id: 0,
                                record_id: line_no,
                                time: iso7(&line.time),
                            },
                            line.tag,
                        ));
                    }
                    host_files.push(ExpectedFile {
                        path: path.clone(),
                        channel: "pfirewall.log".into(),
                        records: count,
                        overwritten: 0,
                        first_record_id: None,
                        last_record_id: None,
                    });
                    files.push(BundleFile {
                        path,
                        folder: folder.clone(),
                        host: spec.name.clone(),
                        channel: "pfirewall.log".into(),
                        bytes: text.into_bytes(),
                        records: Vec::new(),
                    });
                }
            }
            for a in attempts {
                if a.client == Some(hi) {
                    roles.insert("client");
                }
                if a.server == hi && a.label != "scanner" {
                    roles.insert("server");
                }
                if a.gateway == Some(hi) {
                    roles.insert("gateway");
                }
            }
            expected_hosts.push(ExpectedHost {
                name: spec.name.clone(),
                short_name: spec.short.clone(),
                folder: spec.collected.then(|| spec.folder_name().to_owned()),
                addresses: spec.addresses.clone(),
                roles: roles.into_iter().map(str::to_owned).collect(),
                build: spec.build.name().to_owned(),
                time_zone: spec.time_zone.clone(),
                clock_skew_seconds: spec.clock_skew,
                files: host_files,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let expected = self.expected(
            attempts,
            expected_hosts,
            &survivors,
            &firewall_refs,
            &laid_rdp,
        );
        Ok(Bundle {
            name: scenario.name.clone(),
            files,
            expected,
        })
    }

    fn expected(
        &self,
        attempts: &[Attempt],
        hosts: Vec<ExpectedHost>,
        survivors: &[(usize, String, EventRecord, Tag)],
        firewall: &[(usize, String, RecordRef, Tag)],
        laid_rdp: &BTreeSet<usize>,
    ) -> Expected {
        let scenario = self.scenario;
        let reference = |host: usize, file: &str, record: &EventRecord| RecordRef {
            host: self.hosts[host].spec.name.clone(),
            file: file.to_owned(),
            provider: record.provider_name.clone(),
            event_id: u32::from(record.event_id),
            record_id: record.record_id,
            time: iso7(&record.time_created),
        };
        let rdp_host_channels = [
            channel_name("rdpcorets"),
            channel_name("rcm"),
            channel_name("lsm"),
        ];
        let mut connections = Vec::new();
        let mut lost = 0u32;
        for (index, a) in attempts.iter().enumerate() {
            let mine: Vec<&(usize, String, EventRecord, Tag)> = survivors
                .iter()
                .filter(|(_, _, _, tag)| tag.attempt == Some(index))
                .collect();
            let client_records: Vec<&EventRecord> = mine
                .iter()
                .filter(|(h, _, r, _)| {
                    Some(*h) == a.client
                        && r.channel == channel_name("rdpclient")
                        && r.activity_id == Some(a.client_aid)
                })
                .map(|(_, _, r, _)| r)
                .collect();
            let server_records: Vec<&EventRecord> = mine
                .iter()
                .filter(|(h, _, r, _)| {
                    *h == a.server
                        && rdp_host_channels.contains(&r.channel.as_str())
                        && r.activity_id == Some(a.server_aid)
                })
                .map(|(_, _, r, _)| r)
                .collect();
            if client_records.is_empty() && server_records.is_empty() {
                // Nothing of it left in the RDP logs: lost to a wrap when it was written there.
                if laid_rdp.contains(&index) {
                    lost += 1;
                }
                continue;
            }
            let (clock, span) = if server_records.is_empty() {
                ("client", &client_records)
            } else {
                ("server", &server_records)
            };
            let start = span.iter().map(|r| r.time_created).min().unwrap_or(a.start);
            let end = span.iter().map(|r| r.time_created).max().unwrap_or(a.start);
            let reason = client_records
                .iter()
                .find(|r| r.event_id == 1026)
                .and_then(|r| match &r.payload {
                    crate::record::Payload::EventData { data, .. } => data
                        .iter()
                        .find(|f| f.name == "Value")
                        .and_then(|f| match f.value {
                            crate::value::Value::UInt32(v) => Some(v),
                            _ => None,
                        }),
                    _ => None,
                });
            let (outcome, cause, variant) = match &a.kind {
                AttemptKind::Success { .. } => ("succeeded", None, None),
                AttemptKind::Failure { incident } => {
                    let inc = &scenario.incident[*incident];
                    ("failed", Some(inc.cause.clone()), Some(inc.variant.clone()))
                }
                AttemptKind::Scanner { group, .. } => (
                    "failed",
                    self.lib
                        .book
                        .noise(group)
                        .ok()
                        .and_then(|g| g.cause.clone())
                        .or_else(|| Some("unknown".into())),
                    Some(group.clone()),
                ),
            };
            let mut evidence: Vec<RecordRef> = Vec::new();
            if let AttemptKind::Failure { incident } = &a.kind {
                let window_start = a.start - Duration::hours(24);
                let window_end = a.start + millis(a.end_ms) + Duration::minutes(10);
                for (h, file, record, tag) in survivors {
                    let own = tag.attempt == Some(index) && tag.evidence;
                    let onset = tag.attempt.is_none()
                        && tag.incident == Some(*incident)
                        && tag.evidence
                        && record.time_created >= window_start
                        && record.time_created <= window_end;
                    if own || onset {
                        evidence.push(reference(*h, file, record));
                    }
                }
                for (_, _, line, tag) in firewall {
                    if tag.evidence
                        && (tag.attempt == Some(index)
                            || (tag.attempt.is_none() && tag.incident == Some(*incident)))
                    {
                        evidence.push(line.clone());
                    }
                }
                evidence.sort_by(|x, y| {
                    x.time
                        .cmp(&y.time)
                        .then(x.file.cmp(&y.file))
                        .then(x.record_id.cmp(&y.record_id))
                });
            }
            if let AttemptKind::Scanner { .. } = &a.kind {
                for (h, file, record, tag) in survivors {
                    if tag.attempt == Some(index) && tag.evidence {
                        evidence.push(reference(*h, file, record));
                    }
                }
            }
            connections.push(ExpectedConnection {
                id: a.id.clone(),
                kind: a.label.to_owned(),
                client: a.client.map(|c| self.hosts[c].spec.name.clone()),
                server: Some(self.hosts[a.server].spec.name.clone()),
                target: a.target.clone(),
                user: a.user.clone(),
                client_address: Some(a.client_ip.clone()),
                client_activity_id: (!client_records.is_empty()).then(|| a.client_aid.to_string()),
                server_activity_id: (!server_records.is_empty()).then(|| a.server_aid.to_string()),
                start: iso7(&start),
                end: iso7(&end),
                clock: clock.to_owned(),
                outcome: outcome.to_owned(),
                disconnect_reason: reason,
                cause,
                variant,
                attempt: [a.number, a.of],
                evidence,
            });
        }
        let mut counts = Counts {
            connections: connections.len() as u32,
            failed: 0,
            succeeded: 0,
            failed_by_cause: BTreeMap::new(),
            scanner: 0,
            lost_to_wrap: lost,
        };
        for c in &connections {
            match c.outcome.as_str() {
                "failed" => {
                    counts.failed += 1;
                    if c.kind == "scanner" {
                        counts.scanner += 1;
                    }
                    if let Some(cause) = &c.cause {
                        *counts.failed_by_cause.entry(cause.clone()).or_default() += 1;
                    }
                }
                "succeeded" => counts.succeeded += 1,
                _ => {}
            }
        }
        let red_herrings = self
            .herrings
            .iter()
            .enumerate()
            .map(|(i, (description, group))| RedHerring {
                description: description.clone(),
                group: group.clone(),
                records: {
                    // The misleading records (steps marked `evidence`), else all of them.
                    let marked = survivors
                        .iter()
                        .any(|(_, _, _, tag)| tag.herring == Some(i) && tag.evidence);
                    let mut records: Vec<RecordRef> = survivors
                        .iter()
                        .filter(|(_, _, _, tag)| {
                            tag.herring == Some(i) && (tag.evidence || !marked)
                        })
                        .map(|(h, f, r, _)| reference(*h, f, r))
                        .collect();
                    records.sort_by(|x, y| x.time.cmp(&y.time).then(x.file.cmp(&y.file)));
                    records
                },
            })
            .collect();
        Expected {
            schema: EXPECTED_SCHEMA.to_owned(),
            scenario: scenario.name.clone(),
            layout: "folders".to_owned(),
            title: scenario.title.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            situations: scenario.situations.clone(),
            hosts,
            connections,
            counts,
            red_herrings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_specs_decode() {
        assert_eq!(binary("hex:5E0000C0").unwrap(), vec![0x5e, 0, 0, 0xc0]);
        assert_eq!(binary("ntstatus:C000005E").unwrap(), vec![0x5e, 0, 0, 0xc0]);
        assert_eq!(
            hex_upper(&binary("utf16z:TermService/1").unwrap()),
            "5400650072006D0053006500720076006900630065002F0031000000"
        );
        // The real TermDD 56 record (python-evtx system.evtx #12835).
        assert_eq!(
            hex_upper(&binary("termdd56:D00000B5").unwrap()),
            "0000040002002C000000000038000AC00000000038000AC000000000000000000000000000000000B50000D0"
        );
        assert!(binary("nope").is_err());
        assert!(binary("zip:1").is_err());
    }

    #[test]
    fn times_render_with_seven_digits() {
        let t: DateTime<Utc> = "2024-03-11T09:12:04.1234567Z".parse().unwrap();
        assert_eq!(iso7(&t), "2024-03-11T09:12:04.1234567Z");
        assert_eq!(millis(1.5), Duration::microseconds(1500));
    }
}
