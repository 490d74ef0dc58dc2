#!/usr/bin/env bash
# The one prepared GPU check of the CUDA backend (issue 5), for the device machine (one NVIDIA H200,
# one call of at most 10 minutes). It unpacks (or builds) infermark, prints the system, runs the
# CUDA tests (every shared op case against the reference, f32/bf16/f16), a short benchmark suite on
# the cuda backend (validated and reported), the collectors (NVML, CUPTI: their tests and a short
# run with the counters and energy passes), compute-sanitizer, and vulkan where a driver is there;
# results and logs go to $OUT (at most 8 files come back from there).
#
#   scripts/device-check.sh prepare   here, before the call: builds a lean Release (CUDA, no
#                                     oneDNN/PAPI) and packs build-device/bundle.tar.xz: the two
#                                     binaries plus the shared libraries a bare machine may lack.
#   scripts/device-check.sh [run]     there: the check. Without a bundle it builds there instead
#                                     (needs the Debian build dependencies, see install-deps.sh).
#                                     On a machine without a GPU this is the dry run: every step
#                                     that needs one fails, saying why.
#
# The device call: command "bash scripts/device-check.sh", carry ["build-device/bundle.tar.xz"],
# timeout_s 600. The script keeps to DEVICE_CHECK_BUDGET_S (default 500 s): optional steps
# (sanitizer, vulkan) start only while enough of it is left. Other knobs: DEVICE_CHECK_SUITE (a
# suite name or file instead of the generated one), DEVICE_CHECK_ENERGY=1 (run the energy pass),
# DEVICE_CHECK_ARCHS (prepare: CUDA architectures, default 90).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd -P)
BUILD=build-device
BUNDLE=$BUILD/bundle.tar.xz
MODE=${1:-run}

# ---------------------------------------------------------------------------------------------
# prepare (here)
# ---------------------------------------------------------------------------------------------
prepare() {
  local jobs=${INFERMARK_JOBS:-$(nproc)} launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFERMARK_CUDA=ON \
    -DINFERMARK_ONEDNN=OFF -DINFERMARK_PAPI=OFF \
    -DCMAKE_CUDA_ARCHITECTURES="${DEVICE_CHECK_ARCHS:-90}" "${launcher[@]}" >/dev/null
  cmake --build "$BUILD" -j "$jobs" --target infermark infermark_tests

  # Shared libraries the binaries load, except the C/C++ runtime every Linux has, the NVIDIA
  # driver's, and cuBLASLt (540 MB; the CUDA image there has it).
  local stage=$BUILD/bundle
  rm -rf "$stage"
  mkdir -p "$stage/lib"
  local name path
  while read -r name path; do
    case "$name" in
      linux-vdso*|ld-linux*|libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libpthread.so*|libdl.so*|librt.so*) ;;
      libcuda.so*|libcublasLt.so*|libcublas.so*|libnvidia-*) ;;
      *) cp -L "$path" "$stage/lib/$name" ;;
    esac
  done < <(ldd "$BUILD/infermark" "$BUILD/tests/infermark_tests" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u)
  {
    echo "source_dir=$REPO"
    echo "git_revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo +dirty)"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
    echo "cuda_architectures=${DEVICE_CHECK_ARCHS:-90}"
    echo "libraries=$(cd "$stage/lib" && printf '%s ' *)"
  } >"$stage/manifest"
  tar -cJf "$BUNDLE" -C "$BUILD" infermark tests/infermark_tests bundle
  local bytes
  bytes=$(stat -c %s "$BUNDLE")
  echo "device-check: $BUNDLE: $((bytes / 1048576)) MiB (binaries and $(find "$stage/lib" -type f | wc -l) libraries)"
  if [ "$bytes" -gt $((48 * 1048576)) ]; then
    echo "device-check: the bundle is over 48 MiB; the working tree that travels is limited to 64 MiB" >&2
    return 1
  fi
  echo "device-check: carry [\"$BUNDLE\"] and run: bash scripts/device-check.sh"
}

# ---------------------------------------------------------------------------------------------
# run (there)
# ---------------------------------------------------------------------------------------------
OUT=${OUT:-$REPO/$BUILD/out}
BUDGET=${DEVICE_CHECK_BUDGET_S:-500}
BIN=$REPO/$BUILD/infermark
TESTS=$REPO/$BUILD/tests/infermark_tests
SUMMARY=()
FAILED=0

left() { echo $((BUDGET - SECONDS)); }

