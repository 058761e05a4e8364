//! `diagnoses.json`, schema `rdpsleuth.diagnoses/1` (docs/DESIGN.md, "diagnoses.json"): the
//! serde types and [`build_report`], which the command line calls.
//!
//! The bytes are deterministic: inputs in path order, hosts in timeline order (sorted by the
//! timelines stage), connections in id order, evidence strongest first with stable ties,
//! floats rounded to [`DECIMALS`] decimals, times in RFC 3339 UTC with 7 fractional digits,
//! GUIDs lower case in braces.

use rdpsleuth_parser::{Event, InputReport, Timestamp};
use rdpsleuth_timelines::{Outcome, Timelines};
use serde::{Deserialize, Serialize};

use crate::cause::Cause;
use crate::diagnose::{Diagnoses, Diagnosis};
use crate::evidence::Finding;
use crate::onset::{Change, Onset};
use crate::rules::Trigger;
use crate::summary::{clean, summarize};

/// The schema id.
pub const SCHEMA: &str = "rdpsleuth.diagnoses/1";
/// Decimals kept in floats.
pub const DECIMALS: i32 = 3;

/// The whole document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// `rdpsleuth <version>`.
    pub generator: String,
    /// One per input read or skipped.
    pub inputs: Vec<InputJson>,
    /// The machines seen.
    pub hosts: Vec<HostJson>,
    /// Every connection, failed or not.
    pub connections: Vec<ConnectionJson>,
}

/// An input and what reading it gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputJson {
    /// As displayed (`bundle.zip!Logs/System.evtx` inside archives).
    pub path: String,
    /// The format recognised (`evtx`, `xml_export`, `evtx_dump_json`, `json_lines`,
    /// `firewall_log`, …).
    pub format: String,
    /// The host it belongs to.
    pub host: Option<String>,
    /// Records read.
    pub records: u64,
    /// Events kept.
    pub kept: u64,
    /// Problems, located.
    pub errors: Vec<ErrorJson>,
}

/// One problem met while reading an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorJson {
    /// What went wrong, with the line or record when known.
    pub message: String,
    /// Byte offset, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Present (`true`) for a warning: the input was read anyway and nothing is known lost.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

/// A machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostJson {
    /// Display name (FQDN when known).
    pub name: String,
    /// `client`, `server`.
    pub roles: Vec<String>,
    /// Its addresses.
    pub addresses: Vec<String>,
    /// Its clock minus the reference clock, seconds.
    pub clock_offset_seconds: Option<f64>,
    /// Earliest event.
    pub first_event: Option<String>,
    /// Latest event.
    pub last_event: Option<String>,
    /// Catalogued channels present.
    pub channels: Vec<String>,
}

/// A connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionJson {
    /// `C0001` …
    pub id: String,
    /// Client host name.
    pub client: Option<String>,
    /// Server host name.
    pub server: Option<String>,
    /// Target as typed on the client.
    pub target: Option<String>,
    /// Client address.
    pub client_address: Option<String>,
    /// Client ActivityID, `{guid}`.
    pub client_activity_id: Option<String>,
    /// Server ActivityID, `{guid}`.
    pub server_activity_id: Option<String>,
    /// Start, RFC 3339 UTC, on the server's clock when known.
    pub start: String,
    /// End.
    pub end: String,
    /// `failed`, `succeeded`, `unknown`.
    pub outcome: String,
    /// The client's disconnect reason.
    pub disconnect_reason: Option<u32>,
    /// For a failed connection, when it failed: `setup` (before the user had a session) or
    /// `session` (a session that was given, then dropped); null otherwise.
    pub failure_stage: Option<String>,
    /// Present for every failed connection.
    pub diagnosis: Option<DiagnosisJson>,
}

/// The diagnosis of a failed connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisJson {
    /// The most likely cause.
    pub cause: Cause,
    /// 0..1.
    pub confidence: f64,
    /// Other candidates, best first.
    pub alternatives: Vec<AlternativeJson>,
    /// Evidence for the cause (and for the leading alternatives, with their cause).
    pub evidence: Vec<EvidenceJson>,
    /// Evidence against the chosen cause.
    pub against: Vec<EvidenceJson>,
    /// Ordered steps.
    pub remediation: Vec<String>,
    /// Which logs on which host would decide it.
    pub missing_sources: Vec<String>,
    /// When failures began on the host and what changed before.
    pub onset: Option<OnsetJson>,
}

