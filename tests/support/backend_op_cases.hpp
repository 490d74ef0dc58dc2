// The shared op-level test cases (DESIGN.md §8, like ggml's test-backend-ops): small graphs with
// deterministic data that every backend present is checked on against the reference backend.
#pragma once

#include <string>
#include <vector>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark::testing {

struct OpCase {
  std::string name;     // "attention/cached/b2s1c6h4kv2d16"
  Graph graph;          // a few ops; graph.workload is a default (f32) Workload
  TensorSet constants;  // every Input, Weight and State tensor of the graph
};

// Every OpKind with a few shapes (odd sizes, GQA, causal, non-causal and cached attention), plus
// short op chains that backends like to fuse. Data comes from a fixed local generator, so the
// list is the same on every machine and every call.
std::vector<OpCase> backend_op_cases();

}  // namespace infermark::testing
