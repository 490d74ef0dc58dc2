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

// The memory a workload's tensors need, counted from its graph in elements, so that sizes follow
// for any storage: floats at the workload precision (weights_bytes() and friends) or at a
// backend's own (the reference's f64). Ids are i32 whatever the precision.
struct MemoryCost {
  int elem_bytes = 4;                  // bytes per float element at the workload precision
  int64_t weight_elems = 0;            // every Weight tensor (all parameters of the layers run)
  int64_t largest_weight_elems = 0;    // the largest single weight (embedding table, LM head)
  // KV cache: batch × (context + seq) × layers × kv_heads × head_dim × 2 (keys and values).
  int64_t kv_elems = 0;
  int64_t largest_kv_elems = 0;        // one layer's keys (or values)
  int64_t activation_elems = 0;        // every intermediate and the output, all held at once
  int64_t largest_activation_elems = 0;  // the largest one (FFN hidden, logits, …)
  int64_t id_bytes = 0;                // token/position/type ids (i32)
  // Quantized precisions: the matmul weights stored quantized (a part of weight_elems) and the
  // bytes they take, values and scales (suites/quantize.hpp).
  int64_t quantized_weight_elems = 0;
  int64_t quantized_weight_bytes = 0;

  int64_t weights_bytes(int eb) const { return weight_elems * eb; }
  int64_t weights_bytes() const {
    return (weight_elems - quantized_weight_elems) * elem_bytes + quantized_weight_bytes;
  }
  int64_t weights_bytes(Precision p) const { return weights_bytes(bytes_per_element(p)); }
  int64_t kv_cache_bytes() const { return kv_elems * elem_bytes; }
  int64_t largest_activation_bytes() const { return largest_activation_elems * elem_bytes; }
  int64_t activations_bytes() const { return activation_elems * elem_bytes; }
};

MemoryCost memory_cost(const Graph& g);

}  // namespace infermark
