//! Diagnosing every failed connection: findings → ranking → evidence, counter-evidence, fix,
//! missing logs, onset.
//!
//! [`diagnose`] evaluates the rules on each failed connection in parallel (results collected in
//! connection order, so the output does not depend on the thread count). Connections that did
//! not fail get no diagnosis. [`Diagnoses::annotator`] gives the timeline exports the decoded
//! one-line messages and each connection's cause.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use rdpsleuth_parser::Event;
use rdpsleuth_parser::coverage::Coverage;
use rdpsleuth_timelines::export::Annotator;
use rdpsleuth_timelines::{Outcome, Timelines};

use crate::cause::Cause;
use crate::evidence::{Analysis, Finding, findings};
use crate::missing::missing_sources;
use crate::onset::{Onsets, onsets};
use crate::remediation::{Names, remediation};
use crate::rules::Direction;
use crate::score::rank;
use crate::summary::summarize;

/// Most pieces of evidence listed for the chosen cause.
pub const MAX_EVIDENCE: usize = 8;
/// Most pieces of evidence listed per alternative.
pub const MAX_ALTERNATIVE_EVIDENCE: usize = 3;
/// Most events listed for one rule (a storm of identical records is shown by two of them).
pub const MAX_PER_RULE: usize = 2;
/// Most pieces of counter-evidence listed.
pub const MAX_AGAINST: usize = 6;
/// Alternatives at or above this confidence get their evidence listed too.
pub const ALTERNATIVE_EVIDENCE_CONFIDENCE: f64 = 0.05;

/// The diagnosis of one failed connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    /// Index of the connection in [`Timelines::connections`].
    pub connection: usize,
    /// The most likely cause.
    pub cause: Cause,
    /// Its confidence, 0..1.
    pub confidence: f64,
    /// The other candidates, best first.
    pub alternatives: Vec<(Cause, f64)>,
    /// The evidence shown: for the chosen cause first, then for the leading alternatives.
    pub evidence: Vec<Finding>,
    /// What argues against the chosen cause.
    pub against: Vec<Finding>,
    /// Ordered fix steps.
    pub remediation: Vec<String>,
    /// The logs that would decide it or could change it.
    pub missing_sources: Vec<String>,
    /// Every finding, for reports that want the full picture.
    pub findings: Vec<Finding>,
}

/// The diagnoses of one analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnoses {
    /// Per connection (same order as [`Timelines::connections`]): the diagnosis of a failed
    /// connection, `None` otherwise.
    pub per_connection: Vec<Option<Diagnosis>>,
    /// The runs of failures per host and what changed before them.
    pub onsets: Onsets,
}

/// True when two events say the same thing: the same record shape from the same host (a
/// storm of identical alerts, one DNS timeout per retry).
fn same_content(a: &Analysis<'_>, x: Option<usize>, y: Option<usize>) -> bool {
    match (x.and_then(|i| a.event(i)), y.and_then(|i| a.event(i))) {
        (Some(p), Some(q)) => {
            p.host == q.host
                && p.event_id == q.event_id
                && p.provider == q.provider
                && p.fields == q.fields
        }
        _ => false,
    }
}

/// Picks the findings to show: one per event (or per fact) and per distinct content,
/// strongest first.
fn select(
    a: &Analysis<'_>,
    all: &[Finding],
    cause: Option<Cause>,
    direction: Direction,
    max: usize,
) -> Vec<Finding> {
    let mut chosen: Vec<&Finding> = all
        .iter()
        .filter(|f| f.direction == direction && cause.is_none_or(|c| f.cause == c))
        .collect();
    chosen.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.time.cmp(&b.time))
            .then(a.rule.id.cmp(b.rule.id))
            .then(a.event.cmp(&b.event))
    });
    let mut out: Vec<Finding> = Vec::new();
    for f in chosen {
        if out.len() >= max {
            break;
        }
        if out.iter().filter(|x| x.rule.id == f.rule.id).count() >= MAX_PER_RULE {
            continue;
        }
        let same = |x: &Finding| match (x.event, f.event) {
            (Some(p), Some(q)) => p == q || same_content(a, Some(p), Some(q)),
            (None, None) => x.rule.id == f.rule.id,
            _ => false,
        };
        if !out.iter().any(same) {
            out.push(f.clone());
        }
    }
    out
}