# step NAME CRITICAL COMMAND...: runs COMMAND in a subshell with errexit, records its status and
# time, and goes on; a failed critical step makes the script's exit status 1.
step() {
  local name=$1 critical=$2
  shift 2
  local t0=$SECONDS rc
  echo
  echo "=== $name ($(left) s of the budget left)"
  set +e
  (set -euo pipefail; "$@")
  rc=$?
  set -e
  local status="ok"
  if [ $rc -eq 77 ]; then
    status="skipped"
  elif [ $rc -ne 0 ]; then
    status="FAILED (exit $rc)"
    if [ "$critical" = critical ]; then FAILED=1; fi
  fi
  SUMMARY+=("$(printf '%-22s %-16s %4d s' "$name" "$status" $((SECONDS - t0)))")
  echo "=== $name: $status"
}

# Optional steps start only with this many seconds of the budget left.
need_time() {
  if [ "$(left)" -lt "$1" ]; then
    echo "not started: $(left) s of the budget left, this step needs $1 s"
    return 77
  fi
}

# The binaries: unpack the bundle, make the paths compiled into them resolve, and give the dynamic
# linker cuBLASLt and whatever library this machine lacks; or build here without a bundle.
setup() {
  if [ -f "$BUNDLE" ]; then
    tar -xJf "$BUNDLE" -C "$BUILD"
    cat "$BUILD/bundle/manifest"
    # Paths compiled in (suites, test data, the binary the tests run) name the tree it was built in.
    local src
    src=$(sed -n 's/^source_dir=//p' "$BUILD/bundle/manifest")
    if [ -n "$src" ] && [ ! -e "$src" ]; then
      mkdir -p "$(dirname "$src")"
      ln -s "$REPO" "$src"
      echo "linked $src -> $REPO (paths compiled into the bundle)"
    elif [ -n "$src" ] && [ "$(cd "$src" && pwd -P)" != "$REPO" ]; then
      echo "warning: $src exists and is another tree; suites come from INFERMARK_SUITES_DIR"
    fi
  else
    echo "no $BUNDLE: building here"
    command -v cmake >/dev/null || { echo "cmake not found"; return 1; }
    command -v ninja >/dev/null || { echo "ninja not found"; return 1; }
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFERMARK_CUDA=ON \
      -DINFERMARK_ONEDNN=OFF -DINFERMARK_PAPI=OFF -DCMAKE_CUDA_ARCHITECTURES="${DEVICE_CHECK_ARCHS:-90}"
    timeout 300 cmake --build "$BUILD" -j "$(nproc)" --target infermark infermark_tests
  fi
  export INFERMARK_SUITES_DIR=$REPO/suites

  local dir lib
  for lib in libcublasLt.so.13 libcupti.so.13; do
    dir=""
    for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib \
             /usr/local/cuda/extras/CUPTI/lib64 /usr/lib/x86_64-linux-gnu; do
      if [ -e "$d/$lib" ]; then dir=$d; break; fi
    done
    if [ -z "$dir" ]; then
      dir=$(timeout 60 find /usr/local /opt /usr/lib -name "$lib" -print -quit 2>/dev/null | xargs -r dirname)
    fi
    if [ -n "$dir" ]; then
      echo "$lib: $dir"
      export LD_LIBRARY_PATH=$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    fi
  done
  # Libraries still missing come from the bundle, one link each (never the whole folder first:
  # this machine's own copies win).
  local fill=$REPO/$BUILD/bundle/fill missing
  mkdir -p "$fill"
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$fill
  for _ in 1 2 3; do  # a library from the bundle may need another
    missing=$(ldd "$BIN" "$TESTS" 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
    [ -z "$missing" ] && break
    for lib in $missing; do
      if [ -e "$REPO/$BUILD/bundle/lib/$lib" ]; then
        ln -sf "../lib/$lib" "$fill/$lib"
        echo "from the bundle: $lib"
      fi
    done
  done
  missing=$(ldd "$BIN" "$TESTS" 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
  if [ -n "$missing" ]; then
    echo "missing shared libraries: $missing"
    return 1
  fi
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  "$BIN" --version
  # The steps after this one run in their own subshells: they read the environment from here.
  printf 'export LD_LIBRARY_PATH=%q\nexport INFERMARK_SUITES_DIR=%q\n' "$LD_LIBRARY_PATH" "$INFERMARK_SUITES_DIR" \
    >"$BUILD/device-check.env"
}

system_info() {
  {
    echo "## uname"; uname -a
    echo "## nvidia-smi"
    if command -v nvidia-smi >/dev/null; then
      nvidia-smi
      nvidia-smi --query-gpu=name,uuid,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv
    else
      echo "nvidia-smi: not found (no NVIDIA driver on this machine)"
    fi
    echo "## nvcc"; (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>&1 | tail -2 || true
    echo "## infermark list"; "$BIN" list
  } 2>&1 | tee "$OUT/system.txt"
  command -v nvidia-smi >/dev/null || { echo "nvidia-smi: not found: this machine has no NVIDIA driver"; return 1; }
  if "$BIN" list | grep -q "^  cuda: unavailable"; then
    echo "the cuda backend has no device: $("$BIN" list | sed -n 's/^  cuda: unavailable: //p')"
    return 1
  fi
}

# Each CUDA test case (and the shared backend-ops case, which now covers cuda) in its own
# process, as CTest would run them: exit 77 is "skipped".
gpu_tests() {
  local names name spec rc pass=0 skip=0 fail=0
  # Catch2 exits with the number of tests it lists.
  names=$("$TESTS" --list-test-names-only "[cuda],[backend_ops]" || true)
  names=$(sed '/^$/d' <<<"$names")
  [ -n "$names" ] || { echo "no [cuda] tests in $TESTS"; return 1; }
  {
    while IFS= read -r name; do
      spec=$(printf '%s' "$name" | sed 's/\\/\\\\/g; s/,/\\,/g; s/\[/\\[/g')
      set +e
      timeout 150 "$TESTS" "$spec" >/tmp/device-check-test.log 2>&1
      rc=$?
      set -e
      if grep -q "^No test cases matched" /tmp/device-check-test.log; then rc=3; fi  # a bad test spec
      case $rc in
        0) pass=$((pass + 1)); echo "PASS  $name" ;;
        77) skip=$((skip + 1)); echo "SKIP  $name: $(grep -m1 '^skipped:' /tmp/device-check-test.log || true)" ;;
        *) fail=$((fail + 1)); echo "FAIL  $name (exit $rc)"; sed 's/^/      /' /tmp/device-check-test.log | tail -60 ;;
      esac
    done <<<"$names"
    echo "tests: $pass passed, $skip skipped, $fail failed"
  } 2>&1 | tee "$OUT/tests.log"
  grep -q "^tests: .* 0 failed$" "$OUT/tests.log"
  # The point of this check: the [gpu] tests ran, none skipped.
  local skipped=0
  while IFS= read -r name; do
    if grep -qxF "SKIP  $name" <(sed 's/: skipped:.*//; s/: $//' "$OUT/tests.log"); then skipped=$((skipped + 1)); fi
  done < <("$TESTS" --list-test-names-only "[gpu]" | sed '/^$/d' || true)
  if [ $skipped -gt 0 ]; then
    echo "$skipped GPU test(s) skipped: no usable GPU"
    return 1
  fi
}

