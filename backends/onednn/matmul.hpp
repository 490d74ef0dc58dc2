// MatMul steps: oneDNN matmul with bias and fused post-ops (GELU, SiLU, residual add, GLU
// multiply); weights reordered once at compile time into the layout the primitive prefers.
#pragma once

#include <memory>

#include "backends/onednn/plan.hpp"
#include "backends/onednn/step.hpp"

namespace infermark::onednn {

// Builds the step for a planned MatMul (inputs {a [M, K], w [N, K] (, bias [N])}) and its
// post-ops; the step writes `planned.output` [M, N].
std::unique_ptr<Step> make_matmul_step(const PlannedStep& planned, BuildEnv& env);

}  // namespace infermark::onednn
