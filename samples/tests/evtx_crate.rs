//! Generated logs read back through the `evtx` crate (what `evtx_dump` wraps) with checksum
//! validation on: every record parses, with the values it was written with, and renders the
//! same JSON as the real records in `shared/reference/EXAMPLES`.

mod common;

use std::collections::BTreeMap;

use common::*;
use evtx::{EvtxChunkData, EvtxFileHeader, EvtxParser, HeaderFlags, ParserSettings};
use rdpsleuth_samples::{
    CHUNK_SIZE, Element, EncodeError, EventRecord, EvtxWriter, FILE_HEADER_SIZE, NamedValue,
    Payload, RecordError, UserDataForm, Value, WriteError, WriteOptions, write_log,
};
use serde_json::Value as Json;

/// One record as the evtx crate reads it.
struct ReadRecord {
    id: u64,
    nanos: i128,
    json: Json,
}

/// Every record of `bytes`, in the order evtx reads them; panics on any error.
fn read(bytes: &[u8]) -> Vec<ReadRecord> {
    let settings = ParserSettings::new()
        .validate_checksums(true)
        .num_threads(1);
    let mut parser = EvtxParser::from_buffer(bytes.to_vec())
        .expect("evtx accepts the file")
        .with_configuration(settings);
    assert!(parser.header().validate_checksum(), "file header CRC32");
    parser
        .records_json_value()
        .map(|record| {
            let record = record.unwrap_or_else(|err| panic!("evtx failed on a record: {err}"));
            ReadRecord {
                id: record.event_record_id,
                nanos: record.timestamp.as_nanosecond(),
                json: record.data,
            }
        })
        .collect()
}

fn nanos(record: &EventRecord) -> i128 {
    i128::from(
        record
            .time_created
            .timestamp_nanos_opt()
            .expect("time in range"),
    )
}

/// Assert that the log holds exactly `records`, each rendering its expected JSON.
fn assert_reads_back(bytes: &[u8], records: &[EventRecord]) {
    let read = read(bytes);
    assert_eq!(read.len(), records.len(), "record count");
    for (got, want) in read.iter().zip(records) {
        assert_eq!(got.id, want.record_id, "record order");
        assert_eq!(
            got.nanos,
            nanos(want),
            "written time of record {}",
            want.record_id
        );
        let expected = expected_evtx_json(want);
        assert_eq!(
            got.json,
            expected,
            "record {} renders\n{}\nexpected\n{}",
            want.record_id,
            serde_json::to_string_pretty(&got.json).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default()
        );
    }
}

/// Every chunk of the file, checked by evtx with CRC32 validation.
fn chunks(bytes: &[u8]) -> Vec<EvtxChunkData> {
    bytes[FILE_HEADER_SIZE..]
        .chunks(CHUNK_SIZE)
        .enumerate()
        .map(|(i, data)| {
            EvtxChunkData::new(data.to_vec(), true)
                .unwrap_or_else(|err| panic!("chunk {i} fails validation: {err}"))
        })
        .collect()
}

#[test]
fn every_payload_kind_reads_back() {
    let mut records = every_kind(1);
    let mut inline = capi2_chain(records.len() as u64 + 1);
    inline.payload = Payload::UserData {
        root: capi2_tree(),
        form: UserDataForm::Inline,
    };
    records.push(inline);
    let log = write_log(&records, &WriteOptions::default()).expect("written");
    assert_eq!(log.chunk_count, 1);
    assert_reads_back(&log.bytes, &records);
    let chunk = &chunks(&log.bytes)[0];
    assert_eq!(chunk.header.first_event_record_id, 1);
    assert_eq!(chunk.header.last_event_record_id, records.len() as u64);
    assert_eq!(chunk.header.first_event_record_number, 1);
}

#[test]
fn many_chunks_each_define_their_own_names_and_templates() {
    let records = many(1, 2500);
    let log = write_log(&records, &WriteOptions::default()).expect("written");
    assert!(log.chunk_count >= 8, "{} chunks", log.chunk_count);
    assert_reads_back(&log.bytes, &records);

    let header = EvtxFileHeader::from_bytes(&log.bytes).expect("file header");
    assert_eq!(header.first_chunk_number, 0);
    assert_eq!(header.last_chunk_number, u64::from(log.chunk_count - 1));
    assert_eq!(header.next_record_id, 2501);
    assert_eq!(header.chunk_count, log.chunk_count);
    assert_eq!(
        (
            header.major_version,
            header.minor_version,
            header.header_size,
            header.header_block_size
        ),
        (3, 1, 128, 4096)
    );
    assert_eq!(header.flags, HeaderFlags::EMPTY);

    let mut next = 1;
    for mut chunk in chunks(&log.bytes) {
        let (first, last) = (
            chunk.header.first_event_record_id,
            chunk.header.last_event_record_id,
        );
        assert_eq!(first, next, "chunks continue one another");
        assert_eq!(chunk.header.first_event_record_number, first);
        assert_eq!(chunk.header.last_event_record_number, last);
        assert!(chunk.header.free_space_offset as usize <= CHUNK_SIZE);
        assert!(chunk.header.last_event_record_data_offset < chunk.header.free_space_offset);
        assert_eq!(chunk.header.header_size, 128);
        next = last + 1;
        // A chunk reads on its own: it defines every name and template it uses.
        let mut parsed = chunk
            .parse(std::sync::Arc::new(ParserSettings::new()))
            .expect("chunk parses alone");
        let ids: Vec<u64> = parsed
            .iter()
            .map(|r| r.expect("record").event_record_id)
            .collect();
        assert_eq!(ids, (first..=last).collect::<Vec<_>>());
    }
    assert_eq!(next, 2501);
}

