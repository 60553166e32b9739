#!/bin/sh
# The standalone C reproducers of the whole regression corpus, generated
# from its folders (a new reproducer joins by itself): for every trace in
# corpus/regress/TARGET/, `closeonce repro` writes the C program, which is
# compiled with the libraries it includes alone (no closeonce code) and run:
# - TARGET a planted bug (its summary in `closeonce targets` says so): the
#   program must fail as reported (exit 1, "FAILS at step"), and compiled
#   with -DVARIANT=0 (the library without the bug) it must pass (exit 0);
# - TARGET a real target: the reproducer is of a bug since fixed, there is
#   no buggy library to run it against, and closeonce must find nothing in
#   it (the program is not written: "no finding").
# The classic client bug's program must fail too (no fixed variant: the fix
# is a different trace). usage: repro_test.sh CLOSEONCE SRC CC WORKDIR
set -u
co=$1 src=$2 cc=$3 work=$4
rm -rf "$work" && mkdir -p "$work" || exit 2
n=0 fixed=0 bad=0
libs_of() { # the C file: the library sources it needs
  l=
  grep -q '^#include "demolib.h"' "$1" &&
    l="$l -I$src/harness/adapters $src/harness/adapters/demolib.c"
  grep -q '^#include "wiolib.h"' "$1" &&
    l="$l -I$src/harness/adapters $src/harness/adapters/wiolib.c"
  grep -q '^#include "vfd_planted.h"' "$1" &&
    l="$l -I$src/pager $src/pager/vfd_planted.c"
  grep -q '^#include <zlib.h>' "$1" && l="$l -lz"
  echo "$l"
}
check() { # target trace expect-fixed(0/1)
  out=$work/$1-$(basename "$2" .trace)
  if ! "$co" repro --target "$1" "$2" -o "$out.c" 2>"$out.err"; then
    echo "FAIL $2: no reproducer: $(cat "$out.err")"; bad=$((bad + 1)); return
  fi
  libs=$(libs_of "$out.c")
  # shellcheck disable=SC2086
  if ! $cc -std=c11 -Wall -Wextra -Werror "$out.c" $libs -o "$out" \
      2>"$out.err"; then
    echo "FAIL $2: does not compile:"; cat "$out.err"; bad=$((bad + 1)); return
  fi
  "$out" >"$out.log" 2>&1
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q "^FAILS at step" "$out.log"; then
    echo "FAIL $2: exit $rc, expected 1 with FAILS:"; cat "$out.log"
    bad=$((bad + 1)); return
  fi
  if [ "$3" = 1 ]; then
    # shellcheck disable=SC2086
    $cc -std=c11 -DVARIANT=0 "$out.c" $libs -o "$out.fixed" &&
      "$out.fixed" >"$out.fixed.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q "^no failure" "$out.fixed.log"; then
      echo "FAIL $2: fixed variant exit $rc:"; cat "$out.fixed.log"
      bad=$((bad + 1)); return
    fi
  fi
  both=
  [ "$3" = 1 ] && both="; fixed: no failure"
  echo "ok   $2: $(grep '^FAILS' "$out.log")$both"
  n=$((n + 1))
}
targets=$("$co" targets) || exit 2
for d in "$src"/corpus/regress/*/; do
  t=$(basename "$d")
  line=$(printf '%s\n' "$targets" | awk -v t="$t" '$1 == t')
  for f in "$d"*.trace; do
    [ -e "$f" ] || continue
    case $line in
    *"planted bug"*) check "$t" "$f" 1 ;;
    "")
      echo "FAIL $f: '$t' is not a target"; bad=$((bad + 1)) ;;
    *)
      if "$co" repro --target "$t" "$f" -o /dev/null 2>&1 |
          grep -q "no finding"; then
        echo "ok   $f: fixed bug of $t, no finding (no buggy library to run)"
        fixed=$((fixed + 1))
      else
        echo "FAIL $f: a finding again in $t"; bad=$((bad + 1))
      fi ;;
    esac
  done
done
check demo "$src/corpus/demo/classic-double-owner.trace" 0
echo "reproducers: $n passed both ways or as reported, $fixed fixed bugs" \
  "without a finding, $bad failed"
[ $bad -eq 0 ] && [ $n -gt 0 ]
