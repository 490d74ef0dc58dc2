// Host side of the Vulkan quantized MatMuls (int8, int4w): the compute float type a quantized
// workload runs in, the weights packed into the 32-bit words the shaders read, and which
// quantized weights need no float copy on the device. Pure host logic, no Vulkan object.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "suites/graph.hpp"
#include "suites/quantize.hpp"

namespace infermark::vk {

// The float type a workload's activations use on Vulkan: bf16 has no Vulkan type, so a quantized
// workload with compute bf16 runs in f32 (and says so); f16 needs the device's f16 support.
struct ComputeChoice {
  bool ok = true;
  bool half = false;
  std::string used;    // "f32" or "f16"
  std::string reason;  // why `used` differs from the workload's compute type, or why not ok
};
ComputeChoice compute_choice(const Workload& w, bool device_has_f16);

// int8 weights as [N, K4] words, K4 = ceil(K / 4): k = 4w … 4w + 3 in bytes 0 … 3, zero padded.
std::vector<uint32_t> pack_int8_words(const Int8Weights& q);
// int4w weights: Int4Weights::packed read as little-endian 32-bit words, [N, K / 8].
std::vector<uint32_t> pack_int4_words(const Int4Weights& q);
// f32 values as their bit patterns (scales are uploaded as raw words).
std::vector<uint32_t> float_words(const std::vector<float>& v);

// The quantized MatMul weights that no other op reads (a tied GPT-2 embedding table is read by
// the Embedding too and keeps its float copy): those are stored on the device only quantized.
std::set<std::string> quantized_only_weights(const Graph& g);

}  // namespace infermark::vk