/// Diagnoses one connection (failed or not) from its findings.
pub fn diagnose_connection(a: &Analysis<'_>, conn: usize, all: Vec<Finding>) -> Diagnosis {
    let ranking = rank(&all);
    let mut evidence: Vec<Finding>;
    let against: Vec<Finding>;
    if ranking.cause == Cause::Unknown {
        evidence = select(a, &all, None, Direction::For, MAX_EVIDENCE);
        against = Vec::new();
    } else {
        evidence = select(a, &all, Some(ranking.cause), Direction::For, MAX_EVIDENCE);
        for (alt, p) in &ranking.alternatives {
            if *alt == Cause::Unknown || *p < ALTERNATIVE_EVIDENCE_CONFIDENCE {
                continue;
            }
            for f in select(
                a,
                &all,
                Some(*alt),
                Direction::For,
                MAX_ALTERNATIVE_EVIDENCE,
            ) {
                let shown = evidence
                    .iter()
                    .any(|x| x.event.is_some() && x.event == f.event && x.cause == f.cause);
                if !shown {
                    evidence.push(f);
                }
            }
        }
        against = select(
            a,
            &all,
            Some(ranking.cause),
            Direction::Against,
            MAX_AGAINST,
        );
    }
    let names = Names::collect(a, conn, &all);
    let steps = remediation(ranking.cause, &all, &names);
    let missing = missing_sources(a, conn, &ranking);
    Diagnosis {
        connection: conn,
        cause: ranking.cause,
        confidence: ranking.confidence,
        alternatives: ranking.alternatives,
        evidence,
        against,
        remediation: steps,
        missing_sources: missing,
        findings: all,
    }
}

/// Diagnoses every failed connection.
pub fn diagnose(timelines: &Timelines, coverage: &Coverage) -> Diagnoses {
    let a = Analysis::new(timelines, coverage);
    let runs = onsets(&a);
    let per_connection: Vec<Option<Diagnosis>> = (0..timelines.connections.len())
        .into_par_iter()
        .map(|k| {
            let c = timelines.connections.get(k)?;
            if c.outcome != Outcome::Failed {
                return None;
            }
            let changes = runs.of(k).map_or(&[][..], |r| r.changes.as_slice());
            let all = findings(&a, k, changes);
            Some(diagnose_connection(&a, k, all))
        })
        .collect();
    Diagnoses {
        per_connection,
        onsets: runs,
    }
}

impl Diagnoses {
    /// The diagnosis of a connection, by index.
    pub fn of(&self, conn: usize) -> Option<&Diagnosis> {
        self.per_connection.get(conn).and_then(Option::as_ref)
    }

    /// What the timeline exports use: decoded one-line messages and each connection's cause.
    pub fn annotator(&self, timelines: &Timelines) -> DiagnosisAnnotator {
        let causes = timelines
            .connections
            .iter()
            .enumerate()
            .filter_map(|(k, c)| self.of(k).map(|d| (c.id.clone(), d.cause)))
            .collect();
        DiagnosisAnnotator { causes }
    }
}

/// The [`Annotator`] of the timeline exports: [`summarize`] for messages, the diagnosed cause
/// for connections.
#[derive(Clone, Debug, Default)]
pub struct DiagnosisAnnotator {
    causes: HashMap<String, Cause>,
}

impl Annotator for DiagnosisAnnotator {
    fn message(&self, event: &Event) -> String {
        summarize(event)
    }

    fn cause(&self, connection_id: &str) -> Option<Cow<'_, str>> {
        self.causes
            .get(connection_id)
            .map(|c| Cow::Borrowed(c.id()))
    }
}
