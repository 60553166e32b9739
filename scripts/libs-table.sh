#!/usr/bin/env bash
# The README's table of validated libraries, regenerated: builds
# closeonce-libs (build/release), runs `closeonce-libs table
# reports/findings` (the adapters' contracts, a lockstep contract-mode
# campaign per library, the findings) and puts its output between the
# README's "libs-table" markers. Usage: scripts/libs-table.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
co_ensure_packages cmake make gcc pkg-config zlib1g-dev $CO_LIB_PACKAGES
co_build_release closeonce-libs
table=$(mktemp)
trap 'rm -f "$table"' EXIT
build/release/closeonce-libs table reports/findings "$@" >"$table"
python3 - "$table" <<'PY'
import sys
table = open(sys.argv[1]).read()
readme = open("README.md").read()
begin, end = "<!-- libs-table:begin -->\n", "<!-- libs-table:end -->"
i, j = readme.find(begin), readme.find(end)
if i < 0 or j < i:
    sys.exit("README.md: no libs-table markers")
open("README.md", "w").write(readme[:i + len(begin)] + table + readme[j:])
PY
echo "README.md: libraries table regenerated"
