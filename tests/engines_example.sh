#!/bin/sh
# The kit's fuzz engines, as a library author uses them: install closeonce
# into a fresh prefix, then build examples/bytesink against it and run its
# libFuzzer and AFL++ programs.
#   cmake  closeonce_add_adapter(... ENGINES libfuzzer afl): configure and
#          build the example, run its engine tests (libFuzzer over the
#          seeds, the AFL++ program on each seed, afl-fuzz), all clean;
#          then the example with its planted bug (BYTESINK_PLANTED_BUG):
#          both engines, from no seed at all, must find it, and the kit
#          program's replay of each crash file must report it.
#   ossfuzz  examples/bytesink/.clusterfuzzlite/build.sh with the variables
#          set as OSS-Fuzz sets them, for libFuzzer and for AFL++; each
#          program then runs its seed corpus and dictionary.
# Exit 77 (ctest: skipped) if clang's libFuzzer or AFL++ is missing.
# usage: engines_example.sh cmake|ossfuzz SRC BIN CC
set -u
mode=$1 src=$2 bin=$3 cc=$4
example=$src/examples/bytesink
work=$bin/engines-test-$mode
prog=bytesink-closeonce

what="engines test"
. "$(dirname "$0")/script_lib.sh"
# run LOG CMD...: run CMD with its output in LOG; fail with LOG's tail.
run() {
  log=$1
  shift
  "$@" >"$log" 2>&1
  rc=$?
  [ $rc -eq 0 ] && return 0
  tail -40 "$log"
  fail "$* (exit $rc, log $log)"
}

command -v clang >/dev/null || skip "clang is not installed (Debian: clang)"
rt=$(clang -print-runtime-dir 2>/dev/null)
ls "$rt"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
  skip "clang has no libFuzzer runtime in '$rt' (Debian: libclang-rt-14-dev)"
afl_cc=$(command -v afl-clang-fast || command -v afl-cc) ||
  skip "AFL++ (afl-clang-fast or afl-cc) is not installed (Debian: afl++)"
command -v afl-fuzz >/dev/null || skip "afl-fuzz is not installed (Debian: afl++)"
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_AFFINITY=1
# afl-fuzz sets the sanitizers' options itself (and refuses most others).
afl() { env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS afl-fuzz "$@"; }

rm -rf "$work"
mkdir -p "$work"

# afl_until_crash PROG IN OUT: afl-fuzz from IN until its first crash (at
# most 2000000 executions); prints the crash file, or fails.
afl_until_crash() {
  AFL_BENCH_UNTIL_CRASH=1 run "$3.log" afl -i "$2" -o "$3" -E 2000000 \
    -- "$1"
  c=$(ls "$3"/default/crashes/id* 2>/dev/null | head -n 1)
  [ -n "$c" ] || fail "afl-fuzz found no crash in $1 (log $3.log)"
  echo "$c"
}

