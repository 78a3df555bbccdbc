#!/usr/bin/env bash
# examples/mtouch-bench.sh [TREE] [RUNS]: mtouch against vmtouch, side by side.
#
#   scan        residency scan of TREE (default /usr), page cache warm
#   touch warm  -t on TREE once everything is resident (one untimed -t first)
#   touch cold  -t on a generated 256 MiB tree (64 files of 4 MiB on disk,
#               in the system temp dir), evicted before every run
#
# Each is run RUNS times (default 7), the two tools alternating; the wall
# time of each process is taken and the median printed with the ratio
# mtouch/vmtouch (below 1.0: mtouch faster). Release build of the example.
# Warm touch of /usr fills the page cache with all of /usr: it needs that
# much free memory, or it measures reclaim.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-/usr}
RUNS=${2:-7}
command -v vmtouch >/dev/null || { echo "mtouch-bench: needs vmtouch (apt-get install vmtouch)" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build -q --release --example mtouch
MT=$CARGO_TARGET_DIR/release/examples/mtouch

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds
# time_us CMD...: wall time of one run, in microseconds.
time_us() {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>&1 || true
    t1=$(now)
    echo $((t1 - t0))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# bench NAME SETUP TREE: RUNS alternating runs of each tool, medians, ratio.
bench() {
    local name=$1 setup=$2 tree=$3 flags=$4 i vm=() mt=()
    for ((i = 0; i < RUNS; i++)); do
        $setup
        vm+=("$(time_us vmtouch -q $flags "$tree")")
        $setup
        mt+=("$(time_us "$MT" -q $flags "$tree")")
    done
    local mv mm
    mv=$(printf '%s\n' "${vm[@]}" | median)
    mm=$(printf '%s\n' "${mt[@]}" | median)
    awk -v n="$name" -v v="$mv" -v m="$mm" -v r="$RUNS" 'BEGIN {
        printf "%-12s vmtouch %8.1f ms   mtouch %8.1f ms   ratio %.2fx   (median of %d)\n",
            n, v / 1000, m / 1000, m / v, r }'
}

nothing() { :; }

echo "tree $TREE: $(vmtouch "$TREE" 2>/dev/null | sed -n 's/^ *Files: //p') files," \
    "$(nproc) CPUs, $(uname -r), $(vmtouch -h 2>&1 | sed -n 's/^vmtouch \(v[0-9.]*\).*/\1/p' | head -1)"
vmtouch -q -t "$TREE" >/dev/null 2>&1 || true   # warm up
bench scan nothing "$TREE" ""
bench "touch warm" nothing "$TREE" "-t"

COLD=$(mktemp -d "${TMPDIR:-/tmp}/mtouch-bench.XXXXXX")
trap 'rm -rf "$COLD"' EXIT
for i in $(seq 64); do head -c 4194304 /dev/urandom >"$COLD/f$i"; done
sync
evict() { vmtouch -q -e "$COLD" >/dev/null 2>&1; }
bench "touch cold" evict "$COLD" "-t"
