# Sourced by run.sh and test.sh: install the Debian packages that are
# missing (apt-get update once, then install), or say which are missing and
# how to get them when that cannot be done here.
# The real libraries closeonce validates (libs/; CMake option CO_LIBS): the
# closeonce command links their adapters.
CO_LIB_PACKAGES="libssl-dev libglib2.0-dev libarchive-dev libevent-dev \
libuv1-dev libbz2-dev libsndfile1-dev"

co_ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "closeonce: missing Debian packages: ${missing[*]}" >&2
      echo "closeonce: run as root: apt-get install ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "closeonce: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq </dev/null >&2 || {
    echo "closeonce: apt-get update failed" >&2
    return 1
  }
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    </dev/null >&2 || {
    echo "closeonce: apt-get install ${missing[*]} failed" >&2
    return 1
  }
}

# The Release build of the given targets in build/release (run.sh,
# scripts/libs-table.sh).
co_build_release() {
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCO_TESTS=OFF \
    >/dev/null && cmake --build build/release -j"$(nproc)" --target "$@" \
    >/dev/null
}
