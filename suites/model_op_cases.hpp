// The op micro-benchmark list (infermark-ops): every distinct op of a suite's lowered workloads
// (kind × shapes × attributes × precision), each as a one-op graph with deterministic data.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "suites/graph_builder.hpp"
#include "suites/suite_file.hpp"

namespace infermark {

struct ModelOpCase {
  std::string name;  // "matmul/bert-base/attn.q/m128n768k768/f32"
  std::shared_ptr<const Graph> lowered;  // the one-layer graph the op comes from
  size_t op_index = 0;
  Precision precision = Precision::F32;
  // The one-op graph with its data (generated on demand: embedding tables are large).
  GraphCase make() const { return single_op_case(*lowered, lowered->ops.at(op_index)); }
};

// One case per distinct op; ops that repeat per layer (or across workloads with the same
// shapes) appear once, under the first name they were seen with.
std::vector<ModelOpCase> model_op_cases(const Suite& suite);

}  // namespace infermark
