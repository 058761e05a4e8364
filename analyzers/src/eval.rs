//! Evaluation against labelled bundles: `rdpsleuth eval <bundles-dir>`.
//!
//! Every sub-folder of the bundles folder that holds an `expected.json` is one bundle. Its
//! other files go through the whole pipeline ([`crate::pipeline::analyse_paths`]); each
//! expected connection is matched to an analysed one by its client or server ActivityID, and
//! the diagnosed cause (or the absence of a diagnosis, for connections that did not fail) is
//! compared with the label. [`Evaluation`] gives the accuracy overall and per cause and the
//! confusion matrix, printable as Markdown tables.
//!
//! `expected.json` holds `{"connections": [{"client_activity_id", "server_activity_id",
//! "outcome", "disconnect_reason", "cause"}]}` (a bare list of such objects is accepted too);
//! ids are `{guid}` strings or null, `cause` a cause id or null for connections that did not
//! fail.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rdpsleuth_parser::Guid;
use rdpsleuth_parser::ingest::IngestOptions;
use rdpsleuth_timelines::Outcome;
use serde::Deserialize;

use crate::cause::Cause;
use crate::pipeline::{Analysed, analyse_paths};

/// The label file's name.
pub const EXPECTED_FILE: &str = "expected.json";
/// The label of a connection that did not fail (no diagnosis).
pub const NO_FAILURE: &str = "(no failure)";
/// The label of an expected connection the analysis did not find.
pub const NOT_FOUND: &str = "(not found)";

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The bundles folder cannot be listed.
    #[error("cannot read bundles folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An `expected.json` cannot be read or parsed.
    #[error("{path}: {message}")]
    Expected {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column for JSON errors.
        message: String,
    },
    /// No sub-folder holds an `expected.json`.
    #[error("no bundle with an {EXPECTED_FILE} under {0}")]
    NoBundles(PathBuf),
}

/// One labelled connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ExpectedConnection {
    /// The client's ActivityID.
    #[serde(default)]
    pub client_activity_id: Option<String>,
    /// The server's ActivityID.
    #[serde(default)]
    pub server_activity_id: Option<String>,
    /// `failed`, `succeeded`, `unknown`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The client's disconnect reason.
    #[serde(default)]
    pub disconnect_reason: Option<u32>,
    /// The cause id, for failed connections.
    #[serde(default)]
    pub cause: Option<String>,
    /// `attempt`, `background` or `scanner` (Internet scanners are not users' failures: they
    /// are counted apart, not in the accuracy).
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExpectedFile {
    Object {
        connections: Vec<ExpectedConnection>,
    },
    List(Vec<ExpectedConnection>),
}

/// The outcome of one labelled connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The bundle's folder name.
    pub bundle: String,
    /// The label.
    pub expected: ExpectedConnection,
    /// The expected label as shown in the tables (a cause id or [`NO_FAILURE`]).
    pub expected_label: String,
    /// The matched connection's id.
    pub connection: Option<String>,
    /// What the analysis says (a cause id, [`NO_FAILURE`] or [`NOT_FOUND`]).
    pub predicted_label: String,
    /// The diagnosis' confidence.
    pub confidence: Option<f64>,
}

impl Case {
    /// True when the prediction matches the label.
    pub fn correct(&self) -> bool {
        self.expected_label == self.predicted_label
    }
}

/// The result of an evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Every labelled connection of a user (not a scanner), by bundle then label order.
    pub cases: Vec<Case>,
    /// Internet scanners' connections, kept apart: none of them should be diagnosed as a
    /// failure.
    pub scanners: Vec<Case>,
    /// Bundles evaluated.
    pub bundles: Vec<String>,
}

/// The label `kind` of Internet scanners' connections.
pub const SCANNER_KIND: &str = "scanner";

fn parse_guid(text: Option<&str>) -> Option<Guid> {
    text.and_then(|t| t.parse().ok())
}

