// One serving-scenario benchmark (generate, server, offline), in the child process: compile the
// step executables of its buckets, check them, warm them up, run the scenario on the host clock,
// re-check, and measure energy per step where a collector can.
#pragma once

#include "harness/benchmark_spec.hpp"
#include "results/model/result.hpp"

namespace infermark {

// As run_benchmark: backend failures end in state `failed` with the reason; throws only for bad
// input. run_benchmark hands scenario workloads here.
BenchmarkResult run_scenario_benchmark(const BenchmarkSpec& spec);

}  // namespace infermark
