#!/bin/sh
# Build and run the platform probes behind docs/*.md ("observed by
# closeonce", [OBS-*] in docs/sources.md) and write their outputs beside
# them. Linux probes need gcc (and libcriterion for criterion-fds); the
# Win32 probes need x86_64-w64-mingw32-gcc and wine. A missing tool skips
# its probe with a message; nothing else is skipped silently.
#
#   sh docs/probes/run.sh [OUTDIR]     (default: docs/probes)
#
# Wine: a wineserver is started with stdio on /dev/null first, and every
# program's output goes to a file, never a pipe: Wine's background
# processes inherit descriptors and would keep a pipe open (docs/wine.md#running).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$out"

if command -v gcc >/dev/null 2>&1; then
  gcc -O1 -Wall -o "$work/linux-fd" "$here/linux-fd.c"
  (cd "$work" && ./linux-fd) >"$out/linux-fd.out"
  echo "linux-fd: $out/linux-fd.out"
  gcc -O1 -Wall -o "$work/linux-tcp" "$here/linux-tcp.c"
  (cd "$work" && ./linux-tcp) >"$out/linux-tcp.out"
  echo "linux-tcp: $out/linux-tcp.out"
  gcc -O1 -Wall -o "$work/linux-evdir" "$here/linux-evdir.c"
  (cd "$work" && ./linux-evdir) >"$out/linux-evdir.out"
  echo "linux-evdir: $out/linux-evdir.out"
  if gcc -o "$work/criterion-fds" "$here/criterion-fds.c" -lcriterion 2>/dev/null; then
    rc=0; "$work/criterion-fds" >"$out/criterion-fds.out" 2>&1 || rc=$?
    echo "exit status $rc" >>"$out/criterion-fds.out"
    echo "criterion-fds: $out/criterion-fds.out"
  else
    echo "criterion-fds: skipped (no libcriterion)"
  fi
else
  echo "linux probes: skipped (no gcc)"
fi

cc=x86_64-w64-mingw32-gcc
if command -v $cc >/dev/null 2>&1 && command -v wine >/dev/null 2>&1; then
  $cc -dumpspecs | sed 's/-lmsvcrt/-lucrt/g' >"$work/ucrt.specs"
  $cc -O1 -Wall -o "$work/handles-msvcrt.exe" "$here/win32-handles.c"
  $cc -D_UCRT -specs="$work/ucrt.specs" -O1 -Wall \
      -o "$work/handles-ucrt.exe" "$here/win32-handles.c"
  $cc -O1 -Wall -o "$work/details.exe" "$here/win32-details.c"
  $cc -O1 -Wall -o "$work/pipes-msvcrt.exe" "$here/win32-pipes.c"
  $cc -D_UCRT -specs="$work/ucrt.specs" -O1 -Wall \
      -o "$work/pipes-ucrt.exe" "$here/win32-pipes.c"
  wineserver -p </dev/null >/dev/null 2>&1 || true
  run() { # name exe args...: output to $out/name.out, CRs dropped
    name=$1; exe=$2; shift 2
    rc=0
    (cd "$work" && WINEDEBUG=-all wine "$exe" "$@" </dev/null >"$work/o" 2>&1) || rc=$?
    { tr -d '\r' <"$work/o"; echo "exit status $rc"; } >"$out/$name.out"
    echo "$name: $out/$name.out"
  }
  for crt in msvcrt ucrt; do
    run win32-handles-$crt handles-$crt.exe
    run win32-handles-$crt-starthandler handles-$crt.exe x
    run win32-handles-$crt-nohandler handles-$crt.exe x y
  done
  run win32-details details.exe
  run win32-pipes-msvcrt pipes-msvcrt.exe
  run win32-pipes-ucrt pipes-ucrt.exe
else
  echo "win32 probes: skipped (no $cc or no wine)"
fi
