//! Discovery: turns the paths a responder names — log files, folders, KAPE / Velociraptor zip
//! collections — into the sorted list of [`Source`]s to read.
//!
//! Every file and archive member is recognised by its first bytes ([`recognise`]), never by its
//! extension. Zip archives are walked without extracting anything to disk: their central
//! directory is read once, members are sniffed in memory and read whole, within
//! [`ArchiveLimits`], only when a reader asks for them ([`Discovery::open`]); a zip inside a zip
//! is opened one level deep, in memory. Folders are walked recursively with symlink loops
//! detected and reported. Each source gets a host hint from the collection layout
//! ([`host_hint`]). Problems (unreadable files, hostile member names, archive bombs) become
//! located [`Problem`]s; the rest is still discovered.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use percent_encoding::percent_decode_str;
use regex::Regex;
use zip::ZipArchive;

use crate::input::{Format, InputError, Location, Source, SourceData, decode_head};

/// Bytes read from the start of a file or member to recognise its format.
pub const SNIFF_BYTES: usize = 4096;

/// Largest `client_info.json` / `collection_context.json` read for a host name.
const MAX_COLLECTION_INFO_BYTES: u64 = 1 << 20;

/// Caps that keep a hostile archive (zip bomb) from exhausting memory. The defaults never
/// reject a real collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest uncompressed member read (default 4 GiB).
    pub max_member_bytes: u64,
    /// Largest total of uncompressed members read from one archive (default 16 GiB).
    pub max_total_bytes: u64,
    /// Largest ratio of uncompressed to compressed size of a member (default 1000:1).
    pub max_ratio: u64,
    /// Members at most this large are never refused for their ratio (default 64 MiB): deflate
    /// expands at most about 1030:1, which real logs full of empty (zeroed) chunks approach,
    /// and small members cannot exhaust memory anyway.
    pub ratio_exempt_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_member_bytes: 4 << 30,
            max_total_bytes: 16 << 30,
            max_ratio: 1000,
            ratio_exempt_bytes: 64 << 20,
        }
    }
}

/// Something found while discovering that is not a source: a file that cannot be opened, a
/// symlink loop, a refused archive member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The path (or `archive.zip!member`) concerned.
    pub path: String,
    /// What went wrong, located when possible.
    pub error: InputError,
}

/// What discovery found: the sources to read, in a stable order, and what it could not use.
#[derive(Debug)]
pub struct Discovery {
    /// Sources sorted by display path (then location), without duplicates. Includes the
    /// sources whose format is not read (legacy EVT, unrecognised files that were named
    /// explicitly or carry an event-log extension) so that they can be reported.
    pub sources: Vec<Source>,
    /// Problems met, sorted by path.
    pub problems: Vec<Problem>,
    /// Files and archive members skipped because they are not in a log format.
    pub ignored: u64,
    archives: HashMap<ArchiveKey, ZipArchive<ArchiveReader>>,
    limits: ArchiveLimits,
}

/// Finds every log under `paths` (files, folders, zip archives).
pub fn discover<P: AsRef<Path>>(paths: &[P], limits: ArchiveLimits) -> Discovery {
    let mut walker = Walker {
        limits,
        sources: Vec::new(),
        seen_files: HashSet::new(),
        problems: Vec::new(),
        ignored: 0,
        archives: HashMap::new(),
    };
    for path in paths {
        walker.visit_input(path.as_ref());
    }
    let Walker {
        mut sources,
        mut problems,
        ignored,
        archives,
        ..
    } = walker;
    sources.sort();
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Discovery {
        sources,
        problems,
        ignored,
        archives,
        limits,
    }
}

impl Discovery {
    /// The limits archives are read with.
    pub fn limits(&self) -> ArchiveLimits {
        self.limits
    }

    /// Opens a source's bytes: a file handle, or an archive member read into memory within the
    /// limits. Safe to call from many threads at once.
    pub fn open(&self, source: &Source) -> Result<SourceData, InputError> {
        match &source.location {
            Location::File(path) => File::open(path)
                .map(SourceData::File)
                .map_err(|e| InputError::new(format!("cannot open: {e}"))),
            Location::ZipMember { archive, index, .. } => {
                let zip = self
                    .archives
                    .get(&ArchiveKey::Disk(archive.clone()))
                    .ok_or_else(|| InputError::new("archive was not opened during discovery"))?;
                read_member(zip, *index, &self.limits).map(SourceData::Bytes)
            }
            Location::NestedZipMember {
                archive,
                outer_index,
                index,
                ..
            } => {
                let zip = self
                    .archives
                    .get(&ArchiveKey::Nested(archive.clone(), *outer_index))
                    .ok_or_else(|| InputError::new("archive was not opened during discovery"))?;
                read_member(zip, *index, &self.limits).map(SourceData::Bytes)
            }
        }
    }
}

