#!/usr/bin/env bash
# The pager at scale, one command: builds bench_pager_scale for Linux and
# for Windows (mingw-w64: msvcrt and UCRT), runs it from 1e3 to 1e6 virtual
# descriptors (Linux: as many as RLIMIT_NOFILE allows) and writes
#   bench/results/pager-scale.md   the tables, with the machine
#   bench/results/pager-scale.png  ns per operation against the count
# Runs: Linux window 2048; Wine UCRT window 2048 and 8176 (_setmaxstdio
# 8192 less the runtime's own); Wine msvcrt window 2032 (its 2048 limit).
# Extra arguments go to every run (e.g. --ops 5000 --max 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
co_ensure_packages cmake make gcc gcc-mingw-w64-x86-64 wine wine64 \
  gnuplot-nox || exit 1
out=bench/results
mkdir -p "$out" build
echo "== build" >&2
cmake -S . -B build/bench-builtin -DCMAKE_BUILD_TYPE=Release -DCO_TESTS=OFF -DCO_BENCH=ON \
  >/dev/null
cmake --build build/bench-builtin -j"$(nproc)" --target bench_pager_scale >/dev/null
for crt in msvcrt ucrt; do
  cmake -S . -B build/bench-win32-$crt -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCO_CRT=$crt \
    -DCO_TESTS=OFF -DCO_BENCH=ON >/dev/null
  cmake --build build/bench-win32-$crt -j"$(nproc)" \
    --target bench_pager_scale >/dev/null
done
export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$HOME/.wine}
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot --init </dev/null >/dev/null 2>&1
fi
wineserver -k </dev/null >/dev/null 2>&1 || true
# detached, or Wine's services inherit the pipe to tee below and hold it
setsid taskset -c 0 wineserver -p </dev/null >/dev/null 2>&1
setsid wine cmd /c exit </dev/null >/dev/null 2>&1
trap 'wineserver -k </dev/null >/dev/null 2>&1' EXIT

runs=(
  "linux-2048|Linux, window 2048|build/bench-builtin/bench/bench_pager_scale --window 2048"
  "ucrt-2048|Wine UCRT, window 2048|taskset -c 0 wine build/bench-win32-ucrt/bench/bench_pager_scale.exe --window 2048"
  "ucrt-8176|Wine UCRT, window 8176|taskset -c 0 wine build/bench-win32-ucrt/bench/bench_pager_scale.exe --window 8176"
  "msvcrt-2032|Wine msvcrt, window 2032|taskset -c 0 wine build/bench-win32-msvcrt/bench/bench_pager_scale.exe --window 2032"
)
md=$out/pager-scale.md
{
  echo "# The pager at scale"
  echo
  echo "bench/pager-scale.sh on $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%d);"
  echo "Wine $(wine --version 2>/dev/null | sed 's/^wine-//'). Random: uniformly"
  echo "random descriptors (80% vfd_write, 20% vfd_get+vfd_put); sweep: each in"
  echo "turn (every operation pages once N > window). ns per operation, median"
  echo "of 3 rounds; page-ins per operation beside each."
} >"$md"
for r in "${runs[@]}"; do
  IFS='|' read -r id title cmd <<<"$r"
  echo "== $title" >&2
  # shellcheck disable=SC2086
  $cmd --csv "$out/pager-scale-$id.csv" "$@" </dev/null >"$out/pager-scale-$id.txt" 2>&1
  cat "$out/pager-scale-$id.txt" >&2
  {
    echo
    echo "## $title"
    echo
    echo '```'
    cat "$out/pager-scale-$id.txt"
    echo '```'
  } >>"$md"
done
plots=()
for r in "${runs[@]}"; do
  IFS='|' read -r id title _ <<<"$r"
  plots+=("'$out/pager-scale-$id.csv' using 1:6 with linespoints title '$title, sweep'")
done
gnuplot <<GP
set terminal png size 900,500
set output '$out/pager-scale.png'
set datafile separator ','
set key autotitle columnhead
set logscale x
set logscale y
set xlabel 'virtual descriptors'
set ylabel 'ns per operation (sweep: every operation pages)'
set title 'vfd pager: cost per operation as the count grows'
set key right bottom
set xrange [500:2000000]
plot $(IFS=,; echo "${plots[*]}")
GP
echo "wrote $md and $out/pager-scale.png" >&2
