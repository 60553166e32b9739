#!/usr/bin/env bash
# Executions per second, per target and engine, on one core: the built-in
# generator (closeonce fuzz), libFuzzer and AFL++ (persistent mode), each for
# SECONDS on a clean target; and under Wine, the built-in generator on the
# Windows targets (msvcrt and UCRT builds, wineserver on the same core).
#
#   bench/execs.sh [--seconds N] [--targets "posix zlib ..."] [--no-wine] [--out DIR]
#
# Writes DIR/execs.csv: target, engine, executions, seconds, per second.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=10 targets="posix posix-stdio demo zlib vfd wio" wine=1 out=bench/results
while [ $# -gt 0 ]; do
  case "$1" in
  --seconds) secs=$2; shift 2 ;;
  --targets) targets=$2; shift 2 ;;
  --no-wine) wine=0; shift ;;
  --out) out=$2; shift 2 ;;
  *) echo "execs.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "execs.sh: --seconds expects a positive integer" >&2; exit 2; }
mkdir -p "$out"
csv=$out/execs.csv
echo "target,engine,executions,seconds,per_second" >"$csv"
row() { # target engine n
  printf '%s,%s,%s,%s,%.0f\n' "$1" "$2" "$3" "$secs" "$(echo "$3 / $secs" | bc -l)" >>"$csv"
  echo "$1 $2: $3 in $secs s" >&2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $targets; do
  n=$(taskset -c 1 build/bench-builtin/closeonce fuzz --target "$t" --seconds "$secs" --seed 1 --quiet 2>&1 |
    sed -n 's/^no finding in \([0-9]*\) traces.*/\1/p')
  row "$t" builtin "${n:-0}"
  b=build/bench-libfuzzer
  mkdir -p "$work/lf-$t"
  n=$(taskset -c 1 "$b/fuzz-$t" -seed=1 -max_total_time="$secs" -dict="$b/seeds/$t.dict" \
    "$work/lf-$t" "$b/seeds/$t" 2>&1 | grep -oE '^#[0-9]+' | tail -n 1 | tr -d '#')
  row "$t" libfuzzer "${n:-0}"
  b=build/bench-afl
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    taskset -c 1 afl-fuzz -i "$b/seeds/$t" -o "$work/afl-$t" -s 1 -V "$secs" \
    -x "$b/seeds/$t.dict" -- "$b/fuzz-$t" >"$work/afl-$t.log" 2>&1
  n=$(awk -F': *' '/^execs_done/ {print $2}' "$work/afl-$t"/default/fuzzer_stats 2>/dev/null)
  row "$t" afl "${n:-0}"
done
if [ "$wine" = 1 ]; then
  export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$HOME/.wine}
  [ -f "$WINEPREFIX/system.reg" ] || wineboot --init </dev/null >/dev/null 2>&1
  wineserver -k </dev/null >/dev/null 2>&1 || true
  # A persistent wineserver and Wine's services started detached: they
  # would otherwise inherit a pipe of this script and hold it open.
  setsid taskset -c 0 wineserver -p </dev/null >/dev/null 2>&1
  setsid wine cmd /c exit </dev/null >/dev/null 2>&1
  for crt in msvcrt ucrt; do
    for t in win32 win32-crt vfd; do
      taskset -c 0 wine "build/bench-win32-$crt/closeonce.exe" fuzz --target "$t" \
        --seconds "$secs" --seed 1 --quiet </dev/null >"$work/wine.log" 2>&1
      n=$(sed -n 's/^no finding in \([0-9]*\) traces.*/\1/p' "$work/wine.log")
      row "$t" "wine-$crt" "${n:-0}"
    done
  done
  wineserver -k </dev/null >/dev/null 2>&1 || true
fi
echo "wrote $csv" >&2