/// Recognises a format from the first bytes of a file, as [`Format::sniff`] does, and further
/// requires JSON to look like an event export (an `"Event"` or `"System"` key in its first
/// bytes): collections hold many JSON files that are not event logs (Velociraptor's
/// `client_info.json`, `uploads.json`, result rows, test expectations).
pub fn recognise(head: &[u8]) -> Format {
    match Format::sniff(head) {
        format @ (Format::JsonLines | Format::EvtxDumpJson) => {
            let text = decode_head(head);
            if has_json_key(&text, "Event") || has_json_key(&text, "System") {
                format
            } else {
                Format::Unknown
            }
        }
        format => format,
    }
}

/// True when `"key"` appears followed by a colon (a key, not a value).
fn has_json_key(text: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted).any(|(at, _)| {
        text.get(at + quoted.len()..)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Folder names that say nothing about the host: the Windows log layout, collection tool
/// layouts, and common places evidence is copied to. Compared case-insensitively after
/// percent-decoding; single drive letters (`C`, `C:`) are generic too.
pub const GENERIC_FOLDER_NAMES: &[&str] = &[
    // The Windows layout.
    "windows",
    "system32",
    "sysnative",
    "syswow64",
    "winevt",
    "logs",
    "log",
    "logfiles",
    "firewall",
    "config",
    // Collection tools (KAPE, Velociraptor) and exports.
    "uploads",
    "auto",
    "ntfs",
    "file",
    "\\\\.\\c:",
    "results",
    "files",
    "eventlogs",
    "eventlog",
    "event logs",
    "evtx",
    "collection",
    "collections",
    "triage",
    "kape",
    "tout",
    "mout",
    "output",
    "modules",
    "targets",
    "vss",
    "export",
    "exports",
    // Where evidence gets copied.
    "tmp",
    "temp",
    "home",
    "users",
    "downloads",
    "desktop",
    "documents",
    "evidence",
    "cases",
    "case",
    "mnt",
    "media",
    "var",
    "root",
    "data",
    "input",
    "inputs",
    "bundles",
    "samples",
];

/// The host name a folder or archive name carries, if any: percent-decoded, with collection
/// timestamps (`2023-01-01T120000_`) and Velociraptor's `Collection-` prefix removed; `None`
/// for generic names ([`GENERIC_FOLDER_NAMES`]), numbers and names that cannot be host names.
pub fn host_from_name(name: &str) -> Option<String> {
    static TIMESTAMP: OnceLock<Regex> = OnceLock::new();
    let timestamp = TIMESTAMP.get_or_init(|| {
        Regex::new(
            r"(?i)(^|[_ .-])\d{4}-?\d{2}-?\d{2}(?:[t_ ]?\d{2}[:_.-]?\d{2}(?:[:_.-]?\d{2}(?:[.,]\d+)?)?z?)?($|[_ .-])",
        )
        // A constant pattern; `host_names_from_layouts` exercises it.
        .unwrap_or_else(|e| panic!("timestamp pattern: {e}"))
    });
    let decoded = percent_decode_str(name).decode_utf8_lossy();
    let mut text = decoded.trim().to_string();
    for prefix in ["collection-", "collection_"] {
        if text.len() > prefix.len()
            && text
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            text = text.get(prefix.len()..).unwrap_or("").to_string();
        }
    }
    let stripped = timestamp.replace_all(&text, "$1$2");
    let host = stripped.trim_matches(|c: char| matches!(c, '_' | '-' | '.' | ' '));
    let lower = host.to_ascii_lowercase();
    let drive = {
        let mut chars = lower.chars();
        matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(c), None, None) | (Some(c), Some(':'), None) if c.is_ascii_alphabetic()
        )
    };
    let plausible = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && host.chars().any(|c| c.is_ascii_alphabetic());
    if !plausible || drive || GENERIC_FOLDER_NAMES.contains(&lower.as_str()) {
        return None;
    }
    Some(host.to_string())
}