if [ "$mode" = cmake ]; then
  run "$work/install.log" cmake --install "$bin" --prefix "$work/prefix"
  t0=$(now)
  run "$work/configure.log" cmake -S "$example" -B "$work/clean" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DBYTESINK_ENGINES=libfuzzer;afl"
  run "$work/build.log" cmake --build "$work/clean" -j2
  echo "example with ENGINES libfuzzer afl: configured and built in $(since "$t0") s"
  for f in $prog $prog-libfuzzer $prog-afl $prog.dict $prog-seeds/take-then-free.bin; do
    [ -s "$work/clean/$f" ] || fail "the build made no $f"
  done
  run "$work/ctest.log" ctest --test-dir "$work/clean" -V
  grep -q "100% tests passed, 0 tests failed out of 5" "$work/ctest.log" ||
    fail "the example's 5 tests did not all run and pass (log $work/ctest.log)"
  grep -E "^[0-9]+: -- (libfuzzer|afl-seeds|afl-fuzz) .*no finding" \
    "$work/ctest.log" | sed 's/^[0-9]*: -- /  /'

  # Mis-declarations: configure errors (or, for a missing compiler, a
  # warning and no program), each naming what is wrong.
  cp -r "$example" "$work/nomain"
  sed -i 's/^CO_KIT_MAIN(adapter, \(.*\))$/int main(int argc, char **argv) {\n  return co_kit_main(argc, argv, \&adapter, \1);\n}/' \
    "$work/nomain/adapter.c"
  grep -q "CO_KIT_MAIN(" "$work/nomain/adapter.c" &&
    fail "could not take CO_KIT_MAIN out of a copy of adapter.c"
  configure_says() { # what, cmake args...: configure fails saying what
    what=$1
    shift
    cmake "$@" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" \
      >"$work/bad.log" 2>&1 && fail "configure $* passed"
    tr -s ' \n' '  ' <"$work/bad.log" | grep -q "$what" ||
      fail "configure $*: no '$what' in $(cat "$work/bad.log")"
  }
  configure_says "ENGINES needs CO_KIT_MAIN(adapter, summary) or CO_KIT_MAIN_LAYERS in place of" \
    -S "$work/nomain" -B "$work/nomain-build"
  configure_says "unknown engine 'honggfuzz' (expected libfuzzer, afl)" \
    -S "$example" -B "$work/bad-engine" -DBYTESINK_ENGINES=honggfuzz
  run "$work/noafl.log" cmake -S "$example" -B "$work/noafl" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCLOSEONCE_AFL_CC=/nonexistent/afl-cc
  tr -s ' \n' '  ' <"$work/noafl.log" |
    grep -q "bytesink-closeonce-afl is not built: AFL++'s compiler" ||
    fail "no warning for a missing AFL++ compiler (log $work/noafl.log)"
  grep -q "closeonce-engine-afl" "$work/noafl/Makefile" &&
    fail "an AFL++ build is made without its compiler"

  # The planted bug, found by each engine from an empty start.
  run "$work/planted-configure.log" cmake -S "$example" -B "$work/planted" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DBYTESINK_ENGINES=libfuzzer;afl" \
    -DBYTESINK_PLANTED_BUG=ON
  run "$work/planted-build.log" cmake --build "$work/planted" -j2
  p=$work/planted
  mkdir -p "$p/lf-corpus" "$p/lf-art" "$p/afl-in"
  t0=$(now)
  "$p/$prog-libfuzzer" -runs=2000000 -seed=1 -artifact_prefix="$p/lf-art/" \
    "$p/lf-corpus" >"$p/lf.log" 2>&1 && fail "libFuzzer missed the planted bug"
  grep -q "==closeonce== finding" "$p/lf.log" ||
    fail "libFuzzer stopped without a closeonce finding (log $p/lf.log)"
  execs=$(grep -oE "^#[0-9]+" "$p/lf.log" | tail -n 1)
  echo "libFuzzer found the planted bug in $(since "$t0") s (last status $execs):"
  grep -A1 "==closeonce== finding" "$p/lf.log" | sed 's/^/  /'
  crash=$(ls "$p"/lf-art/crash-* | head -n 1)
  "$p/$prog" replay "$crash" >"$p/lf-replay.log" 2>&1
  rc=$?
  [ $rc -eq 1 ] || fail "$prog replay of libFuzzer's crash file: exit $rc, not 1"
  printf '\0\0\0\0' >"$p/afl-in/empty"
  t0=$(now)
  crash=$(afl_until_crash "$p/$prog-afl" "$p/afl-in" "$p/afl-out") || {
    echo "$crash"
    exit 1
  }
  echo "AFL++ found the planted bug in $(since "$t0") s, after" \
    "$(awk -F': *' '/^execs_done/ {print $2}' "$p/afl-out/default/fuzzer_stats")" \
    "executions: $(basename "$crash")"
  "$p/$prog" replay "$crash" >"$p/afl-replay.log" 2>&1
  rc=$?
  [ $rc -eq 1 ] || fail "$prog replay of AFL++'s crash file: exit $rc, not 1"
  head -n 1 "$p/afl-replay.log" | sed 's/^/  /'
  exit 0
fi

[ "$mode" = ossfuzz ] || fail "usage: engines_example.sh cmake|ossfuzz SRC BIN CC"
# OSS-Fuzz's flags (its base-builder's defaults for address sanitizer).
san="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
driver=$(dirname "$afl_cc")/../lib/afl/libAFLDriver.a
[ -f "$driver" ] || driver=-fsanitize=fuzzer # afl-cc links its own
for engine in libfuzzer afl; do
  w=$work/$engine
  mkdir -p "$w/out" "$w/work" "$w/seeds" "$w/corpus"
  if [ $engine = libfuzzer ]; then
    set -- CC=clang "CFLAGS=$san -fsanitize=fuzzer-no-link" \
      LIB_FUZZING_ENGINE=-fsanitize=fuzzer
  else
    set -- "CC=$afl_cc" "CFLAGS=$san" "LIB_FUZZING_ENGINE=$driver"
  fi
  t0=$(now)
  (cd "$example" && run "$w/build.log" env "$@" OUT="$w/out" WORK="$w/work" \
    SRC="$w" CLOSEONCE_SOURCE="$src" bash .clusterfuzzlite/build.sh) || exit 1
  echo "build.sh ($engine): closeonce and the example built in $(since "$t0") s"
  out=$w/out/bytesink_closeonce
  for f in "$out" "$out.dict" "${out}_seed_corpus.zip"; do
    [ -s "$f" ] || fail "build.sh ($engine) wrote no $f"
  done
  (cd "$w/seeds" && unzip -q "${out}_seed_corpus.zip") ||
    fail "cannot unzip ${out}_seed_corpus.zip"
  n=$(ls "$w/seeds" | wc -l)
  [ "$n" -ge 3 ] || fail "${out}_seed_corpus.zip holds $n seeds, expected 3"
  if [ $engine = libfuzzer ]; then
    run "$w/run.log" "$out" -runs=20000 -seed=1 -dict="$out.dict" \
      "$w/corpus" "$w/seeds"
    echo "  $(grep -E "^Done" "$w/run.log")"
  else
    for s in "$w"/seeds/*; do
      run "$w/seed.log" "$out" "$s"
    done
    run "$w/afl.log" afl -i "$w/seeds" -o "$w/afl" -E 20000 \
      -x "$out.dict" -- "$out"
    ls "$w"/afl/default/crashes/id* >/dev/null 2>&1 &&
      fail "afl-fuzz crashed $out (log $w/afl.log)"
    echo "  $n seeds ran; afl-fuzz:" \
      "$(grep -E "^(execs_done|execs_per_sec)" "$w/afl/default/fuzzer_stats" | tr -s ' ' | tr '\n' ' ')"
  fi
done
