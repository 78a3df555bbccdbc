#!/usr/bin/env bash
# examples/mtouch-bench.sh [--write] [RUNS]: mtouch against vmtouch and
# util-linux fincore, side by side, on this machine.
#
#   sparse      residency of one 20 GiB sparse file plus a cached 100 MiB
#               file (issue 15's case (a))
#   /usr        residency of every file under /usr, page cache warm (b);
#               fincore takes files, not directories: it gets the list of
#               regular files, made once before timing, through xargs
#   scaling     residency of one sparse file of 1, 4, 16 and 64 GiB plus
#               a cached 100 MiB file, for all three tools (c)
#   touch warm  -t on /usr once everything is resident (vmtouch only)
#   touch cold  -t on a generated 256 MiB tree (64 files of 4 MiB on
#               disk, in the temp dir), evicted before every run
#
# Each case runs RUNS times (default 7), the tools alternating; the wall
# time of each process is taken and the median printed, with the ratio to
# vmtouch's median (below 1.0: faster than vmtouch). mtouch is the release
# build of the example, counting with cachestat where the kernel has it
# (Linux 6.5+); "mtouch --mincore" is the same program counting the way
# vmtouch and fincore do. Sparse files take no disk space; the cached file
# and the cold tree take 100 MiB and 256 MiB. Warm touch of /usr fills the
# page cache with /usr: it needs that much free memory, or it measures
# reclaim.
#
# Output: Markdown tables. --write puts them into BENCHMARKS.md (between
# its mtouch-bench markers) and draws bench/mtouch-scaling.svg from the
# scaling numbers with gnuplot (installed with apt-get where missing and
# root). vmtouch and fincore: Debian's vmtouch and util-linux-extra.
set -euo pipefail
cd "$(dirname "$0")/.."
WRITE=0
if [[ ${1:-} == --write ]]; then WRITE=1; shift; fi
RUNS=${1:-7}

need() { # need TOOL PACKAGE
    command -v "$1" >/dev/null && return
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get install -y -qq "$2" >/dev/null || { echo "mtouch-bench: apt-get install $2 failed" >&2; exit 2; }
    fi
    command -v "$1" >/dev/null || { echo "mtouch-bench: needs $1 (apt-get install $2)" >&2; exit 2; }
}
need vmtouch vmtouch
need fincore util-linux-extra
[[ $WRITE == 1 ]] && need gnuplot gnuplot-nox
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
nothing() { :; }

# run_case SETUP TOOLNAME... -- each tool is a function of that name taking
# no arguments; prints "name median_us" per tool.
run_case() {
    local setup=$1 i t
    shift
    declare -A times=()
    for ((i = 0; i < RUNS; i++)); do
        for t in "$@"; do
            $setup
            times[$t]+="$(time_us "$t") "
        done
    done
    for t in "$@"; do
        echo "$t $(printf '%s\n' ${times[$t]} | median)"
    done
}

