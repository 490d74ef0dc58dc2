// The oneDNN CPU backend: f32 and bf16 (on CPUs with native bf16) through oneDNN 2.x primitives
// with fused post-ops, weights reordered once at compile time, and OpenMP threads.
#pragma once

#include <memory>

#include "backends/backend.hpp"

namespace infermark {

std::unique_ptr<Backend> make_onednn_backend();

}  // namespace infermark
