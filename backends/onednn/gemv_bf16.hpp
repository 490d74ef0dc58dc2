// A bf16 MatMul step for decode (a few rows): the project's own AVX512-BF16 GEMV over plain
// [N, K] bf16 weights, because oneDNN 2.6's AMX path reads a 1-row matmul's weights at half f32's rate.
#pragma once

#include <cstdint>
#include <memory>

#include "backends/onednn/plan.hpp"
#include "backends/onednn/step.hpp"

namespace infermark::onednn {

// Rows up to which a bf16 MatMul with constant weights takes the GEMV step.
constexpr int64_t kGemvMaxRows = 4;

// Whether this CPU runs the GEMV kernel (AVX512-BF16).
bool gemv_bf16_available();

// out[r, n] = Σ_k a[r, k] · w[n, k] in f32, a and w bf16 bit patterns ([m, k], [n, k]), for
// m ≤ kGemvMaxRows. OpenMP over n. Only where gemv_bf16_available().
void gemv_bf16(const uint16_t* a, int64_t m, int64_t k, const uint16_t* w, int64_t n, float* out);

// The step for a planned bf16 MatMul with constant weights and at most kGemvMaxRows rows: the
// GEMV into an f32 buffer, then the epilogue kernel for bias and the planned post-ops.
std::unique_ptr<Step> make_gemv_bf16_step(const PlannedStep& planned, BuildEnv& env);

}  // namespace infermark::onednn
