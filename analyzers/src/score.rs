//! Combining the findings of a connection into a ranked diagnosis with a calibrated
//! confidence.
//!
//! The model, in four steps:
//!
//! 1. **Per rule.** A rule that fires many times (thirty Schannel alerts of one handshake storm)
//!    is one argument, not thirty: for each (rule, cause, direction) the strongest finding counts
//!    fully and every further one adds [`REPEAT_SHARE`] of its weight, capped at
//!    [`REPEAT_CAP`] × the strongest.
//! 2. **Per cause.** A cause's score is the sum of its arguments for minus the sum of its
//!    arguments against, in log-odds units (weights: [`crate::rules::DEFINITIVE`] 4 …
//!    [`crate::rules::HINT`] 0.5, each already decayed with its distance in time to the
//!    failure: halved every half-life of its rule).
//! 3. **Normalisation with an explicit unknown.** Causes with a positive score compete with an
//!    `unknown` hypothesis of fixed score [`UNKNOWN_SCORE`] in a softmax:
//!    `p(c) = e^score(c) / (e^UNKNOWN_SCORE + Σ e^score(k))`. The best cause is chosen when its
//!    score beats `unknown`'s (one moderate argument, 2.0, is enough: p ≈ 0.6; a strong one,
//!    3.0, gives p ≈ 0.8); otherwise the diagnosis is `unknown` with `unknown`'s share as its
//!    confidence. Competing causes share the mass: two causes with strong evidence each get
//!    about half, and both are listed.
//! 4. **Calibration: what the cause rests on caps its confidence.** Log-odds add up quickly
//!    (three strong events give p > 0.999), but forensic evidence is never certain: a field can
//!    be misread, a record can be a coincidence in time, a log can be incomplete. The chosen
//!    cause's confidence is therefore capped by its [`ceiling`], and the mass above it goes to
//!    `unknown` (which stays listed as an alternative):
//!
//!    | the cause rests on … | ceiling |
//!    |---|---:|
//!    | only the absence of records, in host logs not shown to cover the attempt (they end before it) | [`ABSENCE_CEILING`] 0.6 |
//!    | only the state of the machines around the connection (no record of the connection itself, no observed absence) | [`CONTEXT_CEILING`] 0.85 |
//!    | one corroborating event | [`SINGLE_CEILING`] 0.9 |
//!    | two distinct corroborating events | [`DOUBLE_CEILING`] 0.95 |
//!    | three or more | [`MAX_CONFIDENCE`] 0.98 |
//!
//!    An event corroborates when its finding weighs at least [`CORROBORATING`] after decay;
//!    several rules reading the same event count once. A single secondary event (a CAPI2 70
//!    alone, decoded at moderate weight) thus stays near 0.5–0.6; a definitive one alone
//!    (LsaSrv 6041) reaches 0.9, not more; only independent records of the connection on top of
//!    each other approach 0.98. `unknown` itself is not capped: when the logs hold nothing that
//!    speaks about the failure, that they cannot tell is a fact about the logs, not an
//!    inference.

use std::collections::BTreeMap;

use crate::cause::Cause;
use crate::evidence::{Basis, Finding};
use crate::rules::Direction;

/// The fixed score of the `unknown` hypothesis: a cause needs more net support than this.
pub const UNKNOWN_SCORE: f64 = 1.5;
/// Share of the weight of a rule's repeated findings beyond its strongest one.
pub const REPEAT_SHARE: f64 = 0.2;
/// A repeated rule counts at most this many times its strongest finding.
pub const REPEAT_CAP: f64 = 1.5;
/// Alternatives below this confidence are not listed.
pub const MIN_ALTERNATIVE: f64 = 0.01;
/// The highest confidence any cause gets, however much evidence piles up.
pub const MAX_CONFIDENCE: f64 = 0.98;
/// Ceiling of a cause resting on two distinct corroborating events.
pub const DOUBLE_CEILING: f64 = 0.95;
/// Ceiling of a cause resting on one corroborating event.
pub const SINGLE_CEILING: f64 = 0.9;
/// Ceiling of a cause resting only on the state of the machines around the connection.
pub const CONTEXT_CEILING: f64 = 0.85;
/// Ceiling of a cause resting only on what host logs that end before the attempt do not show.
pub const ABSENCE_CEILING: f64 = 0.6;
/// Least weight (after decay) of a finding that corroborates its cause.
pub const CORROBORATING: f64 = 1.0;

/// The arguments about one cause.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CauseScore {
    /// The cause.
    pub cause: Cause,
    /// Combined weight of the arguments for it.
    pub support: f64,
    /// Combined weight of the arguments against it.
    pub opposition: f64,
}

impl CauseScore {
    /// Support minus opposition.
    pub fn net(&self) -> f64 {
        self.support - self.opposition
    }
}

/// The outcome of scoring.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// The chosen cause (`unknown` when nothing beats it).
    pub cause: Cause,
    /// Its share of the probability mass.
    pub confidence: f64,
    /// The other candidates (and `unknown`'s mass when a cause was chosen), best first.
    pub alternatives: Vec<(Cause, f64)>,
    /// Every cause that was argued about, in cause order.
    pub scores: Vec<CauseScore>,
}