/// A ranked alternative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlternativeJson {
    /// The cause.
    pub cause: Cause,
    /// 0..1.
    pub confidence: f64,
}

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceJson {
    /// The event's time as logged (RFC 3339 UTC, the host's own clock).
    pub time: Option<String>,
    /// The host that logged it.
    pub host: Option<String>,
    /// Its channel.
    pub channel: Option<String>,
    /// Its provider.
    pub provider: Option<String>,
    /// Its event id.
    pub event_id: Option<u32>,
    /// Its record id.
    pub record_id: Option<u64>,
    /// Input and place: `path (record N)`.
    pub source: Option<String>,
    /// What it says, decoded.
    pub summary: String,
    /// The cause it argues for (in `against`: the cause it argues against).
    pub cause: Cause,
}

/// When failures began and what changed before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnsetJson {
    /// The host the failures are grouped by (the server; the client for client-side runs).
    pub host: String,
    /// Start of the first failure of the run.
    pub first_failure: String,
    /// End of the last success before it.
    pub last_success: Option<String>,
    /// Failed connections in the run.
    pub failed_connections: usize,
    /// Changes of host state before the first failure, in time order.
    pub changes: Vec<ChangeJson>,
}

/// A change of host state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeJson {
    /// The event's time as logged.
    pub time: String,
    /// The host.
    pub host: String,
    /// Channel.
    pub channel: String,
    /// Provider.
    pub provider: String,
    /// Event id.
    pub event_id: u32,
    /// Record id.
    pub record_id: u64,
    /// Input and place.
    pub source: String,
    /// What changed, decoded.
    pub summary: String,
    /// The causes it bears on.
    pub causes: Vec<Cause>,
}

/// The JSON name of a failure stage.
pub fn stage_name(stage: rdpsleuth_timelines::Stage) -> &'static str {
    match stage {
        rdpsleuth_timelines::Stage::Setup => "setup",
        rdpsleuth_timelines::Stage::Session => "session",
    }
}

/// Rounds to [`DECIMALS`] decimals (and turns −0 into 0).
pub fn round(x: f64) -> f64 {
    let f = 10f64.powi(DECIMALS);
    let r = (x * f).round() / f;
    if r == 0.0 { 0.0 } else { r }
}

fn time(t: Timestamp) -> String {
    t.to_rfc3339()
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Failed => "failed",
        Outcome::Succeeded => "succeeded",
        Outcome::Unknown => "unknown",
    }
}

fn input_json(r: &InputReport) -> InputJson {
    let format = serde_json::to_value(r.format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| r.format.name().to_string());
    InputJson {
        path: r.path.clone(),
        format,
        host: r.host.clone(),
        records: r.records,
        kept: r.kept,
        errors: r
            .errors
            .iter()
            .map(|e| {
                let mut message = e.message.clone();
                if let Some(line) = e.line {
                    message.push_str(&format!(" (line {line})"));
                }
                if let Some(record) = e.record {
                    message.push_str(&format!(" (record {record})"));
                }
                ErrorJson {
                    message,
                    offset: e.offset,
                    warning: e.warning,
                }
            })
            .collect(),
    }
}

fn evidence_json(t: &Timelines, f: &Finding, host_names: &[String]) -> EvidenceJson {
    let e: Option<&Event> = f.event.and_then(|i| t.events.get(i));
    let host = f
        .event
        .and_then(|i| t.event_host.get(i))
        .and_then(|&h| host_names.get(h))
        .cloned()
        .or_else(|| e.map(|e| e.host.to_string()));
    let mut summary = e.map_or_else(String::new, summarize);
    let is_fact = matches!(f.rule.trigger, Trigger::Fact(_));
    if is_fact {
        let detail = f.detail.as_deref().map(clean).unwrap_or_default();
        let about = if detail.is_empty() {
            f.rule.about.to_string()
        } else {
            detail
        };
        summary = if summary.is_empty() {
            about
        } else {
            format!("{about} — {summary}")
        };
    }
    if summary.is_empty() {
        summary = f.rule.about.to_string();
    }
    EvidenceJson {
        time: e.map(|e| time(e.time)),
        host,
        channel: e.map(|e| e.channel.to_string()),
        provider: e.map(|e| e.provider.to_string()),
        event_id: e.map(|e| e.event_id),
        record_id: e.map(|e| e.record_id),
        source: e.map(|e| e.source.to_string()),
        summary,
        cause: f.cause,
    }
}

