//! `pfirewall.log`: `firewall_log::read` checked against the reader invariants, read again
//! re-encoded as UTF-16 (same events, counts and errors), and its local times settled with a
//! UTC offset given for its host (every local line moved by exactly that offset and marked
//! UTC, the coverage spans with it) and with none (nothing moves). Every line kept says how
//! its time was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdpsleuth_fuzz::encoding::{assert_same_reading, utf8_text, utf16_with_bom};
use rdpsleuth_fuzz::invariants::{Placing, check_event, check_outcome};
use rdpsleuth_fuzz::{MEMORY_HOST, input_hash, memory_source};
use rdpsleuth_parser::firewall_log::{
    self, TIME_BASIS_FIELD, TIME_LOCAL, TIME_UTC, UTC_OFFSET_FIELD, settle_local_times,
};
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::{Catalog, Format, SourceData};

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::global();
    let hash = input_hash(data);
    let source = memory_source(Format::FirewallLog, data.len());
    let opts = ReadOptions::new(catalog);
    let read = |bytes: Vec<u8>| firewall_log::read(&source, SourceData::Bytes(bytes), &opts);
    let outcome = read(data.to_vec());
    check_outcome(&source, &outcome, catalog, Placing::Line);
    if let Some(text) = utf8_text(data) {
        let utf16 = read(utf16_with_bom(text, hash & 1 == 0));
        check_outcome(&source, &utf16, catalog, Placing::Line);
        assert_same_reading(&outcome, &utf16);
    }

    // No offset known: times stay as read, and the report says how they were read.
    let mut events = outcome.events.clone();
    let mut reports = vec![outcome.report.clone()];
    settle_local_times(&mut events, &mut reports, &[]);
    assert!(events == outcome.events, "times moved without an offset");
    assert!(reports.iter().all(|r| r.time_basis.is_some()));

    // A quarter-hour offset between -14:00 and +14:00 given for the host: an input the reader
    // did not settle itself (no `#Time Format: UTC` over all its lines) moves its local lines
    // and spans by exactly that offset; one it settled has no local line and does not move.
    let settled = outcome.report.time_basis.is_some();
    let minutes = ((hash >> 8) % 113) as i32 * 15 - 14 * 60;
    let mut events = outcome.events.clone();
    let mut reports = vec![outcome.report.clone()];
    settle_local_times(
        &mut events,
        &mut reports,
        &[(MEMORY_HOST.to_string(), minutes)],
    );
    let shift = if settled {
        0.0
    } else {
        -f64::from(minutes) * 60.0
    };
    for (before, after) in outcome.events.iter().zip(&events) {
        check_event(&source, after, catalog, Placing::Line);
        let basis = before.fields.text(TIME_BASIS_FIELD);
        assert!(
            matches!(basis, Some(TIME_LOCAL | TIME_UTC)),
            "firewall line read with time basis {basis:?}"
        );
        assert!(
            !(settled && basis == Some(TIME_LOCAL)),
            "input reported as UTC holds a line in local time"
        );
        if basis == Some(TIME_LOCAL) {
            assert_eq!(
                after.time,
                before.time.add_seconds(shift),
                "line not moved by the offset"
            );
            assert_eq!(after.fields.text(TIME_BASIS_FIELD), Some(TIME_UTC));
            assert!(after.fields.text(UTC_OFFSET_FIELD).is_some());
        } else {
            assert_eq!(after, before, "a line not in local time was changed");
        }
    }
    let [report] = reports.as_slice() else {
        panic!("settling changed the number of reports");
    };
    if !settled {
        let basis = report.time_basis.as_deref().unwrap_or("");
        assert!(basis.contains("given by the user"), "time basis {basis:?}");
    }
    for (before, after) in outcome.report.channels.iter().zip(&report.channels) {
        assert_eq!(
            after.first,
            before.first.add_seconds(shift),
            "span not moved"
        );
        assert_eq!(after.last, before.last.add_seconds(shift), "span not moved");
    }
});
