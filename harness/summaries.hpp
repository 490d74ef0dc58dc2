// Tagged summaries of one benchmark (DESIGN.md §6): latency statistics, throughput and achieved
// FLOP/s and bytes/s, derived from the kept samples and the cost model, nothing else.
#pragma once

#include <optional>
#include <vector>

#include "results/model/result.hpp"
#include "suites/cost_model.hpp"

namespace infermark {

std::vector<Summary> latency_summaries(const std::vector<double>& host,
                                       const std::optional<std::vector<double>>& device,
                                       int64_t tokens, const WorkloadCost& cost);

}  // namespace infermark
