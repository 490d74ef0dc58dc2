// The shared op-level test cases (DESIGN.md §8, like ggml's test-backend-ops): small graphs with
// deterministic data that every backend present is checked on against the reference backend.
#pragma once

#include <string>
#include <vector>

#include "suites/graph.hpp"
#include "suites/graph_builder.hpp"
#include "suites/tensor.hpp"

namespace infermark::testing {

// A few ops; graph.workload is a default (f32) Workload.
using OpCase = GraphCase;

// Every OpKind with a few shapes (odd sizes, GQA, causal, non-causal and cached attention), plus
// short op chains that backends like to fuse. Data comes from a fixed local generator, so the
// list is the same on every machine and every call.
std::vector<OpCase> backend_op_cases();

// The cases with a MatMul that precision `p` can quantize: every one for int8; for int4w only
// those whose MatMul K are multiples of 32 (the packed layout's unit).
std::vector<OpCase> quantized_matmul_op_cases(Precision p);

}  // namespace infermark::testing
