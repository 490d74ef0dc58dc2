// The console table of serving-scenario results, printed under the run's summary table: TTFT and
// TPOT percentiles, achieved and maximum QPS, and whether the latency bounds held.
#pragma once

#include <string>

#include "results/model/result.hpp"

namespace infermark {

// Empty when the run has no generate, server or offline benchmark.
std::string scenario_table(const RunResult& run);

}  // namespace infermark
