#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run the default
# campaign (the built-in generator against the POSIX target, 60 s) with a
# live progress line and a summary. Extra arguments go to `closeonce fuzz`
# (for example: ./run.sh --seconds 300 --seed 42).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
co_ensure_packages cmake make gcc pkg-config zlib1g-dev $CO_LIB_PACKAGES
co_build_release closeonce
has_budget=0
for a in "$@"; do
  case "$a" in --seconds | --seconds=* | --runs | --runs=*) has_budget=1 ;; esac
done
if [ "$has_budget" = 0 ]; then set -- --seconds 60 "$@"; fi
exec build/release/closeonce fuzz --target posix "$@"