#[test]
fn a_wrapped_log_reads_from_its_oldest_chunk() {
    let records = many(5_000, 3000);
    let options = WriteOptions {
        max_size: Some((FILE_HEADER_SIZE + 6 * CHUNK_SIZE) as u64),
        dirty: false,
    };
    let log = write_log(&records, &options).expect("written");
    assert_eq!(log.chunk_count, 6);
    assert_eq!(log.bytes.len(), FILE_HEADER_SIZE + 6 * CHUNK_SIZE);
    assert_ne!(
        log.oldest_chunk, 0,
        "the oldest chunk is not the first in the file"
    );
    assert_eq!(log.current_chunk, (log.oldest_chunk + 5) % 6);
    let kept = log.records_kept as usize;
    assert!(kept < records.len() / 2);
    let survivors = &records[records.len() - kept..];
    assert_eq!(log.first_record_id, Some(survivors[0].record_id));
    assert!(
        survivors[0].record_id > 5_000,
        "the first records were overwritten"
    );

    let header = EvtxFileHeader::from_bytes(&log.bytes).expect("file header");
    assert!(header.validate_checksum());
    assert_eq!(header.first_chunk_number, u64::from(log.oldest_chunk));
    assert_eq!(header.last_chunk_number, u64::from(log.current_chunk));
    assert_eq!(header.next_record_id, 8_000);
    assert_eq!(header.chunk_count, 6);

    let in_file = chunks(&log.bytes);
    assert_eq!(
        in_file[usize::from(log.oldest_chunk)]
            .header
            .first_event_record_id,
        survivors[0].record_id
    );
    assert_eq!(
        in_file[usize::from(log.current_chunk)]
            .header
            .last_event_record_id,
        7_999
    );
    assert_reads_back(&log.bytes, survivors);
}

#[test]
fn output_is_deterministic() {
    let records = many(1, 900);
    let options = WriteOptions {
        max_size: Some((FILE_HEADER_SIZE + 2 * CHUNK_SIZE) as u64),
        dirty: true,
    };
    let first = write_log(&records, &options).expect("written");
    let again = write_log(&records, &options).expect("written");
    assert_eq!(first.bytes, again.bytes);

    // Through data files and one record at a time: the same bytes.
    let text = serde_json::to_string(&records).expect("serialised");
    let reread: Vec<EventRecord> = serde_json::from_str(&text).expect("deserialised");
    assert_eq!(reread, records);
    let mut writer = EvtxWriter::new(&options).expect("writer");
    for record in &reread {
        writer.push(record).expect("pushed");
    }
    assert_eq!(writer.finish().expect("finished").bytes, first.bytes);

    let header = EvtxFileHeader::from_bytes(&first.bytes).expect("file header");
    assert_eq!(header.flags, HeaderFlags::DIRTY);
    assert!(header.validate_checksum());
}

#[test]
fn an_empty_log_reads_as_no_records() {
    let log = write_log([], &WriteOptions::default()).expect("written");
    assert!(read(&log.bytes).is_empty());
    let header = EvtxFileHeader::from_bytes(&log.bytes).expect("file header");
    assert_eq!((header.chunk_count, header.next_record_id), (1, 1));
    chunks(&log.bytes);
}

