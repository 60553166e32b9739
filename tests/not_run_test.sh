#!/bin/sh
# Steps not run are never agreement (issue 19), on Linux: a trace whose
# fwrite uses a freed FILE* (tests/CMakeLists.txt writes it) is reported as
# "1 step not run" in every format a verdict goes to: the explain verdict,
# the replay line and summary, the text finding, JUnit (passed and failed
# cases), JSON, Markdown and SARIF.
# usage: not_run_test.sh CLOSEONCE WORKDIR TRACE
co=$1 work=$2 trace=$3
what='1 step not run \(step 3: fwrite of a freed stdio object o0\)'
fail=0 n=0
has() { # has FILE-OR-DASH REGEX WHAT: FILE (or $out) has a line matching REGEX
  n=$((n + 1))
  if [ "$1" = - ]; then
    printf '%s\n' "$out" | grep -Eq -- "$2" && return 0
    printf '%s\n' "$out"
  else
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    cat "$1" 2>/dev/null
  fi
  printf -- '--- %s: no line matches: %s\n' "$3" "$2"
  fail=$((fail + 1))
}
rm -rf "$work" && mkdir -p "$work" || exit 1
out=$("$co" explain --target posix-stdio --mode conformance "$trace" 2>&1)
has - "^verdict: ok, $what: model and platform agreed at every step that ran" explain
n=$((n + 1))
if printf '%s\n' "$out" | grep -q 'agreed at every step)'; then
  printf '%s\n--- explain: agreement over a step not run\n' "$out"
  fail=$((fail + 1))
fi
out=$("$co" replay --target posix-stdio --mode conformance \
      --report-dir "$work/ok" "$trace" 2>&1)
has - "^ok +.*\(4 ops, .*; $what\)$" "replay line"
has - '^not run: 1 step in 1 file \(nothing compared there\)$' "replay summary"
has "$work/ok/junit.xml" "<system-out>ok, $what</system-out>" "JUnit (passed)"
# contract mode: the client's move is the finding; the step still did not run
out=$("$co" replay --target posix-stdio --report-dir "$work/found" "$trace" 2>&1)
has - "^  not run: $what$" "text finding"
has "$work/found/junit.xml" "message=\"[^\"]*; $what\"" "JUnit (failed)"
has "$work/found/closeonce.sarif" "\"text\": \"ownership-violation at step 3 .*; $what\"" SARIF
json=$(ls "$work"/found/*.json 2>/dev/null | head -n 1)
has "${json:-$work/found/none.json}" '"not_run": \{"steps": 1, "first_step": 3, "what": "fwrite of a freed stdio object o0"\}' JSON
md=$(ls "$work"/found/*.md 2>/dev/null | head -n 1)
has "${md:-$work/found/none.md}" "^\| not run \| $what: nothing compared there \|$" Markdown
echo "steps not run: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
