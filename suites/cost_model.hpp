// The cost model: FLOPs and minimum bytes per op and per workload, counted one way for everyone.
// FLOPs count multiply-adds of GEMMs and attention (2 per MAC); other ops move bytes only.
#pragma once

#include <cstdint>
#include <vector>

#include "suites/graph.hpp"

namespace infermark {

struct OpCost {
  int64_t flops = 0;
  int64_t bytes = 0;  // the op's inputs read once + output written once, at the workload precision
};

struct WorkloadCost {
  int64_t flops = 0;
  // Minimum traffic: every weight read once, graph inputs read, KV cache read (and new entries
  // written), the output written; intermediate activations assumed to stay on chip.
  int64_t min_bytes = 0;
  int64_t weight_bytes = 0;
  std::vector<OpCost> per_op;  // parallel to graph.ops
};

OpCost op_cost(const Graph& g, const Op& op);
WorkloadCost workload_cost(const Graph& g);

}  // namespace infermark
