#!/bin/sh
# A repro that cannot be written leaves no file: runs COMMAND... (a repro
# with -o OUT) and checks that it exits 2, says REGEX, and that OUT and no
# temporary beside it exist. usage: no_file.sh OUT REGEX COMMAND...
set -u
out=$1 re=$2
shift 2
rm -f "$out" "$out".*.tmp
msg=$("$@" 2>&1)
rc=$?
echo "$msg"
[ $rc -eq 2 ] || { echo "exit $rc, expected 2"; exit 1; }
printf '%s\n' "$msg" | grep -Eq -- "$re" || { echo "no match: $re"; exit 1; }
for f in "$out" "$out".*.tmp; do
  [ -e "$f" ] && { echo "left a file: $f ($(wc -c <"$f") bytes)"; exit 1; }
done
echo "ok: exit 2, no file"
