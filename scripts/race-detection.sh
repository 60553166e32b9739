#!/bin/sh
# Time to detection of racelib's planted races (docs/threads.md#racelib),
# the built-in generator against the naive baseline: for each race, each
# engine and each seed, one `closeonce fuzz` campaign that stops at its
# first finding; a Markdown table row per race and engine: how many seeds
# found it, the median and the largest number of traces and time to the
# first finding among those that did, and the lengths of the shrunk
# reproducers.
#
#   sh scripts/race-detection.sh CLOSEONCE [SEEDS [RUNS [threaded]]]
#
# SEEDS: 1..SEEDS (default 5); RUNS: each campaign's budget of traces
# (default 200000). The engines: the generator drawing parallel traces of
# 2, 3 and 4 threads (--threads N), the generator without threads, and
# --naive (random bytes decoded), with and without --threads 2; with
# "threaded", only the engines that draw parallel traces.
# Exit 0, or 2 on bad usage.
set -u
co=${1:?usage: race-detection.sh CLOSEONCE [SEEDS [RUNS]]}
seeds=${2:-5}
runs=${3:-200000}
only=${4:-}
case $seeds$runs in *[!0-9]*) echo "race-detection: SEEDS and RUNS are numbers" >&2; exit 2 ;; esac
races="race-close-reuse race-tls-cache race-post-after-close race-preclose-late"
tmp=${TMPDIR:-/tmp}/race-detection.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT

# median and maximum of the numbers on stdin, one a line
stats() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%s / %s", v[int((NR + 1) / 2)], v[NR]; else printf "-" }'; }

echo "| race | engine | found (seeds) | traces to detection, median / max | ms to detection, median / max | shrunk to (operations) |"
echo "|---|---|---|---|---|---|"
for t in $races; do
  for eng in "--threads 2" "--threads 3" "--threads 4" "" "--naive" "--naive --threads 2"; do
    case $only/$eng in threaded/*--threads*) ;; threaded/*) continue ;; esac
    : > "$tmp/n"
    : > "$tmp/ms"
    : > "$tmp/len"
    found=0
    s=1
    while [ "$s" -le "$seeds" ]; do
      # shellcheck disable=SC2086 # the engine's flags are words
      out=$("$co" fuzz --target "$t" $eng --runs "$runs" --seed "$s" --quiet \
        --out "$tmp/out" 2>&1)
      rc=$?
      if [ "$rc" -eq 2 ]; then
        echo "race-detection: $t $eng: $(printf '%s\n' "$out" | tail -n 1)" >&2
        break
      fi
      line=$(printf '%s\n' "$out" | grep -oE 'first in run [0-9]+ after [0-9.]+ m?s' | head -n 1)
      if [ "$rc" -eq 1 ] && [ -n "$line" ]; then
        found=$((found + 1))
        # runs count from 0; the time is in ms or s
        echo "$line" | awk '{ print $4 + 1 }' >> "$tmp/n"
        echo "$line" | awk '{ print $7 == "s" ? $6 * 1000 : $6 }' >> "$tmp/ms"
        printf '%s\n' "$out" | sed -n 's/^reproducer: .*(\([0-9]*\) operations)$/\1/p' |
          head -n 1 >> "$tmp/len"
      fi
      s=$((s + 1))
    done
    lens=$(sort -n "$tmp/len" | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
    echo "| $t | ${eng:-no threads} | $found of $seeds | $(stats < "$tmp/n") | $(stats < "$tmp/ms") | ${lens:--} |"
  done
done
