//! `evtx_dump` JSON and JSONL: `json::parse_record` on the bytes as one record, format
//! recognition on their head, and `json::read` on them as pretty JSON and as JSONL — checked
//! against the reader invariants, and one of the two read again re-encoded as UTF-16, which must
//! give the same events, counts and errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdpsleuth_fuzz::encoding::{assert_same_reading, utf8_text, utf16_with_bom};
use rdpsleuth_fuzz::invariants::{Placing, check_event, check_outcome};
use rdpsleuth_fuzz::{MEMORY_HOST, input_hash, memory_source};
use rdpsleuth_parser::discover::{SNIFF_BYTES, recognise};
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::record::Normalised;
use rdpsleuth_parser::{Catalog, Format, Locator, SourceData, SourceRef, json};

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::global();
    let hash = input_hash(data);

    let head = data.get(..SNIFF_BYTES).unwrap_or(data);
    let recognised = recognise(head);
    assert!(
        recognised == Format::sniff(head) || recognised == Format::Unknown,
        "recognise gives {recognised:?}, sniff {:?}",
        Format::sniff(head)
    );

    if let Ok(raw) = json::parse_record(&String::from_utf8_lossy(data)) {
        let source = memory_source(Format::JsonLines, data.len());
        let place = SourceRef {
            input: source.display.clone(),
            locator: Locator::Line(1),
        };
        if let Ok(Normalised::Event(event)) = raw.normalise(catalog, place, Some(MEMORY_HOST)) {
            check_event(&source, &event, catalog, Placing::Line);
        }
    }

    let opts = ReadOptions::new(catalog);
    let formats = [Format::JsonLines, Format::EvtxDumpJson];
    for (i, format) in formats.into_iter().enumerate() {
        let source = memory_source(format, data.len());
        let read = |bytes: Vec<u8>| json::read(&source, SourceData::Bytes(bytes), &opts);
        let outcome = read(data.to_vec());
        check_outcome(&source, &outcome, catalog, Placing::Line);
        if hash % 2 == i as u64
            && let Some(text) = utf8_text(data)
        {
            let utf16 = read(utf16_with_bom(text, hash & 2 == 0));
            check_outcome(&source, &utf16, catalog, Placing::Line);
            assert_same_reading(&outcome, &utf16);
        }
    }
});
