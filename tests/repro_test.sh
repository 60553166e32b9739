#!/bin/sh
# The standalone C reproducers of the whole regression corpus and of the
# libraries' findings, generated from their folders (a new reproducer joins
# by itself): for every trace in corpus/regress/TARGET/ and every
# reports/findings/*.trace (its "# target:" and "# mode:" lines),
# `closeonce repro` writes the C program, which is compiled by the build
# line it states (its layers' adapters say what to add; run in the source
# tree; no closeonce code) and run:
# - the program must fail as reported (exit 1, "FAILS at step");
# - a program of a target with planted bugs (it defines VARIANT not 0), compiled
#   with -DVARIANT=0 (the library without the bug, or libevent's loop turn
#   after bufferevent_free), must pass (exit 0, "no failure"); a planted-bug
#   target (its summary in `closeonce targets` says so) must have one;
# - TARGET a real target of corpus/regress: the reproducer is of a bug since
#   fixed, there is no buggy library to run it against, and closeonce must
#   find nothing in it (the program is not written: "no finding"); a finding
#   that reports no finding (its "# expect: 0") likewise;
# - tests/repro/LAYER.trace, every entry of every adapter: the program
#   must fail at the trace's last step, the client's double close (every
#   earlier step, each entry's C, ran as the contract says);
# - a target this build does not have (the libraries, without CO_LIBS):
#   skipped, and said.
# The classic client bug's program must fail too (no fixed variant: the fix
# is a different trace). usage: repro_test.sh CLOSEONCE SRC CC WORKDIR
set -u
co=$1 src=$2 cc=$3 work=$4
rm -rf "$work" && mkdir -p "$work" || exit 2
n=0 fixed=0 bad=0 skipped=0
# The compiler arguments the program's header states ("cc -std=c11 repro.c
# ARGS -o repro && ./repro"), run in the source tree.
build() { # file.c exe [cflags]
  args=$(sed -n 's/^ \*   cc -std=c11 repro\.c\(.*\) -o repro && \.\/repro$/\1/p' "$1")
  (cd "$src" && eval "$cc -std=c11 -Wall -Wextra -Werror $3 \"$1\" $args -o \"$2\"")
}
check() { # target trace expect-fixed(0/1) [mode [step the failure is at]]
  out=$work/$1-$(basename "$2" .trace)
  if ! "$co" repro --target "$1" ${4:+--mode "$4"} "$2" -o "$out.c" \
      2>"$out.err"; then
    echo "FAIL $2: no reproducer: $(cat "$out.err")"; bad=$((bad + 1)); return
  fi
  if ! build "$out.c" "$out" "" 2>"$out.err"; then
    echo "FAIL $2: does not compile:"; cat "$out.err"; bad=$((bad + 1)); return
  fi
  "$out" >"$out.log" 2>&1
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q "^FAILS at step ${5:-}" "$out.log"; then
    echo "FAIL $2: exit $rc, expected 1 with FAILS at step ${5:-N}:"
    cat "$out.log"; bad=$((bad + 1)); return
  fi
  both=
  if grep -q '^#define VARIANT [1-9]' "$out.c"; then
    build "$out.c" "$out.fixed" -DVARIANT=0 >"$out.fixed.log" 2>&1 &&
      "$out.fixed" >"$out.fixed.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q "^no failure" "$out.fixed.log"; then
      echo "FAIL $2: fixed variant exit $rc:"; cat "$out.fixed.log"
      bad=$((bad + 1)); return
    fi
    both="; fixed: no failure"
  elif [ "$3" = 1 ]; then
    echo "FAIL $2: a planted bug, but the program has no VARIANT"
    bad=$((bad + 1)); return
  fi
  echo "ok   $2: $(grep '^FAILS' "$out.log")$both" \
    "($(wc -l <"$out.c") lines, $(grep -c '^  /\* step ' "$out.c") steps)"
  n=$((n + 1))
}
no_finding() { # target trace [mode]: the trace shows nothing, as reported
  if "$co" repro --target "$1" ${3:+--mode "$3"} "$2" -o "$work/none.c" 2>&1 |
      grep -q "no finding" && [ ! -e "$work/none.c" ]; then
    echo "ok   $2: no finding in $1 (no buggy library to run), no file"
    fixed=$((fixed + 1))
  else
    echo "FAIL $2: a finding again in $1, or a file left"; bad=$((bad + 1))
  fi
}
targets=$("$co" targets) || exit 2
line_of() { printf '%s\n' "$targets" | awk -v t="$1" '$1 == t'; }
for d in "$src"/corpus/regress/*/; do
  t=$(basename "$d")
  line=$(line_of "$t")
  for f in "$d"*.trace; do
    [ -e "$f" ] || continue
    case $line in
    *"planted bug"*) check "$t" "$f" 1 ;;
    "")
      echo "FAIL $f: '$t' is not a target"; bad=$((bad + 1)) ;;
    *) no_finding "$t" "$f" ;;
    esac
  done
done
for f in "$src"/reports/findings/*.trace; do
  [ -e "$f" ] || continue
  t=$(sed -n 's/^# target: //p' "$f") m=$(sed -n 's/^# mode: //p' "$f")
  if [ -z "$(line_of "$t")" ]; then
    echo "skip $f: no target $t in this build"; skipped=$((skipped + 1))
  elif grep -q '^fail ' "$f"; then # no C template for a fault yet: its .c
    echo "skip $f: a fault step (its own .c injects it)"; skipped=$((skipped + 1))
  elif grep -q '^# expect: 0 ' "$f"; then
    no_finding "$t" "$f" "$m"
  else
    check "$t" "$f" 0 "$m"
  fi
done
# Every adapter's every entry (tests/repro/LAYER.trace, "# target:"): all
# steps as the contract says in the program, until the client's double
# close at the end, the finding.
for f in "$src"/tests/repro/*.trace; do
  t=$(sed -n 's/^# target: //p' "$f")
  last=$(($(grep -vc '^#' "$f") - 1))
  if [ -z "$(line_of "$t")" ]; then
    echo "skip $f: no target $t in this build"; skipped=$((skipped + 1))
  else
    check "$t" "$f" 0 contract "$last:"
  fi
done
check demo "$src/corpus/demo/classic-double-owner.trace" 0
echo "reproducers: $n passed both ways or as reported, $fixed without a" \
  "finding, $skipped skipped, $bad failed"
[ $bad -eq 0 ] && [ $n -gt 0 ]
