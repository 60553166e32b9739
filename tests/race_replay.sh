#!/bin/sh
# usage: race_replay.sh TRACE TARGET BASE N CLOSEONCE...
# A planted race's scheduled trace (issue 22, docs/threads.md#racelib):
#  - it replays N times out of N to one finding on TARGET (the same
#    verdict and "what" lines each time: a scheduled run is deterministic);
#  - it names at least two threads;
#  - its one-thread forms are clean on TARGET: every operation in the
#    sequential prefix (the thread prefixes dropped), and every operation
#    on thread t1 (the race needs two threads to show);
#  - it is clean on BASE, the library without the race.
trace=$1 target=$2 base=$3 n=$4
shift 4
tmp=${TMPDIR:-/tmp}/race_replay.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $trace: $*"; exit 1; }

first=
i=0
while [ "$i" -lt "$n" ]; do
  out=$("$@" replay --target "$target" "$trace" 2>&1)
  rc=$?
  [ "$rc" -eq 1 ] || { printf '%s\n' "$out"; fail "run $((i + 1)): exit $rc, not a finding on $target"; }
  v=$(printf '%s\n' "$out" | sed -n 's/^FOUND [^:]*: //p; s/^  what: *//p' | head -n 2 | tr '\n' ' ')
  [ -n "$first" ] || first=$v
  [ "$v" = "$first" ] || fail "run $((i + 1)) found '$v', run 1 '$first'"
  i=$((i + 1))
done

threads=$(sed -n 's/^[[:space:]]*t\([1-4]\):.*/\1/p' "$trace" | sort -u | wc -l)
[ "$threads" -ge 2 ] || fail "names $threads thread(s), not 2 or more"

sed 's/^\([[:space:]]*\)t[1-4]:[[:space:]]*/\1/' "$trace" > "$tmp/prefix.trace"
out=$("$@" replay --target "$target" "$tmp/prefix.trace" 2>&1) ||
  { printf '%s\n' "$out"; fail "its sequential form is not clean on $target"; }
awk '/^[[:space:]]*(#|$)/ { print; next }
     { sub(/^[[:space:]]*t[1-4]:[[:space:]]*/, ""); print "t1: " $0 }' \
  "$trace" > "$tmp/one.trace"
out=$("$@" replay --target "$target" "$tmp/one.trace" 2>&1) ||
  { printf '%s\n' "$out"; fail "its one-thread form (all on t1) is not clean on $target"; }
out=$("$@" replay --target "$base" "$trace" 2>&1) ||
  { printf '%s\n' "$out"; fail "not clean on $base"; }
echo "ok: $trace: $n of $n replays found '$first'; $threads threads; its one-thread forms and $base clean"
