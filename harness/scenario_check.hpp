// Correctness of a serving scenario: every compiled step executable is checked against the
// reference before timing and re-checked after it (MLPerf TEST01), and one record sums them up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "harness/benchmark_spec.hpp"
#include "results/model/result.hpp"

namespace infermark {

struct CompiledStep {
  Workload workload;                 // the plain step (prefill or decode at one bucket)
  std::unique_ptr<Executable> exe;
  Correctness check;                 // before timing
  HostTensor expect;                 // what its output must match after timing
  bool expect_is_oracle = false;     // the reference's output, or its own before timing
};

// Runs each step once and compares it with the reference (the oracle's time split evenly over
// the steps: a step over its share is checked on fewer layers, as run_benchmark does).
void check_steps(const BenchmarkSpec& spec, Backend& backend, const DeviceInfo& dev,
                 std::vector<CompiledStep>& steps);

// Compares each step's output now with what it must match; fills the summary record's recheck.
void recheck_steps(std::vector<CompiledStep>& steps, Correctness& summary);

// One record for the benchmark: the worst errors, pass only when every step passes, "reduced"
// when any step was checked on fewer layers, and the per-step records under extra["steps"].
Correctness combine_checks(const std::vector<CompiledStep>& steps, Precision precision);

}  // namespace infermark
