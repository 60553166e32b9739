#!/usr/bin/env bash
# closeonce's CI campaign: one command, bounded, for every target.
#
#   scripts/fuzz-campaign.sh [--engine libfuzzer|afl|builtin]
#                            [--seconds N | --runs N] [--jobs N]
#                            [--targets "posix zlib ..."] [--out DIR]
#                            [--report-dir DIR] [--isolate]
#                            [--no-faults | --known-faults]
#   scripts/fuzz-campaign.sh --list   (print the default targets)
#
# The default targets: the target list's rows tagged campaign
# (harness/targets.def).
# 1. builds what the engine needs (build/fuzz-ENGINE; installs missing
#    Debian packages like the README's commands);
# 2. replays the regression corpus (corpus/regress/TARGET) first;
# 3. runs each target for N seconds (or N executions) with the engine,
#    starting from its seeds and dictionary; --jobs N uses libFuzzer -fork=N
#    or one AFL++ main and N-1 secondary instances;
# 4. leaves every finding in DIR/TARGET/ (default fuzz-findings/): the
#    engine's input and, beside it, FILE.txt with closeonce's report; the
#    built-in engine goes on after a finding (fuzz --keep-going) and leaves
#    one shrunk trace per distinct bug, TARGET-BUG.trace (a finding that
#    depends on earlier traces is TARGET-BUG.unstable.trace: listed, not
#    counted); --isolate runs each of its traces in a child process;
#    --no-faults draws no `fail` step (docs/faults.md) in any target;
#    --known-faults draws none in the targets that have a published fault
#    finding (a reports/findings/*.trace with a `fail` step), and says so:
#    the campaign then looks for what is not known yet;
# 5. shrinks each finding and saves the minimal trace as
#    DIR/regress/TARGET/BUG.trace, BUG its bug name (VERDICT.PARTY.RULE.STEP,
#    the same from any seed or engine input: inputs that find the same bug
#    leave one file): commit those into corpus/regress/TARGET/ and ctest
#    replays them on every build from then on;
# 6. with --report-dir DIR: DIR/TARGET/ gets junit.xml, closeonce.sarif and,
#    per finding, NAME.md and NAME.json (closeonce replay --report-dir of
#    the minimal reproducers; of the target's corpus, as conformance
#    checks, when it is clean).
# Exit: 0 nothing found, 1 a finding (or a regression input failing),
# 2 bad usage or a failed build.
set -uo pipefail
cd "$(dirname "$0")/.."

engine=libfuzzer seconds= runs= jobs=1 out=fuzz-findings reports= isolate=
faults=all
# The first line of each row: CO_TARGET(KIND, PLATFORMS, "name", "corpus",
# "tags", (POSIX rows: the campaign runs on Linux)
listed() { # tag
  sed -n 's/^CO_TARGET([A-Z]*, \(POSIX\|ALL\), "\([^"]*\)", "[^"]*", "\([^"]*\)",.*/\2 \3/p' \
    harness/targets.def | awk -v tag="$1" '{for (i = 2; i <= NF; i++) if ($i == tag) print $1}'
}
corpus_of() {
  sed -n "s/^CO_TARGET([A-Z]*, [A-Z0-9]*, \"$1\", \"\([^\"]*\)\",.*/\1/p" harness/targets.def
}
targets=$(listed campaign | tr '\n' ' ')
targets=${targets% }
[ -n "$targets" ] || { echo "fuzz-campaign: no campaign targets in harness/targets.def" >&2; exit 2; }
usage() {
  sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
die() {
  echo "fuzz-campaign: $*" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --engine) engine=${2:-}; shift 2 ;;
  --seconds) seconds=${2:-}; shift 2 ;;
  --runs) runs=${2:-}; shift 2 ;;
  --jobs) jobs=${2:-}; shift 2 ;;
  --targets) targets=${2:-}; shift 2 ;;
  --out) out=${2:-}; shift 2 ;;
  --report-dir) reports=${2:-}; shift 2 ;;
  --isolate) isolate=--isolate; shift ;;
  --no-faults) faults=none; shift ;;
  --known-faults) faults=unknown; shift ;;
  --list) echo "$targets"; exit 0 ;;
  -h | --help) usage ;;
  *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$engine" in libfuzzer | afl | builtin) ;; *) die "--engine expects libfuzzer, afl or builtin, got '$engine'" ;; esac