fn change_json(t: &Timelines, c: &Change, host_names: &[String]) -> Option<ChangeJson> {
    let e = t.events.get(c.event)?;
    Some(ChangeJson {
        time: time(e.time),
        host: host_names
            .get(c.host)
            .cloned()
            .unwrap_or_else(|| e.host.to_string()),
        channel: e.channel.to_string(),
        provider: e.provider.to_string(),
        event_id: e.event_id,
        record_id: e.record_id,
        source: e.source.to_string(),
        summary: summarize(e),
        causes: c.causes.clone(),
    })
}

fn onset_json(t: &Timelines, o: &Onset, host_names: &[String]) -> OnsetJson {
    OnsetJson {
        host: host_names.get(o.host).cloned().unwrap_or_default(),
        first_failure: time(o.first_failure),
        last_success: o.last_success.map(time),
        failed_connections: o.failures.len(),
        changes: o
            .changes
            .iter()
            .filter_map(|c| change_json(t, c, host_names))
            .collect(),
    }
}

fn diagnosis_json(
    t: &Timelines,
    d: &Diagnosis,
    onset: Option<&Onset>,
    host_names: &[String],
) -> DiagnosisJson {
    DiagnosisJson {
        cause: d.cause,
        confidence: round(d.confidence),
        alternatives: d
            .alternatives
            .iter()
            .map(|(cause, p)| AlternativeJson {
                cause: *cause,
                confidence: round(*p),
            })
            .collect(),
        evidence: d
            .evidence
            .iter()
            .map(|f| evidence_json(t, f, host_names))
            .collect(),
        against: d
            .against
            .iter()
            .map(|f| evidence_json(t, f, host_names))
            .collect(),
        remediation: d.remediation.clone(),
        missing_sources: d.missing_sources.clone(),
        onset: onset.map(|o| onset_json(t, o, host_names)),
    }
}

/// Builds `diagnoses.json` from the input reports, the timelines and the diagnoses.
pub fn build_report(reports: &[InputReport], t: &Timelines, diagnoses: &Diagnoses) -> Report {
    let host_names: Vec<String> = t.hosts.iter().map(|h| h.name.clone()).collect();
    let name = |h: Option<usize>| h.and_then(|h| host_names.get(h)).cloned();
    let mut inputs: Vec<InputJson> = reports.iter().map(input_json).collect();
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    let hosts = t
        .hosts
        .iter()
        .map(|h| {
            let mut roles = Vec::new();
            if h.roles.client {
                roles.push("client".to_string());
            }
            if h.roles.server {
                roles.push("server".to_string());
            }
            let mut addresses: Vec<String> = h.addresses.iter().map(|a| a.ip.to_string()).collect();
            addresses.sort();
            addresses.dedup();
            let mut channels = h.channels.clone();
            channels.sort();
            channels.dedup();
            HostJson {
                name: h.name.clone(),
                roles,
                addresses,
                clock_offset_seconds: h.clock_offset_seconds.map(round),
                first_event: h.first_event.map(time),
                last_event: h.last_event.map(time),
                channels,
            }
        })
        .collect();
    let connections = t
        .connections
        .iter()
        .enumerate()
        .map(|(k, c)| ConnectionJson {
            id: c.id.clone(),
            client: name(c.client),
            server: name(c.server),
            target: c.target.clone(),
            client_address: c.client_address.map(|ip| ip.to_string()),
            client_activity_id: c.client_activity_id.map(|g| g.to_string()),
            server_activity_id: c.server_activity_id.map(|g| g.to_string()),
            start: time(c.start),
            end: time(c.end),
            outcome: outcome_name(c.outcome).to_string(),
            disconnect_reason: c.disconnect_reason,
            failure_stage: c.stage().map(|s| stage_name(s).to_string()),
            diagnosis: diagnoses
                .of(k)
                .map(|d| diagnosis_json(t, d, diagnoses.onsets.of(k), &host_names)),
        })
        .collect();
    Report {
        schema: SCHEMA.to_string(),
        generator: format!("rdpsleuth {}", env!("CARGO_PKG_VERSION")),
        inputs,
        hosts,
        connections,
    }
}

impl Report {
    /// The document as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Serialising plain data with string keys cannot fail; say so if it ever does.
            serde_json::json!({ "schema": SCHEMA, "error": e.to_string() }).to_string()
        });
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_stable() {
        assert_eq!(round(0.123_456), 0.123);
        assert_eq!(round(-0.000_1), 0.0);
        assert_eq!(round(0.999_95), 1.0);
        assert_eq!(serde_json::to_string(&round(1.0 / 3.0)).unwrap(), "0.333");
    }
}