/// Combines findings into per-cause scores (steps 1 and 2 of the model).
pub fn cause_scores(findings: &[Finding]) -> Vec<CauseScore> {
    let mut groups: BTreeMap<(Cause, Direction, &'static str), Vec<f64>> = BTreeMap::new();
    for f in findings {
        if f.weight > 0.0 && f.cause != Cause::Unknown {
            groups
                .entry((f.cause, f.direction, f.rule.id))
                .or_default()
                .push(f.weight);
        }
    }
    let mut per_cause: BTreeMap<Cause, CauseScore> = BTreeMap::new();
    for ((cause, direction, _), mut weights) in groups {
        weights.sort_by(|a, b| b.total_cmp(a));
        let strongest = weights.first().copied().unwrap_or(0.0);
        let rest: f64 = weights.iter().skip(1).sum();
        let total = (strongest + REPEAT_SHARE * rest).min(REPEAT_CAP * strongest);
        let score = per_cause.entry(cause).or_insert(CauseScore {
            cause,
            support: 0.0,
            opposition: 0.0,
        });
        match direction {
            Direction::For => score.support += total,
            Direction::Against => score.opposition += total,
        }
    }
    per_cause.into_values().collect()
}

/// The highest confidence the evidence for `cause` allows (step 4 of the model).
pub fn ceiling(findings: &[Finding], cause: Cause) -> f64 {
    let support: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.cause == cause && f.direction == Direction::For && f.weight > 0.0)
        .collect();
    if support
        .iter()
        .all(|f| f.basis == Basis::Absence { shown: false })
    {
        return ABSENCE_CEILING;
    }
    // Distinct corroborating events (facts without an event count by rule).
    let mut items: Vec<(Option<usize>, &str)> = support
        .iter()
        .filter(|f| f.weight >= CORROBORATING && f.basis != Basis::Absence { shown: false })
        .map(|f| (f.event, if f.event.is_some() { "" } else { f.rule.id }))
        .collect();
    items.sort_unstable();
    items.dedup();
    let by_count = match items.len() {
        0 | 1 => SINGLE_CEILING,
        2 => DOUBLE_CEILING,
        _ => MAX_CONFIDENCE,
    };
    let direct = support
        .iter()
        .any(|f| matches!(f.basis, Basis::Record | Basis::Absence { shown: true }));
    if direct {
        by_count
    } else {
        by_count.min(CONTEXT_CEILING)
    }
}

