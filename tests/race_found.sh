#!/bin/sh
# usage: race_found.sh TARGET THREADS RUNS OUTDIR CLOSEONCE...
# A planted race of racelib (issue 22, docs/threads.md#racelib) must be
# found by the built-in generator drawing parallel traces of THREADS
# threads within RUNS traces (seed 1, or $CO_PLANTED_SEED); its reproducer,
# shrunk by closeonce, must have the length of the race's catalog trace
# (corpus/catalog/TARGET.trace, "# minimal: N operations") and pass
# race_replay.sh: 100 replays out of 100 to one finding, two threads or
# more, its one-thread forms and the library without the race clean.
target=$1 threads=$2 runs=$3 out=$4
shift 4
here=$(dirname "$0")
catalog=$here/../corpus/catalog/$target.trace
min=$(sed -n 's/^# minimal: \([0-9]*\) operation.*/\1/p' "$catalog")
[ -n "$min" ] || { echo "--- $catalog: no '# minimal:' line"; exit 1; }
rm -rf "$out" && mkdir -p "$out" || exit 1
log=$("$@" fuzz --target "$target" --threads "$threads" --runs "$runs" \
  --seed "${CO_PLANTED_SEED:-1}" --quiet --out "$out" 2>&1)
rc=$?
if [ "$rc" -ne 1 ]; then
  printf '%s\n--- %s: not found in %s runs of %s threads (exit %s)\n' \
    "$log" "$target" "$runs" "$threads" "$rc"
  exit 1
fi
repro=$(ls "$out"/*.trace 2>/dev/null | head -n 1)
[ -n "$repro" ] || { printf '%s\n--- no reproducer in %s\n' "$log" "$out"; exit 1; }
ops=$(grep -cvE '^[[:space:]]*(#|$)' "$repro")
if [ "$ops" -ne "$min" ]; then
  cat "$repro"
  printf -- '--- %s: reproducer has %s operations, the catalog %s\n' \
    "$target" "$ops" "$min"
  exit 1
fi
sh "$here/race_replay.sh" "$repro" "$target" race 100 "$@" || exit 1
when=$(printf '%s\n' "$log" | grep -oE 'first in run [0-9]+ after [0-9.]+ [a-z]+' | head -n 1)
echo "ok: $target found with $threads threads ($when); reproducer $ops operations, as the catalog's"
