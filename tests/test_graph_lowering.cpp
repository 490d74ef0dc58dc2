// Lowering: the op sequence, shapes and tensor names of encoder (BERT), GPT-2-style and
// Llama-style graphs, and the structural rules every graph keeps.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "suites/graph.hpp"
#include "suites/tensor_names.hpp"

using namespace infermark;
using Shape = std::vector<int64_t>;

namespace {

Workload make(const std::string& model, Phase phase, int batch, int seq, int context, int layers) {
  Workload w;
  w.model = builtin_models().at(model);
  w.phase = phase;
  w.batch = batch;
  w.seq = seq;
  w.context = context;
  w.layers = layers;
  return w;
}

std::vector<OpKind> kinds(const Graph& g) {
  std::vector<OpKind> k;
  for (const auto& op : g.ops) k.push_back(op.kind);
  return k;
}

std::string kinds_text(const std::vector<OpKind>& ks) {
  std::string s;
  for (auto k : ks) s += to_string(k) + " ";
  return s;
}

const Op& op_named(const Graph& g, const std::string& name) {
  for (const auto& op : g.ops)
    if (op.name == name) return op;
  FAIL("no op named " << name);
  throw;  // unreachable
}

bool has_tensor(const Graph& g, const std::string& name) {
  for (const auto& t : g.tensors)
    if (t.name == name) return true;
  return false;
}

std::set<std::string> names_with_role(const Graph& g, TensorRole role) {
  std::set<std::string> s;
  for (const auto* t : g.with_role(role)) s.insert(t->name);
  return s;
}

// Rules every graph keeps, whatever the model.
void check_structure(const Graph& g) {
  std::map<std::string, const TensorDesc*> by_name;
  for (const auto& t : g.tensors) {
    INFO("tensor " << t.name);
    CHECK(by_name.emplace(t.name, &t).second);  // each tensor exactly once
  }
  int outputs = 0;
  for (const auto& t : g.tensors) outputs += t.role == TensorRole::Output;
  CHECK(outputs == 1);
  REQUIRE(by_name.count(g.output));
  CHECK(by_name.at(g.output)->role == TensorRole::Output);
  REQUIRE(!g.ops.empty());
  CHECK(g.ops.back().output == g.output);

  std::set<std::string> produced, op_names;
  for (const auto& op : g.ops) {
    INFO("op " << op.name);
    CHECK(op_names.insert(op.name).second);
    for (const auto& in : op.inputs) {
      INFO("input " << in);
      REQUIRE(by_name.count(in));
      const auto role = by_name.at(in)->role;
      // Activations are read only after the op that writes them.
      if (role == TensorRole::Activation || role == TensorRole::Output) CHECK(produced.count(in));
    }
    REQUIRE(by_name.count(op.output));
    CHECK(produced.insert(op.output).second);  // written once
    const auto role = by_name.at(op.output)->role;
    CHECK((role == TensorRole::Activation || role == TensorRole::Output));

    const Shape& out = by_name.at(op.output)->shape;
    REQUIRE(out.size() == 2);
    if (op.kind == OpKind::MatMul) {
      // out = a · wᵀ (+ bias): a [M, K], w [N, K], bias [N], out [M, N].
      const Shape& a = by_name.at(op.inputs[0])->shape;
      const Shape& w = by_name.at(op.inputs[1])->shape;
      CHECK(a[1] == w[1]);
      CHECK(out == Shape{a[0], w[0]});
      if (op.inputs.size() == 3) CHECK(by_name.at(op.inputs[2])->shape == Shape{w[0]});
    }
    if (op.kind == OpKind::Embedding) {
      CHECK(by_name.at(op.inputs[1])->dtype == DType::I32);
      CHECK(out[1] == by_name.at(op.inputs[0])->shape[1]);
      CHECK(out[0] == by_name.at(op.inputs[1])->shape[0]);
    }
  }
  // Every Input, Weight and State tensor is read by some op.
  std::set<std::string> read;
  for (const auto& op : g.ops) read.insert(op.inputs.begin(), op.inputs.end());
  for (const auto& t : g.tensors)
    if (t.role == TensorRole::Input || t.role == TensorRole::Weight || t.role == TensorRole::State) {
      INFO("unused " << t.name);
      CHECK(read.count(t.name));
    }
}

}  // namespace

