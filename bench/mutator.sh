#!/usr/bin/env bash
# Does the structure-aware mutator help? Time to first detection of each
# planted bug with libFuzzer, from an empty corpus, with and without it
# (CLOSEONCE_MUTATOR=bytes), over 5 seeds; median and max, capped.
#   bench/mutator.sh BUILD_DIR [CAP_SECONDS]   (BUILD_DIR: a libFuzzer build)
set -u
build=${1:?usage: bench/mutator.sh BUILD_DIR [CAP_SECONDS]}
cap=${2:-30}
work=$(mktemp -d)
printf '%-20s %-10s %8s %8s %8s  %s\n' bug mutator median max found runs-to-find
for bug in demo-export-nodup demo-detach-closes demo-close-leaks; do
  for mode in structured bytes; do
    times=() runs=() found=0
    for seed in 1 2 3 4 5; do
      rm -rf "$work/c" && mkdir -p "$work/c"
      env=()
      [ $mode = bytes ] && env=(CLOSEONCE_MUTATOR=bytes)
      t0=$(date +%s.%N)
      env "${env[@]}" "$build/fuzz-$bug" -seed=$seed -max_len=128 \
        -max_total_time=$cap -artifact_prefix="$work/" "$work/c" \
        >"$work/log" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      if [ $rc -ne 0 ]; then
        found=$((found + 1))
        times+=("$(echo "$t1 - $t0" | bc)")
        runs+=("$(grep -Eo '^#[0-9]+' "$work/log" | tail -n 1 | tr -d '#')")
      else
        times+=("$cap")
        runs+=(">cap")
      fi
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    med=$(echo "$sorted" | sed -n 3p)
    max=$(echo "$sorted" | tail -n 1)
    printf '%-20s %-10s %7.2fs %7.2fs %6s/5  %s\n' "$bug" "$mode" "$med" "$max" \
      "$found" "${runs[*]}"
  done
done
rm -rf "$work"
