//! The final summary printed after an analysis: hosts, time range, connections, failures and
//! their causes, and the inputs that were skipped or damaged — in the user's display zone.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rdpsleuth_analyzers::Report;
use rdpsleuth_parser::{InputReport, Timestamp};

use crate::zone::DisplayZone;

/// Most skipped or damaged inputs listed by name; the rest are counted.
const MAX_LISTED_INPUTS: usize = 12;

/// Renders the summary as plain text (no colours, no terminal control: it goes to files too).
/// `events` is the number of events analysed, once each: fewer than the inputs kept when a
/// record was read twice (the same log given twice, or in two export formats).
pub fn render(report: &Report, inputs: &[InputReport], events: usize, zone: DisplayZone) -> String {
    let mut out = String::new();
    let show = |text: &Option<String>| {
        text.as_deref()
            .and_then(Timestamp::parse)
            .map(|t| zone.format(t))
            .unwrap_or_else(|| "-".to_string())
    };

    let records: u64 = inputs.iter().map(|r| r.records).sum();
    let kept: u64 = inputs.iter().map(|r| r.kept).sum();
    let twice = kept.saturating_sub(events as u64);
    let _ = writeln!(
        out,
        "Read {} inputs: {} records, {} relevant events kept{}.",
        inputs.len(),
        records,
        kept,
        if twice > 0 {
            format!(" ({twice} read twice, analysed once)")
        } else {
            String::new()
        }
    );

    let first = report
        .hosts
        .iter()
        .filter_map(|h| h.first_event.as_deref())
        .filter_map(Timestamp::parse)
        .min();
    let last = report
        .hosts
        .iter()
        .filter_map(|h| h.last_event.as_deref())
        .filter_map(Timestamp::parse)
        .max();
    if let (Some(a), Some(b)) = (first, last) {
        let _ = writeln!(out, "Time range: {} — {}", zone.format(a), zone.format(b));
    }

    if !report.hosts.is_empty() {
        let _ = writeln!(out, "\nHosts");
        let width = report
            .hosts
            .iter()
            .map(|h| h.name.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        for h in &report.hosts {
            let roles = if h.roles.is_empty() {
                "-".to_string()
            } else {
                h.roles.join("+")
            };
            let offset = h
                .clock_offset_seconds
                .map(|s| format!("clock {s:+.1} s"))
                .unwrap_or_else(|| "clock ?".to_string());
            let name: String = h.name.chars().take(40).collect();
            let _ = writeln!(
                out,
                "  {name:<width$}  {roles:<13} {offset:<14} {} channels  {} — {}",
                h.channels.len(),
                show(&h.first_event),
                show(&h.last_event),
            );
        }
    }

    let count = |o: &str| report.connections.iter().filter(|c| c.outcome == o).count();
    let _ = writeln!(
        out,
        "\nConnections: {} ({} failed, {} succeeded, {} unknown)",
        report.connections.len(),
        count("failed"),
        count("succeeded"),
        count("unknown")
    );
    let mut causes: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    for d in report
        .connections
        .iter()
        .filter_map(|c| c.diagnosis.as_ref())
    {
        let e = causes.entry(d.cause.id().to_string()).or_default();
        e.0 += 1;
        e.1 += d.confidence;
    }
    if !causes.is_empty() {
        let mut rows: Vec<_> = causes.into_iter().collect();
        rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        let _ = writeln!(out, "\nCauses of the failed connections");
        for (cause, (n, total)) in rows {
            let _ = writeln!(
                out,
                "  {cause:<22} {n:>5}   mean confidence {:.2}",
                total / n as f64
            );
        }
    }
    let failed: Vec<_> = report
        .connections
        .iter()
        .filter(|c| c.outcome == "failed")
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nFailed connections (first {})", failed.len().min(10));
        for c in failed.iter().take(10) {
            let who = format!(
                "{} → {}",
                c.client
                    .as_deref()
                    .or(c.client_address.as_deref())
                    .unwrap_or("?"),
                c.server.as_deref().or(c.target.as_deref()).unwrap_or("?")
            );
            let cause = c
                .diagnosis
                .as_ref()
                .map(|d| format!("{} ({:.0} %)", d.cause.id(), d.confidence * 100.0))
                .unwrap_or_default();
            let when = Timestamp::parse(&c.start)
                .map(|t| zone.format(t))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}  {when}  {}  {cause}", c.id, clip(&who, 60));
        }
    }

    let skipped = |r: &&InputReport| r.skipped.is_some();
    let damaged = |r: &&InputReport| r.skipped.is_none() && r.failed > 0;
    // Read whole, with something to know (a checksum mismatch whose records still parsed).
    let warned = |r: &&InputReport| r.skipped.is_none() && r.failed == 0 && !r.errors.is_empty();
    list_inputs(&mut out, "Skipped inputs", inputs, skipped, |r| {
        // Why it could not be used, when that says more than the verdict.
        let why = r
            .errors
            .first()
            .map(|e| e.to_string())
            .filter(|e| !r.skipped.as_deref().is_some_and(|s| s.contains(e.as_str())))
            .map(|e| format!(" — {}", clip(&e, 120)))
            .unwrap_or_default();
        format!("{}{why}", r.skipped.as_deref().unwrap_or(""))
    });
    list_inputs(&mut out, "Inputs read with errors", inputs, damaged, |r| {
        // The first loss, rather than a warning met before it.
        let first = r
            .errors
            .iter()
            .find(|e| !e.warning)
            .or(r.errors.first())
            .map(|e| e.to_string())
            .unwrap_or_default();
        format!("{} unreadable — {}", r.failed, clip(&first, 120))
    });
    list_inputs(&mut out, "Inputs read with warnings", inputs, warned, |r| {
        let first = r.errors.first().map(|e| e.to_string()).unwrap_or_default();
        clip(&first, 120)
    });
    out
}

/// Appends a titled list of the inputs `which` picks, one line each (`path: what`), the first
/// [`MAX_LISTED_INPUTS`] by name and the rest counted; nothing when it picks none.
fn list_inputs(
    out: &mut String,
    title: &str,
    inputs: &[InputReport],
    which: impl Fn(&&InputReport) -> bool,
    what: impl Fn(&InputReport) -> String,
) {
    let picked: Vec<&InputReport> = inputs.iter().filter(which).collect();
    if picked.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}: {}", picked.len());
    for r in picked.iter().take(MAX_LISTED_INPUTS) {
        let _ = writeln!(out, "  {}: {}", clip(&r.path, 90), what(r));
    }
    if picked.len() > MAX_LISTED_INPUTS {
        let _ = writeln!(
            out,
            "  … and {} more (see diagnoses.json inputs)",
            picked.len() - MAX_LISTED_INPUTS
        );
    }
}

/// Cuts text to `max` characters, marking the cut; control characters become spaces so an
/// event field cannot move the cursor of the terminal the summary is printed on.
pub fn clip(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut s: String = clean.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_removes_control_characters() {
        assert_eq!(clip("a\u{1b}[2Jb", 10), "a [2Jb");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
