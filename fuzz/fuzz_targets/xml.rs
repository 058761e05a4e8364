//! Event Viewer / `wevtutil` / `evtx_dump -o xml` exports: `xml::parse_event` on the bytes as
//! one record, format recognition on their head, and `xml::read` on them as a whole export —
//! checked against the reader invariants, and read again re-encoded as UTF-16, which must give
//! the same events, counts and errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdpsleuth_fuzz::encoding::{assert_same_reading, utf8_text, utf16_with_bom};
use rdpsleuth_fuzz::invariants::{Placing, check_event, check_outcome};
use rdpsleuth_fuzz::{MEMORY_HOST, input_hash, memory_source};
use rdpsleuth_parser::discover::{SNIFF_BYTES, recognise};
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::record::Normalised;
use rdpsleuth_parser::{Catalog, Format, Locator, SourceData, SourceRef, xml};

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::global();
    let source = memory_source(Format::XmlExport, data.len());

    let head = data.get(..SNIFF_BYTES).unwrap_or(data);
    let recognised = recognise(head);
    assert!(
        recognised == Format::sniff(head) || recognised == Format::Unknown,
        "recognise gives {recognised:?}, sniff {:?}",
        Format::sniff(head)
    );

    if let Ok(raw) = xml::parse_event(data) {
        let place = SourceRef {
            input: source.display.clone(),
            locator: Locator::Line(1),
        };
        if let Ok(Normalised::Event(event)) = raw.normalise(catalog, place, Some(MEMORY_HOST)) {
            check_event(&source, &event, catalog, Placing::Line);
        }
    }

    let opts = ReadOptions::new(catalog);
    let read = |bytes: Vec<u8>| xml::read(&source, SourceData::Bytes(bytes), &opts);
    let outcome = read(data.to_vec());
    check_outcome(&source, &outcome, catalog, Placing::Line);
    if let Some(text) = utf8_text(data) {
        let little_endian = input_hash(data) & 1 == 0;
        let utf16 = read(utf16_with_bom(text, little_endian));
        check_outcome(&source, &utf16, catalog, Placing::Line);
        assert_same_reading(&outcome, &utf16);
    }
});
