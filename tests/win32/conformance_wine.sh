#!/bin/sh
# usage: conformance_wine.sh [--free-std] [--crt msvcrt|ucrt] TARGET DIR
#                            CLOSEONCE...
# Wine's own conformance tests, as corpus traces (corpus/conformance/wine,
# docs/conformance-wine.md): every trace in DIR is explained on TARGET in
# conformance mode, and each value its comments say Wine's test asserts
# must be the value the platform gave (explain prints it; the model agreed
# or the verdict says otherwise). Expectation lines, in a trace's comments:
#   # expect N: = VALUE          step N ran and returned VALUE exactly
#   # expect N: same as K        step N returned what step K returned
#   # expect N: same as K.J      ... what step K, which binds two slots
#                                (pipe), returned as its J-th value (1, 2)
#   # expect N: differs from K   step N returned something else
#   # expect N: != VALUE         step N ran and returned anything but VALUE
#   # expect N: has TEXT         step N ran and its block shows TEXT
#   # expect-refused N: ...      the same, but closeonce may refuse the
#                                step today ("not run"): counted, reported
#   # expect-quirk N QUIRK: ...  Wine's test asserts this (Windows), but the
#                                Wine here may differ by the model's
#                                documented quirk QUIRK: the step must run
#                                and the verdict be ok (the model, with the
#                                quirk, agreed); a value that differs is
#                                counted as a quirk, not as checked
#   # expect-msvcrt N: ...       the same, only when --crt says this build's
#   # expect-ucrt N: ...         C runtime is that one (Wine's msvcrt tests
#                                assert msvcrt.dll's value; UCRT's differs
#                                where docs/crt.md says so); ignored for the
#                                other, an error without --crt
# --free-std explains with --free-std: the traces own the C runtime's 0-2
# (corpus/conformance/wine/crt-std, docs/crt.md#free-std).
# Fails when a verdict is not ok, an expectation is not met, a step is not
# run without an expect-refused line, or a trace has no expectation.
std= crt=
while :; do
  case "${1:-}" in
  --free-std) std=--free-std; shift ;;
  --crt)
    case "${2:-}" in msvcrt | ucrt) crt=$2 ;;
    *) echo "conformance_wine.sh: --crt expects msvcrt or ucrt, got '${2:-}'" >&2; exit 2 ;;
    esac
    shift 2 ;;
  *) break ;;
  esac
done
[ $# -ge 3 ] || { echo "usage: conformance_wine.sh [--free-std] [--crt msvcrt|ucrt] TARGET DIR CLOSEONCE..." >&2; exit 2; }
target=$1 dir=$2
shift 2
[ -d "$dir" ] || { echo "no directory $dir"; exit 2; }
bad=0 files=0 checked=0 refused=0 quirks=0
out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT
for trace in $(find "$dir" -name '*.trace' | sort); do
  files=$((files + 1))
  "$@" explain --target "$target" --mode conformance $std "$trace" >"$out" 2>&1
  rc=$?
  res=$(awk -v trace="$trace" -v rc="$rc" -v crt="$crt" -f - "$out" <<'EOF'
function fail(msg) { printf "FAIL %s: %s\n", trace, msg; bad++ }
{ sub(/\r$/, "") } # the Windows program's line ends
# step lines: "   N  text  -> result"; the block runs to the next step line
/^ *[0-9]+  / && index($0, "-> ") {
  n = $1 + 0
  r = substr($0, index($0, "-> ") + 3)
  sub(/ +$/, "", r)
  result[n] = r
  block[n] = $0
  cur = n
  ran[n] = (r !~ /\(not run\)/)
  next
}
/^verdict: / { verdict = $0; cur = -1; next }
cur >= 0 { block[cur] = block[cur] "\n" $0 }
END {
  if (rc != 0) fail("explain exited " rc)
  if (verdict !~ /^verdict: ok/) fail("verdict is not ok: " verdict)
  while ((getline line < trace) > 0) {
    if (line ~ /^# expect-(msvcrt|ucrt) [0-9]+: /) {
      if (crt == "") { fail("needs --crt: " line); continue }
      if (line !~ ("^# expect-" crt " ")) continue # the other runtime's
      sub(/^# expect-(msvcrt|ucrt) /, "# expect ", line)
    }
    if (line !~ /^# expect(-refused)? [0-9]+: / &&
        line !~ /^# expect-quirk [0-9]+ [A-Z0-9_]+: /) continue
    allow = (line ~ /^# expect-refused/)
    quirk = (line ~ /^# expect-quirk/)
    spec = line
    sub(/^# expect(-refused|-quirk)? /, "", spec)
    n = spec + 0
    sub(/^[0-9]+( [A-Z0-9_]+)?: /, "", spec)
    nexp++
    declared[n] = allow
    if (!(n in result)) { fail("no step " n " in the output"); continue }
    if (!ran[n]) {
      if (allow) refused++
      else fail("step " n " was not run: " block[n])
      continue
    }
    okk = 0
    if (spec ~ /^= /) okk = (result[n] == substr(spec, 3))
    else if (spec ~ /^!= /) okk = (result[n] != substr(spec, 4))
    else if (spec ~ /^same as [0-9]+$/) okk = (result[n] == result[substr(spec, 9) + 0])
    else if (spec ~ /^same as [0-9]+\.[12]$/) {
      split(substr(spec, 9), kj, ".")
      split(result[kj[1] + 0], two, " ")
      okk = (result[n] == two[kj[2] + 0])
    }
    else if (spec ~ /^differs from [0-9]+$/) okk = (result[n] != result[substr(spec, 14) + 0])
    else if (spec ~ /^has /) okk = (index(block[n], substr(spec, 5)) > 0)
    else { fail("bad expectation line: " line); continue }
    if (okk) checked++
    else if (quirk) quirked++
    else fail("step " n ": expected " spec ", got: " block[n])
  }
  if (!nexp) fail("no expectation lines")
  for (n in ran)
    if (!ran[n] && !(n in declared)) fail("step " n " not run and not declared: " block[n])
  printf "RESULT %d %d %d %d\n", bad, checked, refused, quirked
}
EOF
)
  printf '%s\n' "$res" | grep -v '^RESULT' || true
  line=$(printf '%s\n' "$res" | grep '^RESULT')
  b=$(echo "$line" | cut -d' ' -f2) c=$(echo "$line" | cut -d' ' -f3)
  r=$(echo "$line" | cut -d' ' -f4) q=$(echo "$line" | cut -d' ' -f5)
  [ -n "$b" ] || { echo "FAIL $trace: no result"; b=1 c=0 r=0 q=0; }
  if [ "$b" -ne 0 ]; then sed -n 1,80p "$out"; fi
  bad=$((bad + b)) checked=$((checked + c)) refused=$((refused + r))
  quirks=$((quirks + q))
done
[ "$files" -gt 0 ] || { echo "no traces in $dir"; exit 2; }
echo "conformance/wine on $target: $files traces, $checked asserted values checked, $quirks differ by a documented quirk, $refused refused today, $bad failures"
[ "$bad" -eq 0 ] || exit 1
