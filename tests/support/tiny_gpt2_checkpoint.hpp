// A tiny GPT-2-style suite (decoder, LayerNorm, tanh GELU, learned positions, tied embeddings) and
// a matching Hugging Face checkpoint, for the end-to-end tests of `run --weights`.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "suites/tensor.hpp"

namespace infermark::test {

// Suite "cli-gpt": model "gpt" (hidden 16, heads 2, ffn 32, 1 layer, vocab 50, max_seq 16) and
// two workloads: prefill b1 s5 f32, and decode b2 s1 c4 f32.
extern const char* const kTinyGpt2Suite;

// The checkpoint with GPT-2 names and layouts (Conv1D weights [in, out], c_attn packing q, k, v
// along its output axis). `fc_out` is the output width of h.0.mlp.c_fc: 32 matches the model,
// anything else makes a file with one wrong shape.
std::map<std::string, HostTensor> tiny_gpt2_checkpoint(int64_t fc_out = 32);

}  // namespace infermark::test
