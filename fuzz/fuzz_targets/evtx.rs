//! EVTX files, mutated structure-aware (`rdpsleuth_fuzz::evtx_shape`: the file header, chunk
//! headers and records of generated files, checksums rewritten so that chunks reach the
//! template shortcut), read with `evtx::read_counted` both ways: `Selection::Catalog` (what
//! the binary does, on one thread) and `Selection::Everything` (render every record, on two).
//! Checked: both outcomes against the reader invariants, and that the shortcut keeps exactly
//! the events of rendering everything, whatever the thread count, with the same report unless
//! a full render fails on what the shortcut never needed to parse.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};
use rdpsleuth_fuzz::evtx_shape;
use rdpsleuth_fuzz::invariants::{Placing, check_outcome, first_difference};
use rdpsleuth_fuzz::memory_source;
use rdpsleuth_parser::evtx::{Selection, read_counted};
use rdpsleuth_parser::reader::ReadOptions;
use rdpsleuth_parser::{Catalog, Format, SourceData};

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    evtx_shape::mutate(data, size, max_size, seed, &mut |buf, len, max| {
        fuzzer_mutate(buf, len, max)
    })
});

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::global();
    let source = memory_source(Format::Evtx, data.len());
    let read = |threads: usize, selection: Selection| {
        let opts = ReadOptions {
            catalog,
            evtx_threads: threads,
        };
        read_counted(&source, SourceData::Bytes(data.to_vec()), &opts, selection)
    };
    let (fast, fast_count) = read(1, Selection::Catalog);
    let (full, full_count) = read(2, Selection::Everything);
    for (outcome, count) in [(&fast, fast_count), (&full, full_count)] {
        check_outcome(&source, outcome, catalog, Placing::Record);
        assert_eq!(
            count.records, outcome.report.records,
            "render count disagrees"
        );
    }
    assert!(
        fast_count.rendered <= full_count.rendered,
        "the shortcut rendered {} records, rendering everything {}",
        fast_count.rendered,
        full_count.rendered
    );
    assert!(
        fast.events == full.events,
        "the shortcut keeps other events: {}",
        first_difference(&fast.events, &full.events)
    );
    // The shortcut leaves unparsed the chunks none of whose records it wants and unrendered
    // the records it does not want, so damage there (a string table the crate cannot read, a
    // record it cannot render) is a failure only when everything is rendered, which then loses
    // the records the shortcut counts. Otherwise the reports are identical.
    let (fast_r, full_r) = (&fast.report, &full.report);
    if fast_r.failed == full_r.failed {
        assert_eq!(fast_r, full_r, "the shortcut reports otherwise");
    } else {
        assert!(
            fast_r.failed < full_r.failed,
            "the shortcut fails where rendering everything does not: {:?} vs {:?}",
            fast_r.errors,
            full_r.errors
        );
        assert!(
            fast_r.records >= full_r.records,
            "the shortcut counts {} records, rendering everything {} with fewer failures",
            fast_r.records,
            full_r.records
        );
    }
});
