//! Collections as responders hand them over: a KAPE-like zip (`<HOST>/C/Windows/System32/
//! winevt/Logs/<Channel>.evtx`, the firewall log under `LogFiles/Firewall`) and one
//! Velociraptor-like zip per host (`uploads/auto/C%3A/Windows/…`, names percent-encoded as
//! Velociraptor stores them, with `client_info.json` naming the host). Entries carry a fixed
//! time and are written in path order, so the zips are reproducible.

use std::io::{Cursor, Write};

use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime as ZipTime, ZipWriter};

use crate::generate::{Bundle, BundleFile, GenerateError};
use crate::scenario::Scenario;

/// Velociraptor's `client_info.json` (the fields a reader needs to name the host).
#[derive(Serialize)]
struct ClientInfo {
    #[serde(rename = "ClientId")]
    client_id: String,
    #[serde(rename = "Hostname")]
    hostname: String,
    #[serde(rename = "Fqdn")]
    fqdn: String,
    #[serde(rename = "OS")]
    os: &'static str,
    #[serde(rename = "Platform")]
    platform: &'static str,
}

/// One line of Velociraptor's `uploads.json`.
#[derive(Serialize)]
struct Upload {
    vfs_path: String,
    file_size: usize,
    uploaded_size: usize,
}

/// Where Windows keeps a file of the bundle, below the system drive.
fn windows_path(file: &BundleFile) -> String {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    if file.channel == "pfirewall.log" {
        format!("Windows/System32/LogFiles/Firewall/{name}")
    } else {
        format!("Windows/System32/winevt/Logs/{name}")
    }
}

/// Percent-encode a path segment the way Velociraptor names uploads (`%` and `:` and other
/// reserved characters as `%XX`).
pub fn velociraptor_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() + 8);
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b' ') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn zip_error(name: &str, error: impl std::fmt::Display) -> GenerateError {
    GenerateError::Io {
        path: name.into(),
        source: std::io::Error::other(error.to_string()),
    }
}

/// A zip of `entries` (path, bytes) with a fixed entry time.
fn zip(name: &str, entries: &[(String, &[u8])], time: ZipTime) -> Result<Vec<u8>, GenerateError> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    for (path, bytes) in entries {
        writer
            .start_file(path.as_str(), options)
            .map_err(|e| zip_error(name, e))?;
        writer.write_all(bytes).map_err(|e| zip_error(name, e))?;
    }
    Ok(writer
        .finish()
        .map_err(|e| zip_error(name, e))?
        .into_inner())
}

fn zip_time(bundle: &Bundle) -> ZipTime {
    let end = bundle
        .expected
        .connections
        .iter()
        .map(|c| c.end.as_str())
        .max()
        .unwrap_or("2024-01-01T00:00:00Z");
    let parse = |from: usize, len: usize| end.get(from..from + len).and_then(|s| s.parse().ok());
    let (year, month, day) = (parse(0, 4), parse(5, 2), parse(8, 2));
    let (hour, minute) = (parse(11, 2), parse(14, 2));
    match (year, month, day, hour, minute) {
        (Some(y), Some(m), Some(d), Some(h), Some(min)) => {
            ZipTime::from_date_and_time(y, m as u8, d as u8, h as u8, min as u8, 0)
                .unwrap_or_default()
        }
        _ => ZipTime::default(),
    }
}

/// The KAPE-like zip of a bundle: its name and bytes.
pub fn kape_zip(bundle: &Bundle) -> Result<(String, Vec<u8>), GenerateError> {
    let name = format!("{}_kape_triage.zip", bundle.name);
    let mut entries: Vec<(String, &[u8])> = bundle
        .files
        .iter()
        .map(|file| {
            (
                format!("{}/C/{}", file.folder, windows_path(file)),
                file.bytes.as_slice(),
            )
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let bytes = zip(&name, &entries, zip_time(bundle))?;
    Ok((name, bytes))
}

/// One Velociraptor-like zip per collected host: names and bytes.
pub fn velociraptor_zips(
    bundle: &Bundle,
    scenario: &Scenario,
) -> Result<Vec<(String, Vec<u8>)>, GenerateError> {
    let time = zip_time(bundle);
    let stamp = format!(
        "{:04}-{:02}-{:02}T{:02}_{:02}_00Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute()
    );
    let mut out = Vec::new();
    for (index, host) in scenario
        .host
        .iter()
        .enumerate()
        .filter(|(_, h)| h.collected)
    {
        let files: Vec<&BundleFile> = bundle
            .files
            .iter()
            .filter(|f| f.folder == host.folder_name())
            .collect();
        let mut entries: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|file| {
                let path: Vec<String> = std::iter::once("C:".to_owned())
                    .chain(windows_path(file).split('/').map(str::to_owned))
                    .map(|segment| velociraptor_encode(&segment))
                    .collect();
                (
                    format!("uploads/auto/{}", path.join("/")),
                    file.bytes.clone(),
                )
            })
            .collect();
        let client_id = format!(
            "C.{}",
            crate::value::hex_upper(
                &crate::rng::Rng::new(scenario.seed)
                    .fork(&format!("client:{index}"))
                    .bytes::<8>()
            )
            .to_ascii_lowercase()
        );
        // Structs, not `json!` maps: their field order does not depend on serde_json features.
        let info = ClientInfo {
            client_id,
            hostname: host.short.clone(),
            fqdn: host.name.clone(),
            os: "windows",
            platform: "Microsoft Windows Server",
        };
        entries.push((
            "client_info.json".to_owned(),
            serde_json::to_vec_pretty(&info).unwrap_or_default(),
        ));
        let uploads: String = files
            .iter()
            .map(|file| {
                let line = Upload {
                    vfs_path: format!("C:\\{}", windows_path(file).replace('/', "\\")),
                    file_size: file.bytes.len(),
                    uploaded_size: file.bytes.len(),
                };
                format!("{}\n", serde_json::to_string(&line).unwrap_or_default())
            })
            .collect();
        entries.push(("uploads.json".to_owned(), uploads.into_bytes()));
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let name = format!("Collection-{}-{stamp}.zip", host.short);
        let borrowed: Vec<(String, &[u8])> = entries
            .iter()
            .map(|(p, b)| (p.clone(), b.as_slice()))
            .collect();
        out.push((name.clone(), zip(&name, &borrowed, time)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velociraptor_names_are_percent_encoded() {
        assert_eq!(velociraptor_encode("C:"), "C%3A");
        assert_eq!(
            velociraptor_encode("Microsoft-Windows-TerminalServices-RDPClient%4Operational.evtx"),
            "Microsoft-Windows-TerminalServices-RDPClient%254Operational.evtx"
        );
        assert_eq!(velociraptor_encode("System.evtx"), "System.evtx");
    }
}