# table CASE (reads "tool median" lines): a Markdown row per tool, ratio
# to vmtouch.
table_rows() {
    awk -v c="$1" '{ t[NR] = $1; m[NR] = $2; if ($1 == "vm") v = $2 }
        END { for (i = 1; i <= NR; i++) {
            n = t[i] == "vm" ? "vmtouch" : t[i] == "fc" ? "fincore" : t[i] == "mt" ? "mtouch" : "mtouch --mincore"
            printf "| %s | %s | %.2f ms | %.3f× |\n", c, n, m[i] / 1000, m[i] / v } }'
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mtouch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The cached part: 100 MiB, read once (and again before each case).
head -c $((100 << 20)) /dev/urandom >"$TMP/cached"
warm() { cat "$TMP/cached" >/dev/null; }

# One sparse file of $1 GiB with a little data at its start.
sparse() {
    rm -f "$TMP/sparse"
    truncate -s "$1G" "$TMP/sparse"
    printf data | dd of="$TMP/sparse" conv=notrunc status=none
}
vm() { vmtouch "$TMP/sparse" "$TMP/cached"; }
fc() { fincore "$TMP/sparse" "$TMP/cached"; }
mt() { "$MT" "$TMP/sparse" "$TMP/cached"; }
mm() { "$MT" --mincore "$TMP/sparse" "$TMP/cached"; }

# The tables, on standard output (and kept for --write).
measure() {
method=$("$MT" -v "$TMP/cached" | sed -n 's/^ *Method: //p')
echo "Measured with $(nproc) CPUs, Linux $(uname -r), $(vmtouch -h 2>&1 | sed -n 's/^vmtouch \(v[0-9.]*\).*/vmtouch \1/p' | head -1)," \
    "$(fincore --version), mtouch method: $method, median of $RUNS runs"
echo
echo "| case | tool | median | ratio to vmtouch |"
echo "|---|---|---|---|"

sparse 20
warm
run_case nothing vm fc mt mm | table_rows "20 GiB sparse + 100 MiB cached"

find /usr -xdev -type f >"$TMP/usr-files" 2>/dev/null || true
vm() { vmtouch /usr; }
fc() { xargs -d '\n' -a "$TMP/usr-files" fincore; }
mt() { "$MT" /usr; }
mm() { "$MT" --mincore /usr; }
vmtouch -q -t /usr >/dev/null 2>&1 || true
run_case nothing vm fc mt mm | table_rows "/usr ($(wc -l <"$TMP/usr-files") files), warm"

vm() { vmtouch -q -t /usr; }
mt() { "$MT" -q -t /usr; }
run_case nothing vm mt | table_rows "touch /usr, warm"

mkdir "$TMP/cold"
for i in $(seq 64); do head -c 4194304 /dev/urandom >"$TMP/cold/f$i"; done
sync
evict() { vmtouch -q -e "$TMP/cold" >/dev/null 2>&1; }
vm() { vmtouch -q -t "$TMP/cold"; }
mt() { "$MT" -q -t "$TMP/cold"; }
run_case evict vm mt | table_rows "touch 256 MiB, cold"
rm -rf "$TMP/cold"

echo
echo "Scaling: one sparse file of N GiB plus 100 MiB cached, median ms:"
echo
echo "| GiB | vmtouch | fincore | mtouch | mtouch --mincore |"
echo "|---|---|---|---|---|"
vm() { vmtouch "$TMP/sparse" "$TMP/cached"; }
fc() { fincore "$TMP/sparse" "$TMP/cached"; }
mt() { "$MT" "$TMP/sparse" "$TMP/cached"; }
mm() { "$MT" --mincore "$TMP/sparse" "$TMP/cached"; }
: >"$TMP/scaling.dat"
for g in 1 4 16 64; do
    sparse "$g"
    warm
    run_case nothing vm fc mt mm | awk -v g="$g" '{ m[$1] = $2 / 1000 }
        END { printf "%s %.3f %.3f %.3f %.3f\n", g, m["vm"], m["fc"], m["mt"], m["mm"] }' >>"$TMP/scaling.dat"
done
awk '{ printf "| %s | %.2f | %.2f | %.3f | %.2f |\n", $1, $2, $3, $4, $5 }' "$TMP/scaling.dat"
rm -f "$TMP/sparse"
}
measure | tee "$TMP/out.md"

if [[ $WRITE == 1 ]]; then
    begin='<!-- mtouch-bench: written by examples/mtouch-bench.sh --write -->'
    end='<!-- /mtouch-bench -->'
    grep -qF "$begin" BENCHMARKS.md || printf '\n## mtouch against vmtouch and fincore\n\n%s\n%s\n' "$begin" "$end" >>BENCHMARKS.md
    { printf '%s\n' "$begin"; cat "$TMP/out.md"; echo; echo '![scaling](bench/mtouch-scaling.svg)'; printf '%s\n' "$end"; } >"$TMP/section"
    awk -v b="$begin" -v e="$end" -v f="$TMP/section" '
        $0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
        $0 == e { skip = 0; next }
        !skip' BENCHMARKS.md >"$TMP/bench.md"
    cp "$TMP/bench.md" BENCHMARKS.md
    cp "$TMP/scaling.dat" bench/mtouch-scaling.dat
    gnuplot <<EOF
set terminal svg size 720,440 dynamic font "sans,12"
set output "bench/mtouch-scaling.svg"
set title "Residency of one sparse file plus 100 MiB cached (median of $RUNS)"
set xlabel "sparse file size (GiB)"
set ylabel "wall time (ms)"
set logscale xy
set xtics (1, 4, 16, 64)
set key top left
set grid
plot "bench/mtouch-scaling.dat" using 1:2 with linespoints title "vmtouch", \
     "" using 1:3 with linespoints title "fincore (mincore)", \
     "" using 1:5 with linespoints title "mtouch --mincore", \
     "" using 1:4 with linespoints title "mtouch (cachestat)"
EOF
fi
