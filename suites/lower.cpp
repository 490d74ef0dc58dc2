// Lowering of a workload to its graph: the one definition of what each model computes.
#include <cmath>

#include "suites/graph.hpp"
#include "suites/tensor_names.hpp"

namespace infermark {
namespace {

class Builder {
 public:
  explicit Builder(const Workload& w) { g_.workload = w; }

  std::string tensor(const std::string& name, std::vector<int64_t> shape, TensorRole role,
                     DType dtype = DType::F32) {
    g_.tensors.push_back({name, std::move(shape), dtype, role});
    return name;
  }
  std::string weight(const std::string& name, std::vector<int64_t> shape) {
    return tensor(name, std::move(shape), TensorRole::Weight);
  }
  std::string op(OpKind kind, const std::string& name, std::vector<std::string> inputs,
                 std::vector<int64_t> out_shape, OpAttrs attrs = {}) {
    tensor(name, std::move(out_shape), TensorRole::Activation);
    g_.ops.push_back({kind, name, std::move(inputs), name, attrs});
    return name;
  }
  // y = x · Wᵀ (+ b) with W [out, in].
  std::string linear(const std::string& name, const std::string& x, const std::string& prefix,
                     int64_t rows, int64_t in, int64_t out, bool bias) {
    std::vector<std::string> inputs{x, weight(prefix + ".weight", {out, in})};
    if (bias) inputs.push_back(weight(prefix + ".bias", {out}));
    return op(OpKind::MatMul, name, inputs, {rows, out});
  }
  std::string norm(const std::string& name, const std::string& x, const std::string& prefix,
                   int64_t rows) {
    const auto& m = g_.workload.model;
    const int64_t h = m.hidden;
    OpAttrs a;
    a.eps = m.norm_eps;
    if (m.norm == NormKind::LayerNorm)
      return op(OpKind::LayerNorm, name,
                {x, weight(prefix + ".weight", {h}), weight(prefix + ".bias", {h})}, {rows, h}, a);
    return op(OpKind::RMSNorm, name, {x, weight(prefix + ".weight", {h})}, {rows, h}, a);
  }
  Graph finish(const std::string& output) {
    for (auto& t : g_.tensors)
      if (t.name == output) t.role = TensorRole::Output;
    g_.output = output;
    return std::move(g_);
  }
  const Workload& workload() const { return g_.workload; }

