// The fit check before compiling: a workload's expected sizes (cost model) against a device's
// limits (Backend::limits) and the host's RAM, so what cannot fit ends `skipped` with the numbers.
// Pure arithmetic over plain structs: tests inject limits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "backends/memory_usage.hpp"
#include "results/model/result.hpp"
#include "suites/cost_model.hpp"

namespace infermark {

// What compile() will need, at the backend's storage (DeviceLimits::float_bytes, else the
// workload precision's).
struct FitNeed {
  int elem_bytes = 4;
  int64_t weights = 0;
  int64_t kv_cache = 0;
  int64_t activations = 0;  // all intermediates when the backend holds them all, else the largest; ids included
  int64_t reserved = 0;     // the backend's own extra (GEMM workspace)
  int64_t device = 0;       // the sum: what the device must hold
  int64_t largest_buffer = 0;         // the largest single tensor
  int64_t largest_whole_binding = 0;  // the largest tensor bound whole (weights excluded when sliced)
  // Host RAM: the harness's f32 constants (weights, KV cache, ids), plus `device` when the
  // device's memory is the host's.
  int64_t host = 0;
};

struct FitCheck {
  bool fits = true;
  std::vector<std::string> problems;  // every limit exceeded, with the numbers; the first is the reason
  FitNeed need;
  std::string reason() const { return problems.empty() ? std::string() : problems.front(); }
  ojson to_json() const;
};

FitNeed fit_need(const MemoryCost& expected, const DeviceLimits& limits);

// Checks every limit that is known; an unknown limit is never guessed.
FitCheck check_fit(const MemoryCost& expected, const DeviceLimits& limits, const HostMemory& host);

// "16.1 GB", "512 MB", "3.00 kB": SI units, three significant digits.
std::string format_bytes(int64_t bytes);

}  // namespace infermark
