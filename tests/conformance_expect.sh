#!/bin/sh
# conformance_expect.sh: checks a directory of conformance traces against
# the values their source test suite asserts.
#
# usage: conformance_expect.sh [--free-std] CLOSEONCE TARGET DIR
#
# --free-std replays and explains with --free-std: the traces own 0-2
# (corpus/conformance/ltp-std, docs/posix.md#free-std).
# Every step line of a trace in DIR may end with an annotation, the value
# the suite asserts for that step, and the suite's assertion ids:
#   close s0              # want: EBADF [close02.2]
# A value is one of:
#   EXXX or EXXX|EYYY  the step fails (-1) with that errno (or one of them)
#   N                  the step returns exactly N (an integer)
#   fd                 the step returns a descriptor (>= 0)
#   fds                a two-slot step (pipe) returns two descriptors
#   >0                 the step returns a positive value
#   =sK                the step returns the number slot sK held before it
#   >=sK               the step returns at least that number
#   >=N                the step returns at least the integer N
#   "BYTES"            a read returned exactly these bytes, as explain
#                      prints them (\0 for a zero byte): its count is
#                      their number
#   N(O_NONBLOCK)      getfl returned N with O_NONBLOCK set (a plain N on
#                      getfl means O_NONBLOCK is clear)
#   st_mode=OCTAL      fstat returned 0 with that st_mode (type and bits)
#   st_mode=sK         fstat returned 0 with the st_mode that the last
#                      fstat of slot sK before it showed
# The script replays DIR (`closeonce replay`: model and platform must agree
# at every step, no step refused), then runs `closeonce explain` on each
# trace and compares each annotated step's result with its annotation. It
# fails (exit 1) on any divergence, refused step, mismatch, or a trace with
# no annotation; bad usage or an unreadable DIR is exit 2.
set -u
std=
if [ $# -ge 1 ] && [ "$1" = --free-std ]; then
  std=--free-std
  shift
fi
if [ $# -ne 3 ]; then
  echo "usage: conformance_expect.sh [--free-std] CLOSEONCE TARGET DIR" >&2
  exit 2
fi
co=$1 target=$2 dir=$3
if [ ! -d "$dir" ] || [ ! -r "$dir" ]; then
  echo "conformance_expect.sh: $dir: not a readable directory" >&2
  exit 2
fi
out=$("$co" replay --target "$target" $std "$dir" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -Eq ' 0 findings, 0 unreadable'; then
  echo "FAIL: replay of $dir: exit $rc, not every trace agreed"
  exit 1
fi
if printf '%s\n' "$out" | grep -Eq 'refused|not run'; then
  echo "FAIL: replay of $dir: a step was refused (not run)"
  exit 1
fi
# explain's step lines ("   N  OP  -> RESULT") come in CO_EXPLAIN;
# the trace file is the input.
prog=$(cat <<'AWK'
function stmode(x) { sub(/^0 \(st_mode /, "", x); sub(/,.*/, "", x); return x }
BEGIN {
  n = split(ENVIRON["CO_EXPLAIN"], L, "\n")
  for (i = 1; i <= n; i++) {
    if (L[i] !~ /^ *[0-9]+  /) continue
    s = L[i]; sub(/^ */, "", s)
    k = s; sub(/ .*/, "", k)
    op = s; sub(/^[0-9]+  /, "", op); sub(/ *->.*/, "", op)
    r = s; sub(/.*-> /, "", r)
    OPS[k + 0] = op; RES[k + 0] = r; nres++
  }
  step = 0; fails = 0; wants = 0; nid = 0
}
{
  line = $0; ann = ""
  if (index(line, "#")) {
    ann = substr(line, index(line, "#") + 1)
    line = substr(line, 1, index(line, "#") - 1)
  }
  gsub(/^[ \t]+|[ \t]+$/, "", line)
  if (line == "") next
  if (!(step in RES)) {
    printf "FAIL: %s:%d: step %d not in explain's output\n", f, FNR, step
    fails++; step++; next
  }
  r = RES[step]
  if (ann ~ /^ *want:/) {
    sub(/^ *want: */, "", ann)
    w = ann; sub(/ .*/, "", w)
    idl = ann; sub(/^[^ ]* */, "", idl)
    gsub(/\[|\]/, " ", idl)
    nid += split(idl, IDS, " ")
    wants++
    ok = 0; got = r
    num = (r ~ /^-?[0-9]+$/)
    if (w ~ /^E[A-Z]+(\|E[A-Z]+)*$/) {
      ok = 0; nn = split(w, ER, "|")
      for (j = 1; j <= nn; j++) if (r == "-1 " ER[j]) ok = 1
    } else if (w ~ /^-?[0-9]+$/) ok = num && r + 0 == w + 0
    else if (w == "fd") ok = num && r + 0 >= 0
    else if (w == "fds") ok = (r ~ /^[0-9]+ [0-9]+$/)
    else if (w == ">0") ok = num && r + 0 > 0
    else if (w ~ /^>=-?[0-9]+$/) ok = num && r + 0 >= substr(w, 3) + 0
    else if (w ~ /^"[^"]*"$/) {
      b = substr(w, 2, length(w) - 2)
      nb = length(b) - gsub(/\\0/, "&", b)
      ok = (r == nb " " w)
    } else if (w ~ /^-?[0-9]+\(O_NONBLOCK\)$/) {
      v = w; sub(/\(.*/, "", v)
      ok = (r == v " (O_NONBLOCK)")
    } else if (w ~ /^st_mode=[0-7]+$/) {
      ok = (r ~ /^0 \(st_mode /) && stmode(r) == substr(w, 9)
    } else if (w ~ /^st_mode=s[0-9]+$/) {
      sl = substr(w, 10)
      if (!(sl in MODE)) {
        printf "FAIL: %s:%d: want %s, but s%s has no fstat before it\n", f, FNR, w, sl
        fails++
      } else {
        ok = (r ~ /^0 \(st_mode /) && stmode(r) == MODE[sl]
        got = r " (s" sl "'s st_mode was " MODE[sl] ")"
      }
    } else if (w ~ /^>?=s[0-9]+$/) {
      sl = w; sub(/^>?=s/, "", sl)
      if (!(sl in SLOT)) {
        printf "FAIL: %s:%d: want %s, but s%s holds no number yet\n", f, FNR, w, sl
        fails++
      } else if (w ~ /^>=/) ok = num && r + 0 >= SLOT[sl] + 0
      else ok = num && r + 0 == SLOT[sl] + 0
      got = r " (s" sl " held " SLOT[sl] ")"
    } else {
      printf "FAIL: %s:%d: bad want '%s'\n", f, FNR, w
      fails++
    }
    if (!ok) {
      printf "FAIL: %s:%d: step %d '%s' gave %s, the suite asserts %s\n", f, FNR, step, OPS[step], got, w
      fails++
    }
  }
  if (OPS[step] ~ /^fstat s[0-9]+$/ && r ~ /^0 \(st_mode /) {
    d = OPS[step]; sub(/^fstat s/, "", d)
    MODE[d] = stmode(r)
  }
  if (OPS[step] ~ /^s[0-9]+ s[0-9]+ = / && r ~ /^[0-9]+ [0-9]+$/) {
    d = OPS[step]; sub(/^s/, "", d); d2 = d; sub(/ .*/, "", d)
    sub(/^[0-9]+ s/, "", d2); sub(/ .*/, "", d2)
    v = r; sub(/ .*/, "", v); v2 = r; sub(/.* /, "", v2)
    SLOT[d] = v; SLOT[d2] = v2
  } else if (OPS[step] ~ /^s[0-9]+ = /) {
    d = OPS[step]; sub(/^s/, "", d); sub(/ .*/, "", d)
    v = r; sub(/ .*/, "", v)
    SLOT[d] = v
  }
  step++
}
END {
  if (step != nres) {
    printf "FAIL: %s: %d steps in the trace, %d in explain's output\n", f, step, nres
    fails++
  }
  if (wants == 0) { printf "FAIL: %s: no 'want:' annotation\n", f; fails++ }
  printf "RESULT %d %d %d\n", wants, nid, fails
}
AWK
)
files=0 values=0 ids=0 bad=0
for f in "$dir"/*.trace; do
  [ -e "$f" ] || continue
  files=$((files + 1))
  ex=$("$co" explain --target "$target" $std "$f" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || ! printf '%s\n' "$ex" | grep -q '^verdict: ok'; then
    printf '%s\nFAIL: %s: explain exit %s, verdict not ok\n' "$ex" "$f" "$rc"
    bad=$((bad + 1))
    continue
  fi
  if printf '%s\n' "$ex" | grep -Eq 'not run|refused'; then
    printf '%s\nFAIL: %s: a step was refused (not run)\n' "$ex" "$f"
    bad=$((bad + 1))
    continue
  fi
  res=$(CO_EXPLAIN=$ex awk -v f="$f" "$prog" "$f")
  printf '%s\n' "$res" | grep -v '^RESULT' || true
  set -- $(printf '%s\n' "$res" | sed -n 's/^RESULT //p')
  values=$((values + ${1:-0}))
  ids=$((ids + ${2:-0}))
  bad=$((bad + ${3:-1}))
done
if [ $files -eq 0 ]; then
  echo "FAIL: no traces in $dir"
  exit 1
fi
if [ $bad -ne 0 ]; then
  echo "FAIL: $bad disagreements with the suite in $files traces"
  exit 1
fi
echo "conformance: $files traces, $values annotated steps ($ids suite assertions) as the suite asserts"
