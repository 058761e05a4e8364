//! Zip archives for the `zip` target. An input that starts like a zip (`PK`) is the archive
//! itself (the sample KAPE and Velociraptor collections are its seeds); any other input is read
//! as a description of one ([`build`]): members with collection-layout or arbitrary names,
//! stored or deflated, holding log snippets followed by arbitrary bytes, directories,
//! symlinks, a `client_info.json`, and zips inside (refused past one level), then a few bytes
//! of the finished archive overwritten. Built archives keep valid CRCs and compressed streams,
//! so discovery reaches the member names, layouts, sniffing and readers.

use std::io::{Cursor, Write};

use arbitrary::{Result, Unstructured};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Member names as collections lay them out, and hostile ones.
pub const MEMBER_NAMES: &[&str] = &[
    "NW-TS01/C/Windows/System32/winevt/Logs/System.evtx",
    "NW-TS01/C/Windows/System32/winevt/Logs/Security.evtx",
    "uploads/auto/C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-TerminalServices-RDPClient%254Operational.evtx",
    "uploads/auto/C%3A/Windows/System32/LogFiles/Firewall/pfirewall.log",
    "client_info.json",
    "collection_context.json",
    "results/System.jsonl",
    "results/Security.json",
    "exports/ADT-RDSH-01/System.xml",
    "Collection-WS-FIN-042-2024-02-06T08_31_00Z.zip",
    "../escape.evtx",
    "/absolute/System.evtx",
    "C:\\Windows\\System32\\winevt\\Logs\\System.evtx",
    "HOST\\Logs\\Security.evtx",
    "legacy/AppEvent.Evt",
];

/// Beginnings of member contents: one of each log format rdpsleuth reads.
pub const SNIPPETS: &[&str] = &[
    "",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'/><EventID>261</EventID><TimeCreated SystemTime='2024-02-06T08:31:00.1234567Z'/><EventRecordID>7</EventRecordID><Channel>Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational</Channel><Computer>NW-TS01</Computer></System><UserData><EventXML xmlns='Event_NS'><listenerName>RDP-Tcp</listenerName></EventXML></UserData></Event>",
    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-TerminalServices-ClientActiveXCore\"}},\"EventID\":1026,\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2024-02-06T08:31:02.0000000Z\"}},\"EventRecordID\":12,\"Channel\":\"Microsoft-Windows-TerminalServices-RDPClient/Operational\",\"Computer\":\"WS-FIN-042\"},\"EventData\":{\"Name\":\"Disconnect Reason\",\"Value\":2308}}}\n",
    "Record 1\n{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 7036,\n      \"Channel\": \"System\",\n      \"Provider\": {\"#attributes\": {\"Name\": \"Service Control Manager\"}},\n      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": \"2024-02-06T08:30:00Z\"}}\n    },\n    \"EventData\": {\"param1\": \"Remote Desktop Services\", \"param2\": \"stopped\"}\n  }\n}\n",
    "#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid\r\n\r\n2024-02-06 09:31:00 DROP TCP 10.20.0.15 10.20.0.5 50123 3389 52 S 1234 0 64240 - - - RECEIVE 4\r\n",
    "ElfFile\0",
    "\u{30}\0\0\0LfLe",
];

/// The archive an input stands for: the input itself when it starts like a zip, else the
/// archive [`build`] makes from it (the input itself when building fails).
pub fn archive_bytes(data: &[u8]) -> Vec<u8> {
    if data.starts_with(b"PK") {
        return data.to_vec();
    }
    build(&mut Unstructured::new(data), 0).unwrap_or_else(|_| data.to_vec())
}

/// A zip archive described by `u`; `depth` is how deep inside other archives it will be.
pub fn build(u: &mut Unstructured<'_>, depth: u8) -> Result<Vec<u8>> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let members = u.int_in_range(0..=6u8)?;
    for _ in 0..members {
        let name = member_name(u)?;
        let method = if u.arbitrary()? {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default().compression_method(method);
        // A member the writer refuses (a repeated name) is left out.
        let _ = match u.int_in_range(0..=9u8)? {
            0 => writer.add_directory(name, options),
            1 => {
                let target = member_name(u)?;
                writer.add_symlink(name, target, options)
            }
            2 if depth < 2 => {
                let inner = build(u, depth + 1)?;
                write_member(&mut writer, &name, options, &inner)
            }
            3 => {
                let host: String = u.arbitrary()?;
                let info = format!(
                    "{{\"Hostname\": {:?}, \"Fqdn\": {:?}}}",
                    host,
                    format!("{host}.corp.example")
                );
                write_member(&mut writer, "client_info.json", options, info.as_bytes())
            }
            _ => {
                let snippet = u.choose(SNIPPETS)?;
                let len = u.arbitrary_len::<u8>()?.min(4096);
                let mut content = snippet.as_bytes().to_vec();
                content.extend_from_slice(u.bytes(len)?);
                write_member(&mut writer, &name, options, &content)
            }
        };
    }
    let mut bytes = writer
        .finish()
        .map(Cursor::into_inner)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    // A little damage: some bytes of the finished archive overwritten.
    for _ in 0..u.int_in_range(0..=3u8)? {
        if bytes.is_empty() {
            break;
        }
        let at = u.choose_index(bytes.len())?;
        let value: u8 = u.arbitrary()?;
        if let Some(byte) = bytes.get_mut(at) {
            *byte = value;
        }
    }
    Ok(bytes)
}

fn write_member(
    writer: &mut ZipWriter<Cursor<Vec<u8>>>,
    name: &str,
    options: SimpleFileOptions,
    content: &[u8],
) -> zip::result::ZipResult<()> {
    writer.start_file(name, options)?;
    writer.write_all(content)?;
    Ok(())
}

/// A member name: a collection layout, a hostile path, or arbitrary text.
fn member_name(u: &mut Unstructured<'_>) -> Result<String> {
    let index = u.int_in_range(0..=MEMBER_NAMES.len())?;
    Ok(match MEMBER_NAMES.get(index) {
        Some(name) => (*name).to_string(),
        None => {
            let name: String = u.arbitrary()?;
            name.chars().take(200).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_inputs_are_taken_as_they_are() {
        assert_eq!(archive_bytes(b"PK\x03\x04junk"), b"PK\x03\x04junk");
    }

    #[test]
    fn descriptions_build_readable_archives() {
        let mut built = 0;
        for seed in 0u64..64 {
            let mut rng = crate::Rng::new(seed);
            let data: Vec<u8> = (0..600).map(|_| rng.next_u64() as u8).collect();
            let bytes = archive_bytes(&data);
            if bytes.starts_with(b"PK") && bytes != data {
                built += 1;
            }
        }
        assert!(built > 32, "{built} archives built");
    }
}
