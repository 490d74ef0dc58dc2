// Normalisation steps: LayerNorm through oneDNN's layer_normalization primitive (scale and
// shift), RMSNorm as our own loop (oneDNN 2.6 has no RMS flag), both over rows of [rows, H].
#pragma once

#include <memory>

#include "backends/onednn/step.hpp"

namespace infermark::onednn {

std::unique_ptr<Step> make_layer_norm_step(const Op& op, BuildEnv& env);
std::unique_ptr<Step> make_rms_norm_step(const Op& op, BuildEnv& env);

// x / sqrt(mean(x²) + eps) · γ per row, f32 arithmetic whatever the storage type (exposed for
// tests). T is float or bf16_t.
template <class T>
void rms_norm_rows(const T* x, const float* gamma, T* out, int64_t rows, int64_t cols, float eps);

}  // namespace infermark::onednn
