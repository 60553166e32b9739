#!/usr/bin/env bash
# Quick start, command 2: install what is missing, then build and run the
# whole test suite four times: gcc (warnings are errors); clang with
# AddressSanitizer + UndefinedBehaviorSanitizer (warnings are errors); and
# the Windows build (mingw-w64) with msvcrt.dll and with UCRT, run under
# Wine. Then the Windows build with a second compiler, clang for
# x86_64-w64-windows-gnu, with msvcrt.dll: all of it built (warnings are
# errors), the tests labelled second-compiler run under Wine. Ends with
# one line: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
co_ensure_packages cmake make gcc clang pkg-config libcriterion-dev zlib1g-dev \
  $CO_LIB_PACKAGES valgrind python3-jsonschema python3-sarif-python-om \
  libclang-rt-14-dev afl++ zip unzip gcc-mingw-w64-x86-64 wine wine64 lld || exit 1

passed=0 failed=0 status=0
run_suite() { # name, cmake args... (CTEST_ARGS: more ctest arguments)
  local name=$1 dir=build/$1 log
  shift
  echo "== $name: configure and build"
  mkdir -p "$dir"
  if ! cmake -S . -B "$dir" -DCO_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    status=1 failed=$((failed + 1))
    return
  fi
  if ! cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1; then
    grep -E "error|warning" "$dir.build.log" | head -50
    echo "== $name: build failed (full log: $dir.build.log)"
    status=1 failed=$((failed + 1))
    return
  fi
  echo "== $name: ctest"
  log=$(cd "$dir" && ${CTEST_WRAP:-} ctest -j"${CTEST_JOBS:-$(nproc)}" \
    --output-on-failure ${CTEST_ARGS:-} 2>&1)
  local rc=$?
  printf '%s\n' "$log" | grep -vE '^ *(Start|[0-9]+/[0-9]+ Test) ' || true
  local line
  line=$(printf '%s\n' "$log" | grep -E 'tests passed, [0-9]+ tests failed out of' | tail -n 1)
  if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  else
    failed=$((failed + 1))
  fi
  [ $rc -eq 0 ] || status=1
}

mkdir -p build
run_suite gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite clang-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCO_FUZZ_ENGINE=libfuzzer \
  -DCO_SANITIZE=address,undefined

# The Windows build under Wine. One prefix, made once; a persistent
# wineserver with its standard streams closed (Wine's background processes
# otherwise hold the output pipe open and the run hangs); no crash debugger.
# The tests and wineserver share one CPU: each handle call is a round trip
# to wineserver, ~3x faster so (README, Win32).
export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$HOME/.wine}
wine_start() { # prefix cpu: the prefix (made once), its wineserver on cpu
  if [ ! -f "$1/system.reg" ]; then
    echo "== wine: creating the prefix $1 (once)"
    WINEPREFIX=$1 wineboot --init </dev/null >/dev/null 2>&1
  fi
  WINEPREFIX=$1 wineserver -k </dev/null >/dev/null 2>&1
  WINEPREFIX=$1 taskset -c "$2" wineserver -p </dev/null >/dev/null 2>&1
  WINEPREFIX=$1 wine reg add \
    'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
    /v Debugger /d '' /f </dev/null >/dev/null 2>&1
}
win32_suite() { # crt cpu
  CTEST_WRAP="taskset -c $2" CTEST_JOBS=1 run_suite "win32-$1" \
    -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCO_CRT=$1
}
wine_start "$WINEPREFIX" 0
# With two CPUs the UCRT suite runs beside the msvcrt.dll one: its own
# prefix (build/wine-ucrt) and wineserver, its tests and that wineserver
# on the second CPU, so each suite keeps its round trips on one CPU.
ucrt_prefix=$PWD/build/wine-ucrt
if [ "$(nproc)" -ge 2 ]; then
  wine_start "$ucrt_prefix" 1
  trap 'wineserver -k </dev/null >/dev/null 2>&1
        WINEPREFIX=$ucrt_prefix wineserver -k </dev/null >/dev/null 2>&1' EXIT
  (passed=0 failed=0 status=0
   export WINEPREFIX=$ucrt_prefix
   win32_suite ucrt 1
   echo "$passed $failed $status" >build/win32-ucrt.counts
  ) >build/win32-ucrt.out 2>&1 &
  ucrt_job=$!
  win32_suite msvcrt 0
  wait "$ucrt_job"
  cat build/win32-ucrt.out
  if read -r p f s <build/win32-ucrt.counts 2>/dev/null; then
    passed=$((passed + p)) failed=$((failed + f))
    [ "$s" = 0 ] || status=1
  else
    echo "== win32-ucrt: no result"
    status=1 failed=$((failed + 1))
  fi
else
  trap 'wineserver -k </dev/null >/dev/null 2>&1' EXIT
  win32_suite msvcrt 0
  win32_suite ucrt 0
fi
# The second compiler (cmake/clang-mingw-w64.cmake), with msvcrt.dll: the
# tests labelled second-compiler (what a compiler changes: the programs,
# the reproducers it compiles, examples/hlib and the package). With UCRT
# the same toolchain file works (checked by hand; CI time keeps it out).
CTEST_ARGS="-L second-compiler" CTEST_WRAP="taskset -c 0" CTEST_JOBS=1 \
  run_suite win32-clang-msvcrt \
  -DCMAKE_TOOLCHAIN_FILE=cmake/clang-mingw-w64.cmake -DCO_CRT=msvcrt

echo "tests: $passed passed, $failed failed"
exit $status
