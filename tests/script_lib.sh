# Shared by the suite's shell tests: sourced after setting what, the name
# their messages start with. skip exits 77 (ctest's SKIP_RETURN_CODE).
skip() {
  echo "$what skipped: $*"
  exit 77
}
fail() {
  echo "$what FAILED: $*"
  exit 1
}
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }
