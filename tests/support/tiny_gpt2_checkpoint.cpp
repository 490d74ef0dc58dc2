#include "support/tiny_gpt2_checkpoint.hpp"

#include <cmath>
#include <vector>

namespace infermark::test {

const char* const kTinyGpt2Suite = R"({
  "name": "cli-gpt",
  "version": 1,
  "settings": {"warmup_s": 0.01, "min_time_s": 0.05, "max_time_s": 0.2, "min_iterations": 3,
               "target_ci": 0.5, "correctness_budget_s": 10},
  "models": {
    "gpt": {"family": "decoder", "hidden": 16, "heads": 2, "ffn": 32, "layers": 1, "vocab": 50,
            "norm": "layernorm", "activation": "gelu_tanh", "position": "learned", "max_seq": 16,
            "tied_embeddings": true}
  },
  "workloads": [
    {"model": "gpt", "phase": "prefill", "batch": 1, "seq": 5, "precision": "f32"},
    {"model": "gpt", "phase": "decode", "batch": 2, "seq": 1, "context": 4, "precision": "f32"}
  ]
})";

namespace {

// Smooth, varied values around `base`: LayerNorm gains near 1, everything else near 0.
HostTensor filled(std::vector<int64_t> shape, double base, double amplitude) {
  HostTensor t;
  t.shape = std::move(shape);
  t.f32.resize(size_t(t.numel()));
  for (size_t i = 0; i < t.f32.size(); ++i)
    t.f32[i] = float(base + amplitude * std::sin(0.7 * double(i) + 1.3 * base + 0.1));
  return t;
}

}  // namespace

std::map<std::string, HostTensor> tiny_gpt2_checkpoint(int64_t fc_out) {
  const int64_t H = 16, F = 32, V = 50, P = 16;  // hidden, ffn, vocab, max_seq
  std::map<std::string, HostTensor> t;
  t["wte.weight"] = filled({V, H}, 0, 0.1);
  t["wpe.weight"] = filled({P, H}, 0.01, 0.05);
  t["h.0.ln_1.weight"] = filled({H}, 1, 0.1);
  t["h.0.ln_1.bias"] = filled({H}, 0, 0.02);
  t["h.0.attn.c_attn.weight"] = filled({H, 3 * H}, 0, 0.2);
  t["h.0.attn.c_attn.bias"] = filled({3 * H}, 0, 0.02);
  t["h.0.attn.c_proj.weight"] = filled({H, H}, 0, 0.2);
  t["h.0.attn.c_proj.bias"] = filled({H}, 0, 0.02);
  t["h.0.ln_2.weight"] = filled({H}, 1, 0.1);
  t["h.0.ln_2.bias"] = filled({H}, 0, 0.02);
  t["h.0.mlp.c_fc.weight"] = filled({H, fc_out}, 0, 0.2);
  t["h.0.mlp.c_fc.bias"] = filled({fc_out}, 0, 0.02);
  t["h.0.mlp.c_proj.weight"] = filled({F, H}, 0, 0.2);
  t["h.0.mlp.c_proj.bias"] = filled({H}, 0, 0.02);
  t["ln_f.weight"] = filled({H}, 1, 0.1);
  t["ln_f.bias"] = filled({H}, 0, 0.02);
  return t;
}

}  // namespace infermark::test
