// Attention as oneDNN primitives: batched matmuls over (batch, KV head) for QKᵀ and PV that read
// q, k, v and the KV cache in place through strides, with the scale and causal mask fused into
// QKᵀ (output scale + binary-add post-op) and a softmax primitive in between.
#pragma once

#include <memory>

#include "backends/onednn/step.hpp"

namespace infermark::onednn {

// inputs {q, k, v (, k_cache, v_cache)}, attrs as documented in suites/graph.hpp.
std::unique_ptr<Step> make_attention_step(const Op& op, BuildEnv& env);

}  // namespace infermark::onednn
