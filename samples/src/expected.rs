//! `expected.json`: the ground truth of a bundle, written by the generator from what it laid
//! down and what survived in the files (a wrapped log loses its oldest records, and with them
//! connections and evidence). Schema `rdpsleuth.samples.expected/1`, described in
//! `samples/bundles/README.md`. GUIDs are lower case in braces, times RFC 3339 UTC.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema name written in every `expected.json`.
pub const EXPECTED_SCHEMA: &str = "rdpsleuth.samples.expected/1";

/// The ground truth of one bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// [`EXPECTED_SCHEMA`].
    pub schema: String,
    /// The scenario the bundle was generated from.
    pub scenario: String,
    /// How the bundle stores the logs: `folders`, `kape_zip`, `velociraptor_zip`,
    /// `xml_export`.
    pub layout: String,
    /// One line.
    pub title: String,
    /// What happens.
    pub description: String,
    /// The scenario's seed.
    pub seed: u64,
    /// Special situations covered (free tags).
    pub situations: Vec<String>,
    /// The machines.
    pub hosts: Vec<ExpectedHost>,
    /// Every connection attempt, background session and scanner connection whose records
    /// are in the bundle, in time order.
    pub connections: Vec<ExpectedConnection>,
    /// Totals over `connections`.
    pub counts: Counts,
    /// Convincing evidence of a cause that does not apply to the failures.
    pub red_herrings: Vec<RedHerring>,
}

/// A machine of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedHost {
    /// `Computer` in its logs.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// Its folder in the bundle, `null` when its logs are not in the bundle.
    pub folder: Option<String>,
    /// Its addresses.
    pub addresses: Vec<String>,
    /// `client`, `server` and/or `gateway`.
    pub roles: Vec<String>,
    /// Windows build flavour.
    pub build: String,
    /// UTC offset of its local time.
    pub time_zone: String,
    /// Clock skew in seconds (its clock minus true time).
    pub clock_skew_seconds: f64,
    /// Its files in the bundle.
    pub files: Vec<ExpectedFile>,
}

/// One file of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFile {
    /// Path relative to the bundle (`/` separated).
    pub path: String,
    /// The channel (`pfirewall.log` for the firewall text log).
    pub channel: String,
    /// Records (or lines) in the file.
    pub records: u64,
    /// Records written but overwritten because the log wrapped.
    pub overwritten: u64,
    /// The oldest record id in the file.
    pub first_record_id: Option<u64>,
    /// The newest record id in the file.
    pub last_record_id: Option<u64>,
}

/// One connection as the ground truth knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedConnection {
    /// `<connection id>-<attempt>`, or `bg-<n>` / `scan-<n>`.
    pub id: String,
    /// `attempt` (a connection of the scenario), `background` (a random successful
    /// session), `scanner` (an Internet scanner's connection to a host).
    pub kind: String,
    /// The client's `Computer`, `null` when unknown (scanner).
    pub client: Option<String>,
    /// The host's `Computer`.
    pub server: Option<String>,
    /// What the user typed, `null` when there is no client.
    pub target: Option<String>,
    /// The user (`DOMAIN\name`).
    pub user: Option<String>,
    /// The address the host sees the client at.
    pub client_address: Option<String>,
    /// The client's ActivityID, when the client's RDP log has this attempt.
    pub client_activity_id: Option<String>,
    /// The host's ActivityID, when the host's RDP logs have this connection.
    pub server_activity_id: Option<String>,
    /// First record of the connection (the host's clock when its records are there).
    pub start: String,
    /// Last record of the connection, same clock.
    pub end: String,
    /// `server` or `client`: whose clock `start`/`end` are on.
    pub clock: String,
    /// `failed`, `succeeded` or `unknown`.
    pub outcome: String,
    /// The client's disconnect reason (1026), `null` when no client log has it.
    pub disconnect_reason: Option<u32>,
    /// The cause id, `null` for successes.
    pub cause: Option<String>,
    /// The recipe variant (which evidence the logs show), `null` for successes.
    pub variant: Option<String>,
    /// Attempt number and count of the connection (1-based).
    pub attempt: [u32; 2],
    /// The records the cause left for this connection.
    pub evidence: Vec<RecordRef>,
}

/// A record in the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    /// `Computer`.
    pub host: String,
    /// File path relative to the bundle.
    pub file: String,
    /// Provider.
    pub provider: String,
    /// Event id (0 for firewall log lines).
    pub event_id: u32,
    /// Record id (line number for firewall log lines).
    pub record_id: u64,
    /// Written time (the host's clock).
    pub time: String,
}

/// Totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// All connections listed.
    pub connections: u32,
    /// Failed ones.
    pub failed: u32,
    /// Successful ones.
    pub succeeded: u32,
    /// Failed ones by cause.
    pub failed_by_cause: BTreeMap<String, u32>,
    /// Scanner connections (failed, listed with their cause).
    pub scanner: u32,
    /// Connections whose records were all overwritten by a wrapping log (not listed).
    pub lost_to_wrap: u32,
}

/// Evidence planted to mislead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedHerring {
    /// Why it does not explain the failures.
    pub description: String,
    /// The noise group that wrote it.
    pub group: String,
    /// Its records.
    pub records: Vec<RecordRef>,
}

impl Expected {
    /// The JSON text written to `expected.json` (pretty, newline-terminated).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
