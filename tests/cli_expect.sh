#!/bin/sh
# usage: cli_expect.sh EXIT_CODE REGEX COMMAND [ARGS...]
# Runs COMMAND, then checks its exit code and that its output (stdout and
# stderr together) matches the extended REGEX. Prints the output on failure.
want=$1 pattern=$2
shift 2
out=$("$@" 2>&1)
got=$?
if [ "$got" -ne "$want" ]; then
  printf '%s\n--- exit %s, expected %s\n' "$out" "$got" "$want"
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
  printf '%s\n--- output does not match: %s\n' "$out" "$pattern"
  exit 1
fi
echo "ok: exit $got, output matches"
