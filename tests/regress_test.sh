#!/bin/sh
# One folder of the regression corpus, corpus/regress/TARGET/: TARGET must
# be a target and the folder must hold at least one trace. A planted-bug
# target's reproducers must each still be a finding on it, and replay clean
# on the target without the bug (the name before the first '-'); a real
# target's reproducers are bugs since fixed: they must replay clean.
# usage: regress_test.sh CLOSEONCE DIR
set -u
co=$1 dir=$2
t=$(basename "$dir")
line=$("$co" targets | awk -v t="$t" '$1 == t')
if [ -z "$line" ]; then
  echo "FAIL $dir: '$t' is not a target (closeonce targets)"; exit 1
fi
n=$(find "$dir" -type f ! -name '.*' | wc -l)
if [ "$n" -eq 0 ]; then
  echo "FAIL $dir: no reproducer in it"; exit 1
fi
[ "$n" -eq 1 ] && files="1 file" || files="$n files"
expect() { # target exit regex
  out=$("$co" replay --target "$1" "$dir" 2>&1)
  rc=$?
  if [ $rc -ne "$2" ] || ! printf '%s\n' "$out" | grep -Eq -- "$3"; then
    printf '%s\n--- FAIL %s on target %s: exit %s, expected %s and /%s/\n' \
      "$out" "$dir" "$1" "$rc" "$2" "$3"
    exit 1
  fi
  printf '%s\n' "$out" | tail -n 1
}
case $line in
*"planted bug"*)
  base=${t%%-*}
  expect "$t" 1 "^replayed $files: 0 ok, $n findings?, 0 unreadable"
  expect "$base" 0 "^replayed $files: $n ok, 0 findings, 0 unreadable"
  echo "regress $t: $n reproducers, each a finding on $t and clean on $base"
  ;;
*)
  expect "$t" 0 "^replayed $files: $n ok, 0 findings, 0 unreadable"
  echo "regress $t: $n reproducers of fixed bugs, each clean"
  ;;
esac
