//! The per-host summary: for every host and channel, how many catalogued events, the first and
//! last time, and the host's connections and failed connections — aggregated with polars,
//! returned as a frame, typed rows, a text table for the terminal and JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use polars::prelude::*;
use rdpsleuth_parser::Timestamp;
use serde::Serialize;

use super::ExportError;
use crate::model::{Outcome, Timelines};

/// One row of the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    /// The host's display name.
    pub host: String,
    /// The channel.
    pub channel: String,
    /// Catalogued events of that channel on that host.
    pub events: u64,
    /// The first one (as logged, UTC).
    pub first: Timestamp,
    /// The last one.
    pub last: Timestamp,
    /// Connections the host took part in (as client or server).
    pub connections: u64,
    /// Of those, failed.
    pub failed: u64,
}

/// The per-host summary.
#[derive(Clone, Debug)]
pub struct HostSummary {
    /// hosts × channels with `events`, `first`, `last` (µs), `connections`, `failed`.
    pub frame: DataFrame,
    /// The same as typed rows, sorted by host then channel.
    pub rows: Vec<SummaryRow>,
}

fn frame_error(e: PolarsError) -> ExportError {
    ExportError::Frame {
        what: "host summary",
        message: e.to_string(),
    }
}

/// Builds the summary.
pub fn summary(t: &Timelines) -> Result<HostSummary, ExportError> {
    let host_name = |i: usize| {
        t.event_host
            .get(i)
            .and_then(|&h| t.hosts.get(h))
            .map_or(String::new(), |h| h.name.clone())
    };
    let hosts: Vec<String> = (0..t.events.len()).map(host_name).collect();
    let channels: Vec<String> = t.events.iter().map(|e| e.channel.to_string()).collect();
    let times: Vec<i64> = t.events.iter().map(|e| e.time.unix_micros()).collect();
    let events = DataFrame::new(
        t.events.len(),
        vec![
            Series::new("host".into(), hosts).into_column(),
            Series::new("channel".into(), channels).into_column(),
            Series::new("time".into(), times).into_column(),
        ],
    )
    .map_err(frame_error)?;
    let grouped = events
        .lazy()
        .group_by([col("host"), col("channel")])
        .agg([
            len().alias("events"),
            col("time").min().alias("first"),
            col("time").max().alias("last"),
        ])
        .sort(["host", "channel"], SortMultipleOptions::default())
        .collect()
        .map_err(frame_error)?;

    let mut per_host: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for c in &t.connections {
        let mut involved: Vec<usize> = c.client.into_iter().chain(c.server).collect();
        involved.dedup();
        for h in involved {
            if let Some(host) = t.hosts.get(h) {
                let entry = per_host.entry(host.name.as_str()).or_default();
                entry.0 += 1;
                if c.outcome == Outcome::Failed {
                    entry.1 += 1;
                }
            }
        }
    }
    let get_str = |name: &str| -> Result<Vec<String>, ExportError> {
        let col = grouped.column(name).map_err(frame_error)?;
        let s = col.str().map_err(frame_error)?;
        Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
    };
    let get_i64 = |name: &str| -> Result<Vec<i64>, ExportError> {
        let col = grouped
            .column(name)
            .map_err(frame_error)?
            .cast(&DataType::Int64)
            .map_err(frame_error)?;
        let s = col.i64().map_err(frame_error)?;
        Ok(s.iter().map(|v| v.unwrap_or(0)).collect())
    };
    let host_col = get_str("host")?;
    let channel_col = get_str("channel")?;
    let count_col = get_i64("events")?;
    let first_col = get_i64("first")?;
    let last_col = get_i64("last")?;
    let mut rows = Vec::with_capacity(host_col.len());
    for ((((host, channel), count), first), last) in host_col
        .into_iter()
        .zip(channel_col)
        .zip(count_col)
        .zip(first_col)
        .zip(last_col)
    {
        let (connections, failed) = per_host.get(host.as_str()).copied().unwrap_or((0, 0));
        rows.push(SummaryRow {
            host,
            channel,
            events: u64::try_from(count).unwrap_or(0),
            first: Timestamp(first.saturating_mul(10)),
            last: Timestamp(last.saturating_mul(10)),
            connections,
            failed,
        });
    }
    let connections: Vec<u64> = rows.iter().map(|r| r.connections).collect();
    let failed: Vec<u64> = rows.iter().map(|r| r.failed).collect();
    let mut frame = grouped;
    frame
        .with_column(Series::new("connections".into(), connections).into_column())
        .map_err(frame_error)?;
    frame
        .with_column(Series::new("failed".into(), failed).into_column())
        .map_err(frame_error)?;
    Ok(HostSummary { frame, rows })
}

impl HostSummary {
    /// A fixed-width text table for the terminal.
    pub fn to_table(&self) -> String {
        let header = [
            "host",
            "channel",
            "events",
            "first",
            "last",
            "connections",
            "failed",
        ];
        let cells: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.host.chars().filter(|c| !c.is_control()).collect(),
                    r.channel.chars().filter(|c| !c.is_control()).collect(),
                    r.events.to_string(),
                    r.first.to_rfc3339(),
                    r.last.to_rfc3339(),
                    r.connections.to_string(),
                    r.failed.to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |values: &[&str]| {
            let mut s = String::new();
            for (n, (v, w)) in values.iter().zip(widths).enumerate() {
                if n > 0 {
                    s.push_str("  ");
                }
                let pad = w.saturating_sub(v.chars().count());
                if n >= 2 && n != 3 && n != 4 {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(v);
                } else {
                    s.push_str(v);
                    s.push_str(&" ".repeat(pad));
                }
            }
            let _ = writeln!(out, "{}", s.trim_end());
        };
        line(&header);
        for row in &cells {
            let refs: Vec<&str> = row.iter().map(String::as_str).collect();
            line(&refs);
        }
        out
    }

    /// The rows as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.rows).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn hosts_by_channel() {
        let mut events = refused_attempt_and_its_host();
        events.push(system(
            "SRV01",
            "Schannel",
            36888,
            10_000,
            fields(&[("AlertDesc", "40")]),
        ));
        let t = crate::build(events, &[]);
        let s = summary(&t).unwrap();
        assert_eq!(s.frame.height(), 4);
        let names: Vec<(&str, &str, u64)> = s
            .rows
            .iter()
            .map(|r| (r.host.as_str(), r.channel.as_str(), r.events))
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "SRV01",
                    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
                    4
                ),
                (
                    "SRV01",
                    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
                    1
                ),
                ("SRV01", "System", 1),
                (
                    "WS1",
                    "Microsoft-Windows-TerminalServices-RDPClient/Operational",
                    3
                ),
            ]
        );
        let ws1 = s.rows.iter().find(|r| r.host == "WS1").unwrap();
        assert_eq!((ws1.connections, ws1.failed), (1, 1));
        assert_eq!(ws1.first, at(0));
        assert_eq!(ws1.last, at(1_500));
        let table = s.to_table();
        assert!(table.lines().next().unwrap().starts_with("host"));
        assert_eq!(table.lines().count(), 5);
        assert_eq!(s.to_json()[3]["host"], "WS1");
        assert_eq!(s.to_json()[3]["first"], "2024-05-01T10:00:00.0000000Z");
    }
}
