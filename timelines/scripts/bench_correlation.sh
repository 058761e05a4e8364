#!/bin/sh
# Measures the correlation stage and the timeline exports (the "Correlation" section of
# BENCHMARKS.md). Usage: timelines/scripts/bench_correlation.sh [PATH...]
# Default input: the shared corpus (../shared/corpus from the workspace root).
set -eu
cd "$(dirname "$0")/../.."
if [ "$#" -eq 0 ]; then
    set -- ../shared/corpus
fi
cargo build --release -q -p rdpsleuth-timelines --example correlate --features parquet
bin=target/release/examples/correlate
echo "machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "commit: $(git rev-parse --short HEAD)  date: $(date -u +%Y-%m-%d)"
for threads in 1 0; do
    echo
    "$bin" --threads "$threads" --repeat 7 "$@" 2>/dev/null
done
