// Ops that run alone as one oneDNN primitive over [rows, cols] tensors: Add and Mul (binary),
// Gelu, GeluTanh and Silu (eltwise) and Softmax (softmax_v2), where no MatMul absorbed them.
#pragma once

#include <memory>

#include "backends/onednn/step.hpp"

namespace infermark::onednn {

std::unique_ptr<Step> make_binary_step(const Op& op, BuildEnv& env);      // Add, Mul
std::unique_ptr<Step> make_eltwise_step(const Op& op, BuildEnv& env);     // Gelu, GeluTanh, Silu
std::unique_ptr<Step> make_softmax_step(const Op& op, BuildEnv& env);     // Softmax

}  // namespace infermark::onednn