/// The first host name among folder names listed nearest first.
pub fn host_hint<'a>(names_nearest_first: impl IntoIterator<Item = &'a str>) -> Option<String> {
    names_nearest_first.into_iter().find_map(host_from_name)
}

/// The identity of a file on disk: its device and inode where the platform has them, else its
/// canonical path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, metadata: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId::Inode(metadata.dev(), metadata.ino())
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _metadata: &std::fs::Metadata) -> FileId {
        FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// An opened archive: on disk, or a zip member of one held in memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ArchiveKey {
    Disk(PathBuf),
    Nested(PathBuf, usize),
}

/// Where an opened archive's bytes are: a file on disk, or an inner archive in memory.
///
/// A file reader opens its own handle on first use and closes it when dropped; clones start
/// without one. So the archives kept after discovery hold no open file, however many there
/// are, and members are read from many threads at once, each through its own handle.
#[derive(Debug)]
enum ArchiveReader {
    File {
        path: Arc<Path>,
        len: u64,
        pos: u64,
        /// The open handle and the position it is at.
        handle: Option<(File, u64)>,
    },
    Memory(Cursor<Arc<[u8]>>),
}

impl Clone for ArchiveReader {
    fn clone(&self) -> Self {
        match self {
            ArchiveReader::File { path, len, pos, .. } => ArchiveReader::File {
                path: path.clone(),
                len: *len,
                pos: *pos,
                handle: None,
            },
            ArchiveReader::Memory(cursor) => ArchiveReader::Memory(cursor.clone()),
        }
    }
}

impl ArchiveReader {
    /// A reader of the archive at `path`, using the already open `file`.
    fn file(path: &Path, mut file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        file.rewind()?;
        Ok(ArchiveReader::File {
            path: Arc::from(path),
            len,
            pos: 0,
            handle: Some((file, 0)),
        })
    }
}

impl Read for ArchiveReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ArchiveReader::File {
                path, pos, handle, ..
            } => {
                let (file, at) = match handle {
                    Some(h) => h,
                    None => handle.insert((File::open(&**path)?, 0)),
                };
                if *at != *pos {
                    file.seek(SeekFrom::Start(*pos))?;
                    *at = *pos;
                }
                let n = file.read(buf)?;
                *pos += n as u64;
                *at = *pos;
                Ok(n)
            }
            ArchiveReader::Memory(cursor) => cursor.read(buf),
        }
    }
}

impl Seek for ArchiveReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            ArchiveReader::File { len, pos, .. } => {
                let target = match to {
                    SeekFrom::Start(p) => Some(p),
                    SeekFrom::End(d) => len.checked_add_signed(d),
                    SeekFrom::Current(d) => pos.checked_add_signed(d),
                };
                let target = target.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek before start")
                })?;
                *pos = target;
                Ok(target)
            }
            ArchiveReader::Memory(cursor) => cursor.seek(to),
        }
    }
}

/// Reads one member whole, refusing more than its declared size or the member cap.
fn read_member(
    zip: &ZipArchive<ArchiveReader>,
    index: usize,
    limits: &ArchiveLimits,
) -> Result<Vec<u8>, InputError> {
    let mut zip = zip.clone();
    let member = zip
        .by_index(index)
        .map_err(|e| InputError::new(format!("cannot open archive member: {e}")))?;
    let declared = member.size();
    if declared > limits.max_member_bytes {
        return Err(InputError::new(format!(
            "archive member declares {declared} bytes, over the {}-byte limit",
            limits.max_member_bytes
        )));
    }
    let mut bytes = Vec::with_capacity(declared.min(64 << 20) as usize);
    member
        .take(declared.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            InputError::new(format!("cannot decompress archive member: {e}"))
                .at_offset(bytes.len() as u64)
        })?;
    if bytes.len() as u64 > declared {
        return Err(InputError::new(format!(
            "archive member holds more than the {declared} bytes it declares"
        )));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes.
fn read_head(reader: impl Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit.min(SNIFF_BYTES));
    reader.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// True for file names whose extension promises an event log, so that an unreadable one is
/// reported rather than silently ignored.
fn has_event_log_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".evtx") || lower.ends_with(".evt")
}

