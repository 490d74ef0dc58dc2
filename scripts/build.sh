#!/usr/bin/env bash
# Configures and builds infermark (Release, Ninja) into build/, installing dependencies first.
# Used by run.sh and test.sh; INFERMARK_TARGET limits the build to one target (run.sh needs only
# the executable); extra arguments are passed to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

BUILD_DIR=${INFERMARK_BUILD_DIR:-build}
JOBS=${INFERMARK_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
if [ -n "${INFERMARK_TARGET:-}" ]; then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "$INFERMARK_TARGET"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
