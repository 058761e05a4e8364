//! The invariants of a reader's outcome that hold for any input: counts that add up, errors
//! kept and located, coverage spans inside the records read, and events that are what the
//! catalog keeps, capped as the event contract says, and placed where they were read.
//!
//! Each check panics with the broken invariant, which libFuzzer reports as a crash.

use rdpsleuth_parser::event::{MAX_FIELD_BYTES, MAX_FIELDS, TRUNCATION_MARK};
use rdpsleuth_parser::input::MAX_ERRORS_PER_INPUT;
use rdpsleuth_parser::reader::ReadOutcome;
use rdpsleuth_parser::{Catalog, Event, FieldValue, Guid, InputReport, Locator, Source};

/// Longest field name an event keeps (see `record.rs`).
const MAX_FIELD_NAME_BYTES: usize = 256;

/// How a reader places its events and errors in its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placing {
    /// EVTX: events by record id, errors by offset or record id.
    Record,
    /// Text exports: events and errors by 1-based line.
    Line,
}

/// Checks a reader's outcome for `source` against every invariant.
pub fn check_outcome(source: &Source, outcome: &ReadOutcome, catalog: &Catalog, placing: Placing) {
    check_report(source, &outcome.report, placing);
    assert_eq!(
        outcome.events.len() as u64,
        outcome.report.kept,
        "kept count differs from the events returned"
    );
    for event in &outcome.events {
        check_event(source, event, catalog, placing);
    }
}

/// Checks the counts, errors and channel spans of one input's report.
pub fn check_report(source: &Source, report: &InputReport, placing: Placing) {
    assert_eq!(report.path, &*source.display, "report names another input");
    assert_eq!(report.format, source.format, "report names another format");
    assert!(
        report.kept <= report.records,
        "kept {} of {} records read",
        report.kept,
        report.records
    );
    assert!(
        report.errors.len() <= MAX_ERRORS_PER_INPUT,
        "{} errors kept, over the cap",
        report.errors.len()
    );
    assert!(
        report.failed == 0 || !report.errors.is_empty(),
        "{} failures without a message",
        report.failed
    );
    for error in &report.errors {
        assert!(!error.message.trim().is_empty(), "error without a message");
        match placing {
            Placing::Record => assert!(
                error.offset.is_some() || error.record.is_some(),
                "EVTX error without offset or record: {error}"
            ),
            Placing::Line => assert!(
                error.line.is_some_and(|l| l >= 1),
                "text error without a 1-based line: {error:?}"
            ),
        }
    }
    let mut spanned = 0u64;
    for span in &report.channels {
        assert!(!span.channel.trim().is_empty(), "span of an empty channel");
        assert!(span.records >= 1, "span of no record: {span:?}");
        assert!(
            span.first <= span.last,
            "span ends before it starts: {span:?}"
        );
        spanned = spanned.saturating_add(span.records);
    }
    assert!(
        spanned <= report.records,
        "channel spans hold {spanned} records, {} were read",
        report.records
    );
    if let Some(host) = &report.host {
        assert!(!host.trim().is_empty(), "report names an empty host");
    }
}

/// Checks one event: the catalog keeps it, its values are capped, it is placed in its input.
pub fn check_event(source: &Source, event: &Event, catalog: &Catalog, placing: Placing) {
    assert_eq!(
        &*event.source.input, &*source.display,
        "event placed in another input"
    );
    match (placing, event.source.locator) {
        // The record header's id: the same as the rendered `EventRecordID` in files Windows
        // writes, not in crafted ones.
        (Placing::Record, Locator::Record(_)) => {}
        (Placing::Line, Locator::Line(line)) => assert!(line >= 1, "event at line 0"),
        (_, locator) => panic!("event placed by {locator:?} in a {placing:?} input"),
    }
    assert!(!event.channel.is_empty(), "event without a channel");
    assert_eq!(&*event.channel, event.channel.trim(), "channel not trimmed");
    assert_eq!(
        catalog.lookup(&event.channel, &event.provider, event.event_id),
        Some(event.kind),
        "event kind is not what the catalog gives for {} / {} / {}",
        event.channel,
        event.provider,
        event.event_id
    );
    assert!(
        catalog.keep(event.kind, &event.fields),
        "event {:?} kept though its keep-filter refuses it",
        event.kind
    );
    assert_ne!(event.activity_id, Some(Guid::NIL), "nil activity id kept");
    assert!(
        event.fields.len() <= MAX_FIELDS,
        "{} fields, over the cap",
        event.fields.len()
    );
    let max_value = MAX_FIELD_BYTES + TRUNCATION_MARK.len();
    for (name, value) in event.fields.iter() {
        assert!(
            name.len() <= MAX_FIELD_NAME_BYTES,
            "field name of {} bytes",
            name.len()
        );
        match value {
            FieldValue::Null => {}
            FieldValue::Text(text) => {
                assert!(!text.is_empty(), "empty text kept instead of Null ({name})");
                assert!(text.len() <= max_value, "value of {} bytes", text.len());
            }
            FieldValue::List(items) => {
                assert!(items.len() <= MAX_FIELDS, "list of {} items", items.len());
                assert!(
                    items.iter().all(|i| i.len() <= max_value),
                    "list item over the cap ({name})"
                );
            }
        }
    }
}

/// The first difference between two event lists, for messages.
pub fn first_difference(a: &[Event], b: &[Event]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!("event {i} differs:\n{:#?}\nvs\n{:#?}", a.get(i), b.get(i)),
        None => format!("{} events vs {}", a.len(), b.len()),
    }
}
