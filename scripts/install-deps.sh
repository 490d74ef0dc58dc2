#!/usr/bin/env bash
# Installs what infermark needs to build and test on Debian 12, non-interactively.
# Idempotent: packages already present are not reinstalled, and apt is not touched at all then.
set -euo pipefail

# Build and test dependencies. Optional backends (oneDNN, Vulkan, PAPI) are installed too, so the
# default run covers every backend this machine can execute; the build still works without them.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libcli11-dev catch2 libopenblas-dev
  libdnnl-dev ocl-icd-opencl-dev opencl-headers  # dnnl-config.cmake requires OpenCL
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libpapi-dev
  libsqlite3-dev libpq-dev postgresql  # results store; the store tests start a throw-away server
  python3 python3-jsonschema python3-numpy
  libbenchmark-dev libbenchmark-tools python3-scipy  # infermark-ops; compare.py, run by a report test
  chromium  # the dashboard's browser test (headless)
)
# Node.js and npm fetch the dashboard's pinned chart library and drive the browser test. One
# already installed (e.g. NodeSource's, which bundles npm) is used as it is.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The dashboard's chart library (embedded at build time) and playwright-core, exactly as
# dashboards/package-lock.json pins them; again only when missing or older than the lock file.
dash="$(cd "$(dirname "$0")/.." && pwd)/dashboards"
if [ ! -f "$dash/node_modules/.package-lock.json" ] ||
   [ "$dash/package-lock.json" -nt "$dash/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in dashboards/"
  # Not fatal: without it infermark still builds; `report --html` then says how to get it.
  (cd "$dash" && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "install-deps: npm ci in dashboards/ failed: the build will have no dashboard chart library" >&2
fi
