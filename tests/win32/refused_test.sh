#!/bin/sh
# Refusals are never agreement, against the real C runtime under Wine
# (issue 19). Windows writes CR LF: the output is read without the CRs. usage: refused_test.sh CRT CORPUS WORKDIR EMULATOR... CLOSEONCE
#   CRT: msvcrt or ucrt (the build's C runtime: what the stale _close gives)
# The three Wine assertions on a stale or invalid number run and give the
# runtime's own result; fclose of a freed FILE* is not run, and its verdict
# says so (never "agreed at every step").
crt=$1 corpus=$2 work=$3
shift 3
mkdir -p "$work" || exit 1
fail=0 n=0
# check NAME REGEX: the explain output of corpus/win32-crt/NAME.trace
# (conformance mode) has a line matching REGEX
check() {
  n=$((n + 1))
  out=$("$@" explain --target win32-crt --mode conformance \
        "$corpus/win32-crt/$name.trace" 2>&1 | tr -d '\r')
  if ! printf '%s\n' "$out" | grep -Eq -- "$want"; then
    printf '%s\n--- %s: no line matches: %s\n' "$out" "$name" "$want"
    fail=$((fail + 1))
  fi
}
if [ "$crt" = ucrt ]; then
  stale_close='-> -1 \(the invalid-parameter handler fired\)$'
else
  stale_close='-> -1 EBADF$'
fi
name=refused-close-twice want="^ +3  _close o0 +$stale_close" check "$@"
name=refused-close-twice want='^verdict: ok \(model and platform agreed at every step\)$' check "$@"
name=refused-get-osfhandle-closed want='^ +3  s1 = _get_osfhandle o0 +-> -1 EBADF$' check "$@"
name=refused-get-osfhandle-closed want='^verdict: ok \(model and platform agreed at every step\)$' check "$@"
name=refused-open-osfhandle-invalid want='^ +0  o0 = _open_osfhandle -1 rw +-> -1 EBADF$' check "$@"
name=refused-open-osfhandle-invalid want='^verdict: ok \(model and platform agreed at every step\)$' check "$@"
# every call on a closed descriptor's free number runs, with the runtime's
# result (Wine's: EBADF, no handler, quirk WINE_BADFD_NO_IPH); _dup2 onto
# it opens the number again
name=stale-descriptor-calls
for w in '^ +5  _write o0 3 +-> -1 EBADF$' '^ +6  o2 = _dup o0 +-> -1 EBADF$' \
         '^ +7  o3 = _fdopen o0 w +-> -1 EBADF$' '^ +8  _dup2 o0 o1 +-> -1 EBADF$' \
         '^ +9  _dup2 o1 o0 +-> 0$' '^ +10  _write o0 3 +-> 3$' \
         '^ +12  _close o0 +-> 0$' "^ +13  _close o0 +$stale_close" \
         '^verdict: ok \(model and platform agreed at every step\)$'; do
  want=$w check "$@"
done
# calls through a closed descriptor's number given out again act on the
# descriptor that has it now
name=reused-number-calls
for w in '^ +3  _write o0 4 +-> 4$' '^ +4  _lseek o0 0 cur +-> 4$' \
         '^ +9  o2 = _dup o0 +-> 0$' '^ +10  _close o0 +-> 0$' \
         '^ +11  _write o1 3 +-> -1 EBADF$' "^ +12  _close o1 +$stale_close" \
         '^ +16  o4 = _dup o4 +-> 0$' \
         '^verdict: ok \(model and platform agreed at every step\)$'; do
  want=$w check "$@"
done
# _fstat, _filelength and _chsize of a gone handle, a read-only one and a
# closed descriptor's free number run, with Wine's results (quirk
# WINE_FSTAT_CHSIZE_ERRNO: UCRT's source gives EBADF, EACCES, the handler)
name=file-calls-closed-descriptor
for w in '^ +3  _fstat o0 +-> -1 EINVAL$' '^ +7  _chsize o1 1 +-> -1 EBADF$' \
         '^ +9  _fstat o1 +-> 0 \(st_mode 100666, st_nlink 1, st_size 0\)$' \
         '^ +11  _fstat o1 +-> -1$' '^ +12  _filelength o1 +-> -1 EBADF$' \
         '^ +13  _chsize o1 4 +-> 0$' \
         '^verdict: ok \(model and platform agreed at every step\)$'; do
  want=$w check "$@"
done
name=refused-fclose-twice want='^ +4  fclose o1 +-> refused \(not run\)$' check "$@"
name=refused-fclose-twice want='^verdict: ok, 1 step not run \(step 4: fclose of a freed crt-stdio object o1\): model and platform agreed at every step that ran' check "$@"
# never agreement over a step that did not run, in any of the four
for t in close-twice get-osfhandle-closed open-osfhandle-invalid fclose-twice; do
  n=$((n + 1))
  out=$("$@" explain --target win32-crt --mode conformance \
        "$corpus/win32-crt/refused-$t.trace" 2>&1 | tr -d '\r')
  if printf '%s\n' "$out" | grep -q 'refused (not run)' &&
     printf '%s\n' "$out" | grep -q 'agreed at every step)'; then
    printf '%s\n--- refused-%s: agreement over a step not run\n' "$out" "$t"
    fail=$((fail + 1))
  fi
done
# replay with reports: the JUnit case of the FILE* trace says what did not run
n=$((n + 1))
rm -rf "$work/reports"
out=$("$@" replay --target win32-crt --mode conformance --report-dir \
      "$work/reports" "$corpus"/win32-crt/refused-*.trace 2>&1 | tr -d '\r')
if ! printf '%s\n' "$out" | grep -q '^replayed 4 files: 4 ok, 0 findings' ||
   ! printf '%s\n' "$out" | grep -q '^not run: 1 step in 1 file' ||
   ! grep -q '<system-out>ok, 1 step not run (step 4: fclose of a freed crt-stdio object o1)</system-out>' \
     "$work/reports/junit.xml"; then
  printf '%s\n--- replay --report-dir: the step not run is not reported\n' "$out"
  cat "$work/reports/junit.xml"
  fail=$((fail + 1))
fi
echo "refused steps ($crt): $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