[ -z "$isolate" ] || [ "$engine" = builtin ] || die "--isolate is for --engine builtin (an engine runs its inputs in one process)"
[ "$faults" = all ] || [ "$engine" = builtin ] || die "--no-faults and --known-faults are for --engine builtin (an engine's inputs decode to any operation)"
# The published fault findings of a target (their names), from
# reports/findings/*.trace: those with a `fail` step.
fault_findings() { # target
  local f
  for f in reports/findings/*.trace; do
    [ -e "$f" ] && grep -q '^fail ' "$f" && grep -qx "# target: $1" "$f" &&
      basename "$f" .trace
  done
}
for v in seconds runs jobs; do
  val=${!v}
  [ -z "$val" ] || [[ "$val" =~ ^[1-9][0-9]*$ ]] || die "--$v expects a positive integer, got '$val'"
done
[ -n "$seconds" ] && [ -n "$runs" ] && die "give --seconds or --runs, not both"
[ -z "$seconds" ] && [ -z "$runs" ] && seconds=60
if [ -n "$reports" ]; then mkdir -p "$reports" && reports=$(cd "$reports" && pwd) || die "cannot create --report-dir '$reports'"; fi

source scripts/deps.sh
pkgs="cmake make pkg-config zlib1g-dev $CO_LIB_PACKAGES"
case "$engine" in
libfuzzer) pkgs="$pkgs clang libclang-rt-14-dev" ;;
afl) pkgs="$pkgs clang afl++" ;;
builtin) pkgs="$pkgs gcc" ;;
esac
co_ensure_packages $pkgs || exit 2

build=build/fuzz-$engine
case "$engine" in
libfuzzer) cfg=(-DCMAKE_C_COMPILER=clang -DCO_FUZZ_ENGINE=libfuzzer -DCO_SANITIZE=address,undefined) ;;
afl) cfg=(-DCMAKE_C_COMPILER=afl-clang-fast -DCO_FUZZ_ENGINE=afl) ;;
builtin) cfg=(-DCMAKE_BUILD_TYPE=Release) ;;
esac
echo "== build ($engine) in $build"
cmake -S . -B "$build" -DCO_TESTS=OFF -DCO_BENCH=OFF "${cfg[@]}" >"$build.log" 2>&1 &&
  cmake --build "$build" -j"$(nproc)" >>"$build.log" 2>&1 ||
  { tail -30 "$build.log"; die "build failed (log: $build.log)"; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
found=0

# The report of an input, from the replay runner (it aborts on a finding,
# printing closeonce's report first).
report() { # target file
  { "$build/replay-$1" "$2" >/dev/null 2>"$2.raw"; } 2>/dev/null
  sed -n '/^==closeonce== finding/,/^==closeonce== reproduce/p' "$2.raw" >"$2.txt"
  rm -f "$2.raw"
}

echo "== regression corpus"
for t in $targets; do
  [ -x "$build/replay-$t" ] || die "no such target '$t'"
  [ -d "corpus/regress/$t" ] || continue
  if ! "$build/replay-$t" "corpus/regress/$t" >"$out/regress-$t.log" 2>&1; then
    echo "   $t: FAILED (log: $out/regress-$t.log)"
    found=1
  else
    echo "   $t: $(tail -n 1 "$out/regress-$t.log")"
  fi
done

# The minimal trace of a finding, under its bug's name (the shrink
# header's "bug:" line): inputs that find the same bug leave one file.
regress() { # target file
  local min="$2.min.trace" bug
  "$build/closeonce" shrink --target "$1" "$2" -o "$min" >/dev/null 2>&1 || return 0
  bug=$(sed -n 's/^# bug: \([A-Za-z0-9_.-]*\).*/\1/p' "$min" | head -n 1)
  mkdir -p "$out/regress/$1"
  [ -e "$out/regress/$1/${bug:-finding}.trace" ] ||
    cp "$min" "$out/regress/$1/${bug:-finding}.trace"
}

