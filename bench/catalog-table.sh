#!/bin/sh
# The planted-bug catalog as a Markdown table, from corpus/catalog/*.trace
# (their "# catalog:", "# pattern:" and "# minimal:" lines): for the README
# and bench/results.
cd "$(dirname "$0")/.." || exit 2
echo "| target | the real-world pattern | known minimal trace |"
echo "|---|---|---|"
for f in corpus/catalog/*.trace; do
  t=$(sed -n 's/^# catalog: //p' "$f")
  p=$(sed -n 's/^# pattern: //p' "$f")
  m=$(sed -n 's/^# minimal: //p' "$f")
  echo "| \`$t\` | $p | $m |"
done
