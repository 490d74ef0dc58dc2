#!/usr/bin/env bash
# Installs, builds and runs every test through CTest. Tests that need an absent device or
# library are reported as skipped with the reason, never silently passed.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build.sh
BUILD_DIR=${INFERMARK_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j "${INFERMARK_JOBS:-$(nproc)}" --timeout 600
