#!/bin/sh
# fuzz --keep-going on a kit program (tests/kitfix: target kfbug, three
# planted bugs): one run finds exactly three distinct bugs, one each at
# kf_export, kf_put and kf_free; seeds 1, 2 and 3 give the same three
# names; each bug's report file is named after it; without --keep-going the
# run stops at one, --max-findings 2 at two; every "replay it:" command
# printed runs as printed (the kit program's own name, not closeonce) and
# shows its finding; the reports validate.
#   keep_going_test.sh KITFIX WORK SCHEMA TESTS_DIR
kit=$1 work=$2 schema=$3 tests=$4
fail() { echo "keep-going: FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
cd "$work" || exit 1
for s in 1 2 3; do
  "$kit" fuzz --keep-going --runs 20000 --seed $s --quiet --out "s$s" \
    --report-dir "r$s" >"s$s.log" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "s$s.log"; fail "seed $s: exit $rc, expected 1"; }
  grep -q '^3 distinct bugs (3 confirmed, 0 unstable)' "s$s.log" ||
    { cat "s$s.log"; fail "seed $s: not 3 distinct confirmed bugs"; }
  sed -n 's/^  bug  *\([^ ]*\) ([0-9]* hits*)$/\1/p' "s$s.log" | sort >"names$s"
  [ "$(wc -l <"names$s")" -eq 3 ] || fail "seed $s: $(cat "names$s")"
  for e in kf_export kf_put kf_free; do
    [ "$(grep -c "\.$e\$" "names$s")" -eq 1 ] ||
      fail "seed $s: not one bug at $e: $(cat "names$s")"
  done
  # one report and one reproducer per bug, named after it
  for n in $(cat "names$s"); do
    [ -f "r$s/kfbug-$n.json" ] || fail "seed $s: no r$s/kfbug-$n.json"
    grep -q "\"name\": \"$n\"" "r$s/kfbug-$n.json" || fail "r$s/kfbug-$n.json: bug name"
    [ -f "s$s/kfbug-$n.trace" ] || fail "seed $s: no s$s/kfbug-$n.trace"
  done
  # each bug listed once: in the summary and in the report lines
  [ "$(grep -c '^bug [0-9] of 3: ' "s$s.log")" -eq 3 ] || fail "seed $s: bug lines"
done
cmp -s names1 names2 && cmp -s names1 names3 ||
  fail "the names differ between seeds: $(cat names1 names2 names3)"
echo "bugs: $(tr '\n' ' ' <names1)"
# every replay command, exactly as printed
n=0
grep '^replay it:  ' s1.log | sed 's/^replay it:  //' >replays
while IFS= read -r cmd; do
  case "$cmd" in "$kit replay "*) ;; *) fail "not the kit program: $cmd" ;; esac
  out=$(sh -c "$cmd" 2>&1)
  rc=$?
  [ $rc -eq 1 ] || { echo "$out"; fail "'$cmd' exited $rc, expected 1"; }
  echo "$out" | grep -q '^FOUND ' || { echo "$out"; fail "'$cmd' found nothing"; }
  n=$((n + 1))
done <replays
[ $n -eq 3 ] || fail "$n replay commands, expected 3"
# the Markdown report's command too
grep -q "run \`$kit replay --target kfbug --mode contract finding.trace\`" r1/*.md ||
  fail "the Markdown reports do not name the kit program"
# bounded runs
"$kit" fuzz --runs 20000 --seed 1 --quiet --out one >one.log 2>&1
grep -q '^1 distinct bug ' one.log || { cat one.log; fail "without --keep-going"; }
"$kit" fuzz --max-findings 2 --runs 20000 --seed 1 --quiet --out two >two.log 2>&1
grep -q '^2 distinct bugs ' two.log || { cat two.log; fail "--max-findings 2"; }
# the reports: JSON Schema, JUnit, SARIF 2.1.0
/usr/bin/python3 "$tests/validate_reports.py" "$schema" r1 3 || fail "reports"
/usr/bin/python3 "$tests/validate_sarif.py" "$kit" r1/closeonce.sarif 3 || fail "SARIF"
echo "keep-going: all checks passed"