fn label_of(cause: Option<&str>, outcome: Option<&str>) -> String {
    match cause.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c
            .parse::<Cause>()
            .map_or_else(|_| c.to_string(), |x| x.id().to_string()),
        None if outcome.is_some_and(|o| o.eq_ignore_ascii_case("failed")) => {
            Cause::Unknown.id().to_string()
        }
        None => NO_FAILURE.to_string(),
    }
}

/// Reads a bundle's labels.
pub fn read_expected(path: &Path) -> Result<Vec<ExpectedConnection>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::Expected {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let file: ExpectedFile = serde_json::from_str(&text).map_err(|e| EvalError::Expected {
        path: path.to_path_buf(),
        message: format!("not a valid label file: {e}"),
    })?;
    Ok(match file {
        ExpectedFile::Object { connections } | ExpectedFile::List(connections) => connections,
    })
}

/// Compares one bundle's analysis with its labels.
pub fn compare(bundle: &str, analysed: &Analysed, expected: &[ExpectedConnection]) -> Vec<Case> {
    let t = &analysed.timelines;
    expected
        .iter()
        .map(|x| {
            let client = parse_guid(x.client_activity_id.as_deref());
            let server = parse_guid(x.server_activity_id.as_deref());
            let score = |c: &rdpsleuth_timelines::Connection| {
                let a = client.is_some() && c.client_activity_id == client;
                let b = server.is_some() && c.server_activity_id == server;
                u8::from(a) + u8::from(b)
            };
            let best = t
                .connections
                .iter()
                .enumerate()
                .map(|(k, c)| (score(c), k, c))
                .filter(|(s, _, _)| *s > 0)
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let (connection, predicted_label, confidence) = match best {
                None => (None, NOT_FOUND.to_string(), None),
                Some((_, k, c)) => match analysed.diagnoses.of(k) {
                    Some(d) => (
                        Some(c.id.clone()),
                        d.cause.id().to_string(),
                        Some(d.confidence),
                    ),
                    // Failed without a diagnosis cannot happen; an unknown outcome is the
                    // analysis saying it cannot tell.
                    None if c.outcome != Outcome::Succeeded => {
                        (Some(c.id.clone()), Cause::Unknown.id().to_string(), None)
                    }
                    None => (Some(c.id.clone()), NO_FAILURE.to_string(), None),
                },
            };
            Case {
                bundle: bundle.to_string(),
                expected: x.clone(),
                expected_label: label_of(x.cause.as_deref(), x.outcome.as_deref()),
                connection,
                predicted_label,
                confidence,
            }
        })
        .collect()
}

