#!/usr/bin/env bash
# Installs, builds and runs every test through CTest. Tests that need an absent device or
# library are reported as skipped with the reason, never silently passed.
#   ./scripts/test.sh             the Release build in build/
#   ./scripts/test.sh --sanitize  an ASan + UBSan build in build-sanitize/, the same tests
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

cmake_args=()
if [ "${1:-}" = "--sanitize" ]; then
  export INFERMARK_BUILD_DIR=${INFERMARK_BUILD_DIR:-build-sanitize}
  # CUDA off: nvcc's device code cannot be instrumented and no GPU runs here to exercise it.
  cmake_args=(-DINFERMARK_SANITIZE=ON -DINFERMARK_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  # allocator_may_return_null: an allocation that fails throws std::bad_alloc, as without ASan,
  # so the injected out-of-memory fault is handled by the same code path.
  export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="suppressions=$root/scripts/sanitizers/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/scripts/sanitizers/ubsan.supp:${UBSAN_OPTIONS:-}"
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--sanitize]" >&2
  exit 2
fi

./scripts/build.sh "${cmake_args[@]}"
BUILD_DIR=${INFERMARK_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j "${INFERMARK_JOBS:-$(nproc)}" --timeout 600
