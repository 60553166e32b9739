#!/bin/sh
# The Win32 reproducers (closeonce repro on a Win32 target), under Wine:
# each program is written by the Win32 closeonce, compiled with the
# mingw-w64 compiler by the build line it states (run in the source tree,
# -Wall -Wextra -Werror, no closeonce code) and run under Wine:
# - corpus/regress-win32/TARGET/*.trace (a new one joins by itself) and the
#   cross-platform traces of corpus/regress/ that hold on Win32 (listed
#   below): still a finding on the planted TARGET, clean on the target
#   without the bug (the name before the first '-'); the program fails at
#   the finding's step (exit 1, "FAILS at step N"), and built with
#   -DREPRO_VARIANT=0 (the library without the bug) it passes (exit 0,
#   "no failure");
# - tests/win32/repro/*.trace ("# target:", "# mode:"), every HANDLE
#   operation and every entry of every Win32 adapter: the program fails at the trace's last step, the client's
#   double CloseHandle (every earlier step, each entry's C, ran as the
#   contract says);
# - the classic client bug and the reverse exercise (win32-crt) fail at the
#   client's move; they have no fixed variant (the fix is another trace);
# - -o onto an existing file replaces it;
# - a trace with a step no Win32 program can express (a free-number
#   reference: a HANDLE value nobody returned) is refused naming the step,
#   exit 2, and no file is written.
# usage: repro_test.sh EMULATOR CLOSEONCE SRC CC WORKDIR (CC: the compiler
# and its flags, one word list)
set -u
emu=$1 co=$2 src=$3 cc=$4 work=$5
rm -rf "$work" && mkdir -p "$work" || exit 2
n=0 bad=0
build() { # file.c exe [cflags]
  args=$(sed -n 's/^ \*   x86_64-w64-mingw32-gcc -std=c11 repro\.c\(.*\) -o repro\.exe$/\1/p' "$1")
  (cd "$src" && eval "$cc -std=c11 -Wall -Wextra -Werror -DVFD_PLANTED $3 \"$1\" $args -o \"$2\"")
}
# closeonce repro ARGS -o FILE, its messages into ERR. A Wine process
# killed with the shared wineserver (another session's `wineserver -k`)
# exits 0 having done nothing: no file and no message, which closeonce
# never does. That is said and run once more; a second time fails.
repro() { # file err args...
  f=$1 e=$2
  shift 2
  $emu "$co" repro "$@" -o "$f" >"$e" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && [ ! -e "$f" ] && [ ! -s "$e" ]; then
    echo "note: closeonce repro $*: exit 0, no file, no message (Wine);" \
      "once more"
    $emu "$co" repro "$@" -o "$f" >"$e" 2>&1
    rc=$?
  fi
  return $rc
}
check() { # target trace step planted(0/1) [mode]
  out=$work/$1-$(basename "$2" .trace)
  if ! repro "$out.c" "$out.err" --target "$1" ${5:+--mode "$5"} "$src/$2"; then
    echo "FAIL $2: no reproducer: $(cat "$out.err")"; bad=$((bad + 1)); return
  fi
  if [ ! -s "$out.c" ]; then
    echo "FAIL $2: no file: $(cat "$out.err")"; bad=$((bad + 1)); return
  fi
  if ! build "$out.c" "$out.exe" "" >"$out.err" 2>&1; then
    echo "FAIL $2: does not compile:"; cat "$out.err"; bad=$((bad + 1)); return
  fi
  $emu "$out.exe" >"$out.log" 2>&1
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q "^FAILS at step $3:" "$out.log"; then
    echo "FAIL $2: exit $rc, expected 1 with FAILS at step $3:"
    cat "$out.log"; bad=$((bad + 1)); return
  fi
  grep -q '^invalid-parameter handler installed' "$out.log" || {
    echo "FAIL $2: the handler is not reported"; bad=$((bad + 1)); return; }
  both=
  if [ "$4" = 1 ]; then
    if ! grep -q '^#define REPRO_VARIANT [1-9]' "$out.c"; then
      echo "FAIL $2: a planted bug, but no REPRO_VARIANT"; bad=$((bad + 1))
      return
    fi
    build "$out.c" "$out.fixed.exe" -DREPRO_VARIANT=0 >"$out.fixed.log" 2>&1 &&
      $emu "$out.fixed.exe" >"$out.fixed.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q "^no failure" "$out.fixed.log"; then
      echo "FAIL $2: fixed variant exit $rc:"; cat "$out.fixed.log"
      bad=$((bad + 1)); return
    fi
    both="; fixed: no failure"
  fi
  echo "ok   $2 ($1): $(grep '^FAILS' "$out.log")$both" \
    "($(wc -l <"$out.c") lines, $(grep -c '^  /\* step ' "$out.c") steps)"
  n=$((n + 1))
}
# The step a trace's finding is at, as replay reports it (the last step
# for a finding at the end of the trace).
step_of() { # target trace
  r=$($emu "$co" replay --target "$1" "$src/$2" 2>&1 | tr -d '\r')
  st=$(printf '%s\n' "$r" | sed -n 's/^FOUND .* at step \([0-9]*\) of .*/\1/p')
  [ -n "$st" ] || st=$(($(grep -vc '^#' "$src/$2") - 1))
  printf '%s\n' "$r" | grep -q '^FOUND' && echo "$st"
}
planted() { # target trace: replayed both ways, then its program both ways
  st=$(step_of "$1" "$2")
  base=${1%%-*}
  if [ -z "$st" ]; then
    echo "FAIL $2: not a finding on $1"; bad=$((bad + 1)); return
  fi
  if ! $emu "$co" replay --target "$base" "$src/$2" >/dev/null 2>&1; then
    echo "FAIL $2: a finding on $base too"; bad=$((bad + 1)); return
  fi
  check "$1" "$2" "$st" 1
}
for d in "$src"/corpus/regress-win32/*/; do
  t=$(basename "$d")
  for f in "$d"*.trace; do
    [ -e "$f" ] && planted "$t" "corpus/regress-win32/$t/$(basename "$f")"
  done
done
# corpus/regress/ on Win32. Not here: vfd-dup-shares-window (a free-number
# reference: the bad input below), vfd-forget-flags (the POSIX mode
# cloexec), vfd-leak-on-fail (no finding on Win32), vfd-evict-mru (the
# model's state at the finding is bound from the buggy pager's moves, so
# the fixed program does not meet it).
for t in vfd-close-twice vfd-evict-lent vfd-stale-window; do
  planted "$t" "corpus/regress/$t/$t.trace"
done
for f in "$src"/tests/win32/repro/*.trace; do
  t=$(sed -n 's/^# target: //p' "$f") m=$(sed -n 's/^# mode: //p' "$f")
  check "$t" "tests/win32/repro/$(basename "$f")" \
    $(($(grep -vc '^#' "$f") - 1)) 0 "$m"
done
check win32-crt corpus/win32-crt/classic-double-owner.trace 2 0
# Handle reuse (docs/win32.md#values): recorded under Wine, the program says
# which reuse order it expects, as the quirk profiles are printed.
t=corpus/win32/stale-close-reuse-order.trace
check win32 $t 5 0 contract
if grep -q '^expects (wine): step 4 (s2 = open rdwr) gets back the HANDLE value s0 had, as Wine gives a new handle the lowest free entry; Windows gives back the entry freed last' \
    "$work/win32-stale-close-reuse-order.log"; then
  echo "ok   $t: the reuse order it expects is printed"; n=$((n + 1))
else
  echo "FAIL $t: no reuse expectation printed"; bad=$((bad + 1))
fi
check win32-crt corpus/win32-crt/reverse-get-osfhandle.trace 3 0
# -o onto an existing file replaces it whole (Windows' rename does not
# replace: closeonce uses MoveFileEx there).
f=$work/win32-crt-classic-double-owner.c
if [ -s "$f" ] && printf 'old\n' >"$f" &&
    repro "$f" "$work/again.err" --target win32-crt \
      "$src/corpus/win32-crt/classic-double-owner.trace" &&
    grep -q '^int main' "$f"; then
  echo "ok   -o onto an existing file: replaced"
  n=$((n + 1))
else
  echo "FAIL -o onto an existing file: $(cat "$work/again.err")"
  bad=$((bad + 1))
fi
# Bad input: a step a Win32 program cannot express.
t=corpus/regress/vfd-dup-shares-window/vfd-dup-shares-window.trace
repro "$work/none.c" "$work/none.err" --target vfd-dup-shares-window "$src/$t"
rc=$?
if [ $rc -eq 2 ] && grep -q "step 4 (close f0): .*cannot express it" \
    "$work/none.err" && [ -z "$(ls "$work" | grep '^none\.c')" ]; then
  echo "ok   $t: refused, the step named, exit 2, no file"
  n=$((n + 1))
else
  echo "FAIL $t: exit $rc, expected 2 naming step 4, no file:"
  cat "$work/none.err"; ls "$work"; bad=$((bad + 1))
fi
echo "Win32 reproducers: $n passed, $bad failed"
[ $bad -eq 0 ] && [ $n -gt 0 ]