TEST_CASE("BERT lowers to a post-LN encoder", "[graph]") {
  const Workload w = make("bert-base", Phase::Encode, 2, 16, 0, 2);
  const Graph g = lower(w);
  check_structure(g);
  using K = OpKind;
  std::vector<K> expected{K::Embedding, K::Embedding, K::Embedding, K::Add, K::Add, K::LayerNorm};
  for (int i = 0; i < 2; ++i)
    for (K k : {K::MatMul, K::MatMul, K::MatMul, K::Attention, K::MatMul, K::Add, K::LayerNorm,
                K::MatMul, K::Gelu, K::MatMul, K::Add, K::LayerNorm})
      expected.push_back(k);
  INFO(kinds_text(kinds(g)));
  CHECK(kinds(g) == expected);

  const int64_t T = 32, H = 768;
  CHECK(g.tensor(g.output).shape == Shape{T, H});
  CHECK(g.tensor(names::token_ids).shape == Shape{T});
  CHECK(g.tensor(names::token_type_ids).role == TensorRole::Input);
  CHECK(g.tensor(names::embed_type).shape == Shape{2, H});
  CHECK(g.tensor(names::embed_position).shape == Shape{512, H});

  // Post-LN: the projections read the previous LayerNorm's output directly, and the norm comes
  // after the residual add.
  const Op& embed_norm = g.ops[5];
  CHECK(op_named(g, "layer.0.q").inputs[0] == embed_norm.output);
  for (const auto& op : g.ops) {
    if (op.kind == OpKind::Add && op.name.find("_res") != std::string::npos) {
      INFO(op.name);
      const Op* next = nullptr;
      for (size_t i = 0; i + 1 < g.ops.size(); ++i)
        if (&g.ops[i] == &op) next = &g.ops[i + 1];
      REQUIRE(next);
      CHECK(next->kind == OpKind::LayerNorm);
      CHECK(next->inputs[0] == op.output);
    }
    if (op.kind == OpKind::Attention) {
      CHECK_FALSE(op.attrs.causal);
      CHECK_FALSE(op.attrs.cached);
      CHECK(op.inputs.size() == 3);
      CHECK(op.attrs.heads == 12);
      CHECK(op.attrs.head_dim == 64);
      CHECK(op.attrs.scale == Approx(0.125));
    }
  }
  // Encoders keep no KV cache.
  CHECK(g.with_role(TensorRole::State).empty());

  std::set<std::string> weights{names::embed_token, names::embed_position, names::embed_type,
                                names::embed_norm + ".weight", names::embed_norm + ".bias"};
  for (int i = 0; i < 2; ++i)
    for (const char* p : {"attn.q", "attn.k", "attn.v", "attn.o", "attn_norm", "ffn.up", "ffn.down",
                          "ffn_norm"})
      for (const char* s : {".weight", ".bias"}) weights.insert(names::layer(i, p) + s);
  CHECK(names_with_role(g, TensorRole::Weight) == weights);
  CHECK(g.tensor(names::layer(1, "ffn.up.weight")).shape == Shape{3072, H});
  CHECK(g.tensor(names::layer(1, "ffn.down.weight")).shape == Shape{H, 3072});
}

