//! The checked-in sample tree: every scenario's bundle (`<name>/<HOST>/<Channel>.evtx`,
//! `pfirewall.log`, `expected.json`) and the bundles derived from some of them (KAPE-like and
//! Velociraptor-like zips, Event Viewer XML exports), as one ordered set of files that can be
//! written to a folder or compared with one byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::archive::{kape_zip, velociraptor_zips};
use crate::export::xml_export;
use crate::generate::{Bundle, GenerateError, Library, generate, read_toml_files};
use crate::scenario::Scenario;

/// Files by path relative to the output folder (`/` separated), in path order.
pub type FileSet = BTreeMap<String, Vec<u8>>;

/// The name of the file that describes the sample tree (kept, never generated).
pub const README: &str = "README.md";

/// Every scenario in a folder, in file-name order.
pub fn load_scenarios(dir: &Path) -> Result<Vec<Scenario>, GenerateError> {
    read_toml_files(dir)?
        .iter()
        .map(|(name, text)| Scenario::from_toml(name, text).map_err(GenerateError::from))
        .collect()
}

/// The files of one generated bundle and its derived bundles.
pub fn bundle_files(
    lib: &Library,
    bundle: &Bundle,
    scenario: &Scenario,
    set: &mut FileSet,
) -> Result<(), GenerateError> {
    let name = &bundle.name;
    for file in &bundle.files {
        set.insert(format!("{name}/{}", file.path), file.bytes.clone());
    }
    set.insert(
        format!("{name}/expected.json"),
        bundle.expected.to_json().into_bytes(),
    );
    if scenario.outputs.kape_zip {
        let derived = format!("{name}-kape");
        let (zip_name, bytes) = kape_zip(bundle)?;
        set.insert(format!("{derived}/{zip_name}"), bytes);
        set.insert(
            format!("{derived}/expected.json"),
            derived_expected(bundle, "kape_zip").into_bytes(),
        );
    }
    if scenario.outputs.velociraptor_zip {
        let derived = format!("{name}-velociraptor");
        for (zip_name, bytes) in velociraptor_zips(bundle, scenario)? {
            set.insert(format!("{derived}/{zip_name}"), bytes);
        }
        set.insert(
            format!("{derived}/expected.json"),
            derived_expected(bundle, "velociraptor_zip").into_bytes(),
        );
    }
    if scenario.outputs.xml_export {
        let derived = format!("{name}-xml");
        for (path, bytes) in xml_export(bundle, scenario, lib.defs()) {
            set.insert(format!("{derived}/{path}"), bytes);
        }
        set.insert(
            format!("{derived}/expected.json"),
            derived_expected(bundle, "xml_export").into_bytes(),
        );
    }
    Ok(())
}

/// The expected.json of a derived bundle: the same truth, another layout.
fn derived_expected(bundle: &Bundle, layout: &str) -> String {
    let mut expected = bundle.expected.clone();
    expected.layout = layout.to_owned();
    expected.to_json()
}

/// Generate every scenario (and its derived bundles).
pub fn generate_all(lib: &Library, scenarios: &[Scenario]) -> Result<FileSet, GenerateError> {
    let mut set = FileSet::new();
    for scenario in scenarios {
        let bundle = generate(lib, scenario)?;
        bundle_files(lib, &bundle, scenario, &mut set)?;
    }
    Ok(set)
}

/// A difference between the files on disk and the generated ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Generated but not on disk.
    Missing(String),
    /// On disk but not generated.
    Extra(String),
    /// On disk with other bytes (the first differing offset).
    Changed {
        /// The file.
        path: String,
        /// First byte that differs.
        offset: usize,
    },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Missing(path) => write!(f, "missing: {path}"),
            Difference::Extra(path) => write!(f, "not generated: {path}"),
            Difference::Changed { path, offset } => {
                write!(f, "differs: {path} (first at byte {offset})")
            }
        }
    }
}

/// Every regular file under `dir`, relative and `/` separated.
fn files_under(dir: &Path) -> Result<Vec<String>, GenerateError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| GenerateError::Io {
            path: current.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| GenerateError::Io {
                path: current.clone(),
                source,
            })?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|source| GenerateError::Io {
                path: path.clone(),
                source,
            })?;
            if kind.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compare `dir` with `set`; the README is not compared.
pub fn compare(dir: &Path, set: &FileSet) -> Result<Vec<Difference>, GenerateError> {
    let mut differences = Vec::new();
    let on_disk = if dir.exists() {
        files_under(dir)?
    } else {
        Vec::new()
    };
    for path in &on_disk {
        if path != README && !set.contains_key(path) {
            differences.push(Difference::Extra(path.clone()));
        }
    }
    for (path, bytes) in set {
        let full = dir.join(path);
        match std::fs::read(&full) {
            Ok(existing) if existing == *bytes => {}
            Ok(existing) => {
                let offset = existing
                    .iter()
                    .zip(bytes)
                    .position(|(a, b)| a != b)
                    .unwrap_or(existing.len().min(bytes.len()));
                differences.push(Difference::Changed {
                    path: path.clone(),
                    offset,
                });
            }
            Err(_) => differences.push(Difference::Missing(path.clone())),
        }
    }
    differences.sort_by_key(|d| match d {
        Difference::Missing(p) | Difference::Extra(p) | Difference::Changed { path: p, .. } => {
            p.clone()
        }
    });
    Ok(differences)
}

/// Write `set` under `dir`, first removing the files under it that the set does not have
/// (the README stays).
pub fn write_set(dir: &Path, set: &FileSet) -> Result<(), GenerateError> {
    let io = |path: PathBuf| move |source| GenerateError::Io { path, source };
    if dir.exists() {
        for path in files_under(dir)? {
            if path != README && !set.contains_key(&path) {
                let full = dir.join(&path);
                std::fs::remove_file(&full).map_err(io(full.clone()))?;
            }
        }
    }
    for (path, bytes) in set {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent.to_path_buf()))?;
        }
        let unchanged = std::fs::read(&full).is_ok_and(|existing| existing == *bytes);
        if !unchanged {
            std::fs::write(&full, bytes).map_err(io(full.clone()))?;
        }
    }
    remove_empty_dirs(dir);
    Ok(())
}

/// Remove folders left empty under `dir` (not `dir` itself).
fn remove_empty_dirs(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_empty_dirs(&path);
            // Fails (and is meant to) when the folder still has files.
            let _ = std::fs::remove_dir(&path);
        }
    }
}