# The benchmark suite: the standard suite's shapes in f32 and bf16, f16 for three of them, the
# quantized precisions (int8, int4w; issue 12) for an encoder and a decoder's decode, and the
# Llama-8B shapes of the issue's targets, with short measurement settings.
write_suite() {
  cat >"$1" <<'EOF'
{
  "name": "device-check",
  "version": 1,
  "settings": {"warmup_s": 0.1, "min_time_s": 0.5, "max_time_s": 2, "min_iterations": 10,
               "target_ci": 0.02, "seed": 42, "correctness_budget_s": 20},
  "workloads": [
    {"model": "bert-base", "phase": "encode", "batch": 1, "seq": 128, "precision": ["f32", "bf16", "f16"], "layers": 1},
    {"model": "bert-base", "phase": "encode", "batch": 8, "seq": 128, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "bert-large", "phase": "encode", "batch": 1, "seq": 384, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "gpt2", "phase": "prefill", "batch": 1, "seq": 128, "precision": ["f32", "bf16", "f16"]},
    {"model": "gpt2", "phase": "decode", "batch": 1, "seq": 1, "context": 512, "precision": ["f32", "bf16"]},
    {"model": "llama-1.1b", "phase": "prefill", "batch": 1, "seq": 512, "precision": ["f32", "bf16"], "layers": 1},
    {"model": "llama-1.1b", "phase": "decode", "batch": 1, "seq": 1, "context": 1024, "precision": ["f32", "bf16", "f16"], "layers": 1},
    {"model": "bert-base", "phase": "encode", "batch": 1, "seq": 128, "precision": ["int8", "int4w"], "layers": 1},
    {"model": "llama-1.1b", "phase": "decode", "batch": 1, "seq": 1, "context": 1024, "precision": ["int8", "int4w"], "layers": 1},
    {"model": "llama-8b", "phase": "prefill", "batch": 1, "seq": 2048, "precision": "bf16", "layers": 1},
    {"model": "llama-8b", "phase": "decode", "batch": 1, "seq": 1, "context": 2048, "precision": "bf16", "layers": 1}
  ]
}
EOF
}

