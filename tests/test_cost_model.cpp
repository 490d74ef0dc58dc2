// Cost model: FLOPs, weight bytes and minimum bytes against hand counts from the model
// dimensions (never against numbers printed by the code under test).
#include <catch2/catch.hpp>

#include "suites/cost_model.hpp"
#include "suites/graph.hpp"
#include "suites/tensor_names.hpp"

using namespace infermark;

namespace {

Workload make(const std::string& model, Phase phase, int batch, int seq, int context,
              Precision p, int layers) {
  Workload w;
  w.model = builtin_models().at(model);
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.precision = p;
  w.layers = layers;
  return w;
}

WorkloadCost cost_of(const Workload& w) { return workload_cost(lower(w)); }

// BERT-base parameters by hand: embeddings + one encoder layer (biases and LayerNorms included).
constexpr int64_t kBertH = 768, kBertF = 3072, kBertV = 30522, kBertMaxSeq = 512, kBertTypes = 2;
constexpr int64_t kBertEmbeddingParams = kBertV * kBertH        // embed.token
                                         + kBertMaxSeq * kBertH  // embed.position
                                         + kBertTypes * kBertH   // embed.type
                                         + 2 * kBertH;           // embed.norm γ, β
constexpr int64_t kBertLayerParams = 4 * (kBertH * kBertH + kBertH)  // q, k, v, o + biases
                                     + (kBertF * kBertH + kBertF)    // ffn.up + bias
                                     + (kBertH * kBertF + kBertH)    // ffn.down + bias
                                     + 2 * 2 * kBertH;               // attn_norm, ffn_norm γ, β
// Published figures for BERT-base without the pooler: 23,837,184 and 7,087,872.
static_assert(kBertEmbeddingParams == 23837184);
static_assert(kBertLayerParams == 7087872);

}  // namespace

TEST_CASE("bert-base encode b1 s128 l1 FLOPs match a hand count", "[cost_model]") {
  const int64_t S = 128, H = 768, F = 3072, heads = 12, hd = 64;
  const int64_t projections = 4 * (2 * S * H * H);        // q, k, v, o
  const int64_t ffn = 2 * (2 * S * H * F);                // up, down
  const int64_t attention = 2 * (2 * S * S * hd) * heads;  // QKᵀ and PV, every pair (not causal)
  const int64_t expected = projections + ffn + attention;
  REQUIRE(expected == 1862270976);

  const Workload w = make("bert-base", Phase::Encode, 1, 128, 0, Precision::F32, 1);
  const Graph g = lower(w);
  const WorkloadCost c = workload_cost(g);
  CHECK(c.flops == expected);
  REQUIRE(c.per_op.size() == g.ops.size());
  int64_t sum = 0;
  for (const auto& oc : c.per_op) sum += oc.flops;
  CHECK(sum == c.flops);
  // FLOPs do not depend on the precision, and scale with batch.
  CHECK(cost_of(make("bert-base", Phase::Encode, 1, 128, 0, Precision::BF16, 1)).flops == expected);
  CHECK(cost_of(make("bert-base", Phase::Encode, 4, 128, 0, Precision::F32, 1)).flops == 4 * expected);
  CHECK(cost_of(make("bert-base", Phase::Encode, 1, 128, 0, Precision::F32, 3)).flops ==
        3 * expected);
}

TEST_CASE("causal decoder FLOPs count only the visible query-key pairs", "[cost_model]") {
  // llama-1.1b: hidden 2048, 32 heads of 64, 4 KV heads (width 256), ffn 5632, vocab 32000.
  const int64_t H = 2048, qw = 32 * 64, kvw = 4 * 64, F = 5632, V = 32000, heads = 32, hd = 64;
  auto hand = [&](int64_t B, int64_t S, int64_t C) {
    const int64_t T = B * S;
    const int64_t proj = 2 * T * H * qw + 2 * (2 * T * H * kvw) + 2 * T * qw * H;  // q, k+v, o
    const int64_t mlp = 3 * (2 * T * H * F);                                    // gate, up, down
    const int64_t pairs = S * C + S * (S + 1) / 2;  // query s sees keys 0 … C + s
    const int64_t attention = 2 * (2 * pairs * hd) * heads * B;
    const int64_t logits = 2 * B * H * V;  // last position only
    return proj + mlp + attention + logits;
  };
  SECTION("decode with a context") {
    const Workload w = make("llama-1.1b", Phase::Decode, 2, 4, 60, Precision::F32, 1);
    CHECK(cost_of(w).flops == hand(2, 4, 60));
  }
  SECTION("prefill from an empty cache") {
    const Workload w = make("llama-1.1b", Phase::Prefill, 1, 16, 0, Precision::BF16, 1);
    CHECK(cost_of(w).flops == hand(1, 16, 0));
  }
  SECTION("the attention op alone") {
    const Workload w = make("llama-1.1b", Phase::Decode, 1, 3, 10, Precision::F32, 1);
    const Graph g = lower(w);
    int found = 0;
    for (const auto& op : g.ops)
      if (op.kind == OpKind::Attention) {
        ++found;
        // 3·10 + (1 + 2 + 3) = 36 pairs per head.
        CHECK(op_cost(g, op).flops == 2 * 2 * 36 * hd * heads);
      }
    CHECK(found == 1);
  }
}

