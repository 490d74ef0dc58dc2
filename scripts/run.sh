#!/usr/bin/env bash
# The main job: install, build, run the default suite on every available backend, write
# results/latest.json with a summary table, and its dashboard dashboards/out/latest.html.
# Extra arguments go to `infermark run`.
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

# The dashboard of whatever the run wrote (failed benchmarks included: they are shown, marked).
if [ -f results/latest.json ]; then
  if page=$("$BUILD_DIR/infermark" report results/latest.json --html dashboards/out/latest.html); then
    echo "run.sh: dashboard: $page"
  else
    echo "run.sh: the dashboard could not be written (see the message above)" >&2
    [ "$rc" -ne 0 ] || rc=4
  fi
fi
echo "run.sh: finished in $(( $(date +%s) - start )) s (exit code $rc)"
exit $rc