/// The inputs of a bundle folder: everything in it but the label file.
fn bundle_inputs(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let entries = std::fs::read_dir(dir).map_err(|source| EvalError::Folder {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut inputs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_none_or(|n| n != EXPECTED_FILE))
        .collect();
    inputs.sort();
    Ok(inputs)
}

/// Evaluates every bundle under `bundles_dir`.
pub fn eval(bundles_dir: &Path) -> Result<Evaluation, EvalError> {
    eval_with(bundles_dir, &IngestOptions::default())
}

/// Evaluates every bundle under `bundles_dir` with these ingest options.
pub fn eval_with(bundles_dir: &Path, options: &IngestOptions) -> Result<Evaluation, EvalError> {
    let entries = std::fs::read_dir(bundles_dir).map_err(|source| EvalError::Folder {
        path: bundles_dir.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(EXPECTED_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(EvalError::NoBundles(bundles_dir.to_path_buf()));
    }
    let mut out = Evaluation::default();
    for dir in dirs {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let expected = read_expected(&dir.join(EXPECTED_FILE))?;
        let inputs = bundle_inputs(&dir)?;
        let analysed = analyse_paths(&inputs, options, &());
        for case in compare(&name, &analysed, &expected) {
            if case.expected.kind.as_deref() == Some(SCANNER_KIND) {
                out.scanners.push(case);
            } else {
                out.cases.push(case);
            }
        }
        out.bundles.push(name);
    }
    Ok(out)
}

/// Accuracy of one expected label.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelAccuracy {
    /// The expected label.
    pub label: String,
    /// Cases predicted right.
    pub correct: usize,
    /// Cases.
    pub total: usize,
}

impl Evaluation {
    /// Cases predicted right.
    pub fn correct(&self) -> usize {
        self.cases.iter().filter(|c| c.correct()).count()
    }

    /// Share of cases predicted right (1.0 when there are none).
    pub fn accuracy(&self) -> f64 {
        if self.cases.is_empty() {
            1.0
        } else {
            self.correct() as f64 / self.cases.len() as f64
        }
    }

    /// The labels in table order: causes in vocabulary order, then the others sorted.
    fn labels(&self) -> Vec<String> {
        let mut seen: Vec<String> = self
            .cases
            .iter()
            .flat_map(|c| [c.expected_label.clone(), c.predicted_label.clone()])
            .collect();
        seen.sort();
        seen.dedup();
        let rank = |l: &String| Cause::all().position(|c| c.id() == l).unwrap_or(usize::MAX);
        seen.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        seen
    }

    /// Accuracy per expected label, in table order.
    pub fn per_label(&self) -> Vec<LabelAccuracy> {
        self.labels()
            .into_iter()
            .filter_map(|label| {
                let cases: Vec<&Case> = self
                    .cases
                    .iter()
                    .filter(|c| c.expected_label == label)
                    .collect();
                (!cases.is_empty()).then(|| LabelAccuracy {
                    correct: cases.iter().filter(|c| c.correct()).count(),
                    total: cases.len(),
                    label,
                })
            })
            .collect()
    }

    /// Counts per (expected, predicted) label.
    pub fn confusion(&self) -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for c in &self.cases {
            *m.entry((c.expected_label.clone(), c.predicted_label.clone()))
                .or_insert(0) += 1;
        }
        m
    }

    /// Scanner connections the analysis diagnosed as failures (should be none).
    pub fn scanners_diagnosed(&self) -> usize {
        self.scanners
            .iter()
            .filter(|c| {
                c.predicted_label != NO_FAILURE
                    && c.predicted_label != NOT_FOUND
                    && c.predicted_label != Cause::Unknown.id()
            })
            .count()
    }

    /// The cases predicted wrong.
    pub fn mistakes(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| !c.correct())
    }
}

