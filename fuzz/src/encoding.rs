//! The text readers decode UTF-8 and UTF-16 into one stream: the same text written in UTF-16
//! must read exactly as it does in UTF-8 — the same events, counts, coverage and errors (by
//! message, line and record; byte offsets are only given for UTF-8 inputs).

use rdpsleuth_parser::reader::ReadOutcome;

use crate::invariants::first_difference;

/// The text of a UTF-8 input (its BOM dropped) that reads as UTF-8, or `None` when the bytes are
/// not UTF-8 or their first bytes make the readers take them for BOM-less UTF-16 (ASCII
/// interleaved with zero bytes).
pub fn utf8_text(data: &[u8]) -> Option<&str> {
    if let [a, 0, b, 0, ..] | [0, a, 0, b, ..] = data
        && *a != 0
        && *b != 0
    {
        return None;
    }
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    std::str::from_utf8(body).ok()
}

/// `text` in UTF-16 with a byte-order mark, little- or big-endian.
pub fn utf16_with_bom(text: &str, little_endian: bool) -> Vec<u8> {
    std::iter::once(0xFEFF_u16)
        .chain(text.encode_utf16())
        .flat_map(|unit| {
            if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            }
        })
        .collect()
}

/// Asserts that two readings of the same text in different encodings agree.
pub fn assert_same_reading(utf8: &ReadOutcome, utf16: &ReadOutcome) {
    assert!(
        utf8.events == utf16.events,
        "UTF-16 reading keeps other events: {}",
        first_difference(&utf8.events, &utf16.events)
    );
    let (a, b) = (&utf8.report, &utf16.report);
    assert_eq!(
        (a.records, a.kept, a.failed),
        (b.records, b.kept, b.failed),
        "UTF-16 reading counts otherwise: {:?} vs {:?}",
        a.errors,
        b.errors
    );
    assert_eq!(a.host, b.host, "UTF-16 reading names another host");
    assert_eq!(a.channels, b.channels, "UTF-16 reading covers otherwise");
    assert_eq!(a.skipped, b.skipped);
    assert_eq!(a.time_basis, b.time_basis);
    let placed = |r: &ReadOutcome| -> Vec<(String, Option<u64>, Option<u64>)> {
        r.report
            .errors
            .iter()
            .map(|e| (e.message.clone(), e.line, e.record))
            .collect()
    };
    assert_eq!(
        placed(utf8),
        placed(utf16),
        "UTF-16 reading reports otherwise"
    );
}
