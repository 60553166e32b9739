#!/usr/bin/env bash
# All of closeonce's benchmarks, one command. Installs what is missing,
# builds (Release; libFuzzer and AFL++ builds; the Windows builds), runs:
#   1. lockstep against raw system calls (bench_lockstep, posix)
#   7. interposition A/B: the libraries' calls seen or not (bench_lockstep)
#   2. executions per second per target and engine, and under Wine
#      (bench/execs.sh)
#   3./4. time to first detection and shrink quality for the planted-bug
#      catalog, four engines, 5 seeds (bench/detect.sh)
#   5. scaling with live descriptors (bench/scaling.sh) and the pager from
#      1e3 to 1e6 (bench/pager-scale.sh)
#   6. where the time goes (perf)
# then writes bench/results.md and the plots in bench/results/
# (bench/report.py). Takes about 20 minutes on 2 cores.
#
#   bench/run.sh [--quick]   (--quick: shorter runs, 2 seeds, for a check)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = --quick ] && quick=1
[ $# -le 1 ] && { [ $# -eq 0 ] || [ "$1" = --quick ]; } ||
  { echo "usage: bench/run.sh [--quick]" >&2; exit 2; }
source scripts/deps.sh
co_ensure_packages cmake make gcc clang libclang-rt-14-dev afl++ zlib1g-dev \
  pkg-config bc gnuplot-nox linux-perf gcc-mingw-w64-x86-64 wine wine64 \
  python3 || exit 2
out=bench/results
mkdir -p "$out" build
echo "== build" >&2
cmake -S . -B build/bench-builtin -DCMAKE_BUILD_TYPE=Release -DCO_TESTS=OFF \
  -DCO_BENCH=ON >build/bench-builtin.log 2>&1
cmake --build build/bench-builtin -j"$(nproc)" >>build/bench-builtin.log 2>&1
for crt in msvcrt ucrt; do
  cmake -S . -B build/bench-win32-$crt -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCO_CRT=$crt \
    -DCO_TESTS=OFF -DCO_BENCH=ON >build/bench-win32-$crt.log 2>&1
  cmake --build build/bench-win32-$crt -j"$(nproc)" \
    --target closeonce bench_pager_scale >>build/bench-win32-$crt.log 2>&1
done
if [ $quick = 1 ]; then
  secs=3 seeds=2 cap=20 lk="500 3"
else
  secs=10 seeds=5 cap=60 lk="2000 7"
fi
echo "== 1. lockstep" >&2
: >"$out/lockstep.txt"
for t in posix posix-stdio demo zlib vfd wio posix-tcp; do
  # shellcheck disable=SC2086
  taskset -c 1 build/bench-builtin/bench/bench_lockstep $lk 32 "$t" >>"$out/lockstep.txt"
done
cat "$out/lockstep.txt" >&2
echo "== 7. interposition A/B" >&2
: >"$out/interpose-ab.txt"
for rep in 1 2 3; do
  for t in zlib bzip2 openssl libevent libuv gsocket posix-stdio demo posix; do
    taskset -c 1 build/bench-builtin/bench/bench_lockstep 1000 7 32 "$t" >>"$out/interpose-ab.txt"
  done
done
echo "== 3./4. detection and shrinking" >&2
bench/detect.sh --cap "$cap" --seeds "$seeds" --out "$out"
echo "== 2. executions per second" >&2
bench/execs.sh --seconds "$secs" --out "$out"
echo "== 5. scaling" >&2
bench/scaling.sh --seconds "$((secs / 2 + 1))" --counts "10 100 1000 10000 18000" --out "$out"
if [ $quick = 1 ]; then
  bench/pager-scale.sh --max 100000 --ops 5000 >&2
else
  bench/pager-scale.sh >&2
fi
echo "== 6. profile" >&2
perf record -o "$out/perf.data" build/bench-builtin/closeonce fuzz --target posix \
  --runs 20000 --seed 1 --quiet >/dev/null 2>&1
perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null \
  >"$out/perf.txt"
python3 bench/profile.py "$out/perf.txt" | tee "$out/profile.txt" >&2
rm -f "$out/perf.data" "$out/perf.data.old" "$out/perf.txt"
sh bench/catalog-table.sh >"$out/catalog.md"
python3 bench/report.py "$out"
