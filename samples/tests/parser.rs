//! Generated logs through rdpsleuth's own EVTX reader: every catalogued event comes out, with
//! the `<System>` values and fields it was written with, and nothing is reported wrong.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use rdpsleuth_parser::catalog::Catalog;
use rdpsleuth_parser::event::{Event, Guid as ParserGuid, Timestamp};
use rdpsleuth_parser::input::{Format, Location, Source, SourceData};
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_samples::{
    CHUNK_SIZE, EventRecord, FILE_HEADER_SIZE, Payload, UserDataForm, WriteOptions, write_log,
};

/// The events the parser keeps from `bytes`, by record id; asserts a clean report.
fn parse(name: &str, bytes: Vec<u8>) -> BTreeMap<u64, Event> {
    let source = Source {
        display: Arc::from(name),
        location: Location::File(PathBuf::from(name)),
        format: Format::Evtx,
        host_hint: None,
        size: bytes.len() as u64,
    };
    let catalog = Catalog::global();
    let outcome = rdpsleuth_parser::evtx::read(
        &source,
        SourceData::Bytes(bytes),
        &ReadOptions::new(catalog),
    );
    assert!(
        outcome.report.errors.is_empty(),
        "{name}: {:?}",
        outcome.report.errors
    );
    assert_eq!(outcome.report.failed, 0, "{name}");
    assert_eq!(outcome.report.kept as usize, outcome.events.len(), "{name}");
    outcome
        .events
        .into_iter()
        .map(|event| (event.record_id, event))
        .collect()
}

/// The records the catalog names (by channel, provider and id).
fn catalogued(records: &[EventRecord]) -> Vec<&EventRecord> {
    let catalog = Catalog::global();
    records
        .iter()
        .filter(|r| {
            catalog
                .lookup(&r.channel, &r.provider_name, u32::from(r.event_id))
                .is_some()
        })
        .collect()
}

fn assert_system(event: &Event, record: &EventRecord) {
    let id = record.record_id;
    assert_eq!(&*event.host, record.computer, "record {id}");
    assert_eq!(&*event.channel, record.channel, "record {id}");
    assert_eq!(&*event.provider, record.provider_name, "record {id}");
    assert_eq!(event.event_id, u32::from(record.event_id), "record {id}");
    assert_eq!(event.qualifiers, record.qualifiers, "record {id}");
    assert_eq!(event.level, record.level, "record {id}");
    assert_eq!(
        event.time,
        Timestamp::from_chrono(record.time_created),
        "record {id}"
    );
    assert_eq!(
        event.activity_id,
        record
            .activity_id
            .map(|g| ParserGuid::from_windows_bytes(g.to_bytes())),
        "record {id}"
    );
    assert_eq!(
        event.user_sid.as_deref(),
        record.user_id.as_ref().map(|s| s.to_string()).as_deref(),
        "record {id}"
    );
}

#[test]
fn the_parser_keeps_the_catalogued_events_with_their_values() {
    let mut records = every_kind(1);
    let mut inline = capi2_chain(records.len() as u64 + 1);
    inline.payload = Payload::UserData {
        root: capi2_tree(),
        form: UserDataForm::Inline,
    };
    records.push(inline);
    let log = write_log(&records, &WriteOptions::default()).expect("written");
    let events = parse("every-kind.evtx", log.bytes);

    let wanted = catalogued(&records);
    assert!(
        wanted.len() >= 6,
        "the fixtures include RDP evidence: {}",
        wanted.len()
    );
    for record in &wanted {
        let event = events.get(&record.record_id).unwrap_or_else(|| {
            panic!(
                "record {} ({} {}) was not kept",
                record.record_id, record.provider_name, record.event_id
            )
        });
        assert_system(event, record);
        match &record.payload {
            Payload::EventData { data, .. } => {
                for field in data
                    .iter()
                    .filter(|f| f.value.to_xml_text().is_some_and(|t| !t.is_empty()))
                {
                    assert!(
                        event.fields.get(&field.name).is_some(),
                        "record {}: field {}",
                        record.record_id,
                        field.name
                    );
                }
            }
            Payload::Classic { data, .. } => {
                for (i, text) in data.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
                    assert_eq!(
                        event.fields.data(i),
                        Some(text.as_str()),
                        "record {}: Data {i}",
                        record.record_id
                    );
                }
            }
            Payload::UserData { root, .. } => {
                assert_eq!(
                    event.user_data_root.as_deref(),
                    Some(root.name.as_str()),
                    "record {}",
                    record.record_id
                );
            }
            Payload::None => {}
        }
    }
    for id in events.keys() {
        assert!(
            wanted.iter().any(|r| r.record_id == *id),
            "record {id} kept but not catalogued"
        );
    }
    let client_ip = events
        .values()
        .find(|e| e.event_id == 131)
        .and_then(|e| e.fields.text("ClientIP"));
    assert_eq!(client_ip, Some("10.20.30.40:51234"));
}

#[test]
fn the_parser_reads_a_wrapped_log_from_its_oldest_record() {
    let records = many(10_000, 2000);
    let options = WriteOptions {
        max_size: Some((FILE_HEADER_SIZE + 4 * CHUNK_SIZE) as u64),
        dirty: false,
    };
    let log = write_log(&records, &options).expect("written");
    assert!(log.records_kept < log.records_written);
    let kept = &records[records.len() - log.records_kept as usize..];
    let events = parse("wrapped.evtx", log.bytes);
    let wanted = catalogued(kept);
    assert_eq!(events.len(), wanted.len());
    for record in wanted {
        assert_system(&events[&record.record_id], record);
    }
}
