// Quantized MatMul steps: int8 (per-token int8 activations × per-channel int8 weights through
// oneDNN's s8 matmul) and int4w (the project's own weight-only kernel, quant_kernels.hpp).
#pragma once

#include <memory>
#include <vector>

#include "backends/onednn/plan.hpp"
#include "backends/onednn/quant_kernels.hpp"
#include "backends/onednn/step.hpp"

namespace infermark::onednn {

// Builds the step for a planned MatMul whose weights are constants, at env.precision (int8 or
// int4w); the weights are quantized here by suites/quantize.hpp's rules. Same contract as
// make_matmul_step: bias and post-ops applied, `planned.output` [M, N] written in the act type.
std::unique_ptr<Step> make_quantized_matmul_step(const PlannedStep& planned, BuildEnv& env);

// The planned post-ops as the epilogue kernel's ops (quant_kernels.hpp), operands bound: for the
// steps whose GEMM is not oneDNN's and so cannot take oneDNN post-ops.
std::vector<EpilogueOp> epilogue_ops(const PlannedStep& planned, TensorTable& tt);

}  // namespace infermark::onednn
