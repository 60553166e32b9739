#!/usr/bin/env bash
# Time to first detection and shrink quality, for every bug of the planted
# catalog (corpus/catalog/*.trace) and four engines: the built-in generator,
# the naive baseline (uniformly random bytes, no feedback: closeonce fuzz
# --naive), libFuzzer and AFL++ (persistent mode, AFL_BENCH_UNTIL_CRASH).
# Each (bug, engine) runs with seeds 1..SEEDS on one core, each capped at
# CAP seconds. libFuzzer and AFL++ start from one empty input (four zero
# bytes: the empty trace) and the target's dictionary, not from the corpus:
# a seed trace that already shows the bug would make detection instant. For every detection the finding's input is shrunk by
# closeonce shrink and its length compared with the catalog's known minimum.
#
#   bench/detect.sh [--cap SECONDS] [--seeds N] [--engines "builtin naive libfuzzer afl"]
#                   [--bugs "vfd-evict-lent ..."] [--out DIR]
#
# Writes DIR/detect.csv (default bench/results): bug, engine, seed, found,
# seconds, shrunk length, shrink seconds, known minimum.
set -uo pipefail
cd "$(dirname "$0")/.."
cap=60 seeds=5 engines="builtin naive libfuzzer afl" bugs= out=bench/results
while [ $# -gt 0 ]; do
  case "$1" in
  --cap) cap=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --engines) engines=$2; shift 2 ;;
  --bugs) bugs=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  *) echo "detect.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$cap" =~ ^[1-9][0-9]*$ && "$seeds" =~ ^[1-9][0-9]*$ ]] ||
  { echo "detect.sh: --cap and --seeds expect positive integers" >&2; exit 2; }
[ -n "$bugs" ] || bugs=$(sed -n 's/^# catalog: //p' corpus/catalog/*.trace)
source scripts/deps.sh
co_ensure_packages cmake make gcc clang libclang-rt-14-dev afl++ zlib1g-dev bc \
  pkg-config || exit 2
mkdir -p "$out" build
build_for() { # engine -> dir
  local dir=build/bench-$1 cfg
  case "$1" in
  builtin) cfg=(-DCMAKE_BUILD_TYPE=Release -DCO_BENCH=ON) ;;
  libfuzzer) cfg=(-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DCO_FUZZ_ENGINE=libfuzzer) ;;
  afl) cfg=(-DCMAKE_C_COMPILER=afl-clang-fast -DCMAKE_BUILD_TYPE=Release -DCO_FUZZ_ENGINE=afl) ;;
  esac
  if [ ! -f "$dir/.built" ] || [ -n "$(find harness models pager fuzz include -newer "$dir/.built" -print -quit)" ]; then
    echo "== build ($1) in $dir" >&2
    cmake -S . -B "$dir" -DCO_TESTS=OFF -DCO_BENCH=OFF "${cfg[@]}" >"$dir.log" 2>&1 &&
      cmake --build "$dir" -j"$(nproc)" >>"$dir.log" 2>&1 && touch "$dir/.built" ||
      { tail -20 "$dir.log" >&2; exit 2; }
  fi
  echo "$dir"
}
co=$(build_for builtin)/closeonce
declare -A dirs
for e in $engines; do
  case "$e" in
  builtin | naive) dirs[$e]=build/bench-builtin ;;
  libfuzzer | afl) dirs[$e]=$(build_for "$e") ;;
  *) echo "detect.sh: unknown engine '$e'" >&2; exit 2 ;;
  esac
done
now() { date +%s.%N; }
csv=$out/detect.csv
echo "bug,engine,seed,found,seconds,shrunk,shrink_seconds,minimum" >"$csv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/empty"
printf '\0\0\0\0' >"$work/empty/empty.bin"
for bug in $bugs; do
  min=$(sed -n 's/^# minimal: \([0-9]*\) operation.*/\1/p' "corpus/catalog/$bug.trace")
  for e in $engines; do
    for ((s = 1; s <= seeds; s++)); do
      d=$work/$bug-$e-$s
      rm -rf "$d"
      mkdir -p "$d"
      input=
      t0=$(now)
      case "$e" in
      builtin | naive)
        n=()
        [ "$e" = naive ] && n=(--naive)
        taskset -c 1 "$co" fuzz --target "$bug" "${n[@]}" --seed "$s" --seconds "$cap" \
          --quiet --out "$d" >"$d.log" 2>&1
        [ $? -eq 1 ] && input=$(ls "$d"/*.trace 2>/dev/null | head -n 1)
        ;;
      libfuzzer)
        b=${dirs[$e]}
        mkdir -p "$d/corpus"
        taskset -c 1 "$b/fuzz-$bug" -seed="$s" -max_total_time="$cap" \
          -dict="$b/seeds/$bug.dict" -artifact_prefix="$d/" "$d/corpus" \
          "$work/empty" >"$d.log" 2>&1
        input=$(ls "$d"/crash-* 2>/dev/null | head -n 1)
        ;;
      afl)
        b=${dirs[$e]}
        AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 \
          AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
          taskset -c 1 afl-fuzz -i "$work/empty" -o "$d/afl" -s "$s" -V "$cap" \
          -x "$b/seeds/$bug.dict" -- "$b/fuzz-$bug" >"$d.log" 2>&1
        input=$(ls "$d"/afl/default/crashes/id* 2>/dev/null | head -n 1)
        ;;
      esac
      t1=$(now)
      secs=$(echo "$t1 - $t0" | bc -l)
      if [ -n "$input" ]; then
        sh=$("$co" shrink --target "$bug" "$input" -o "$d/min.trace" 2>&1 >/dev/null |
          sed -n 's/^shrunk from [0-9]* to \([0-9]*\) operations ([0-9]* candidate traces, \([0-9.]*\) s).*/\1,\2/p')
        [ -n "$sh" ] || sh=","
        printf '%s,%s,%d,1,%.3f,%s,%s\n' "$bug" "$e" "$s" "$secs" "$sh" "$min" >>"$csv"
      else
        printf '%s,%s,%d,0,%.3f,,,%s\n' "$bug" "$e" "$s" "$secs" "$min" >>"$csv"
      fi
      echo "$bug $e seed $s: $([ -n "$input" ] && echo found || echo "not found") in $(printf %.2f "$secs") s" >&2
    done
  done
done
echo "wrote $csv" >&2
