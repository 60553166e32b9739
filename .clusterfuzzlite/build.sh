#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: honours $CC $CFLAGS $LIB_FUZZING_ENGINE
# $OUT $SRC (and $CXX $CXXFLAGS, unused: closeonce is C). For each target it
# writes $OUT/<target> (linked with $LIB_FUZZING_ENGINE),
# $OUT/<target>_seed_corpus.zip (binary seeds from the text corpus) and
# $OUT/<target>.dict.
src=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}/closeonce
[ -d "$src/fuzz" ] || src=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}/closeonce-build
mkdir -p "$work" "$OUT"

# What this tree's programs link (CMake's closeonce_core): the library
# with the test fixtures, the FIXTURE targets and the planted pager
# (-DCO_FIXTURES -DVFD_PLANTED: harness/target.c, harness/adapters/vfd.c).
core="models/posix.c harness/trace.c harness/error.c harness/exec.c
  harness/gen.c harness/report.c harness/target.c harness/campaign.c
  harness/contract.c harness/cli.c harness/kit.c harness/fuzz.c
  harness/shrink.c harness/repro.c
  harness/posix/backend.c harness/adapters/stdio.c harness/adapters/demo.c
  harness/adapters/demolib.c harness/adapters/zlib.c harness/adapters/vfd.c
  harness/adapters/wio.c harness/adapters/wiolib.c harness/portable.c
  pager/vfd_planted.c"
defs="-D_GNU_SOURCE -DCO_FIXTURES -DVFD_PLANTED"

# The library, instrumented with the engine's flags.
objs=()
for f in $core; do
  o="$work/$(echo "$f" | tr / _).o"
  $CC $CFLAGS -std=c11 $defs -I"$src/include" -I"$src/harness" \
    -I"$src/pager" -I"$src/libs" -c "$src/$f" -o "$o"
  objs+=("$o")
done

# The real libraries' adapters (libs/), against the system's libraries.
pcs="openssl gio-unix-2.0 libarchive libevent_core libuv"
libcflags=$(pkg-config --cflags $pcs)
liblibs="$(pkg-config --libs $pcs) -lbz2"
libobjs=()
for f in "$src"/libs/*.c; do
  case $f in */tool.c) continue ;; esac
  o="$work/libs_$(basename "$f" .c).o"
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I"$src/include" -I"$src/libs" \
    $libcflags -c "$f" -o "$o"
  libobjs+=("$o")
done

# A plain encoder for the seeds (no engine flags, built with the host cc).
host_cc=${HOST_CC:-cc}
(cd "$src" && $host_cc -std=c11 $defs -DCO_WITH_LIBS -Iinclude \
  -Iharness -Ipager -Ilibs $libcflags -o "$work/closeonce" harness/main.c \
  $core $(ls libs/*.c | grep -v tool.c) -lz $liblibs)

# Every Linux target of the target list (harness/targets.def), each row's
# first line: CO_TARGET(KIND, PLATFORMS, "name", "corpus", "tags",
rows=$(sed -n 's/^CO_TARGET(\([A-Z]*\), \(POSIX\|ALL\), "\([^"]*\)", "\([^"]*\)",.*/\1 \3 \4/p' \
  "$src/harness/targets.def")
[ -n "$rows" ] || { echo "build.sh: no targets in harness/targets.def" >&2; exit 1; }
while read -r kind t corpus; do
  id=$(echo "$t" | tr - _)
  lib=
  [ "$kind" = LIBS ] && lib=-DCO_TARGET_LIBS
  $CC $CFLAGS -std=c11 -I"$src/include" -I"$src/libs" \
    -DCO_TARGET_NAME="\"$t\"" $lib -c "$src/fuzz/target.c" \
    -o "$work/fuzz_$id.o"
  $CC $CFLAGS "$work/fuzz_$id.o" "${objs[@]}" "${libobjs[@]}" \
    $LIB_FUZZING_ENGINE -lz $liblibs -o "$OUT/$t"
  rm -rf "$work/seeds/$t"
  "$work/closeonce" encode --target "$t" -o "$work/seeds/$t" \
    --dict "$OUT/$t.dict" "$src/corpus/$corpus"
  (cd "$work/seeds/$t" && rm -f "$OUT/${t}_seed_corpus.zip" &&
    zip -q -j "$OUT/${t}_seed_corpus.zip" ./*.bin)
done <<<"$rows"
