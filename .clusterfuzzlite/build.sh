#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of closeonce's own targets. Honours $CC
# $CFLAGS $LIB_FUZZING_ENGINE $OUT $SRC $WORK (closeonce is C: $CXX and
# $CXXFLAGS are unused). Configures closeonce with CMake (CO_FUZZ_ENGINE=
# oss-fuzz: $CC and $CFLAGS for everything, each fuzz-<target> program
# linked with $LIB_FUZZING_ENGINE), builds the fuzz programs and seeds of
# every target of this platform (harness/targets.def, through CMake:
# fuzz-targets.txt), and writes for each
#   $OUT/<target>                  the engine program
#   $OUT/<target>_seed_corpus.zip  binary seeds from corpus/ (closeonce
#                                  encode)
#   $OUT/<target>.dict             their operation records
#   $OUT/lib/                      the shared libraries they load (the
#                                  runners have only the C library)
# The real libraries' targets (libs/, the LIBS rows) are built when their
# -dev packages are there (the Dockerfile installs them); CLOSEONCE_LIBS=ON
# makes them required, OFF leaves them out.
bad() {
  echo "build.sh: $*" >&2
  exit 2
}
for v in CC LIB_FUZZING_ENGINE OUT; do
  [ -n "${!v:-}" ] || bad "\$$v is not set (OSS-Fuzz sets CC, CFLAGS," \
    "LIB_FUZZING_ENGINE, OUT, SRC and WORK)"
done
[ -n "${CFLAGS+set}" ] || bad "\$CFLAGS is not set"
libs=${CLOSEONCE_LIBS:-auto}
case $libs in
auto | ON | OFF) ;;
*) bad "CLOSEONCE_LIBS must be auto, ON or OFF, not '$libs'" ;;
esac
src=${SRC:-/nonexistent}/closeonce # the Dockerfile's layout
[ -f "$src/harness/targets.def" ] || src=$(dirname "$0")/..
[ -f "$src/harness/targets.def" ] ||
  bad "no closeonce sources in \$SRC/closeonce (SRC='${SRC:-}') or" \
    "beside the script ($src)"
src=$(cd "$src" && pwd -P)
WORK=${WORK:-$(mktemp -d)}
work=$WORK/closeonce-build
mkdir -p "$work" "$OUT"

configure() { # CO_LIBS value
  cmake -S "$src" -B "$work" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=None \
    -DCO_TESTS=OFF -DCO_BENCH=OFF -DCO_LIBS="$1" \
    -DCMAKE_BUILD_RPATH='$ORIGIN/lib' \
    -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags \
    -DCO_FUZZ_ENGINE=oss-fuzz -DCO_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
}
if [ "$libs" = auto ]; then
  log=$WORK/closeonce-configure.log
  if configure ON >"$log" 2>&1; then
    cat "$log"
  else
    # Only the libraries' own error (CMakeLists.txt, CO_LIBS) falls back.
    grep -q "CO_LIBS: the libraries" "$log" || { cat "$log" >&2; exit 1; }
    echo "build.sh: the real libraries' -dev packages are missing:" \
      "building without their targets (CLOSEONCE_LIBS=ON requires them)" >&2
    configure OFF
  fi
else
  configure "$libs"
fi

# The programs, and the seeds (closeonce encode runs at build time: its
# leaks, if any, are not the fuzzed code's).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
  cmake --build "$work" -j"$(nproc)" --target fuzz-programs seeds

# The runners have none of the image's packages: every shared library a
# program loads, but the C library's own, goes to $OUT/lib, where the
# programs look first (their RPATH, not RUNPATH: also for the libraries'
# own dependencies).
runtime_libs() { # program
  mkdir -p "$OUT/lib"
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
    while read -r lib; do
      case ${lib##*/} in
      libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | \
        libresolv.so* | libutil.so* | ld-linux*) ;;
      *) [ -e "$OUT/lib/${lib##*/}" ] || cp -L "$lib" "$OUT/lib/" ;;
      esac
    done
}

n=0
while read -r t; do
  cp "$work/fuzz-$t" "$OUT/$t"
  runtime_libs "$OUT/$t"
  cp "$work/seeds/$t.dict" "$OUT/$t.dict"
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$work/seeds/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*.bin)
  n=$((n + 1))
done <"$work/fuzz-targets.txt"
[ $n -gt 0 ] || { echo "build.sh: no targets in $work/fuzz-targets.txt" >&2; exit 1; }
echo "build.sh: $n targets in $OUT"
