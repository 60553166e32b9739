#!/bin/sh
# usage: race_found.sh TARGET THREADS RUNS OUTDIR CLOSEONCE...
# A planted race of racelib (issue 22, docs/threads.md#racelib) must be
# found by the built-in generator drawing parallel traces of THREADS
# threads within RUNS traces (planted_found.sh: seed 1, or
# $CO_PLANTED_SEED); its reproducer, shrunk by closeonce, must have the
# length of the race's catalog trace (corpus/catalog/TARGET.trace,
# "# minimal: N operations") and pass race_replay.sh: 100 replays out of
# 100 to one finding, two threads or more, its one-thread forms and the
# library without the race clean.
target=$1 threads=$2 runs=$3 out=$4
shift 4
here=$(dirname "$0")
catalog=$here/../corpus/catalog/$target.trace
min=$(sed -n 's/^# minimal: \([0-9]*\) operation.*/\1/p' "$catalog")
[ -n "$min" ] || { echo "--- $catalog: no '# minimal:' line"; exit 1; }
found=$(CO_PLANTED_FUZZ_ARGS="--threads $threads" \
  sh "$here/planted_found.sh" "$target" "$runs" "$min" "$out" "$@") ||
  { printf '%s\n' "$found"; exit 1; }
repro=$(ls "$out"/*.trace | head -n 1)
ops=$(grep -cvE '^[[:space:]]*(#|$)' "$repro")
if [ "$ops" -ne "$min" ]; then
  cat "$repro"
  echo "--- $target: reproducer has $ops operations, the catalog $min"
  exit 1
fi
sh "$here/race_replay.sh" "$repro" "$target" race 100 "$@" || exit 1
echo "$found (with $threads threads, as long as the catalog's)"
