#!/bin/sh
# usage: catalog_test.sh DIR CLOSEONCE...
# The planted-bug catalog (corpus/catalog/*.trace): each file names its
# target ("# catalog: T") and its known minimal length ("# minimal: N
# operations"). Each trace must have exactly N operations, be a finding on
# T, be 1-minimal (closeonce shrink removes nothing) and run clean on the
# library without the bug (T's base: demo, wio or vfd).
dir=$1
shift
n=0 bad=0
for f in "$dir"/*.trace; do
  t=$(sed -n 's/^# catalog: //p' "$f")
  min=$(sed -n 's/^# minimal: \([0-9]*\) operation.*/\1/p' "$f")
  ops=$(grep -cvE '^[[:space:]]*(#|$)' "$f")
  base=${t%%-*}
  if [ -z "$t" ] || [ -z "$min" ]; then
    echo "FAIL $f: no '# catalog:' or '# minimal:' line"; bad=$((bad + 1)); continue
  fi
  if [ "$ops" -ne "$min" ]; then
    echo "FAIL $f: $ops operations, the catalog says $min"; bad=$((bad + 1)); continue
  fi
  out=$("$@" replay --target "$t" "$f" 2>&1)
  if [ $? -ne 1 ]; then
    printf '%s\nFAIL %s: not a finding on %s\n' "$out" "$f" "$t"; bad=$((bad + 1)); continue
  fi
  kind=$(printf '%s\n' "$out" | sed -n 's/^FOUND [^:]*: //p' | head -n 1)
  shr=$("$@" shrink --target "$t" "$f" 2>&1 >/dev/null)
  if ! printf '%s\n' "$shr" | grep -q "shrunk from $min to $min operations"; then
    printf '%s\nFAIL %s: not 1-minimal\n' "$shr" "$f"; bad=$((bad + 1)); continue
  fi
  clean=$("$@" replay --target "$base" "$f" 2>&1)
  if [ $? -ne 0 ]; then
    printf '%s\nFAIL %s: not clean on %s\n' "$clean" "$f" "$base"; bad=$((bad + 1)); continue
  fi
  echo "ok   $t: $min operations, $kind"
  n=$((n + 1))
done
echo "catalog: $n bugs ok, $bad failed"
[ $bad -eq 0 ] && [ $n -gt 0 ]
