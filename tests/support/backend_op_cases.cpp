#include "support/backend_op_cases.hpp"

#include <cmath>
#include <cstdint>

#include "suites/graph_builder.hpp"

namespace infermark::testing {
namespace {

using Shape = std::vector<int64_t>;

using CaseBuilder = GraphBuilder;

std::string dims(std::initializer_list<std::pair<const char*, int64_t>> parts) {
  std::string s;
  for (auto [k, v] : parts) s += k + std::to_string(v);
  return s;
}

OpCase embedding(int64_t vocab, int64_t hidden, int64_t rows) {
  CaseBuilder b("embedding/" + dims({{"v", vocab}, {"h", hidden}, {"r", rows}}));
  auto table = b.constant("table", {vocab, hidden}, 1.0);
  auto ids = b.ids("ids", rows, int32_t(vocab));
  b.op(OpKind::Embedding, {table, ids}, "out");
  return b.finish("out", {rows, hidden});
}

OpCase matmul(int64_t m, int64_t n, int64_t k, bool bias) {
  CaseBuilder b(std::string(bias ? "matmul_bias/" : "matmul/") +
                dims({{"m", m}, {"n", n}, {"k", k}}));
  std::vector<std::string> in{b.input("a", {m, k}), b.constant("w", {n, k}, 1.0 / std::sqrt(k))};
  if (bias) in.push_back(b.constant("bias", {n}, 0.5));
  b.op(OpKind::MatMul, in, "out");
  return b.finish("out", {m, n});
}

OpCase binary(OpKind kind, const char* name, int64_t rows, int64_t cols) {
  CaseBuilder b(std::string(name) + "/" + dims({{"r", rows}, {"c", cols}}));
  b.op(kind, {b.input("a", {rows, cols}), b.input("b", {rows, cols})}, "out");
  return b.finish("out", {rows, cols});
}

OpCase norm(OpKind kind, int64_t rows, int64_t cols, double eps) {
  const bool ln = kind == OpKind::LayerNorm;
  CaseBuilder b(std::string(ln ? "layer_norm/" : "rms_norm/") + dims({{"r", rows}, {"c", cols}}));
  // An offset input, so the mean subtraction matters; gamma around 1.
  std::vector<std::string> in{b.input("x", {rows, cols}, 3.0), b.constant("gamma", {cols}, 0.5)};
  if (ln) in.push_back(b.constant("beta", {cols}, 0.5));
  OpAttrs a;
  a.eps = eps;
  b.op(kind, in, "out", a);
  return b.finish("out", {rows, cols});
}

OpCase unary(OpKind kind, const char* name, int64_t rows, int64_t cols, double scale) {
  CaseBuilder b(std::string(name) + "/" + dims({{"r", rows}, {"c", cols}}));
  b.op(kind, {b.input("x", {rows, cols}, scale)}, "out");
  return b.finish("out", {rows, cols});
}

OpCase rope(int64_t rows, int heads, int head_dim, double theta, int32_t max_pos) {
  CaseBuilder b("rope/" + dims({{"r", rows}, {"h", heads}, {"d", head_dim}, {"p", max_pos}}));
  OpAttrs a;
  a.heads = heads;
  a.head_dim = head_dim;
  a.theta = theta;
  b.op(OpKind::Rope, {b.input("x", {rows, heads * head_dim}), b.ids("pos", rows, max_pos)}, "out",
       a);
  return b.finish("out", {rows, int64_t(heads) * head_dim});
}

OpCase attention(int batch, int seq, int context, int heads, int kv_heads, int head_dim,
                 bool causal, bool cached) {
  CaseBuilder b(std::string("attention/") + (cached ? "cached_" : "") +
                (causal ? "causal/" : "noncausal/") +
                dims({{"b", batch},
                      {"s", seq},
                      {"c", context},
                      {"h", heads},
                      {"kv", kv_heads},
                      {"d", head_dim}}));
  const int64_t tokens = int64_t(batch) * seq, kvw = int64_t(kv_heads) * head_dim;
  std::vector<std::string> in{b.input("q", {tokens, int64_t(heads) * head_dim}),
                              b.input("k", {tokens, kvw}), b.input("v", {tokens, kvw})};
  if (cached) {
    // Rows at and after `context` are random too: the op must overwrite them before reading.
    const int64_t rows = int64_t(batch) * (context + seq);
    in.push_back(b.constant("k_cache", {rows, kvw}, 1.0, TensorRole::State));
    in.push_back(b.constant("v_cache", {rows, kvw}, 1.0, TensorRole::State));
  }
  OpAttrs a;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.batch = batch;
  a.seq = seq;
  a.context = context;
  a.causal = causal;
  a.cached = cached;
  a.scale = 1.0 / std::sqrt(double(head_dim));
  b.op(OpKind::Attention, in, "out", a);
  return b.finish("out", {tokens, int64_t(heads) * head_dim});
}

OpCase last_token(int batch, int seq, int64_t cols) {
  CaseBuilder b("last_token/" + dims({{"b", batch}, {"s", seq}, {"c", cols}}));
  OpAttrs a;
  a.batch = batch;
  a.seq = seq;
  b.op(OpKind::LastToken, {b.input("x", {int64_t(batch) * seq, cols})}, "out", a);
  return b.finish("out", {batch, cols});
}

// GPT-2 / BERT MLP with residual: x + fc2(gelu(fc1(x) + b1) + b2), the pattern fused as
// matmul + bias + GELU post-ops.
OpCase mlp_gelu(int64_t rows, int64_t hidden, int64_t ffn) {
  CaseBuilder b("chain/mlp_gelu/" + dims({{"r", rows}, {"h", hidden}, {"f", ffn}}));
  auto x = b.input("x", {rows, hidden});
  b.op(OpKind::MatMul,
       {x, b.constant("fc1.w", {ffn, hidden}, 1.0 / std::sqrt(hidden)),
        b.constant("fc1.b", {ffn}, 0.2)},
       b.activation("h1", {rows, ffn}));
  b.op(OpKind::Gelu, {"h1"}, b.activation("h2", {rows, ffn}));
  b.op(OpKind::MatMul,
       {"h2", b.constant("fc2.w", {hidden, ffn}, 1.0 / std::sqrt(ffn)),
        b.constant("fc2.b", {hidden}, 0.2)},
       b.activation("h3", {rows, hidden}));
  b.op(OpKind::Add, {x, "h3"}, "out");
  return b.finish("out", {rows, hidden});
}

// Llama MLP: down(silu(gate(norm(x))) * up(norm(x))).
OpCase swiglu(int64_t rows, int64_t hidden, int64_t ffn) {
  CaseBuilder b("chain/swiglu/" + dims({{"r", rows}, {"h", hidden}, {"f", ffn}}));
  auto x = b.input("x", {rows, hidden});
  OpAttrs norm;
  norm.eps = 1e-5;
  b.op(OpKind::RMSNorm, {x, b.constant("norm.w", {hidden}, 1.0)}, b.activation("n", {rows, hidden}),
       norm);
  const double s = 1.0 / std::sqrt(hidden);
  b.op(OpKind::MatMul, {"n", b.constant("gate.w", {ffn, hidden}, s)},
       b.activation("g", {rows, ffn}));
  b.op(OpKind::MatMul, {"n", b.constant("up.w", {ffn, hidden}, s)}, b.activation("u", {rows, ffn}));
  b.op(OpKind::Silu, {"g"}, b.activation("sg", {rows, ffn}));
  b.op(OpKind::Mul, {"sg", "u"}, b.activation("m", {rows, ffn}));
  b.op(OpKind::MatMul, {"m", b.constant("down.w", {hidden, ffn}, 1.0 / std::sqrt(ffn))}, "out");
  return b.finish("out", {rows, hidden});
}

}  // namespace

std::vector<OpCase> backend_op_cases() {
  std::vector<OpCase> cases;
  cases.push_back(embedding(11, 7, 5));
  cases.push_back(embedding(50, 32, 9));
  cases.push_back(matmul(7, 5, 33, false));
  cases.push_back(matmul(3, 8, 16, true));
  cases.push_back(matmul(1, 33, 64, true));
  cases.push_back(matmul(33, 65, 127, true));
  cases.push_back(binary(OpKind::Add, "add", 7, 33));
  cases.push_back(binary(OpKind::Mul, "mul", 7, 33));
  cases.push_back(norm(OpKind::LayerNorm, 5, 33, 1e-5));
  cases.push_back(norm(OpKind::LayerNorm, 2, 64, 1e-12));
  cases.push_back(norm(OpKind::RMSNorm, 5, 33, 1e-5));
  cases.push_back(norm(OpKind::RMSNorm, 3, 64, 1e-6));
  cases.push_back(unary(OpKind::Gelu, "gelu", 7, 33, 4.0));
  cases.push_back(unary(OpKind::GeluTanh, "gelu_tanh", 7, 33, 4.0));
  cases.push_back(unary(OpKind::Silu, "silu", 7, 33, 6.0));
  cases.push_back(unary(OpKind::Softmax, "softmax", 7, 33, 5.0));
  cases.push_back(unary(OpKind::Softmax, "softmax", 4, 128, 1.0));
  cases.push_back(rope(6, 2, 8, 10000.0, 6));
  cases.push_back(rope(5, 3, 16, 500000.0, 1000));
  cases.push_back(attention(2, 7, 0, 4, 4, 8, false, false));
  cases.push_back(attention(2, 5, 0, 4, 2, 8, true, false));
  cases.push_back(attention(1, 33, 0, 8, 1, 16, true, false));
  cases.push_back(attention(2, 1, 6, 4, 2, 16, true, true));
  cases.push_back(attention(1, 4, 3, 4, 4, 8, true, true));
  cases.push_back(attention(2, 3, 2, 2, 1, 8, false, true));
  cases.push_back(last_token(3, 5, 7));
  cases.push_back(last_token(1, 1, 33));
  cases.push_back(mlp_gelu(5, 16, 33));
  cases.push_back(swiglu(3, 32, 48));
  return cases;
}

std::vector<OpCase> quantized_matmul_op_cases(Precision p) {
  std::vector<OpCase> out;
  for (auto& c : backend_op_cases()) {
    bool has_matmul = false, k_fits = true;
    for (const Op& op : c.graph.ops)
      if (op.kind == OpKind::MatMul) {
        has_matmul = true;
        k_fits = k_fits && c.graph.tensor(op.inputs[1]).shape[1] % 32 == 0;
      }
    if (has_matmul && (p != Precision::Int4W || k_fits)) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace infermark::testing