# run_suite BACKEND OUTFILE [extra run options]
run_suite() {
  local backend=$1 out=$2 suite=${DEVICE_CHECK_SUITE:-}
  shift 2
  if [ -z "$suite" ]; then
    suite=/tmp/device-check-suite.json
    write_suite "$suite"
  fi
  local energy=(--no-energy)
  [ "${DEVICE_CHECK_ENERGY:-0}" = 1 ] && energy=()
  local rc=0 limit=$(($(left) - 20))
  [ "$limit" -gt "${RUN_LIMIT_S:-$limit}" ] && limit=$RUN_LIMIT_S
  timeout --kill-after=10 "$limit" "$BIN" run --suite "$suite" --backend "$backend" --out "$out" \
    --cache-dir /tmp/infermark-cache "${energy[@]}" "$@" || rc=$?
  [ -f "$out" ] || { echo "no result file $out (exit $rc)"; return 1; }
  "$BIN" validate "$out"
  # One line per benchmark; the step fails when any failed or none was measured.
  python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
states = {}
for b in doc["benchmarks"]:
    states[b["state"]] = states.get(b["state"], 0) + 1
    med = next((s["value"] for s in b.get("summaries", []) if s.get("tag") == "latency/device/median"), None)
    c = b.get("correctness") or {}
    print(f'{b["state"]:13} {b["workload"]["id"]:42} device median {med if med is None else f"{med * 1e3:.3f} ms":>12}'
          f'  nmse {c.get("nmse", "-")}  {b.get("reason", "")[:90]}')
print("states:", states)
sys.exit(1 if states.get("failed") or not (states.get("passed") or states.get("mistrusted")) else 0)
PY
  return $rc
}

cuda_benchmarks() {
  need_time 120
  RUN_LIMIT_S=260 run_suite cuda "$OUT/cuda.json"
}

report() {
  [ -f "$OUT/cuda.json" ] || { echo "no $OUT/cuda.json"; return 1; }
  local files=("$OUT/cuda.json")
  [ -f "$OUT/vulkan.json" ] && files+=("$OUT/vulkan.json")
  "$BIN" report "${files[@]}" --markdown --out "$OUT/report.md"
  cat "$OUT/report.md"
}

# The collectors on the GPU (issue 6): NVML's energy counter and telemetry and CUPTI's kernel
# activity (their tests), then a short CUDA run with the counters and energy passes, checked in
# its result (kept in /tmp: $OUT holds at most 8 files; the lines printed here come back).
collectors() {
  need_time 90
  local rc=0 name
  "$BIN" list | sed -n '/^collectors:/,/^suites/p' | sed '$d'
  for name in "nvml: this machine's driver library" "cupti: kernels of the CUDA backend counted per window"; do
    if timeout 60 "$TESTS" "$name" >/tmp/device-check-collector.log 2>&1; then
      echo "PASS  $name"
    else
      rc=1
      echo "FAIL  $name"
      sed 's/^/      /' /tmp/device-check-collector.log | tail -30
    fi
  done
  local out=/tmp/device-check-collectors.json
  rm -f "$out"
  timeout 180 "$BIN" run --suite smoke --backend cuda --quick --quiet --energy \
    --filter 'tiny-llama/(decode/b1/s1/c63|prefill/b2/s16/f32)/' --out "$out" \
    --cache-dir /tmp/infermark-cache || rc=1
  [ -f "$out" ] || { echo "no result file $out"; return 1; }
  "$BIN" validate "$out" || rc=1
  python3 - "$out" <<'PY' || rc=1
import json, sys
doc = json.load(open(sys.argv[1]))
ok = True
for b in doc["benchmarks"]:
    tags = {s["tag"]: s for s in b["summaries"]}
    print(b["id"], b["state"], b.get("reason") or "")
    for t in sorted(tags):
        if t.startswith(("counter/cupti/", "energy/", "counter/perf_event/task_clock")) and not t.endswith("/per_token") \
                or t.endswith("/joules_per_token"):
            s = tags[t]
            print(f'   {t:52} {s["value"]:.6g} {s["unit"]} {s.get("per", "")} {s.get("source", "")[:40]}')
    # A benchmark that did not run (no GPU: the dry run) has no counters or validity block.
    cupti = next((c for c in (b.get("counters") or {}).get("collectors", []) if c.get("name") == "cupti"), {})
    validity = b.get("validity") or {}
    for k in cupti.get("top_kernels", [])[:3]:
        print(f'   top kernel {k["launches"]:5} launches {k["seconds"]:.3g} s  {k["name"][:80]}')
    print("   energy:", json.dumps(b.get("energy", {}))[:400])
    print("   telemetry:", json.dumps(validity.get("telemetry", {}))[:400])
    checks = {
        "CUPTI counted kernels": tags.get("counter/cupti/kernels", {}).get("value", 0) > 0,
        "GPU energy from NVML's counter": tags.get("energy/gpu/joules_per_inference", {}).get("source") == "counter",
        "GPU J/token": "energy/gpu/joules_per_token" in tags,
        "telemetry during the latency pass": validity.get("telemetry", {}).get("state") == "measured",
    }
    for k, v in checks.items():
        print("   " + ("ok   " if v else "FAIL ") + k)
        ok = ok and v
sys.exit(0 if ok else 1)
PY
  return $rc
}

