// Where the time goes inside one inference: per-op device times (backends with op timers) and
// the backend's own breakdown (e.g. GEMMs alone), measured after the latency pass.
#pragma once

#include <vector>

#include "backends/backend.hpp"
#include "results/model/result.hpp"

namespace infermark {

// Median per-op device seconds over `runs` inferences, ops summed over layers (names without
// "layer.<i>."), in first-seen order. Empty when the backend has no op timer.
std::vector<std::pair<std::string, double>> median_op_seconds(Executable& exe, int runs);

// Summaries "breakdown/op/<op>" (device time per op), "breakdown/<entry>" from the backend, and
// "compute/gemm_floor_ratio" (median latency / GEMMs alone) when the backend measures its GEMMs.
// `median_s` is the latency pass's host median.
std::vector<Summary> breakdown_summaries(Executable& exe, double median_s);

}  // namespace infermark
