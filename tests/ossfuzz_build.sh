#!/bin/sh
# The project's own OSS-Fuzz / ClusterFuzzLite build (.clusterfuzzlite/
# build.sh), run the way OSS-Fuzz runs it: the script at $SRC/build.sh, the
# sources at $SRC/closeonce (the working directory), fresh $OUT and $WORK,
# and the variables of OSS-Fuzz's AddressSanitizer build for one engine:
#   libfuzzer  CC=clang, CFLAGS with -fsanitize=fuzzer-no-link,
#              LIB_FUZZING_ENGINE=-fsanitize=fuzzer
#   afl        CC=afl-clang-fast, LIB_FUZZING_ENGINE=AFL++'s libAFLDriver.a
# Then: every target of the list has its program, seed corpus and
# dictionary in $OUT, and loads every shared library but the C library's
# from $OUT/lib (the runners have none of the image's packages); the clean
# targets given run every seed of their corpus with exit 0 (libFuzzer:
# -runs=0 over the unzipped corpus, with the dictionary; AFL++'s driver:
# the seed files), and the planted one stops on a seed with closeonce's
# finding.
# Exit 77 (ctest: skipped) if the engine's runtime is missing.
# usage: ossfuzz_build.sh libfuzzer|afl SRC BIN TARGETS PLANTED CLEAN...
#   TARGETS  this build's targets, a,b,... (every one needs its files)
#   PLANTED  a planted target whose seeds show its bug
#   CLEAN    clean targets whose seeds must run clean
set -u
engine=$1 src=$2 bin=$3 targets=$4 planted=$5
shift 5
clean=$* # (the engine's variables take "$@" below)
w=$bin/ossfuzz-test-$engine

what="ossfuzz build test ($engine)"
. "$(dirname "$0")/script_lib.sh"

# OSS-Fuzz's flags (its base-builder's defaults for AddressSanitizer).
san="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
case $engine in
libfuzzer)
  command -v clang >/dev/null || skip "clang is not installed (Debian: clang)"
  rt=$(clang -print-runtime-dir 2>/dev/null)
  ls "$rt"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
    skip "clang has no libFuzzer runtime in '$rt' (Debian: libclang-rt-14-dev)"
  set -- CC=clang "CFLAGS=$san -fsanitize=fuzzer-no-link" \
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer
  ;;
afl)
  afl_cc=$(command -v afl-clang-fast) ||
    skip "AFL++'s afl-clang-fast is not installed (Debian: afl++)"
  driver=$(dirname "$afl_cc")/../lib/afl/libAFLDriver.a
  [ -f "$driver" ] || skip "AFL++'s libAFLDriver.a is not in $(dirname "$driver")"
  set -- "CC=$afl_cc" "CFLAGS=$san" "LIB_FUZZING_ENGINE=$driver"
  ;;
*) fail "usage: ossfuzz_build.sh libfuzzer|afl SRC BIN TARGETS PLANTED CLEAN..." ;;
esac
command -v unzip >/dev/null || fail "unzip is not installed (Debian: unzip)"

rm -rf "$w"
mkdir -p "$w/out" "$w/work" "$w/seeds"
# $SRC outside the tree (a link to the tree inside it would be a cycle).
SRC=$(mktemp -d) || fail "mktemp -d"
trap 'rm -rf "$SRC"' EXIT
ln -s "$src" "$SRC/closeonce"
cp "$src/.clusterfuzzlite/build.sh" "$SRC/build.sh"
t0=$(now)
(cd "$SRC/closeonce" && env "$@" OUT="$w/out" WORK="$w/work" SRC="$SRC" \
  bash "$SRC/build.sh") >"$w/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || {
  tail -40 "$w/build.log"
  fail "build.sh exit $rc (log $w/build.log)"
}
echo "build.sh ($engine): $(tail -n 1 "$w/build.log"), in $(since "$t0") s"

# Every target of the list: program, seed corpus, dictionary.
n=0
for t in $(echo "$targets" | tr , ' '); do
  o=$w/out/$t
  [ -x "$o" ] || fail "no program $o for target $t"
  [ -s "$o.dict" ] || fail "no dictionary $o.dict"
  mkdir -p "$w/seeds/$t"
  (cd "$w/seeds/$t" && unzip -q "${o}_seed_corpus.zip") ||
    fail "cannot unzip ${o}_seed_corpus.zip"
  ls "$w/seeds/$t"/*.bin >/dev/null 2>&1 || fail "${o}_seed_corpus.zip has no seeds"
  # What it loads comes from $OUT/lib (the runners have only the C library).
  outside=$(ldd "$o" | awk '$2 == "=>" {print $1, $3}' |
    grep -v " $w/out/lib/" |
    grep -Ev "^(libc|libm|libdl|libpthread|librt|libresolv|libutil)[.]so" |
    tr '\n' ' ')
  [ -z "$outside" ] || fail "$o loads libraries from outside \$OUT/lib: $outside"
  n=$((n + 1))
done
[ $n -gt 0 ] || fail "no targets given"
echo "  $n targets: each has its program, seed corpus and dictionary," \
  "and loads its libraries from \$OUT/lib ($(ls "$w/out/lib" | wc -l) there)"

# run T LOG: T over its seeds; prints the exit status.
run() {
  if [ $engine = libfuzzer ]; then
    "$w/out/$1" -runs=0 -error_exitcode=42 -dict="$w/out/$1.dict" \
      "$w/seeds/$1" >"$2" 2>&1
  else
    "$w/out/$1" "$w/seeds/$1"/*.bin >"$2" 2>&1
  fi
  echo $?
}
for t in $clean; do
  log=$w/run-$t.log
  rc=$(run "$t" "$log")
  seeds=$(ls "$w/seeds/$t" | wc -l)
  [ "$rc" -eq 0 ] || {
    tail -20 "$log"
    fail "$t over its $seeds seeds: exit $rc (log $log)"
  }
  if [ $engine = libfuzzer ]; then
    ran=$(sed -n 's/^#\([0-9]*\)[[:space:]]*INITED.*/\1/p' "$log")
    grep -q "^Dictionary: [1-9]" "$log" || fail "$t: its dictionary was not read (log $log)"
  else
    ran=$(grep -c "^Execution successful" "$log")
  fi
  [ "${ran:-0}" -ge "$seeds" ] || fail "$t: $seeds seeds, ${ran:-0} ran (log $log)"
  echo "  $t: $seeds seeds ran, exit 0"
done
log=$w/run-$planted.log
rc=$(run "$planted" "$log")
if [ $engine = libfuzzer ]; then want=42; else want=134; fi # its crash; abort
[ "$rc" -eq $want ] || fail "$planted over its seeds: exit $rc, not $want (log $log)"
grep -q "==closeonce== finding (target $planted" "$log" ||
  fail "$planted stopped without closeonce's finding (log $log)"
echo "  $planted: exit $rc, $(grep -o "==closeonce== finding.*" "$log" | head -n 1)"