TEST_CASE("GPT-2 lowers to a pre-LN decoder with learned positions and a tied head", "[graph]") {
  const Workload w = make("gpt2", Phase::Prefill, 2, 8, 0, 2);
  const Graph g = lower(w);
  check_structure(g);
  using K = OpKind;
  std::vector<K> expected{K::Embedding, K::Embedding, K::Add};
  for (int i = 0; i < 2; ++i)
    for (K k : {K::LayerNorm, K::MatMul, K::MatMul, K::MatMul, K::Attention, K::MatMul, K::Add,
                K::LayerNorm, K::MatMul, K::GeluTanh, K::MatMul, K::Add})
      expected.push_back(k);
  for (K k : {K::LastToken, K::LayerNorm, K::MatMul}) expected.push_back(k);
  INFO(kinds_text(kinds(g)));
  CHECK(kinds(g) == expected);

  const int64_t B = 2, T = 16, H = 768, V = 50257;
  // The head reads the token embedding; there is no lm_head tensor.
  const Op& logits = g.ops.back();
  CHECK(logits.inputs.size() == 2);
  CHECK(logits.inputs[1] == names::embed_token);
  CHECK_FALSE(has_tensor(g, names::lm_head));
  CHECK(g.tensor(g.output).shape == Shape{B, V});
  CHECK(g.tensor(names::embed_position).shape == Shape{1024, H});

  const Op& last = g.ops[g.ops.size() - 3];
  CHECK(last.attrs.batch == 2);
  CHECK(last.attrs.seq == 8);
  CHECK(g.tensor(last.inputs[0]).shape == Shape{T, H});
  CHECK(g.tensor(last.output).shape == Shape{B, H});

  for (const auto& op : g.ops)
    if (op.kind == OpKind::Attention) {
      CHECK(op.attrs.causal);
      CHECK(op.attrs.cached);
      CHECK(op.inputs.size() == 5);
    }
  // Pre-LN: q reads the layer's attention norm, and the residual adds the layer's input.
  CHECK(op_named(g, "layer.1.q").inputs[0] == op_named(g, "layer.1.attn_norm_out").output);
  CHECK(op_named(g, "layer.1.attn_norm_out").inputs[0] == op_named(g, "layer.0.ffn_res").output);

  std::set<std::string> weights{names::embed_token, names::embed_position,
                                names::final_norm + ".weight", names::final_norm + ".bias"};
  for (int i = 0; i < 2; ++i)
    for (const char* p : {"attn.q", "attn.k", "attn.v", "attn.o", "attn_norm", "ffn.up", "ffn.down",
                          "ffn_norm"})
      for (const char* s : {".weight", ".bias"}) weights.insert(names::layer(i, p) + s);
  CHECK(names_with_role(g, TensorRole::Weight) == weights);
}