/// Why a member name is refused: absolute, or climbing out of the archive.
fn unsafe_member_name(name: &str) -> Option<&'static str> {
    if name.contains('\0') {
        return Some("contains a NUL byte");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("is an absolute path");
    }
    let mut chars = name.chars();
    if let (Some(letter), Some(':')) = (chars.next(), chars.next())
        && letter.is_ascii_alphabetic()
    {
        return Some("is an absolute path");
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Some("climbs out of the archive with '..'");
    }
    None
}

/// Directory names of a member, nearest first.
fn member_dirs(name: &str) -> impl Iterator<Item = &str> {
    let mut parts: Vec<&str> = name.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    parts.pop();
    parts.into_iter().rev()
}

/// Names of a path's folders (its own name included when `include_self`), nearest first,
/// resolved to an absolute path so that a relative `Logs` still reaches the host folder above.
fn folder_names(path: &Path, include_self: bool) -> Vec<String> {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut names: Vec<String> = absolute
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if !include_self {
        names.pop();
    }
    names.reverse();
    names
}

struct Walker {
    limits: ArchiveLimits,
    sources: Vec<Source>,
    /// Files already visited, so that each is read once however it is reached.
    seen_files: HashSet<FileId>,
    problems: Vec<Problem>,
    ignored: u64,
    archives: HashMap<ArchiveKey, ZipArchive<ArchiveReader>>,
}

/// What an archive's members inherit: where it is and the host it suggests.
struct ArchiveContext<'a> {
    /// `Disk(path)` for an archive on disk, `Nested(path, index)` for one inside it.
    key: ArchiveKey,
    /// The archive as displayed (`a.zip` or `a.zip!inner.zip`).
    display: &'a str,
    /// The outer archive's member name, for nested archives.
    outer_name: Option<&'a str>,
    /// The host hint of members whose own folders name none.
    hint: Option<String>,
}

impl Walker {
    fn problem(&mut self, path: impl Into<String>, error: InputError) {
        self.problems.push(Problem {
            path: path.into(),
            error,
        });
    }

    fn add(&mut self, source: Source) {
        self.sources.push(source);
    }

