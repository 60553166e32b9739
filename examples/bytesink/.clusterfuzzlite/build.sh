#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of bytesink's closeonce engine program:
# copy .clusterfuzzlite/ into your library's repository and rename. Honours
# $CC $CFLAGS $LIB_FUZZING_ENGINE $OUT $SRC $WORK (closeonce is C: $CXX and
# $CXXFLAGS are unused). Builds closeonce from $SRC/closeonce (the
# Dockerfile clones it; CLOSEONCE_SOURCE=dir overrides) with those flags and
# installs it into $WORK, or uses an installed one (CLOSEONCE_PREFIX=dir),
# then this project against it, and writes
#   $OUT/bytesink_closeonce                  the engine program
#                                            (CLOSEONCE_LIB_FUZZING_ENGINE)
#   $OUT/bytesink_closeonce_seed_corpus.zip  binary seeds from corpus/
#   $OUT/bytesink_closeonce.dict             their operation records
here=$(cd "$(dirname "$0")/.." && pwd)
proj=$here
[ -f "$proj/CMakeLists.txt" ] || proj=$PWD # copied to $SRC/build.sh
work=${WORK:-$(mktemp -d)}/bytesink-build
mkdir -p "$work" "$OUT"
jobs=$(nproc)

prefix=${CLOSEONCE_PREFIX:-}
if [ -z "$prefix" ]; then
  co_src=${CLOSEONCE_SOURCE:-$SRC/closeonce}
  prefix=$work/closeonce-prefix
  # Only what the install needs: the library and the closeonce command.
  cmake -S "$co_src" -B "$work/closeonce" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCO_TESTS=OFF -DCO_BENCH=OFF -DCO_LIBS=OFF
  cmake --build "$work/closeonce" -j"$jobs" --target closeonce_lib vfd closeonce
  cmake --install "$work/closeonce" --prefix "$prefix"
fi

# The project, with the engine's flags everywhere and one engine program
# (closeonce_add_adapter: CLOSEONCE_LIB_FUZZING_ENGINE).
cmake -S "$proj" -B "$work/project" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLOSEONCE_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$work/project" -j"$jobs" \
  --target bytesink-closeonce-fuzzer bytesink-closeonce-seeds

name=bytesink_closeonce
cp "$work/project/bytesink-closeonce-fuzzer" "$OUT/$name"
cp "$work/project/bytesink-closeonce.dict" "$OUT/$name.dict"
rm -f "$OUT/${name}_seed_corpus.zip"
(cd "$work/project/bytesink-closeonce-seeds" &&
  zip -q -j "$OUT/${name}_seed_corpus.zip" ./*.bin)
