// Expected memory sizes of the cost model (issue 14) against hand counts from the model
// dimensions and published parameter counts; never against numbers printed by the code.
#include <catch2/catch.hpp>

#include "suites/cost_model.hpp"
#include "suites/graph.hpp"

using namespace infermark;

namespace {

Workload make(const std::string& model, Phase phase, int batch, int seq, int context, Precision p,
              int layers = 0) {
  Workload w;
  w.model = builtin_models().at(model);
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.precision = p;
  w.layers = layers > 0 ? layers : w.model.layers;
  return w;
}

MemoryCost mem(const Workload& w) { return memory_cost(lower(w)); }

}  // namespace

TEST_CASE("expected weight bytes are the published parameter counts at each precision", "[memory_cost]") {
  // Published counts: BERT-base without the pooler 108,891,648 (23,837,184 embeddings +
  // 12 × 7,087,872); GPT-2 small 124,439,808 (LM head tied); TinyLlama-1.1B 1,100,048,384;
  // Llama-3-8B 8,030,261,248.
  const struct {
    const char* model;
    Phase phase;
    int64_t params;
  } cases[] = {{"bert-base", Phase::Encode, 108891648},
               {"gpt2", Phase::Decode, 124439808},
               {"llama-1.1b", Phase::Decode, 1100048384},
               {"llama-8b", Phase::Decode, 8030261248}};
  for (const auto& c : cases) {
    INFO(c.model);
    const int context = c.phase == Phase::Decode ? 16 : 0;
    const MemoryCost f32 = mem(make(c.model, c.phase, 1, 1, context, Precision::F32));
    CHECK(f32.weight_elems == c.params);
    CHECK(f32.weights_bytes() == 4 * c.params);
    CHECK(f32.weights_bytes(Precision::BF16) == 2 * c.params);
    CHECK(f32.weights_bytes(Precision::F16) == 2 * c.params);
    const MemoryCost bf16 = mem(make(c.model, c.phase, 1, 1, context, Precision::BF16));
    CHECK(bf16.weights_bytes() == 2 * c.params);
  }
  // The example: Llama-3-8B in f32 needs 32.1 GB of weights.
  CHECK(mem(make("llama-8b", Phase::Decode, 1, 1, 16, Precision::F32)).weights_bytes() == 32121044992);
}

TEST_CASE("expected KV cache is batch × (context + seq) × layers × kv_heads × head_dim × 2 × elem", "[memory_cost]") {
  // TinyLlama: 22 layers, 4 KV heads of 64. Decode b4, context 1024, 1 new token, f16.
  const MemoryCost a = mem(make("llama-1.1b", Phase::Decode, 4, 1, 1024, Precision::F16));
  CHECK(a.kv_cache_bytes() == int64_t(4) * 1025 * 22 * 4 * 64 * 2 * 2);  // 92,364,800
  CHECK(a.kv_cache_bytes() == 92364800);
  CHECK(a.largest_kv_elems == int64_t(4) * 1025 * 4 * 64);  // one layer's keys
  // Llama-3-8B: 32 layers, 8 KV heads of 128; prefill b2 s512 (no context), f32.
  const MemoryCost b = mem(make("llama-8b", Phase::Prefill, 2, 512, 0, Precision::F32));
  CHECK(b.kv_cache_bytes() == int64_t(2) * 512 * 32 * 8 * 128 * 2 * 4);
  // Only the layers run hold a cache: 3 of GPT-2's 12 layers (12 heads of 64), bf16.
  const MemoryCost c = mem(make("gpt2", Phase::Decode, 1, 1, 100, Precision::BF16, 3));
  CHECK(c.kv_cache_bytes() == int64_t(1) * 101 * 3 * 12 * 64 * 2 * 2);
  // An encoder keeps none.
  CHECK(mem(make("bert-base", Phase::Encode, 8, 128, 0, Precision::F32)).kv_cache_bytes() == 0);
}

TEST_CASE("expected largest activation is the widest intermediate", "[memory_cost]") {
  // BERT-base encode b8 s128: the FFN hidden [1024 tokens, 3072] (the output is [1024, 768]).
  const MemoryCost bert = mem(make("bert-base", Phase::Encode, 8, 128, 0, Precision::F32, 1));
  CHECK(bert.largest_activation_elems == int64_t(1024) * 3072);
  CHECK(bert.largest_activation_bytes() == int64_t(1024) * 3072 * 4);
  // Llama-3-8B decode b1: the logits [1, 128256] are wider than the FFN [1, 14336].
  const MemoryCost llama = mem(make("llama-8b", Phase::Decode, 1, 1, 64, Precision::BF16, 1));
  CHECK(llama.largest_activation_elems == 128256);
  CHECK(llama.largest_activation_bytes() == 128256 * 2);
  // The largest weight: its embedding table (= the untied LM head), 128256 × 4096.
  CHECK(llama.largest_weight_elems == int64_t(128256) * 4096);
  // Ids: token and position ids, one each per token; an encoder adds token types.
  CHECK(llama.id_bytes == 2 * 4);
  CHECK(bert.id_bytes == 3 * 1024 * 4);
}

TEST_CASE("expected activations of a small encoder, every intermediate counted by hand", "[memory_cost]") {
  // Encoder, hidden H = 128, ffn F = 512, one layer, T = batch × seq tokens. Intermediates:
  // embeddings: token, position, type rows, two sums, the norm: 6 [T, H];
  // attention: q, k, v, attn, attn_out, attn_res, attn_norm_out: 7 [T, H];
  // FFN: up and its GELU [T, F] ×2, down, ffn_res, ffn_norm_out (the output): 3 [T, H].
  // So T × (16 H + 2 F) = 3072 T.
  ModelConfig m = builtin_models().at("bert-base");
  m.hidden = 128;
  m.heads = m.kv_heads = 2;
  m.head_dim = 64;
  m.ffn = 512;
  m.layers = 1;
  m.vocab = 64;
  m.max_seq = 64;
  Workload w;
  w.model = m;
  w.phase = Phase::Encode;
  w.batch = 3;
  w.seq = 64;
  w.precision = Precision::F32;
  w.layers = 1;
  const MemoryCost c = mem(w);
  CHECK(c.activation_elems == 3072 * 192);
  CHECK(c.activations_bytes() == 3072 * 192 * 4);
  CHECK(c.largest_activation_elems == 192 * 512);
  // Weights: embeddings 64·128 + 64·128 + 2·128 + LN 2·128; layer 4(H² + H) + (FH + F) + (HF + H)
  // + two LNs 4H.
  CHECK(c.weight_elems == (8192 + 8192 + 256 + 256) + (66048 + 66048 + 65664 + 512));
  CHECK(c.weight_elems == 215168);
}