# compute-sanitizer's memcheck and racecheck over the f32 op cases (attention, norms, GEMMs).
sanitizer() {
  need_time 150
  local cs
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  [ -n "$cs" ] || { echo "compute-sanitizer not found"; return 77; }
  local rc=0 tool
  for tool in memcheck racecheck; do
    echo "## $tool" | tee -a "$OUT/sanitizer.log"
    timeout 120 "$cs" --tool "$tool" --error-exitcode 9 "$TESTS" "cuda passes the shared op cases in f32" \
      >>"$OUT/sanitizer.log" 2>&1 || rc=$?
    tail -5 "$OUT/sanitizer.log"
  done
  return $rc
}

# The Vulkan backend on the same GPU, where the NVIDIA Vulkan driver is reachable.
vulkan_benchmarks() {
  need_time 150
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if "$BIN" list | grep -q "^  vulkan: unavailable" && [ -f "$icd" ]; then
    export VK_DRIVER_FILES=$icd
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
  local devices
  devices=$("$BIN" list | awk '/^  vulkan/ {f = 1; print; next} /^  [a-z]|^[a-z]/ {f = 0} f')
  echo "$devices"
  if ! grep -q "(gpu)" <<<"$devices"; then
    echo "no Vulkan GPU here (a CPU driver such as lavapipe is not what this check measures)"
    return 77
  fi
  RUN_LIMIT_S=180 run_suite vulkan "$OUT/vulkan.json" --precision f32,f16 --filter '^(bert-base|gpt2|llama-1.1b)/'
}

run_check() {
  mkdir -p "$OUT" "$BUILD"
  exec > >(tee -a "$OUT/device-check.log") 2>&1
  echo "device-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), repo $REPO, results in $OUT"
  rm -f "$BUILD/device-check.env"
  step setup critical setup
  # shellcheck disable=SC1091
  [ -f "$BUILD/device-check.env" ] && . "$BUILD/device-check.env"
  if [ ! -x "$BIN" ] || [ ! -f "$BUILD/device-check.env" ]; then
    echo "no binaries: nothing else can run"
    FAILED=1
  else
    step system critical system_info
    step gpu-tests critical gpu_tests
    step cuda-benchmarks critical cuda_benchmarks
    step report critical report
    step collectors critical collectors
    step sanitizer optional sanitizer
    step vulkan optional vulkan_benchmarks
  fi
  {
    echo "device-check summary ($SECONDS s, budget $BUDGET s)"
    printf '%s\n' "${SUMMARY[@]}"
    [ $FAILED -eq 0 ] && echo "result: every critical step passed" || echo "result: a critical step FAILED"
  } | tee "$OUT/summary.txt"
  return $FAILED
}

case "$MODE" in
  prepare) prepare ;;
  run) run_check ;;
  *) echo "usage: scripts/device-check.sh [prepare|run]" >&2; exit 2 ;;
esac
