#!/bin/sh
# The reproducers of a kit program, mlib's (adapter.c here): the program's
# own `repro` subcommand writes the C, which is built by the line it states
# (run in this directory, as the adapter says) and run both ways:
#   with mlib.c as it is (its planted bug): exit 1, FAILS at step 5 (the
#   failing mlib_adopt closed the caller's descriptor);
#   with -DMLIB_FIXED (the library fixed): exit 0, "no failure".
# usage: kit_repro.sh MLIB-CLOSEONCE CC WORKDIR
set -u
prog=$1 cc=$2 work=$3 here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work" || exit 2
"$prog" repro "$here/adopt-fail-closes.trace" -o "$work/repro.c" || exit 1
args=$(sed -n 's/^ \*   cc -std=c11 repro\.c\(.*\) -o repro && \.\/repro$/\1/p' \
  "$work/repro.c")
echo "build line: cc -std=c11 repro.c$args"
[ -n "$args" ] || { echo "no build line in the program"; exit 1; }
build() { # exe [cflags]
  (cd "$here" &&
    eval "$cc -std=c11 -Wall -Wextra -Werror $2 \"$work/repro.c\" $args -o \"$1\"")
}
build "$work/buggy" "" || exit 1
"$work/buggy" >"$work/buggy.log" 2>&1
rc=$?
cat "$work/buggy.log"
if [ $rc -ne 1 ] || ! grep -q '^FAILS at step 5: ' "$work/buggy.log"; then
  echo "the buggy library: exit $rc, expected 1 and FAILS at step 5"; exit 1
fi
build "$work/fixed" -DMLIB_FIXED || exit 1
"$work/fixed" >"$work/fixed.log" 2>&1
rc=$?
cat "$work/fixed.log"
if [ $rc -ne 0 ] || ! grep -q '^no failure' "$work/fixed.log"; then
  echo "the fixed library: exit $rc, expected 0 and no failure"; exit 1
fi
echo "kit reproducer: $(wc -l <"$work/repro.c") lines," \
  "$(grep -c '^  /\* step ' "$work/repro.c") steps: fails with the bug," \
  "no failure fixed"
