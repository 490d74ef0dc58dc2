// The precision trade-off table of `report --markdown`: per device and workload shape, each
// precision's latency, tokens/s, J/token, speed-up and quantization error, Pareto front marked.
#pragma once

#include <string>

#include "results/model/result.hpp"

namespace infermark {

// Markdown (a heading line and a table), or "" when no shape ran at a quantized precision next
// to another precision on the same device.
std::string tradeoff_table(const RunResult& r);

}  // namespace infermark
