#!/usr/bin/env bash
# Reading throughput of the EVTX reader beside `evtx_dump -o jsonl` on the same files.
#
#   scripts/bench-read.sh [DIR] [RUNS]
#
# DIR defaults to ../shared/corpus (relative to the workspace root), RUNS to 5 (best of RUNS).
# Prints the machine, the commit, the date and the load, then the table of
# `cargo bench -p rdpsleuth-parser --bench read` (see parser/benches/read.rs). evtx_dump is
# taken from ~/.cargo/bin or PATH; without it, its rows are left out.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/../shared/corpus}"
dir="$(cd "$dir" && pwd)"
runs="${2:-5}"

dump="$HOME/.cargo/bin/evtx_dump"
[ -x "$dump" ] || dump="$(command -v evtx_dump || true)"
dump_args=(--no-evtx-dump)
if [ -n "$dump" ]; then
    dump_args=(--evtx-dump "$dump")
fi

cd "$root"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')"
echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet -- parser || echo ' (parser modified)')"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "rustc:   $(rustc --version)"
[ -n "$dump" ] && echo "evtx_dump: $("$dump" --version 2>/dev/null || echo "$dump")"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo
cargo bench -q -p rdpsleuth-parser --bench read -- "$dir" --runs "$runs" "${dump_args[@]}" 2>/dev/null
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
