// Memory of one benchmark (issue 14): the fit check before compiling, then what was measured —
// the child's peak RSS, the backend's allocations by purpose, the device's total and free memory
// before and after — beside the cost model's expected sizes, as summaries tagged memory/…,
// a "memory" block in the result, and flags in the validity block where they disagree.
#pragma once

#include <optional>
#include <string>

#include "backends/backend.hpp"
#include "backends/memory_usage.hpp"
#include "harness/fit_check.hpp"
#include "results/model/result.hpp"
#include "suites/cost_model.hpp"

namespace infermark {

// Peak resident memory of this process: VmHWM of /proc/self/status, else getrusage's ru_maxrss.
struct PeakRss {
  std::optional<int64_t> bytes;
  std::string source;  // where it came from, or why there is none
};
PeakRss peak_rss();

// measured / expected beyond this (or below its inverse) is a large mismatch: layouts pad and
// reorder by a few percent, while 1.5× means a tensor held twice or in a wider type.
constexpr double kMemoryMismatchRatio = 1.5;

// One benchmark's memory record. Construct it before compiling (it reads the device's limits and
// the host's RAM, and runs the fit check); finish() it after the passes.
class MemoryRecorder {
 public:
  MemoryRecorder(const Backend& backend, const DeviceInfo& device, const Workload& w);
  // For tests: limits and host memory given, nothing read.
  MemoryRecorder(const MemoryCost& expected, const DeviceLimits& before, const HostMemory& host);

  bool fits() const { return fit_.fits; }
  const FitCheck& fit() const { return fit_; }
  // Ends `r` as skipped by the fit check: the reason with the numbers, and the memory block.
  void skip(BenchmarkResult& r) const;
  // Adds the memory summaries, the "memory" block and (when r has a validity block) the
  // validity's "memory" flags. `after` is the device's limits read after the passes.
  void finish(BenchmarkResult& r, const MemoryUsage& measured, const DeviceLimits& after,
              const PeakRss& rss) const;
  void finish(BenchmarkResult& r, const Backend& backend, const DeviceInfo& device,
              const Executable& exe) const;

 private:
  ojson block() const;

  MemoryCost expected_;
  DeviceLimits before_;
  HostMemory host_;
  FitCheck fit_;
};

// Mismatches between measured and expected weights and KV cache beyond kMemoryMismatchRatio,
// expected at the backend's declared storage (DeviceLimits::float_bytes, else the precision's).
std::vector<std::string> memory_mismatches(const MemoryCost& expected, const DeviceLimits& limits,
                                           const MemoryUsage& measured);

}  // namespace infermark
