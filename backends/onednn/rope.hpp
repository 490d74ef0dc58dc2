// RoPE as our own loop: rotate-half per head at the position ids, with cos/sin precomputed at
// compile time (in double) for every position up to the largest id, as a rope cache.
#pragma once

#include <memory>

#include "backends/onednn/step.hpp"

namespace infermark::onednn {

std::unique_ptr<Step> make_rope_step(const Op& op, BuildEnv& env);

}  // namespace infermark::onednn
