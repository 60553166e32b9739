#!/bin/sh
# No state carried between traces (tests/kitfix: kfixlib's 5th take in a
# process fails and closes its descriptor; at most 4 operations a trace, so
# no trace reaches it alone):
#   - target kfglobal without --isolate: the finding is confirmed in a fresh
#     process, differs there, and is reported unstable, not as a bug;
#   - with --isolate: no finding;
#   - target kfreset (the same library, the adapter's reset hook): no
#     finding without --isolate;
#   - target kfcrash with --isolate: a write that kills the process is a
#     finding of its own, naming the signal (a sanitizer's exit status),
#     at the step that died.
#   isolate_test.sh KITFIX WORK
kit=$1 work=$2
fail() { echo "isolate: FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
cd "$work" || exit 1
run() { # expected-exit log args...
  want=$1 log=$2
  shift 2
  "$kit" fuzz --runs 3000 --max-ops 4 --seed 1 --quiet "$@" >"$log" 2>&1
  rc=$?
  [ $rc -eq "$want" ] || { cat "$log"; fail "$*: exit $rc, expected $want"; }
}
run 1 global.log --target kfglobal --keep-going --out global
grep -q 'unstable: depends on earlier traces' global.log || { cat global.log; fail "not unstable"; }
grep -q '^1 distinct bug (0 confirmed, 1 unstable)' global.log || { cat global.log; fail "not 1 unstable"; }
! grep -q '^  bug ' global.log || fail "an unstable finding listed as a bug"
ls global/*.unstable.trace >/dev/null 2>&1 || fail "no .unstable.trace"
run 1 global1.log --target kfglobal --out global1
grep -q 'unstable: depends on earlier traces' global1.log || fail "without --keep-going: not unstable"
run 0 isolated.log --target kfglobal --keep-going --isolate --out isolated
grep -q '^no finding in 3000 traces' isolated.log || { cat isolated.log; fail "--isolate"; }
run 0 reset.log --target kfreset --keep-going --out reset
grep -q '^no finding in 3000 traces' reset.log || { cat reset.log; fail "the reset hook"; }
"$kit" fuzz --target kfcrash --isolate --keep-going --runs 3000 --seed 1 \
  --quiet --out crash >crash.log 2>&1
rc=$?
[ $rc -eq 1 ] || { cat crash.log; fail "kfcrash: exit $rc, expected 1"; }
# (under a sanitizer its handler turns the signal into a report and an
# exit, or with abort_on_error=1, as test.sh runs ASan, into SIGABRT)
grep -Eq '^  bug  *harness-error\.kfcrash\.(signal-SIGSEGV|signal-SIGABRT|exit)\.kc_put ' crash.log ||
  { cat crash.log; fail "kfcrash: no crash bug at kc_put"; }
grep -Eq 'killed by signal SIG(SEGV|ABRT)|exited with status [1-9]' crash.log ||
  fail "kfcrash: signal not named"
echo "isolate: global state unstable without --isolate, clean with it and with the reset hook; crash found"
echo "isolate: all checks passed"
