#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for SECONDS
# (default 600), seeded from the project's own files. A crash leaves its input in
# build-fuzz/crashes/<target>/ and makes this script exit 1; add that input as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-600}
BUILD=${INFERMARK_FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${INFERMARK_JOBS:-$(nproc)}
TARGETS=(fuzz_suite_file fuzz_result_file fuzz_safetensors fuzz_npy)

./scripts/install-deps.sh
# clang and its sanitizer runtimes only for fuzzing, so the main build does not need them.
if ! command -v clang++ >/dev/null || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DINFERMARK_FUZZ=ON -DBUILD_TESTING=OFF -DINFERMARK_ONEDNN=OFF -DINFERMARK_VULKAN=OFF \
    -DINFERMARK_CUDA=OFF -DINFERMARK_PAPI=OFF -DINFERMARK_CUPTI=OFF >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"

# Seed corpora: the project's own suite and result files, and small safetensors/.npy files.
corpus=$BUILD/corpus
mkdir -p "$corpus"/{fuzz_suite_file,fuzz_result_file,fuzz_safetensors,fuzz_npy}
cp suites/*.json tests/data/suites/*.json "$corpus/fuzz_suite_file/"
cp tests/data/fuzz/npy/* "$corpus/fuzz_npy/"
cp tests/data/fuzz/safetensors/* "$corpus/fuzz_safetensors/"
cp tests/data/fuzz/results/* "$corpus/fuzz_result_file/"
cp tests/data/result_example.json "$corpus/fuzz_result_file/"
cp results/latest.json "$corpus/fuzz_result_file/" 2>/dev/null || true
/usr/bin/python3 scripts/fuzz_seeds.py "$corpus"

status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/crashes/$t"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  # -rss_limit_mb: a reader that believes a lying header and allocates gigabytes is a finding.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$BUILD/fuzz/$t" "$corpus/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$BUILD/crashes/$t/" -print_final_stats=1 \
      >"$BUILD/$t.log" 2>&1; then
    echo "fuzz: $t FOUND A PROBLEM — see $BUILD/$t.log and $BUILD/crashes/$t/" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$BUILD/$t.log" | tail -2 || true
done
exit $status
