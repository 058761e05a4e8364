//! Inputs the fuzz targets (`fuzz/`) found mishandled, rebuilt from the sample bundles or
//! written inline, each checked for what the reader must do with it. See `fuzz/README.md`.

use std::path::PathBuf;
use std::sync::Arc;

use rdpsleuth_parser::evtx::{Selection, read_counted};
use rdpsleuth_parser::firewall_log::{
    self, TIME_BASIS_FIELD, TIME_LOCAL, TIME_UTC, UTC_OFFSET_FIELD, settle_local_times,
};
use rdpsleuth_parser::input::Location;
use rdpsleuth_parser::reader::{ReadOptions, ReadOutcome};
use rdpsleuth_parser::{Catalog, Format, Source, SourceData};

const FILE_HEADER: usize = 4096;
const CHUNK_HEADER: usize = 512;

fn memory_source(format: Format) -> Source {
    Source {
        display: Arc::from("fuzz-input"),
        location: Location::File(PathBuf::from("fuzz-input")),
        format,
        host_hint: Some("FUZZHOST".into()),
        size: 0,
    }
}

fn bundle_file(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/bundles")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// CRC-32 (IEEE, reflected, polynomial 0xEDB88320), as EVTX checksums use.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn u32_at(data: &[u8], at: usize) -> usize {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize
}

/// Rewrites the records and header CRC32s of the chunk at `at`.
fn fix_chunk_checksums(file: &mut [u8], at: usize) {
    let free = u32_at(file, at + 48);
    let records = crc32(&file[at + CHUNK_HEADER..at + free]);
    file[at + 52..at + 56].copy_from_slice(&records.to_le_bytes());
    let mut header = file[at..at + 120].to_vec();
    header.extend_from_slice(&file[at + 128..at + CHUNK_HEADER]);
    let crc = crc32(&header);
    file[at + 124..at + 128].copy_from_slice(&crc.to_le_bytes());
}

/// Offsets of the records of the chunk at `at`, up to its free-space offset.
fn record_offsets(file: &[u8], at: usize) -> Vec<usize> {
    let free = at + u32_at(file, at + 48);
    let mut offsets = Vec::new();
    let mut record = at + CHUNK_HEADER;
    while record + 24 <= free && file[record..record + 4] == *b"**\0\0" {
        offsets.push(record);
        record += u32_at(file, record + 4);
    }
    offsets
}

/// Reads an EVTX file both ways (the template shortcut, and rendering every record) and
/// asserts they agree; returns the shortcut's outcome.
fn read_both_ways(bytes: &[u8]) -> ReadOutcome {
    let source = memory_source(Format::Evtx);
    let opts = ReadOptions::new(Catalog::global());
    let read =
        |selection| read_counted(&source, SourceData::Bytes(bytes.to_vec()), &opts, selection).0;
    let (fast, full) = (read(Selection::Catalog), read(Selection::Everything));
    assert_eq!(fast.events, full.events);
    assert_eq!(fast.report, full.report);
    fast
}

/// A record whose `TimeCreated` substitution counts past year 9999: the crate renders such a
/// FILETIME with its year cut to four digits, or as zeros past `i64::MAX` (then the record
/// header's time is used), so a record the shortcut leaves unrendered must be counted at the
/// time its rendering gives, not at the time the FILETIME counts to.
#[test]
fn creation_times_past_9999_are_read_as_rendered() {
    let original = bundle_file("two_causes_one_host/NW-TS02/System.evtx");
    let chunk = FILE_HEADER;
    let records = record_offsets(&original, chunk);
    assert!(records.len() > 5, "{} records", records.len());
    // Year 12024 (renders as 2024), year 10000 (renders as year 0), and past i64::MAX.
    let year_12024 = 2_650_467_744_000_000_000u64 + 2024 * 365 * 864_000_000_000;
    for late in [year_12024, 2_650_467_744_000_000_000, u64::MAX] {
        let mut file = original.clone();
        for &record in &records {
            // The System substitutions repeat the record header's creation time.
            let stamp: [u8; 8] = file[record + 16..record + 24].try_into().unwrap();
            let size = u32_at(&file, record + 4);
            let body = record + 24..record + size;
            let at = file[body.clone()]
                .windows(8)
                .position(|w| w == stamp)
                .map(|i| body.start + i)
                .expect("a TimeCreated substitution");
            file[at..at + 8].copy_from_slice(&late.to_le_bytes());
        }
        fix_chunk_checksums(&mut file, chunk);
        let out = read_both_ways(&file);
        assert_eq!(out.report.records, records.len() as u64);
        assert_eq!(out.report.failed, 0, "{:?}", out.report.errors);
    }
}

