// The host data of a constant tensor (Input, Weight, State) as a backend receives it at compile
// time, checked once against the graph's declaration, so every backend fails the same way.
#pragma once

#include <string_view>

#include "suites/graph.hpp"
#include "suites/tensor.hpp"

namespace infermark {

// Throws an Internal Error naming the backend and tensor when `constants` lacks the tensor or
// holds it with another shape, dtype or element count than `desc` declares.
const HostTensor& constant_data(const TensorSet& constants, const TensorDesc& desc,
                                std::string_view backend);

}  // namespace infermark
