#!/bin/sh
# A finding as a regression case: replay its trace and check that the
# library still behaves as reports/findings/NAME.md says (its header:
# "# target: T", "# mode: M", "# expect: EXIT REGEX" and any number of
# "# expect-also: REGEX"; each REGEX must match a line). A library that
# changes shows up here.
#   findings_test.sh CLOSEONCE FILE.trace
co=$1 f=$2
t=$(sed -n 's/^# target: //p' "$f")
m=$(sed -n 's/^# mode: //p' "$f")
e=$(sed -n 's/^# expect: //p' "$f")
want=${e%% *} re=${e#* }
if [ -z "$t" ] || [ -z "$m" ] || [ -z "$e" ]; then
  echo "$f: needs '# target:', '# mode:' and '# expect: EXIT REGEX' lines" >&2
  exit 2
fi
out=$("$co" replay --target "$t" --mode "$m" "$f" 2>&1)
rc=$?
echo "$out"
if [ "$rc" != "$want" ]; then
  echo "findings: $f: replay exited $rc, expected $want" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$re"; then
  echo "findings: $f: output does not match '$re'" >&2
  exit 1
fi
sed -n 's/^# expect-also: //p' "$f" | while IFS= read -r also; do
  printf '%s\n' "$out" | grep -Eq -- "$also" ||
    { echo "findings: $f: output does not match '$also'" >&2; exit 1; }
done || exit 1
echo "findings: $f: observed as reported"
