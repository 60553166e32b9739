#!/bin/sh
# usage: planted_found.sh TARGET RUNS MAX_OPS OUTDIR CLOSEONCE...
# (CLOSEONCE may be several words: wine closeonce.exe)
# A planted bug must be found by the built-in generator within RUNS traces
# (fixed seed: 1, or $CO_PLANTED_SEED; more fuzz options in
# $CO_PLANTED_FUZZ_ARGS), and its reproducer, shrunk by closeonce, must
# replay to the same finding in at most MAX_OPS operations.
target=$1 runs=$2 max=$3 out=$4
shift 4
rm -rf "$out" && mkdir -p "$out" || exit 1
# shellcheck disable=SC2086 # $CO_PLANTED_FUZZ_ARGS: more fuzz options, words
log=$("$@" fuzz --target "$target" ${CO_PLANTED_FUZZ_ARGS:-} --runs "$runs" \
  --seed "${CO_PLANTED_SEED:-1}" --quiet \
  --out "$out" 2>&1)
rc=$?
if [ "$rc" -ne 1 ]; then
  printf '%s\n--- %s: not found in %s runs (exit %s)\n' "$log" "$target" \
    "$runs" "$rc"
  exit 1
fi
repro=$(ls "$out"/*.trace 2>/dev/null | head -n 1)
[ -n "$repro" ] || { printf '%s\n--- no reproducer in %s\n' "$log" "$out"; exit 1; }
ops=$(grep -cvE '^[[:space:]]*(#|$)' "$repro")
if [ "$ops" -gt "$max" ]; then
  cat "$repro"
  printf -- '--- %s: reproducer has %s operations, more than %s\n' \
    "$target" "$ops" "$max"
  exit 1
fi
again=$("$@" replay --target "$target" "$repro" 2>&1)
if [ $? -ne 1 ]; then
  printf '%s\n--- the reproducer does not replay to a finding\n' "$again"
  exit 1
fi
kind=$(printf '%s\n' "$log" | grep -oE '^finding in run .*' | head -n 1)
echo "ok: $target found; reproducer $ops operations ($repro); $kind"