    fn visit_input(&mut self, root: &Path) {
        let display = root.to_string_lossy().into_owned();
        let metadata = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                self.problem(display, InputError::new(format!("cannot read: {e}")));
                return;
            }
        };
        if metadata.is_dir() {
            let root_hint = host_hint(folder_names(root, true).iter().map(String::as_str));
            self.walk_folder(root, root_hint);
        } else {
            let hint = host_hint(folder_names(root, false).iter().map(String::as_str));
            self.visit_file(root, hint, true);
        }
    }

    fn walk_folder(&mut self, root: &Path, root_hint: Option<String>) {
        for entry in walkdir::WalkDir::new(root).follow_links(true) {
            match entry {
                Ok(entry) => {
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let path = entry.path();
                    let hint = path
                        .strip_prefix(root)
                        .ok()
                        .and_then(|rel| {
                            let mut dirs: Vec<String> = rel
                                .components()
                                .filter_map(|c| match c {
                                    Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                                    _ => None,
                                })
                                .collect();
                            dirs.pop();
                            host_hint(dirs.iter().rev().map(String::as_str))
                        })
                        .or_else(|| root_hint.clone());
                    self.visit_file(path, hint, false);
                }
                Err(e) => {
                    let path = e.path().unwrap_or(root).to_string_lossy().into_owned();
                    let message = match e.loop_ancestor() {
                        Some(ancestor) => format!(
                            "symlink loop: leads back to {}; not followed",
                            ancestor.to_string_lossy()
                        ),
                        None => match e.io_error() {
                            Some(io) => format!("cannot read: {io}"),
                            None => format!("cannot read: {e}"),
                        },
                    };
                    self.problem(path, InputError::new(message));
                }
            }
        }
    }

    /// A file on disk: sniffed, then kept as a source, walked as an archive, or ignored.
    fn visit_file(&mut self, path: &Path, hint: Option<String>, named: bool) {
        let display = path.to_string_lossy().into_owned();
        let opened = File::open(path).and_then(|mut f| {
            let metadata = f.metadata()?;
            if !self.seen_files.insert(FileId::of(path, &metadata)) {
                return Ok(None);
            }
            let head = read_head(&mut f, SNIFF_BYTES)?;
            Ok(Some((f, metadata.len(), head)))
        });
        let (file, size, head) = match opened {
            // Already visited under another name (a repeated argument, a symlink).
            Ok(None) => return,
            Ok(Some(v)) => v,
            Err(e) => {
                self.problem(display, InputError::new(format!("cannot read: {e}")));
                return;
            }
        };
        let format = recognise(&head);
        match format {
            Format::Zip => {
                drop(head);
                self.visit_archive(path, &display, hint, file);
            }
            Format::Unknown if !named && !has_event_log_extension(&display) => {
                self.ignored += 1;
            }
            _ => self.add(Source {
                display: Arc::from(display),
                location: Location::File(path.to_path_buf()),
                format,
                host_hint: hint,
                size,
            }),
        }
    }

    fn visit_archive(
        &mut self,
        path: &Path,
        display: &str,
        outside_hint: Option<String>,
        file: File,
    ) {
        let reader = match ArchiveReader::file(path, file) {
            Ok(r) => r,
            Err(e) => {
                self.problem(display, InputError::new(format!("cannot read: {e}")));
                return;
            }
        };
        let zip = match ZipArchive::new(reader) {
            Ok(z) => z,
            Err(e) => {
                self.problem(
                    display,
                    InputError::new(format!("not a readable zip archive: {e}")),
                );
                return;
            }
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let context = ArchiveContext {
            key: ArchiveKey::Disk(path.to_path_buf()),
            display,
            outer_name: None,
            hint: None,
        };
        self.list_members(zip, context, &stem, outside_hint);
    }

    /// Lists an archive's members: sources for logs, nested archives opened one level deep,
    /// problems for refused members.
    fn list_members(
        &mut self,
        mut zip: ZipArchive<ArchiveReader>,
        mut context: ArchiveContext<'_>,
        stem: &str,
        outside_hint: Option<String>,
    ) {
        let collection_host = collection_info_host(&mut zip);
        context.hint = collection_host
            .or_else(|| host_from_name(stem))
            .or(outside_hint);
        let metadata = zip.metadata();
        let mut total: u64 = 0;
        for index in 0..metadata.len() {
            let Ok(entry) = metadata.entry(index) else {
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            let name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
            };
            let member_display = format!("{}!{}", context.display, name);
            if entry.is_symlink() {
                self.ignored += 1;
                continue;
            }
            if let Some(why) = unsafe_member_name(&name) {
                self.problem(
                    member_display,
                    InputError::new(format!("archive member name {why}: skipped")),
                );
                continue;
            }
            let size = entry.size();
            let compressed = entry.compressed_size();
            if let Some(refusal) = self.refuse(size, compressed, total) {
                self.problem(member_display, InputError::new(refusal));
                continue;
            }
            let head = match zip
                .by_index(index)
                .map_err(io::Error::other)
                .and_then(|m| read_head(m, SNIFF_BYTES))
            {
                Ok(h) => h,
                Err(e) => {
                    self.problem(
                        member_display,
                        InputError::new(format!("cannot read archive member: {e}")),
                    );
                    continue;
                }
            };
            let format = recognise(&head);
            if format == Format::Unknown && !has_event_log_extension(&name) {
                self.ignored += 1;
                continue;
            }
            if matches!(format, Format::Unknown | Format::LegacyEvt) {
                // Reported, never read.
            } else {
                total = total.saturating_add(size);
            }
            let hint = host_hint(member_dirs(&name)).or_else(|| context.hint.clone());
            if format == Format::Zip {
                self.visit_nested(&zip, &context, index, &name, &member_display, hint);
                continue;
            }
            let location = match (&context.key, context.outer_name) {
                (ArchiveKey::Disk(archive), _) => Location::ZipMember {
                    archive: archive.clone(),
                    index,
                    name: name.clone(),
                },
                (ArchiveKey::Nested(archive, outer_index), Some(outer_name)) => {
                    Location::NestedZipMember {
                        archive: archive.clone(),
                        outer_index: *outer_index,
                        outer_name: outer_name.to_string(),
                        index,
                        name: name.clone(),
                    }
                }
                (ArchiveKey::Nested(..), None) => continue,
            };
            self.add(Source {
                display: Arc::from(member_display),
                location,
                format,
                host_hint: hint,
                size,
            });
        }
        // Kept without an open file (see `ArchiveReader`).
        self.archives.insert(context.key, zip.clone());
    }

    /// Why a member of this size cannot be read, given what the archive already gave.
    fn refuse(&self, size: u64, compressed: u64, total: u64) -> Option<String> {
        let limits = &self.limits;
        if size > limits.max_member_bytes {
            return Some(format!(
                "archive member declares {size} bytes, over the {}-byte limit: skipped",
                limits.max_member_bytes
            ));
        }
        if size > limits.ratio_exempt_bytes && size / compressed.max(1) > limits.max_ratio {
            return Some(format!(
                "archive member expands {size} bytes from {compressed} (over {}:1, a zip bomb?): skipped",
                limits.max_ratio
            ));
        }
        if total.saturating_add(size) > limits.max_total_bytes {
            return Some(format!(
                "archive would expand past the {}-byte total limit: member skipped",
                limits.max_total_bytes
            ));
        }
        None
    }

    /// A zip inside a zip: read into memory and listed; deeper archives are refused.
    fn visit_nested(
        &mut self,
        outer: &ZipArchive<ArchiveReader>,
        context: &ArchiveContext<'_>,
        index: usize,
        name: &str,
        display: &str,
        hint: Option<String>,
    ) {
        let ArchiveKey::Disk(archive) = &context.key else {
            self.problem(
                display,
                InputError::new("zip archive nested more than one level deep: not read"),
            );
            return;
        };
        let bytes = match read_member(outer, index, &self.limits) {
            Ok(b) => b,
            Err(e) => {
                self.problem(display, e);
                return;
            }
        };
        let reader = ArchiveReader::Memory(Cursor::new(Arc::from(bytes)));
        let zip = match ZipArchive::new(reader) {
            Ok(z) => z,
            Err(e) => {
                self.problem(
                    display,
                    InputError::new(format!("not a readable zip archive: {e}")),
                );
                return;
            }
        };
        let stem = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .trim_end_matches(".zip")
            .trim_end_matches(".ZIP")
            .to_string();
        let inner = ArchiveContext {
            key: ArchiveKey::Nested(archive.clone(), index),
            display,
            outer_name: Some(name),
            hint: None,
        };
        self.list_members(zip, inner, &stem, hint);
    }
}

