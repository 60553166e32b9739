#!/usr/bin/env bash
# The harness as the process's live descriptors grow: closeonce fuzz on the
# posix target (built-in generator, one core, SECONDS each) started with N
# extra descriptors open (inherited duplicates of /dev/null, which the
# harness must leave alone: its foreign set). Per-operation cost should not
# grow with N.
#
#   bench/scaling.sh [--seconds N] [--counts "10 100 1000 10000"] [--out DIR]
#
# Writes DIR/scaling.csv: live descriptors, traces, traces per second (the
# same seed, so the same sequence of traces at every N).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=5 counts="10 100 1000 10000" out=bench/results
while [ $# -gt 0 ]; do
  case "$1" in
  --seconds) secs=$2; shift 2 ;;
  --counts) counts=$2; shift 2 ;;
  --out) out=$2; shift 2 ;;
  *) echo "scaling.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
csv=$out/scaling.csv
echo "live,traces,per_second" >"$csv"
hard=$(ulimit -Hn)
for n in $counts; do
  if [ "$n" -ge "$((hard - 200))" ]; then
    echo "scaling.sh: $n descriptors do not fit under RLIMIT_NOFILE $hard; skipped" >&2
    continue
  fi
  line=$(bash -c '
    ulimit -n '"$hard"'
    for ((i = 0; i < '"$n"'; i++)); do exec {fd}</dev/null; done
    taskset -c 1 build/bench-builtin/closeonce fuzz --target posix --seconds '"$secs"' \
      --seed 1 --quiet 2>&1' | grep -E '^\[|^no finding' | tail -n 2 | tr '\n' ' ')
  traces=$(echo "$line" | sed -n 's/.*no finding in \([0-9]*\) traces.*/\1/p')
  echo "$n live: $line" >&2
  printf '%s,%s,%.0f\n' "$n" "${traces:-0}" "$(echo "${traces:-0} / $secs" | bc -l)" >>"$csv"
done
echo "wrote $csv" >&2