TEST_CASE("Llama lowers with RMSNorm, RoPE, SwiGLU and a grouped KV cache", "[graph]") {
  // llama-1.1b: hidden 2048, 32 heads, 4 KV heads of 64, ffn 5632, vocab 32000.
  const int64_t H = 2048, qw = 2048, kvw = 256, F = 5632, V = 32000;
  using K = OpKind;
  std::vector<K> layer_ops{K::RMSNorm, K::MatMul, K::MatMul, K::MatMul, K::Rope,   K::Rope,
                           K::Attention, K::MatMul, K::Add,  K::RMSNorm, K::MatMul, K::MatMul,
                           K::Silu,   K::Mul,    K::MatMul, K::Add};

  for (auto [phase, B, S, C] : {std::tuple{Phase::Prefill, 2, 8, 0}, std::tuple{Phase::Decode, 2, 1, 5}}) {
    INFO(to_string(phase));
    const Workload w = make("llama-1.1b", phase, B, S, C, 2);
    const Graph g = lower(w);
    check_structure(g);
    std::vector<K> expected{K::Embedding};
    for (int i = 0; i < 2; ++i) expected.insert(expected.end(), layer_ops.begin(), layer_ops.end());
    for (K k : {K::LastToken, K::RMSNorm, K::MatMul}) expected.push_back(k);
    INFO(kinds_text(kinds(g)));
    CHECK(kinds(g) == expected);

    const int64_t T = int64_t(B) * S;
    CHECK_FALSE(has_tensor(g, names::embed_position));
    CHECK(g.tensor(g.output).shape == Shape{B, V});
    CHECK(g.ops.back().inputs[1] == names::lm_head);
    CHECK(g.tensor(names::lm_head).shape == Shape{V, H});

    for (int i = 0; i < 2; ++i) {
      auto L = [&](const std::string& s) { return names::layer(i, s); };
      CHECK(g.tensor(L("attn.q.weight")).shape == Shape{qw, H});
      CHECK(g.tensor(L("attn.k.weight")).shape == Shape{kvw, H});
      CHECK(g.tensor(L("attn.v.weight")).shape == Shape{kvw, H});
      CHECK(g.tensor(L("attn.o.weight")).shape == Shape{H, qw});
      CHECK(g.tensor(L("ffn.gate.weight")).shape == Shape{F, H});
      CHECK(g.tensor(L("ffn.up.weight")).shape == Shape{F, H});
      CHECK(g.tensor(L("ffn.down.weight")).shape == Shape{H, F});

      // RoPE on q (32 heads) and k (4 heads), at the position ids; v is not rotated.
      const Op& q = op_named(g, L("q"));
      const Op& k = op_named(g, L("k"));
      const Op& v = op_named(g, L("v"));
      const Op* rope_q = nullptr;
      const Op* rope_k = nullptr;
      for (const auto& op : g.ops)
        if (op.kind == K::Rope) {
          if (op.inputs[0] == q.output) rope_q = &op;
          if (op.inputs[0] == k.output) rope_k = &op;
          CHECK(op.inputs[1] == names::position_ids);
          CHECK(op.attrs.head_dim == 64);
          CHECK(op.attrs.theta == 10000.0);
        }
      REQUIRE(rope_q);
      REQUIRE(rope_k);
      CHECK(rope_q->attrs.heads == 32);
      CHECK(rope_k->attrs.heads == 4);
      CHECK(g.tensor(rope_k->output).shape == Shape{T, kvw});

      const Op& att = op_named(g, L("attn"));
      REQUIRE(att.inputs.size() == 5);
      CHECK(att.inputs[0] == rope_q->output);
      CHECK(att.inputs[1] == rope_k->output);
      CHECK(att.inputs[2] == v.output);
      CHECK(att.inputs[3] == names::cache_k(i));
      CHECK(att.inputs[4] == names::cache_v(i));
      CHECK(att.attrs.heads == 32);
      CHECK(att.attrs.kv_heads == 4);
      CHECK(att.attrs.context == C);
      CHECK(att.attrs.causal);
      CHECK(g.tensor(att.output).shape == Shape{T, qw});
      for (const auto& cache : {names::cache_k(i), names::cache_v(i)}) {
        CHECK(g.tensor(cache).role == TensorRole::State);
        CHECK(g.tensor(cache).shape == Shape{int64_t(B) * (C + S), kvw});
      }

      // SwiGLU: down(silu(gate(x)) * up(x)).
      const Op& gate = op_named(g, L("gate"));
      const Op& up = op_named(g, L("up"));
      const Op& down = op_named(g, L("down"));
      const Op* silu = nullptr;
      const Op* mul = nullptr;
      for (const auto& op : g.ops) {
        if (op.kind == K::Silu && op.inputs[0] == gate.output) silu = &op;
        if (op.kind == K::Mul && op.inputs[1] == up.output) mul = &op;
      }
      REQUIRE(silu);
      REQUIRE(mul);
      CHECK(mul->inputs[0] == silu->output);
      CHECK(down.inputs[0] == mul->output);
      CHECK(gate.inputs[0] == up.inputs[0]);
      CHECK(g.tensor(gate.inputs[0]).shape == Shape{T, H});
    }
    CHECK(g.with_role(TensorRole::State).size() == 4);

    std::set<std::string> weights{names::embed_token, names::final_norm + ".weight", names::lm_head};
    for (int i = 0; i < 2; ++i)
      for (const char* p : {"attn.q", "attn.k", "attn.v", "attn.o", "attn_norm", "ffn.gate",
                            "ffn.up", "ffn.down", "ffn_norm"})
        weights.insert(names::layer(i, p) + ".weight");
    CHECK(names_with_role(g, TensorRole::Weight) == weights);  // no biases, no β
  }
}

TEST_CASE("layers limits how many layers are lowered", "[graph]") {
  for (const char* model : {"bert-base", "gpt2", "llama-1.1b"}) {
    const Phase ph = std::string(model) == "bert-base" ? Phase::Encode : Phase::Decode;
    for (int layers : {1, 3}) {
      INFO(model << " layers " << layers);
      const Graph g = lower(make(model, ph, 1, 1, ph == Phase::Decode ? 4 : 0, layers));
      check_structure(g);
      int attention = 0;
      for (const auto& op : g.ops) attention += op.kind == OpKind::Attention;
      CHECK(attention == layers);
      CHECK(has_tensor(g, names::layer(layers - 1, "attn.q.weight")));
      CHECK_FALSE(has_tensor(g, names::layer(layers, "attn.q.weight")));
      if (ph == Phase::Decode) {
        CHECK(g.with_role(TensorRole::State).size() == size_t(2 * layers));
      }
    }
  }
}
