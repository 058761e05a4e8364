#!/usr/bin/env bash
# End-to-end cost of `rdpsleuth analyze` beside `evtx_dump -o jsonl` on the same EVTX files.
#
#   [RUNS=N] scripts/bench-e2e.sh DIR [DIR...]
#
# For each DIR: the EVTX files under it (found by their signature, whatever their names) are
# given to both programs, with 1 thread and with all threads, RUNS times each (default 5, the
# two programs alternating; the median wall time of each is reported; on a shared virtual
# machine single runs vary by ±15 %, so use RUNS=9 for figures that are kept). rdpsleuth runs the whole
# analysis (reading, timelines, diagnosis, every output written to a scratch folder);
# evtx_dump renders every record of each file to JSONL (to /dev/null), one process per file, as
# a responder would run it. Reported per thread count: the median wall times, their ratio
# rdpsleuth/evtx_dump, the median CPU time (user + system) of each, the peak RSS over all runs (for evtx_dump the largest of its processes),
# and records/s and MB/s of input at rdpsleuth's median. The machine, commit, date and load
# come first, so the output can be pasted into BENCHMARKS.md.
#
# Needs a release build (`cargo build --release`, done here), evtx_dump 0.15.1
# (`cargo install evtx --version 0.15.1`, taken from ~/.cargo/bin or PATH) and python3, which
# times each process from its start to its end with a monotonic clock in microseconds and takes
# its peak RSS from wait4 (GNU time's %e truncates to hundredths, which loses up to 10 ms per
# process: most of an evtx_dump run on a small file).
# The generated 2 GiB corpus: `cargo run --release -p rdpsleuth-samples -- scale --size 2GiB --out DIR`.
set -euo pipefail

[ $# -ge 1 ] || { sed -n 2,18p "$0"; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
dump="$HOME/.cargo/bin/evtx_dump"
[ -x "$dump" ] || dump="$(command -v evtx_dump)"
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

cd "$root"
runs="${RUNS:-5}"
cargo build --release -q
bin="$root/target/release/rdpsleuth"
cores="$(nproc)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "machine:   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "commit:    $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- parser timelines analyzers src || echo ' (modified)')"
echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "rustc:     $(rustc --version)"
echo "evtx_dump: $("$dump" --version 2>/dev/null)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs:      $runs per program and thread count (medians)"

# The median of the numbers given.
median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# Seconds, peak KiB and CPU seconds of one command, as "SECONDS KIB CPU": wall time from just
# before the fork to the child's exit (monotonic clock), peak RSS and user + system time from
# wait4. Dirty pages of earlier runs are
# flushed first, so that their writeback does not land on this one.
measure() {
    sync
    python3 - "$@" 2>"$scratch/stderr" <<'PY' || { echo "failed: $*" >&2; tail -5 "$scratch/stderr" >&2; }
import os, subprocess, sys, time
start = time.monotonic()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open(os.devnull, "w"))
_, status, usage = os.wait4(child.pid, 0)
print(f"{time.monotonic() - start:.6f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.6f}")
sys.exit(1 if status else 0)
PY
}

for dir in "$@"; do
    dir="$(cd "$dir" && pwd)"
    list="$scratch/files"
    find "$dir" -type f -print0 | while IFS= read -r -d '' f; do
        if [ "$(head -c 7 "$f" 2>/dev/null)" = "ElfFile" ]; then printf '%s\n' "$f"; fi
    done | sort >"$list"
    mapfile -t files <"$list"
    bytes="$(tr '\n' '\0' <"$list" | du -cb --files0-from=- | tail -1 | cut -f1)"
    mb="$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')"

    # Records in the files, as rdpsleuth reports them read (every record, kept or not).
    "$bin" analyze "${files[@]}" -o "$scratch/out" --quiet --json >"$scratch/summary.json"
    records="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(i["records"] for i in d["inputs"]))' "$scratch/summary.json" 2>/dev/null || echo 0)"

    echo
    echo "### $dir"
    echo
    echo "${#files[@]} EVTX files, $mb MB, $records records"
    echo
    echo "| threads | rdpsleuth analyze | evtx_dump -o jsonl | ratio | CPU time (rdpsleuth / evtx_dump) | rdpsleuth peak RSS | evtx_dump peak RSS | rdpsleuth records/s | rdpsleuth MB/s |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for threads in 1 "$cores"; do
        r_runs=()
        d_runs=()
        r_cpu=()
        d_cpu=()
        r_kib=0
        d_kib=0
        for _ in $(seq "$runs"); do
            rm -rf "$scratch/out"
            read -r s kib cpu < <(measure "$bin" analyze "${files[@]}" -o "$scratch/out" --quiet --threads "$threads")
            r_runs+=("$s")
            r_cpu+=("$cpu")
            [ "$kib" -gt "$r_kib" ] && r_kib="$kib"
            total=0
            total_cpu=0
            for f in "${files[@]}"; do
                read -r s kib cpu < <(measure "$dump" -o jsonl -t "$threads" "$f")
                total="$(awk -v a="$total" -v b="$s" 'BEGIN {print a + b}')"
                total_cpu="$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN {print a + b}')"
                [ "$kib" -gt "$d_kib" ] && d_kib="$kib"
            done
            d_runs+=("$total")
            d_cpu+=("$total_cpu")
        done
        r_s="$(median "${r_runs[@]}")"
        d_s="$(median "${d_runs[@]}")"
        r_c="$(median "${r_cpu[@]}")"
        d_c="$(median "${d_cpu[@]}")"
        awk -v t="$threads" -v r="$r_s" -v d="$d_s" -v rc="$r_c" -v dc="$d_c" -v rk="$r_kib" -v dk="$d_kib" -v n="$records" -v b="$bytes" 'BEGIN {
            ratio = (d > 0 ? sprintf("%.2f", r / d) : "–")
            printf "| %d | %.3f s | %.3f s | %s | %.3f s / %.3f s | %.0f MiB | %.0f MiB | %.0f | %.1f |\n",
                t, r, d, ratio, rc, dc, rk / 1024, dk / 1024, (r > 0 ? n / r : 0), (r > 0 ? b / 1e6 / r : 0)
        }'
    done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