budget() { [ -n "$seconds" ] && echo "$seconds s" || echo "$runs runs"; }
echo "== campaign: $engine, $(budget) a target, $jobs job(s)"
for t in $targets; do
  dir="$out/$t"
  rm -rf "$dir" "$out/regress/$t" # this run's findings only
  mkdir -p "$dir"
  work="$build/campaign/$t"
  mkdir -p "$work/corpus"
  log="$out/$t.log"
  case "$engine" in
  builtin)
    if [ -n "$seconds" ]; then b=(--seconds "$seconds"); else b=(--runs "$runs"); fi
    nf=()
    [ "$faults" = none ] && nf=(--no-faults)
    if [ "$faults" = unknown ]; then
      known=$(fault_findings "$t" | tr '\n' ' ')
      [ -n "$known" ] && nf=(--no-faults) &&
        echo "   $t: --no-faults (published fault findings: ${known% })"
    fi
    "$build/closeonce" fuzz --target "$t" "${b[@]}" --seed 1 --quiet \
      --keep-going $isolate "${nf[@]}" --out "$dir" >"$log" 2>&1
    rc=$?
    [ $rc -le 1 ] || { cat "$log"; die "closeonce fuzz failed"; }
    ;;
  libfuzzer)
    if [ -n "$seconds" ]; then b=(-max_total_time="$seconds"); else b=(-runs="$runs"); fi
    f=()
    [ "$jobs" -gt 1 ] && f=(-fork="$jobs" -ignore_crashes=0)
    "$build/fuzz-$t" "${b[@]}" "${f[@]}" -seed=1 -dict="$build/seeds/$t.dict" \
      -artifact_prefix="$dir/" "$work/corpus" "$build/seeds/$t" >"$log" 2>&1
    rc=$?
    ;;
  afl)
    if [ -n "$seconds" ]; then b=(-V "$seconds"); else b=(-E "$runs"); fi
    rm -rf "$work/afl"
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
    for ((j = 1; j < jobs; j++)); do
      afl-fuzz -i "$build/seeds/$t" -o "$work/afl" -S "s$j" "${b[@]}" \
        -x "$build/seeds/$t.dict" -- "$build/fuzz-$t" >"$log.s$j" 2>&1 &
    done
    afl-fuzz -i "$build/seeds/$t" -o "$work/afl" -M main "${b[@]}" \
      -x "$build/seeds/$t.dict" -- "$build/fuzz-$t" >"$log" 2>&1
    rc=$?
    wait
    for c in "$work"/afl/*/crashes/id*; do
      [ -e "$c" ] && cp "$c" "$dir/crash-$(basename "$(dirname "$(dirname "$c")")")-$(basename "$c" | cut -d, -f1 | tr : -)"
    done
    [ $rc -eq 0 ] || { tail -20 "$log"; die "afl-fuzz failed (log: $log)"; }
    ;;
  esac
  n=0
  for c in "$dir"/*.unstable.trace; do
    [ -e "$c" ] && echo "   $t: unstable (depends on earlier traces; run with --isolate): $c"
  done
  for c in "$dir"/crash-* "$dir"/*.trace; do
    [ -e "$c" ] || continue
    case "$c" in *.txt | *.min.trace | *.unstable.trace) continue ;; esac
    [ "$engine" = builtin ] || report "$t" "$c"
    regress "$t" "$c"
    n=$((n + 1))
  done
  if [ $n -gt 0 ]; then
    found=1
    bugs=$(ls "$out/regress/$t" 2>/dev/null | wc -l)
    echo "   $t: $n finding(s), $bugs distinct bug(s), in $dir"
    for c in "$dir"/*.txt "$dir"/*.trace; do
      [ -e "$c" ] && sed -n '1,4p' "$c" | sed 's/^/      /' && break
    done
  else
    case "$engine" in
    libfuzzer) what="$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#') executions" ;;
    afl) what="$(awk -F': *' '/^execs_done/ {s += $2} END {print s}' "$work"/afl/*/fuzzer_stats) executions" ;;
    builtin) what=$(grep -oE 'no finding in [0-9]+ traces' "$log") ;;
    esac
    echo "   $t: clean ($what)"
    rmdir "$dir" 2>/dev/null
  fi
  if [ -n "$reports" ]; then
    # The minimal reproducers; for a clean target, its corpus as
    # conformance checks (the corpus shows misuse on purpose).
    src=("$out/regress/$t") mode=()
    [ -d "$src" ] || { src=("corpus/$(corpus_of "$t")"); mode=(--mode conformance); }
    rm -rf "$reports/$t"
    "$build/closeonce" replay --target "$t" "${mode[@]}" --quiet \
      --report-dir "$reports/$t" "${src[@]}" >"$out/$t.reports.log" 2>&1
    [ $? -le 1 ] || { cat "$out/$t.reports.log"; die "cannot write reports in $reports/$t"; }
  fi
done
[ -n "$reports" ] && echo "fuzz-campaign: reports (junit.xml, closeonce.sarif, .md, .json) in $reports/TARGET/"

if [ $found -ne 0 ]; then
  echo "fuzz-campaign: findings in $out"
  [ -d "$out/regress" ] &&
    echo "fuzz-campaign: minimal reproducers in $out/regress/ (commit them to corpus/regress/)"
  exit 1
fi
echo "fuzz-campaign: no finding"
exit 0
