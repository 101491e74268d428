#!/usr/bin/env bash
# Installs what Batchscope needs on Debian 12 (only what is missing), then configures and builds.
# Sourced by scripts/start.sh and scripts/check.sh; can also be run alone.
#   BUILD_DIR   build folder (default: build)
#   BUILD_TYPE  CMake build type (default: Release)
#   CMAKE_ARGS  extra arguments for the configure step
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build}
BUILD_TYPE=${BUILD_TYPE:-Release}

packages=(
  build-essential cmake ninja-build pkg-config git python3
  qt6-base-dev libqt6charts6-dev libqt6opengl6-dev libqt6svg6-dev libqt6sql6-sqlite libgl-dev qt6-qpa-plugins
  libopenblas-dev libopenblas0-pthread zlib1g-dev libsqlite3-dev libjpeg62-turbo-dev libpng-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev libsimdjson-dev
  xvfb xauth fonts-dejavu-core
  clang-14 libclang-rt-14-dev
  dataset-fashion-mnist
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#packages[@]} Debian packages are installed"
    return
  fi
  say "installing ${#missing[@]} missing packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      echo "error: these packages are missing and you are not root (and there is no sudo):" >&2
      echo "  apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  say "configuring in $BUILD_DIR ($BUILD_TYPE)"
  # shellcheck disable=SC2086
  cmake -S "$repo" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-}
  say "building"
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

if ! command -v dpkg-query >/dev/null; then
  echo "error: this set-up script is for Debian 12 (dpkg/apt not found). Install the packages listed in" >&2
  echo "scripts/setup.sh by other means, then: cmake -S . -B build -G Ninja && cmake --build build" >&2
  exit 1
fi
install_missing
build