 private:
  Graph g_;
};

struct Dims {
  int64_t B, S, T, H, q_width, kv_width, F;
};

Dims dims_of(const Workload& w) {
  const auto& m = w.model;
  return {w.batch, w.seq, int64_t(w.batch) * w.seq, m.hidden, int64_t(m.heads) * m.head_dim,
          int64_t(m.kv_heads) * m.head_dim, m.ffn};
}

// Self-attention of layer i on the normalised input x; returns the projected output [T, H].
std::string attention_block(Builder& b, int i, const std::string& x, const std::string& pos) {
  const Workload& w = b.workload();
  const auto& m = w.model;
  const Dims d = dims_of(w);
  auto L = [&](const std::string& s) { return names::layer(i, s); };
  std::string q = b.linear(L("q"), x, L("attn.q"), d.T, d.H, d.q_width, m.attention_bias);
  std::string k = b.linear(L("k"), x, L("attn.k"), d.T, d.H, d.kv_width, m.attention_bias);
  std::string v = b.linear(L("v"), x, L("attn.v"), d.T, d.H, d.kv_width, m.attention_bias);
  if (m.position == Position::Rope) {
    OpAttrs rq;
    rq.theta = m.rope_theta;
    rq.head_dim = m.head_dim;
    rq.heads = m.heads;
    q = b.op(OpKind::Rope, L("q_rope"), {q, pos}, {d.T, d.q_width}, rq);
    OpAttrs rk = rq;
    rk.heads = m.kv_heads;
    k = b.op(OpKind::Rope, L("k_rope"), {k, pos}, {d.T, d.kv_width}, rk);
  }
  OpAttrs a;
  a.heads = m.heads;
  a.kv_heads = m.kv_heads;
  a.head_dim = m.head_dim;
  a.batch = w.batch;
  a.seq = w.seq;
  a.context = w.context;
  a.causal = m.family == Family::Decoder;
  a.cached = w.has_kv_cache();
  a.scale = 1.0 / std::sqrt(double(m.head_dim));
  std::vector<std::string> in{q, k, v};
  if (a.cached) {
    const int64_t rows = int64_t(w.batch) * (w.context + w.seq);
    in.push_back(b.tensor(names::cache_k(i), {rows, d.kv_width}, TensorRole::State));
    in.push_back(b.tensor(names::cache_v(i), {rows, d.kv_width}, TensorRole::State));
  }
  std::string att = b.op(OpKind::Attention, L("attn"), in, {d.T, d.q_width}, a);
  return b.linear(L("attn_out"), att, L("attn.o"), d.T, d.q_width, d.H, m.attention_bias);
}

// Feed-forward block of layer i on the normalised input x; returns [T, H].
std::string ffn_block(Builder& b, int i, const std::string& x) {
  const auto& m = b.workload().model;
  const Dims d = dims_of(b.workload());
  auto L = [&](const std::string& s) { return names::layer(i, s); };
  if (m.activation == Activation::SiluGlu) {
    std::string gate = b.linear(L("gate"), x, L("ffn.gate"), d.T, d.H, d.F, m.mlp_bias);
    std::string up = b.linear(L("up"), x, L("ffn.up"), d.T, d.H, d.F, m.mlp_bias);
    std::string act = b.op(OpKind::Silu, L("gate_act"), {gate}, {d.T, d.F});
    std::string prod = b.op(OpKind::Mul, L("glu"), {act, up}, {d.T, d.F});
    return b.linear(L("down"), prod, L("ffn.down"), d.T, d.F, d.H, m.mlp_bias);
  }
  std::string up = b.linear(L("up"), x, L("ffn.up"), d.T, d.H, d.F, m.mlp_bias);
  OpKind act_kind = m.activation == Activation::Gelu ? OpKind::Gelu : OpKind::GeluTanh;
  std::string act = b.op(act_kind, L("up_act"), {up}, {d.T, d.F});
  return b.linear(L("down"), act, L("ffn.down"), d.T, d.F, d.H, m.mlp_bias);
}

std::string embed(Builder& b, const std::string& name, const std::string& table,
                  int64_t table_rows, const std::string& ids) {
  const Dims d = dims_of(b.workload());
  return b.op(OpKind::Embedding, name, {b.weight(table, {table_rows, d.H}), ids}, {d.T, d.H});
}

Graph lower_encoder(const Workload& w) {
  Builder b(w);
  const auto& m = w.model;
  const Dims d = dims_of(w);
  auto ids = b.tensor(names::token_ids, {d.T}, TensorRole::Input, DType::I32);
  auto pos = b.tensor(names::position_ids, {d.T}, TensorRole::Input, DType::I32);
  auto types = b.tensor(names::token_type_ids, {d.T}, TensorRole::Input, DType::I32);
  auto x = embed(b, "embed.token_rows", names::embed_token, m.vocab, ids);
  auto p = embed(b, "embed.position_rows", names::embed_position, m.max_seq, pos);
  auto t = embed(b, "embed.type_rows", names::embed_type, m.type_vocab, types);
  x = b.op(OpKind::Add, "embed.sum_pos", {x, p}, {d.T, d.H});
  x = b.op(OpKind::Add, "embed.sum", {x, t}, {d.T, d.H});
  x = b.norm("embed.out", x, names::embed_norm, d.T);
  // BERT is post-LN: x = LN(x + attn(x)); x = LN(x + ffn(x)).
  for (int i = 0; i < w.layers; ++i) {
    auto L = [&](const std::string& s) { return names::layer(i, s); };
    auto a = attention_block(b, i, x, pos);
    x = b.norm(L("attn_norm_out"), b.op(OpKind::Add, L("attn_res"), {a, x}, {d.T, d.H}),
               L("attn_norm"), d.T);
    auto f = ffn_block(b, i, x);
    x = b.norm(L("ffn_norm_out"), b.op(OpKind::Add, L("ffn_res"), {f, x}, {d.T, d.H}),
               L("ffn_norm"), d.T);
  }
  return b.finish(x);
}

Graph lower_decoder(const Workload& w) {
  Builder b(w);
  const auto& m = w.model;
  const Dims d = dims_of(w);
  auto ids = b.tensor(names::token_ids, {d.T}, TensorRole::Input, DType::I32);
  auto pos = b.tensor(names::position_ids, {d.T}, TensorRole::Input, DType::I32);
  auto x = embed(b, "embed.token_rows", names::embed_token, m.vocab, ids);
  if (m.position == Position::Learned) {
    auto p = embed(b, "embed.position_rows", names::embed_position, m.max_seq, pos);
    x = b.op(OpKind::Add, "embed.sum", {x, p}, {d.T, d.H});
  }
  // Pre-norm: x = x + attn(norm(x)); x = x + ffn(norm(x)).
  for (int i = 0; i < w.layers; ++i) {
    auto L = [&](const std::string& s) { return names::layer(i, s); };
    auto a = attention_block(b, i, b.norm(L("attn_norm_out"), x, L("attn_norm"), d.T), pos);
    x = b.op(OpKind::Add, L("attn_res"), {x, a}, {d.T, d.H});
    auto f = ffn_block(b, i, b.norm(L("ffn_norm_out"), x, L("ffn_norm"), d.T));
    x = b.op(OpKind::Add, L("ffn_res"), {x, f}, {d.T, d.H});
  }
  // Only the last position's logits are needed to pick the next token; the final norm is
  // row-wise, so selecting first is equivalent and cheaper.
  OpAttrs last;
  last.batch = w.batch;
  last.seq = w.seq;
  x = b.op(OpKind::LastToken, "last_token", {x}, {d.B, d.H}, last);
  x = b.norm("final_norm_out", x, names::final_norm, d.B);
  std::string head = m.tied_embeddings ? names::embed_token : b.weight(names::lm_head, {m.vocab, d.H});
  auto logits = b.op(OpKind::MatMul, "logits", {x, head}, {d.B, m.vocab});
  return b.finish(logits);
}

}  // namespace

Graph lower(const Workload& w) {
  return w.model.family == Family::Encoder ? lower_encoder(w) : lower_decoder(w);
}

}  // namespace infermark