#[test]
fn records_that_cannot_be_written_are_refused_with_their_place() {
    let huge = rdpcorets(
        3,
        131,
        vec![
            NamedValue::new("A", Value::Binary(vec![0; 40_000])),
            NamedValue::new("B", Value::Binary(vec![0; 40_000])),
        ],
    );
    let fine = rdpcorets(2, 131, vec![]);
    let err = write_log([&fine, &huge], &WriteOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::Record {
                index: 1,
                record_id: 3,
                source: RecordError::Encode(EncodeError::RecordTooLarge { .. })
            }
        ),
        "{err}"
    );
    let too_big_value = rdpcorets(
        1,
        131,
        vec![NamedValue::new("Blob", Value::Binary(vec![0; 70_000]))],
    );
    let err = write_log([&too_big_value], &WriteOptions::default()).unwrap_err();
    assert!(err.to_string().contains("EventData/Blob"), "{err}");
    let bad_time = rdpcorets(
        1,
        131,
        vec![NamedValue::new(
            "When",
            Value::SystemTime(time("1500-01-01T00:00:00Z")),
        )],
    );
    let err = write_log([&bad_time], &WriteOptions::default()).unwrap_err();
    assert!(err.to_string().contains("EventData/When"), "{err}");

    let mut bad_name = capi2_chain(1);
    bad_name.payload = Payload::UserData {
        root: Element::new("CertGetCertificateChain").child(Element::new("Bad Name")),
        form: UserDataForm::Template,
    };
    let err = write_log([&bad_name], &WriteOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::Record {
                index: 0,
                source: RecordError::Encode(EncodeError::InvalidName { .. }),
                ..
            }
        ),
        "{err}"
    );

    // A record just under the limit still fits a chunk of its own.
    let big = rdpcorets(
        4,
        131,
        vec![NamedValue::new("Blob", Value::Binary(vec![0xab; 63_000]))],
    );
    let log = write_log([&fine, &big], &WriteOptions::default()).expect("written");
    assert_eq!(log.chunk_count, 2);
    assert_reads_back(&log.bytes, &[fine, big]);
}

#[test]
fn damage_fails_the_checksums() {
    let log = write_log(&every_kind(1), &WriteOptions::default()).expect("written");
    let chunk = |bytes: &[u8]| EvtxChunkData::new(bytes[FILE_HEADER_SIZE..].to_vec(), true);
    assert!(chunk(&log.bytes).is_ok());
    // A byte of a record: the records' CRC32.
    let mut damaged = log.bytes.clone();
    damaged[FILE_HEADER_SIZE + 512 + 100] ^= 1;
    assert!(chunk(&damaged).is_err());
    // The chunk header's free space offset, then a name table entry: the header's CRC32.
    for at in [48, 128] {
        let mut damaged = log.bytes.clone();
        damaged[FILE_HEADER_SIZE + at] ^= 1;
        assert!(chunk(&damaged).is_err(), "chunk header byte {at}");
    }
    // The file header's next record identifier.
    let mut damaged = log.bytes.clone();
    damaged[24] ^= 1;
    let header = EvtxFileHeader::from_bytes(&damaged).expect("file header");
    assert!(!header.validate_checksum());
}

/// The real records of EXAMPLES, rewritten from their descriptions, render the same JSON.
#[test]
fn real_records_render_the_same_after_rewriting() {
    let dir = examples_dir();
    if !dir.is_dir() {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
        .collect();
    paths.sort();
    let mut rewritten = BTreeMap::new();
    let mut not_writable = BTreeMap::new();
    for path in &paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let originals = example_records(path);
        let records: Result<Vec<EventRecord>, String> =
            originals.iter().map(record_from_evtx_json).collect();
        let records = match records {
            Ok(records) => records,
            Err(why) => {
                not_writable.insert(name, why);
                continue;
            }
        };
        let log = write_log(&records, &WriteOptions::default())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let read = read(&log.bytes);
        assert_eq!(read.len(), originals.len(), "{name}");
        for (got, original) in read.iter().zip(&originals) {
            assert_eq!(
                &got.json,
                original,
                "{name} renders\n{}",
                serde_json::to_string_pretty(&got.json).unwrap_or_default()
            );
        }
        // CAPI2 writes its UserData inline; that form renders the same.
        if name.starts_with("CAPI2_") {
            let inline: Vec<EventRecord> = records
                .iter()
                .cloned()
                .map(|mut record| {
                    if let Payload::UserData { form, .. } = &mut record.payload {
                        *form = UserDataForm::Inline;
                    }
                    record
                })
                .collect();
            let log = write_log(&inline, &WriteOptions::default()).expect("written");
            assert_eq!(read_json(&log.bytes), originals, "{name} inline");
        }
        rewritten.insert(name, records.len());
    }
    for required in [
        "RdpCoreTS_131_TCP.json",
        "RCM_1149_UserData.json",
        "System_RCM_1056_selfsigned_cert_created.json",
        "CAPI2_11.json",
        "RdpCoreTS_failed_logon_sequence_same_ActivityID.jsonl",
        "LSM_RDP_reconnect_sequence.jsonl",
        "System_NETLOGON_5719_NO_LOGON_SERVERS.json",
        "System_LsaSrv_6041_CredSSP_version.json",
        "System_TermDD_56_status_RDP_PROTOCOL_ERROR.json",
        "System_SCM_7000_service_failed_start.json",
    ] {
        assert!(
            rewritten.contains_key(required),
            "{required}: {:?}",
            not_writable.get(required)
        );
    }
    eprintln!(
        "rewritten: {} files; shapes the writer does not produce:",
        rewritten.len()
    );
    for (name, why) in &not_writable {
        eprintln!("  {name}: {why}");
    }
}

fn read_json(bytes: &[u8]) -> Vec<Json> {
    read(bytes).into_iter().map(|r| r.json).collect()
}