/// Names holding U+FFFE or U+FFFF, which XML does not allow: the crate renders them as `_`, so
/// the shortcut must not take the text of the substitution or literal as the channel (or
/// provider) the record is counted under.
#[test]
fn names_with_non_xml_characters_are_read_as_rendered() {
    let original = bundle_file(
        "credssp_oracle/CON-LEG-TS1/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    );
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let (from, chunk) = (utf16("Remote"), FILE_HEADER);
    for odd in ["Re\u{fffe}\u{fffe}te", "Re\u{ffff}\u{ffff}te"] {
        let to = utf16(odd);
        let mut file = original.clone();
        let mut replaced = 0;
        let mut at = chunk;
        while let Some(i) = file[at..].windows(from.len()).position(|w| w == from) {
            let start = at + i;
            file[start..start + to.len()].copy_from_slice(&to);
            at = start + to.len();
            replaced += 1;
        }
        assert!(replaced > 0);
        fix_chunk_checksums(&mut file, chunk);
        let out = read_both_ways(&file);
        assert!(out.report.records > 0);
        assert!(
            out.report
                .channels
                .iter()
                .all(|c| !c.channel.contains(['\u{fffe}', '\u{ffff}'])),
            "{:?}",
            out.report.channels
        );
    }
}

/// The chunk offsets of the value descriptors (size u16, type u8, padding) of a record's
/// template instance.
fn descriptor_offsets(file: &[u8], chunk: usize, record: usize) -> Vec<usize> {
    // Fragment header, instance token, a byte, the template id, the definition's offset.
    let mut p = record + 24 + 4 + 6;
    let definition = u32_at(file, p);
    p += 4;
    if chunk + definition == p {
        // The definition itself follows: its header and body.
        p += 24 + u32_at(file, p + 20);
    }
    let count = u32_at(file, p);
    (0..count).map(|i| p + 4 + 4 * i).collect()
}

/// A GUID value whose descriptor declares 15 bytes: the crate reads 16 all the same, so the
/// values after it (the channel, the payload) are not where the descriptors say; the shortcut
/// must leave such a record to rendering instead of reading its channel one byte early.
#[test]
fn values_read_past_their_declared_size_are_left_to_rendering() {
    let original = bundle_file(
        "credssp_oracle/CON-LEG-TS1/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    );
    let chunk = FILE_HEADER;
    let mut file = original.clone();
    let mut shortened = 0;
    for record in record_offsets(&original, chunk) {
        // After the 13 System values (ActivityID is the 8th): the provider GUID.
        for at in descriptor_offsets(&original, chunk, record)
            .into_iter()
            .skip(13)
        {
            if file[at..at + 4] == [16, 0, 0x0f, 0] {
                file[at] = 15;
                shortened += 1;
            }
        }
    }
    assert!(shortened > 10, "{shortened} GUIDs shortened");
    fix_chunk_checksums(&mut file, chunk);
    let out = read_both_ways(&file);
    let untouched = read_both_ways(&original);
    assert_eq!(out.events.len(), untouched.events.len());
}

/// A firewall log whose settings changed between rotations — a `#Time Format: UTC` section,
/// then a local one — still has local times to settle: they are moved by the host's offset.
#[test]
fn local_section_after_a_utc_section_is_settled() {
    let header = |format: &str| {
        format!(
            "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: {format}\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\n\n"
        )
    };
    let line = "2024-02-06 08:31:01 DROP TCP 10.20.0.15 10.20.0.5 50123 3389 52 S 1 0 64240 - - - RECEIVE\n";
    let text = format!("{}{line}{}{line}", header("UTC"), header("Local"));
    let source = memory_source(Format::FirewallLog);
    let opts = ReadOptions::new(Catalog::global());
    let out = firewall_log::read(&source, SourceData::Bytes(text.into_bytes()), &opts);
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[0].fields.text(TIME_BASIS_FIELD), Some(TIME_UTC));
    assert_eq!(
        out.events[1].fields.text(TIME_BASIS_FIELD),
        Some(TIME_LOCAL)
    );
    let mut events = out.events;
    let mut reports = vec![out.report];
    settle_local_times(&mut events, &mut reports, &[("FUZZHOST".into(), 120)]);
    assert_eq!(events[0].time.to_rfc3339(), "2024-02-06T08:31:01.0000000Z");
    assert_eq!(events[1].time.to_rfc3339(), "2024-02-06T06:31:01.0000000Z");
    assert!(
        events
            .iter()
            .all(|e| e.fields.text(TIME_BASIS_FIELD) == Some(TIME_UTC))
    );
    assert_eq!(
        reports[0].time_basis.as_deref(),
        Some("UTC offset +02:00 given by the user")
    );
}

/// A `#Fields:` header naming a `TimeBasis` (or `UtcOffset`) column: the column must not pass
/// for the reader's own marker, which says the line is still in local time and gets settled.
#[test]
fn firewall_columns_named_like_the_time_basis_are_left_out() {
    let text = "#Fields: date time action protocol src-port dst-port TimeBasis UtcOffset\n\
                2024-02-06 08:31:01 DROP TCP 50123 3389 - +05:00\n";
    let source = memory_source(Format::FirewallLog);
    let opts = ReadOptions::new(Catalog::global());
    let out = firewall_log::read(&source, SourceData::Bytes(text.into()), &opts);
    assert_eq!(out.events.len(), 1, "{:?}", out.report.errors);
    assert_eq!(
        out.events[0].fields.text(TIME_BASIS_FIELD),
        Some(TIME_LOCAL)
    );
    let mut events = out.events;
    let mut reports = vec![out.report];
    settle_local_times(&mut events, &mut reports, &[("FUZZHOST".into(), -300)]);
    assert_eq!(events[0].time.to_rfc3339(), "2024-02-06T13:31:01.0000000Z");
    assert_eq!(events[0].fields.text(UTC_OFFSET_FIELD), Some("-05:00"));
}

/// A wanted record whose template instance is followed by more than the end-of-stream token:
/// the crate reads that as more content (here an invalid token, so the record fails), so the
/// record must not be built from its substitutions alone.
#[test]
fn content_after_a_template_instance_is_left_to_rendering() {
    let original = bundle_file(
        "credssp_oracle/CON-LEG-TS1/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    );
    let kept = read_both_ways(&original);
    let id_at = |file: &[u8], record: usize| {
        u64::from_le_bytes(file[record + 8..record + 16].try_into().unwrap())
    };
    // The first kept record, and its chunk.
    let (chunk, wanted) = (FILE_HEADER..original.len())
        .step_by(65536)
        .flat_map(|chunk| {
            record_offsets(&original, chunk)
                .into_iter()
                .map(move |record| (chunk, record))
        })
        .find(|&(_, record)| {
            let id = id_at(&original, record);
            kept.events
                .iter()
                .any(|e| e.source.locator == rdpsleuth_parser::Locator::Record(id))
        })
        .expect("a kept record");
    let descriptors = descriptor_offsets(&original, chunk, wanted);
    let data = descriptors.last().unwrap() + 4;
    let sizes: usize = descriptors
        .iter()
        .map(|&d| usize::from(u16::from_le_bytes([original[d], original[d + 1]])))
        .sum();
    let end = data + sizes;
    assert_eq!(
        original[end], 0x00,
        "the instance ends with the end-of-stream token"
    );
    let mut file = original.clone();
    file[end] = 0x81;
    fix_chunk_checksums(&mut file, chunk);
    let out = read_both_ways(&file);
    let id = id_at(&file, wanted);
    assert_eq!(out.events.len(), kept.events.len() - 1);
    assert!(
        out.report.errors.iter().any(|e| e.record == Some(id)),
        "{:?}",
        out.report.errors
    );
}

/// A chunk whose string table the crate cannot read is lost when rendered, so it is lost too
/// when its wanted records could be built from their substitutions alone.
#[test]
fn a_chunk_with_an_unreadable_string_table_is_lost_either_way() {
    let original = bundle_file(
        "credssp_oracle/CON-LEG-TS1/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
    );
    let kept = read_both_ways(&original);
    assert!(!kept.events.is_empty());
    let chunk = FILE_HEADER;
    let mut file = original.clone();
    // The chunk header's string table: 64 offsets from byte 128. A bucket pointing far past the
    // chunk.
    let bucket = (0..64)
        .map(|i| chunk + 128 + 4 * i)
        .find(|&at| u32_at(&file, at) == 0)
        .expect("an empty bucket");
    file[bucket..bucket + 4].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    fix_chunk_checksums(&mut file, chunk);
    let out = read_both_ways(&file);
    assert!(out.events.len() < kept.events.len());
    assert!(
        out.report
            .errors
            .iter()
            .any(|e| e.offset == Some(chunk as u64) && e.message.contains("cannot be parsed")),
        "{:?}",
        out.report.errors
    );
}

/// The crash inputs of the EVTX findings (`fuzz/seeds/evtx`): the shortcut keeps exactly the
/// events of rendering everything, and the same report unless rendering everything failed on
/// what the shortcut never needed to parse.
#[test]
fn evtx_crash_inputs_read_the_same_both_ways() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/evtx");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{} inputs", files.len());
    let source = memory_source(Format::Evtx);
    let opts = ReadOptions::new(Catalog::global());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let read =
            |selection| read_counted(&source, SourceData::Bytes(bytes.clone()), &opts, selection).0;
        let (fast, full) = (read(Selection::Catalog), read(Selection::Everything));
        let name = path.display();
        assert_eq!(fast.events, full.events, "{name}");
        if fast.report.failed == full.report.failed {
            assert_eq!(fast.report, full.report, "{name}");
        } else {
            assert!(fast.report.failed < full.report.failed, "{name}");
            assert!(fast.report.records >= full.report.records, "{name}");
        }
    }
}