/// The host named by a Velociraptor collection's `client_info.json` (or
/// `collection_context.json`): its `Fqdn`, else its `Hostname`.
fn collection_info_host(zip: &mut ZipArchive<ArchiveReader>) -> Option<String> {
    ["client_info.json", "collection_context.json"]
        .into_iter()
        .find_map(|name| {
            let index = zip.index_for_name(name)?;
            let member = zip.by_index(index).ok()?;
            if member.size() > MAX_COLLECTION_INFO_BYTES {
                return None;
            }
            let bytes = read_head(member, MAX_COLLECTION_INFO_BYTES as usize).ok()?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            host_in_json(&value, 2)
        })
}

/// A `Fqdn` or `Hostname` key (any case) in an object, or in objects nested `depth` deep.
fn host_in_json(value: &serde_json::Value, depth: usize) -> Option<String> {
    let object = value.as_object()?;
    for key in ["fqdn", "hostname"] {
        let found = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(host) = found {
            return Some(host.to_string());
        }
    }
    if depth == 0 {
        return None;
    }
    object.values().find_map(|v| host_in_json(v, depth - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_from_layouts() {
        assert_eq!(host_from_name("SRV01").as_deref(), Some("SRV01"));
        assert_eq!(host_from_name("2023-01-01_HOST").as_deref(), Some("HOST"));
        assert_eq!(
            host_from_name("2023-06-01T120000_WKS-042").as_deref(),
            Some("WKS-042")
        );
        assert_eq!(
            host_from_name("Collection-FS02-2026-09-28T09_25_00Z").as_deref(),
            Some("FS02")
        );
        assert_eq!(
            host_from_name("WIN-FUDU2CKJOE8").as_deref(),
            Some("WIN-FUDU2CKJOE8")
        );
        assert_eq!(host_from_name("C%3A"), None);
        assert_eq!(host_from_name("C"), None);
        assert_eq!(host_from_name("Logs"), None);
        assert_eq!(host_from_name("winevt"), None);
        assert_eq!(host_from_name("%5C%5C.%5CC%3A"), None);
        assert_eq!(host_from_name("2023-01-01"), None);
        assert_eq!(host_from_name("My Logs (copy)"), None);
        assert_eq!(host_from_name("12345"), None);
    }

    #[test]
    fn hint_is_nearest_meaningful_folder() {
        let dirs = [
            "Logs", "winevt", "System32", "Windows", "C", "HOST7", "cases",
        ];
        assert_eq!(host_hint(dirs).as_deref(), Some("HOST7"));
        let velociraptor =
            member_dirs("uploads/auto/C%3A/Windows/System32/winevt/Logs/System.evtx");
        assert_eq!(host_hint(velociraptor), None);
        let kape: Vec<&str> =
            member_dirs("DC01/C/Windows/System32/winevt/Logs/System.evtx").collect();
        assert_eq!(kape.first().copied(), Some("Logs"));
        assert_eq!(host_hint(kape).as_deref(), Some("DC01"));
    }

    #[test]
    fn hostile_member_names() {
        assert!(unsafe_member_name("../../etc/passwd").is_some());
        assert!(unsafe_member_name("a/../../b").is_some());
        assert!(unsafe_member_name("/etc/passwd").is_some());
        assert!(unsafe_member_name("\\\\server\\share").is_some());
        assert!(unsafe_member_name("C:\\Windows\\x.evtx").is_some());
        assert!(unsafe_member_name("..\\x.evtx").is_some());
        assert!(unsafe_member_name("uploads/auto/C%3A/Windows/x.evtx").is_none());
        assert!(unsafe_member_name("a..b/x.evtx").is_none());
    }

    #[test]
    fn json_must_look_like_events() {
        assert_eq!(
            recognise(b"{\"Event\":{\"System\":{}}}\n{\"Event\":{}}\n"),
            Format::JsonLines
        );
        assert_eq!(
            recognise(b"{\"Hostname\": \"FS02\", \"Fqdn\": \"FS02.corp\"}\n"),
            Format::Unknown
        );
        assert_eq!(
            recognise(b"{\"schema\": \"x\", \"channels\": [\"System\", \"Security\"]}\n"),
            Format::Unknown
        );
        assert_eq!(
            recognise(b"[\n  {\"Event\" : {\"System\": {}}}\n]"),
            Format::EvtxDumpJson
        );
        assert_eq!(recognise(b"ElfFile\0rest"), Format::Evtx);
    }

    #[test]
    fn collection_info_names_the_host() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"Hostname":"FS02","Fqdn":"FS02.corp.example"}"#).unwrap();
        assert_eq!(host_in_json(&v, 2).as_deref(), Some("FS02.corp.example"));
        let nested: serde_json::Value =
            serde_json::from_str(r#"{"client_info":{"hostname":"WKS1"}}"#).unwrap();
        assert_eq!(host_in_json(&nested, 2).as_deref(), Some("WKS1"));
        let none: serde_json::Value = serde_json::from_str(r#"{"session_id":"F.1"}"#).unwrap();
        assert_eq!(host_in_json(&none, 2), None);
    }

    #[test]
    fn archive_reader_clones_read_independently() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let mut a = ArchiveReader::file(&path, File::open(&path).unwrap()).unwrap();
        let mut b = a.clone();
        a.seek(SeekFrom::Start(5)).unwrap();
        let mut buf = [0u8; 3];
        a.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"567");
        b.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"012");
        assert_eq!(b.seek(SeekFrom::End(-1)).unwrap(), 9);
        b.read_exact(&mut buf[..1]).unwrap();
        assert_eq!(buf[0], b'9');
        assert!(b.seek(SeekFrom::Current(-20)).is_err());
        a.read_exact(&mut buf[..2]).unwrap();
        assert_eq!(&buf[..2], b"89");
    }

    #[test]
    fn kept_archives_hold_no_open_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        for i in 0..3 {
            let mut writer =
                zip::ZipWriter::new(File::create(dir.path().join(format!("{i}.zip"))).unwrap());
            writer
                .start_file("H/System.evtx", zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(b"ElfFile\0 header").unwrap();
            writer.finish().unwrap();
        }
        let d = discover(&[dir.path()], ArchiveLimits::default());
        assert_eq!(d.sources.len(), 3);
        assert_eq!(d.archives.len(), 3);
        for zip in d.archives.values() {
            let reader = zip.clone().into_inner();
            assert!(matches!(reader, ArchiveReader::File { handle: None, .. }));
        }
        for source in &d.sources {
            assert!(
                matches!(d.open(source), Ok(SourceData::Bytes(b)) if b.starts_with(b"ElfFile"))
            );
        }
    }
}
