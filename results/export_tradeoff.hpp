// The precision trade-off of a run: per device and workload shape, each precision's latency,
// tokens/s, J/token, speed-up and quantization error, with the Pareto front marked (issue 12).
#pragma once

#include <string>
#include <vector>

#include "results/model/result.hpp"

namespace infermark {

// One precision of a shape on a device; NaN where the result has no such figure.
struct TradeoffPoint {
  const BenchmarkResult* bench = nullptr;
  std::string precision;       // the id's precision segment, e.g. "int4w-g128-bf16"
  bool quantized = false;
  double median = 0;           // latency/host/median, s
  double tokens_per_s = 0, joules_per_token = 0;
  double quant_nmse = 0;       // 0 for float precisions: the float model itself
  double quant_max_abs = 0, top1 = 0;
  double speedup = 0;          // the group's baseline median / this median
  bool pareto = false;         // no other point is as fast and as accurate, and better in one
};

// The precisions one shape ran at on one device (backend:device), in result order; only groups
// with at least two precisions, one of them quantized. The baseline is bf16 where it ran, else
// the first float precision (baseline "" when none ran).
struct TradeoffGroup {
  std::string device;  // backend:device
  std::string shape;   // the workload id with its precision segment as "*"
  std::string baseline;
  std::vector<TradeoffPoint> points;
};

std::vector<TradeoffGroup> tradeoff_groups(const RunResult& r);

// Markdown (a heading line and a table), or "" when there is no group.
std::string tradeoff_table(const RunResult& r);

}  // namespace infermark
