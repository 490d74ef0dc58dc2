// `infermark validate` for serving-scenario results: their summaries must be the statistics of
// the per-request (or per-repetition) data they carry, and their validity must agree with it.
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

// Appends one message per problem (without the benchmark's pointer); nothing for a step workload.
void check_scenario_result(const BenchmarkResult& b, std::vector<std::string>& problems);

}  // namespace infermark
