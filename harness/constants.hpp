// The constant tensors of one graph: weights (synthetic from the seed, or a safetensors file)
// plus the inputs and initial KV cache, which are always synthetic from the seed.
#pragma once

#include <cstdint>
#include <string>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

TensorSet make_constants(const Graph& g, uint64_t seed, const std::string& weights_path);

}  // namespace infermark
