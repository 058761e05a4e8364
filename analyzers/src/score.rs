//! Combining the findings of a connection into a ranked diagnosis.
//!
//! The model, in three steps:
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
//!    3.0, gives p ≈ 0.8; two strong ones p ≈ 0.99); otherwise the diagnosis is `unknown` with
//!    `unknown`'s share as its confidence. The runners-up, and `unknown`'s own mass, are the
//!    alternatives.

use std::collections::BTreeMap;

use crate::cause::Cause;
use crate::evidence::Finding;
use crate::rules::Direction;

/// The fixed score of the `unknown` hypothesis: a cause needs more net support than this.
pub const UNKNOWN_SCORE: f64 = 1.5;
/// Share of the weight of a rule's repeated findings beyond its strongest one.
pub const REPEAT_SHARE: f64 = 0.2;
/// A repeated rule counts at most this many times its strongest finding.
pub const REPEAT_CAP: f64 = 1.5;
/// Alternatives below this confidence are not listed.
pub const MIN_ALTERNATIVE: f64 = 0.01;

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

/// Ranks the causes (step 3 of the model).
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
    let p_unknown = unknown_mass / total;
    let (cause, confidence) = match shares.first() {
        Some(&(c, n, p)) if n > UNKNOWN_SCORE => (c, p),
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
