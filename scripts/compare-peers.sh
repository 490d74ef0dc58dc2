#!/usr/bin/env bash
# Peer comparison (issue 3): infermark's oneDNN backend against PyTorch eager on this CPU, with the
# same weights, inputs, KV cache and thread count, timed alternately; prints each workload's two
# medians, their ratio (PyTorch / infermark) and how well the outputs agree. Exits 1 when an
# output disagrees (or a benchmark fails), naming the workload.
#
#   scripts/compare-peers.sh [--threads N] [--filter REGEX] [--rounds N] [--quick] [--json F] [-v]
#   scripts/compare-peers.sh --self-check     # the peer's own checks, on tiny models
#   scripts/compare-peers.sh --list           # the workloads (* = compared by default)
#
# PyTorch is no dependency of infermark or of its tests: only this script installs it (Debian's
# python3-torch, run with /usr/bin/python3, and libopenblas0-pthread, without which PyTorch's f32
# GEMMs run on the reference BLAS). INFERMARK_BIN=path skips building infermark.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi

# 1. PyTorch and an optimised BLAS, from Debian, idempotently.
PACKAGES=(python3-torch python3-numpy libopenblas0-pthread)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare-peers: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. infermark itself.
if [ -n "${INFERMARK_BIN:-}" ]; then
  bin=$INFERMARK_BIN
else
  INFERMARK_TARGET=infermark ./scripts/build.sh >&2
  bin=${INFERMARK_BUILD_DIR:-build}/infermark
fi

# 3. Threads: one knob for both sides (torch.set_num_threads and infermark --threads, set by the
# peer); OpenBLAS, under PyTorch's own OpenMP threads, stays single-threaded.
export OPENBLAS_NUM_THREADS=1
# OpenBLAS 0.3.21 falls back to its generic "Prescott" kernels (no AVX) on CPUs it does not know,
# such as a VM reporting a generic Xeon; PyTorch's f32 GEMMs are then ~5× slower than they should
# be. Name the kernels this CPU can run instead, and say so.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  core=$(OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import torch' 2>&1 | sed -n 's/^Core: //p' | head -n 1)
  flags=" $(grep -m 1 '^flags' /proc/cpuinfo || true) "
  has() { for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done; }
  if [ "$core" = "Prescott" ]; then
    if has avx512f avx512bw avx512vl avx512dq; then export OPENBLAS_CORETYPE=SkylakeX
    elif has avx2 fma; then export OPENBLAS_CORETYPE=Haswell
    fi
    if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
      echo "compare-peers: OpenBLAS does not recognise this CPU and chose its generic Prescott" \
           "kernels; using OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (the CPU has its instructions)" >&2
    fi
  fi
fi

exec /usr/bin/python3 bench/peers/pytorch_cpu.py --infermark "$bin" "$@"