/// Ranks the causes (steps 3 and 4 of the model).
pub fn rank(findings: &[Finding]) -> Ranking {
    let scores = cause_scores(findings);
    let candidates: Vec<(Cause, f64)> = scores
        .iter()
        .filter(|s| s.net() > 0.0)
        .map(|s| (s.cause, s.net()))
        .collect();
    // Softmax relative to the largest exponent, for numerical safety.
    let top = candidates
        .iter()
        .map(|(_, n)| *n)
        .fold(UNKNOWN_SCORE, f64::max);
    let unknown_mass = (UNKNOWN_SCORE - top).exp();
    let total: f64 = unknown_mass + candidates.iter().map(|(_, n)| (n - top).exp()).sum::<f64>();
    let mut shares: Vec<(Cause, f64, f64)> = candidates
        .iter()
        .map(|&(c, n)| (c, n, (n - top).exp() / total))
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut p_unknown = unknown_mass / total;
    let (cause, confidence) = match shares.first() {
        Some(&(c, n, p)) if n > UNKNOWN_SCORE => {
            let capped = p.min(ceiling(findings, c));
            p_unknown += p - capped;
            (c, capped)
        }
        _ => (Cause::Unknown, p_unknown),
    };
    let mut alternatives: Vec<(Cause, f64)> = shares
        .iter()
        .filter(|(c, _, _)| *c != cause)
        .map(|&(c, _, p)| (c, p))
        .collect();
    if cause != Cause::Unknown {
        alternatives.push((Cause::Unknown, p_unknown));
    }
    alternatives.retain(|(_, p)| *p >= MIN_ALTERNATIVE);
    alternatives.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ranking {
        cause,
        confidence,
        alternatives,
        scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RULES, Rule};

    fn rule(id: &str) -> &'static Rule {
        RULES.iter().find(|r| r.id == id).unwrap()
    }

    fn finding(rule_id: &str, cause: Cause, direction: Direction, weight: f64) -> Finding {
        Finding {
            rule: rule(rule_id),
            cause,
            direction,
            weight,
            event: None,
            time: None,
            distance: 0.0,
            detail: None,
            code: None,
            basis: Basis::Record,
        }
    }

    #[test]
    fn nothing_is_unknown_with_full_confidence() {
        let r = rank(&[]);
        assert_eq!(r.cause, Cause::Unknown);
        assert!((r.confidence - 1.0).abs() < 1e-12);
        assert!(r.alternatives.is_empty());
    }

    #[test]
    fn one_weak_argument_does_not_beat_unknown() {
        let r = rank(&[finding("dns-timeout", Cause::Network, Direction::For, 1.0)]);
        assert_eq!(r.cause, Cause::Unknown);
        assert_eq!(r.alternatives[0].0, Cause::Network);
    }

    #[test]
    fn strong_evidence_wins_and_repeats_are_capped() {
        let mut fs = vec![finding(
            "schannel-key-error",
            Cause::PrivateKeyAccess,
            Direction::For,
            3.0,
        )];
        for _ in 0..50 {
            fs.push(finding(
                "schannel-alert",
                Cause::TlsMismatch,
                Direction::For,
                2.0,
            ));
        }
        let r = rank(&fs);
        // 50 alerts count as at most 1.5 × 2.0 = 3.0; a tie goes to the cause order.
        let tls = r
            .scores
            .iter()
            .find(|s| s.cause == Cause::TlsMismatch)
            .unwrap();
        assert!((tls.support - 3.0).abs() < 1e-9);
        assert_eq!(r.cause, Cause::PrivateKeyAccess);
        let sum: f64 = r.confidence + r.alternatives.iter().map(|a| a.1).sum::<f64>();
        assert!((sum - 1.0).abs() < 1e-9);
    }

    fn on(mut f: Finding, event: Option<usize>, basis: Basis) -> Finding {
        f.event = event;
        f.basis = basis;
        f
    }

    #[test]
    fn confidence_is_capped_by_what_the_cause_rests_on() {
        let key = |event, basis| {
            on(
                finding(
                    "schannel-key-error",
                    Cause::PrivateKeyAccess,
                    Direction::For,
                    3.0,
                ),
                event,
                basis,
            )
        };
        // Three strong records of the connection: close to, never at, certainty.
        let r = rank(&[
            key(Some(1), Basis::Record),
            on(
                finding(
                    "rdp-key-operation-failed",
                    Cause::PrivateKeyAccess,
                    Direction::For,
                    3.0,
                ),
                Some(2),
                Basis::Record,
            ),
            on(
                finding(
                    "capi2-private-key-failed",
                    Cause::PrivateKeyAccess,
                    Direction::For,
                    2.0,
                ),
                Some(3),
                Basis::Record,
            ),
        ]);
        assert_eq!(r.cause, Cause::PrivateKeyAccess);
        assert!(
            (r.confidence - MAX_CONFIDENCE).abs() < 1e-12,
            "{}",
            r.confidence
        );
        let unknown = r
            .alternatives
            .iter()
            .find(|a| a.0 == Cause::Unknown)
            .unwrap();
        assert!((r.confidence + unknown.1 - 1.0).abs() < 1e-9);
        // Two rules reading one event are one corroboration.
        let r = rank(&[
            key(Some(1), Basis::Record),
            on(
                finding(
                    "schannel-key-error-state",
                    Cause::PrivateKeyAccess,
                    Direction::For,
                    4.0,
                ),
                Some(1),
                Basis::Record,
            ),
        ]);
        assert!(
            (r.confidence - SINGLE_CEILING).abs() < 1e-12,
            "{}",
            r.confidence
        );
        // Two events of the context only: circumstantial.
        let r = rank(&[key(Some(1), Basis::Context), key(Some(2), Basis::Context)]);
        assert!(
            (r.confidence - CONTEXT_CEILING).abs() < 1e-12,
            "{}",
            r.confidence
        );
        // Absence alone, in host logs that end before the attempt: moderate at most.
        let absent = |shown| {
            on(
                finding(
                    "fact-never-reached-host",
                    Cause::FirewallBlock,
                    Direction::For,
                    4.0,
                ),
                Some(7),
                Basis::Absence { shown },
            )
        };
        let r = rank(&[absent(false)]);
        assert_eq!(r.cause, Cause::FirewallBlock);
        assert!(
            (r.confidence - ABSENCE_CEILING).abs() < 1e-12,
            "{}",
            r.confidence
        );
        let r = rank(&[absent(true)]);
        assert!(
            (r.confidence - SINGLE_CEILING).abs() < 1e-12,
            "{}",
            r.confidence
        );
        // Weak findings do not corroborate.
        let r = rank(&[
            key(Some(1), Basis::Record),
            on(
                finding("host-idle", Cause::PrivateKeyAccess, Direction::For, 0.5),
                Some(2),
                Basis::Record,
            ),
            on(
                finding(
                    "host-socket-error",
                    Cause::PrivateKeyAccess,
                    Direction::For,
                    0.5,
                ),
                Some(3),
                Basis::Record,
            ),
        ]);
        assert!(r.confidence <= SINGLE_CEILING + 1e-12, "{}", r.confidence);
    }

    #[test]
    fn evidence_against_removes_a_candidate() {
        let r = rank(&[
            finding("schannel-alert", Cause::TlsMismatch, Direction::For, 2.0),
            finding(
                "host-tls-completed",
                Cause::TlsMismatch,
                Direction::Against,
                3.0,
            ),
            finding("dns-timeout-target", Cause::Network, Direction::For, 3.0),
        ]);
        assert_eq!(r.cause, Cause::Network);
        assert!(r.alternatives.iter().all(|(c, _)| *c != Cause::TlsMismatch));
        assert!(r.confidence > 0.8);
    }
}