impl fmt::Display for Evaluation {
    /// Markdown: the overall accuracy, a table per expected cause, the confusion matrix (rows
    /// expected, columns predicted), and the mistakes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Accuracy: {}/{} connections = {:.1} % ({} bundles)",
            self.correct(),
            self.cases.len(),
            self.accuracy() * 100.0,
            self.bundles.len()
        )?;
        writeln!(f)?;
        writeln!(f, "| expected cause | correct | total | accuracy |")?;
        writeln!(f, "|---|---:|---:|---:|")?;
        for row in self.per_label() {
            writeln!(
                f,
                "| {} | {} | {} | {:.1} % |",
                row.label,
                row.correct,
                row.total,
                100.0 * row.correct as f64 / row.total.max(1) as f64
            )?;
        }
        let labels = self.labels();
        let predicted: Vec<&String> = labels
            .iter()
            .filter(|l| self.cases.iter().any(|c| &c.predicted_label == *l))
            .collect();
        let expected: Vec<&String> = labels
            .iter()
            .filter(|l| self.cases.iter().any(|c| &c.expected_label == *l))
            .collect();
        let m = self.confusion();
        writeln!(f)?;
        writeln!(f, "Confusion matrix (rows: expected, columns: predicted)")?;
        writeln!(f)?;
        write!(f, "| expected \\ predicted |")?;
        for p in &predicted {
            write!(f, " {p} |")?;
        }
        writeln!(f)?;
        write!(f, "|---|")?;
        for _ in &predicted {
            write!(f, "---:|")?;
        }
        writeln!(f)?;
        for e in &expected {
            write!(f, "| {e} |")?;
            for p in &predicted {
                let n = m.get(&((*e).clone(), (*p).clone())).copied().unwrap_or(0);
                if n == 0 {
                    write!(f, " · |")?;
                } else {
                    write!(f, " {n} |")?;
                }
            }
            writeln!(f)?;
        }
        if !self.scanners.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "Internet scanner connections (not counted above): {}, diagnosed as failures: {}",
                self.scanners.len(),
                self.scanners_diagnosed()
            )?;
        }
        let mistakes: Vec<&Case> = self.mistakes().collect();
        if !mistakes.is_empty() {
            writeln!(f)?;
            writeln!(f, "Mistakes:")?;
            for c in mistakes {
                writeln!(
                    f,
                    "- {}: {} expected {}, got {}",
                    c.bundle,
                    c.connection.as_deref().unwrap_or("(no connection)"),
                    c.expected_label,
                    c.predicted_label
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(expected: &str, predicted: &str) -> Case {
        Case {
            bundle: "b".into(),
            expected: ExpectedConnection::default(),
            expected_label: expected.into(),
            connection: Some("C0001".into()),
            predicted_label: predicted.into(),
            confidence: None,
        }
    }

    #[test]
    fn labels_from_causes_and_outcomes() {
        assert_eq!(label_of(Some("TLS_Mismatch"), None), "tls_mismatch");
        assert_eq!(label_of(None, Some("failed")), "unknown");
        assert_eq!(label_of(None, Some("succeeded")), NO_FAILURE);
        assert_eq!(label_of(Some(""), None), NO_FAILURE);
    }

    #[test]
    fn accuracy_and_matrix() {
        let e = Evaluation {
            cases: vec![
                case("tls_mismatch", "tls_mismatch"),
                case("tls_mismatch", "cert_expired"),
                case("cert_expired", "cert_expired"),
                case(NO_FAILURE, NO_FAILURE),
            ],
            scanners: Vec::new(),
            bundles: vec!["b".into()],
        };
        assert_eq!(e.correct(), 3);
        assert!((e.accuracy() - 0.75).abs() < 1e-9);
        let rows = e.per_label();
        assert_eq!(rows[0].label, "cert_expired");
        assert_eq!((rows[1].correct, rows[1].total), (1, 2));
        let m = e.confusion();
        assert_eq!(
            m[&("tls_mismatch".to_string(), "cert_expired".to_string())],
            1
        );
        let text = e.to_string();
        assert!(text.starts_with("Accuracy: 3/4 connections = 75.0 %"));
        assert!(
            text.contains("| expected \\ predicted | cert_expired | tls_mismatch | (no failure) |"),
            "{text}"
        );
        assert!(text.contains("| tls_mismatch | 1 | 1 | · |"), "{text}");
        assert!(text.contains("Mistakes:"));
    }

    #[test]
    fn label_files_in_both_shapes() {
        let dir = std::env::temp_dir().join(format!("rdpsleuth-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(EXPECTED_FILE);
        std::fs::write(
            &p,
            r#"{"connections":[{"client_activity_id":"{00000000-0000-0000-0000-000000002000}","server_activity_id":null,"outcome":"failed","disconnect_reason":2308,"cause":"firewall_block"}]}"#,
        )
        .unwrap();
        let x = read_expected(&p).unwrap();
        assert_eq!(x[0].cause.as_deref(), Some("firewall_block"));
        std::fs::write(&p, r#"[{"outcome":"succeeded"}]"#).unwrap();
        assert_eq!(read_expected(&p).unwrap().len(), 1);
        std::fs::write(&p, "{not json").unwrap();
        assert!(read_expected(&p).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
