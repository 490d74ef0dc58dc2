// `infermark validate`, memory part (issue 14): memory/… summaries in bytes, expected sizes that
// recompute from the workload's definition, measured parts that add up, and a fit-check verdict
// that agrees with the state.
#pragma once

#include <functional>
#include <string>

#include "results/model/result.hpp"
#include "suites/workload.hpp"

namespace infermark {

// Calls `problem` once per inconsistency. `w`: the benchmark's parsed workload, or nullptr when
// its definition did not parse (then the expected sizes are not recomputed).
void check_memory(const BenchmarkResult& b, const Workload* w,
                  const std::function<void(const std::string&)>& problem);

}  // namespace infermark