TEST_CASE("weight_bytes is the parameter count times the element size", "[cost_model]") {
  const int64_t params_l1 = kBertEmbeddingParams + kBertLayerParams;
  CHECK(cost_of(make("bert-base", Phase::Encode, 1, 128, 0, Precision::F32, 1)).weight_bytes ==
        4 * params_l1);
  CHECK(cost_of(make("bert-base", Phase::Encode, 1, 128, 0, Precision::BF16, 1)).weight_bytes ==
        2 * params_l1);
  // Full depth: 108,891,648 parameters (BERT-base without its pooler).
  const int64_t params_full = kBertEmbeddingParams + 12 * kBertLayerParams;
  REQUIRE(params_full == 108891648);
  CHECK(cost_of(make("bert-base", Phase::Encode, 1, 128, 0, Precision::BF16, 12)).weight_bytes ==
        2 * params_full);
  // Weights do not depend on the shape of the step.
  CHECK(cost_of(make("bert-base", Phase::Encode, 8, 64, 0, Precision::F32, 1)).weight_bytes ==
        4 * params_l1);
}

TEST_CASE("weight_bytes counts a tied LM head once", "[cost_model]") {
  // GPT-2 small, one layer: token + position tables, the layer, the final LayerNorm.
  const int64_t H = 768, F = 3072, V = 50257, P = 1024;
  const int64_t params = V * H + P * H + (4 * (H * H + H) + (F * H + F) + (H * F + H) + 4 * H) +
                         2 * H;
  CHECK(cost_of(make("gpt2", Phase::Prefill, 1, 32, 0, Precision::F32, 1)).weight_bytes ==
        4 * params);
}

TEST_CASE("min_bytes: lower precision moves fewer bytes", "[cost_model]") {
  for (const char* model : {"bert-base", "gpt2", "llama-1.1b"}) {
    INFO(model);
    const Phase ph = std::string(model) == "bert-base" ? Phase::Encode : Phase::Prefill;
    const auto f32 = cost_of(make(model, ph, 1, 64, 0, Precision::F32, 1));
    const auto bf16 = cost_of(make(model, ph, 1, 64, 0, Precision::BF16, 1));
    CHECK(bf16.min_bytes < f32.min_bytes);
    CHECK(bf16.min_bytes > f32.min_bytes / 2);  // i32 ids keep their 4 bytes
  }
}

TEST_CASE("min_bytes: embedding tables count only the gathered rows", "[cost_model]") {
  const int64_t S = 128, H = 768;
  const Workload w = make("bert-base", Phase::Encode, 1, S, 0, Precision::F32, 1);
  const WorkloadCost c = cost_of(w);
  // Hand count: every non-table weight whole; token and position tables 128 rows each; the type
  // table has only 2 rows; three i32 id inputs; the output [128, 768] written once.
  const int64_t tables_whole = (kBertV + kBertMaxSeq + kBertTypes) * H;
  const int64_t other_weights = kBertEmbeddingParams + kBertLayerParams - tables_whole;
  const int64_t expected = 4 * other_weights + 4 * (S + S + kBertTypes) * H + 3 * S * 4 + 4 * S * H;
  CHECK(c.min_bytes == expected);
  CHECK(c.min_bytes < c.weight_bytes);

  // GPT-2 ties its LM head to the token table: the head reads it whole, so it counts whole.
  const Workload g = make("gpt2", Phase::Decode, 1, 1, 16, Precision::F32, 1);
  const Graph graph = lower(g);
  const WorkloadCost gc = workload_cost(graph);
  CHECK(gc.min_bytes > 4 * 50257 * 768);
}

TEST_CASE("min_bytes: a decode step grows with the context it reads", "[cost_model]") {
  const auto short_ctx = cost_of(make("gpt2", Phase::Decode, 1, 1, 100, Precision::F32, 1));
  const auto long_ctx = cost_of(make("gpt2", Phase::Decode, 1, 1, 500, Precision::F32, 1));
  CHECK(long_ctx.min_bytes > short_ctx.min_bytes);
  // The only difference is the KV cache: k and v, 400 more rows of 768, f32, one layer.
  CHECK(long_ctx.min_bytes - short_ctx.min_bytes == 2 * 400 * 768 * 4);
  CHECK(long_ctx.weight_bytes == short_ctx.weight_bytes);
  // More layers read more caches.
  const auto two_layers = cost_of(make("gpt2", Phase::Decode, 1, 1, 500, Precision::F32, 2));
  const auto two_layers_short = cost_of(make("gpt2", Phase::Decode, 1, 1, 100, Precision::F32, 2));
  CHECK(two_layers.min_bytes - two_layers_short.min_bytes == 2 * 2 * 400 * 768 * 4);
}
