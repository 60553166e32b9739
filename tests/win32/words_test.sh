#!/bin/sh
# usage: words_test.sh WORKDIR TRACE CLOSEONCE...
# Under Win32 every report speaks Windows: a finding on the C runtime over
# HANDLEs, replayed with --report-dir, gives HANDLE values in hex and the
# Win32 error names in the text report, the Markdown, the JSON and the
# SARIF, and explain shows the HANDLE table; none says "descriptor N" of a
# HANDLE.
work=$1 trace=$2
shift 2
rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
has() { # file-or-text pattern what
  if ! grep -Eq -- "$2" "$1"; then fail "$3 lacks '$2'"; sed -n 1,40p "$1"; fi
}
hasnt() {
  if grep -Eq -- "$2" "$1"; then fail "$3 has '$2'"; grep -E -- "$2" "$1"; fi
}
"$@" replay --target win32-crt --report-dir . "$trace" >text.out 2>&1
[ $? -eq 1 ] || fail "replay: expected exit 1 (a finding)"
has text.out "the client hands HANDLE 0x[0-9a-f]+ \(s0\), owned by o0" "text"
hasnt text.out "descriptor [0-9]+ \(s0\)" "text"
md=$(ls ./*.md 2>/dev/null | head -n 1) json=$(ls ./*.json 2>/dev/null | head -n 1)
[ -n "$md" ] && [ -n "$json" ] && [ -f closeonce.sarif ] ||
  { fail "no Markdown, JSON or SARIF report"; ls; exit 1; }
has "$md" "HANDLE 0x[0-9a-f]+ \(s0\)" "Markdown"
has "$md" "HANDLEs: 0x[0-9a-f]+\(o0" "Markdown's annotated trace"
has "$md" "its call fails with ERROR_INVALID_HANDLE" "Markdown's events"
has "$md" "duplicate it \(DuplicateHandle\)" "Markdown's rule"
has "$json" "HANDLE 0x[0-9a-f]+ \(s0\)" "JSON"
has closeonce.sarif "HANDLE 0x[0-9a-f]+ \(s0\)" "SARIF"
"$@" explain --target win32-crt "$trace" >explain.out 2>&1
has explain.out "HANDLEs: 0x[0-9a-f]+\(o0" "explain"
has explain.out "o0: owns HANDLE 0x[0-9a-f]+" "explain"
has explain.out "C-runtime descriptor [0-9]+" "explain"
hasnt explain.out "descriptors:" "explain"
[ $bad -eq 0 ] || exit 1
echo "ok: every report format speaks of HANDLEs and Win32 errors"
