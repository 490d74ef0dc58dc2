#!/usr/bin/env bash
# The main job: install, build, run the default suite on every available backend, and write
# results/latest.json with a summary table. Extra arguments go to `infermark run`.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
INFERMARK_TARGET=infermark ./scripts/build.sh
BUILD_DIR=${INFERMARK_BUILD_DIR:-build}
SUITE=${INFERMARK_SUITE:-smoke}  # the CLI default; INFERMARK_SUITE=standard for the publishable set

mkdir -p results
set +e
"$BUILD_DIR/infermark" run --suite "$SUITE" --out results/latest.json "$@"
rc=$?
set -e
echo "run.sh: finished in $(( $(date +%s) - start )) s (exit code $rc)"
exit $rc
