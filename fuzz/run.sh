#!/usr/bin/env bash
# Runs fuzz targets for a bounded time each, one after the other on one core, and fails at
# the first crash, hang (10 s per input) or out-of-memory (2 GiB). Usage:
#
#     fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 30 s, every target)
#
# Builds with cargo-fuzz under target/fuzz (RUSTC_BOOTSTRAP=1: libFuzzer's sanitizer flags
# need nightly features on a stable toolchain), fills the working corpora from the sample
# bundles (fuzz/seed-corpus.sh) and passes the hand-made seeds of fuzz/seeds/<target> as a
# read-only second corpus. Crash inputs are written to target/fuzz/artifacts/<target>/, the
# libFuzzer output of each run to target/fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(xml json firewall_log zip evtx)
fi
export RUSTC_BOOTSTRAP=1
fuzz=(cargo fuzz run --fuzz-dir fuzz --target-dir target/fuzz)

fuzz/seed-corpus.sh target/fuzz/corpus
cargo fuzz build --fuzz-dir fuzz --target-dir target/fuzz
mkdir -p target/fuzz/logs
for target in "${targets[@]}"; do
    mkdir -p "target/fuzz/artifacts/$target"
    corpora=("target/fuzz/corpus/$target")
    if [ -d "fuzz/seeds/$target" ]; then
        corpora+=("fuzz/seeds/$target")
    fi
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="target/fuzz/artifacts/$target/")
    if [ "$target" = evtx ]; then
        # Room for a second chunk (the mutator appends copies of chunks).
        options+=(-max_len=135168)
    fi
    log="target/fuzz/logs/$target.log"
    echo "== fuzz $target (${seconds} s)"
    if ! "${fuzz[@]}" "$target" "${corpora[@]}" -- "${options[@]}" >"$log" 2>&1; then
        grep -a -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$log" | tail -60
        echo "fuzz target $target failed: see $log and target/fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -a -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
done
