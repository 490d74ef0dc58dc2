// Graph: the ordered list of ops over named 2-D tensors that every backend executes (DESIGN.md §2).
// The op semantics below are the contract; a backend may fuse ops but never change their meaning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/tensor.hpp"
#include "suites/workload.hpp"

namespace infermark {

// Every activation is 2-D: [rows, cols], rows = batch * seq tokens in batch-major order
// (row = b * seq + s). Weights follow the Hugging Face Linear convention [out, in].
enum class OpKind {
  Embedding,  // out[r, :] = table[ids[r], :]               inputs: {table [V, H], ids [B*S] i32}
  MatMul,     // out = a · wᵀ (+ bias)                      inputs: {a [M, K], w [N, K] (, bias [N])}
  Add,        // out = a + b, same shapes                   inputs: {a, b}
  Mul,        // out = a * b elementwise                    inputs: {a, b}
  LayerNorm,  // (x − mean) / sqrt(var + eps) · γ + β       inputs: {x [M, H], gamma [H], beta [H]}
  RMSNorm,    // x / sqrt(mean(x²) + eps) · γ               inputs: {x [M, H], gamma [H]}
  Gelu,       // x · Φ(x), exact erf form                   inputs: {x}
  GeluTanh,   // 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))     inputs: {x}
  Silu,       // x · sigmoid(x)                              inputs: {x}
  Softmax,    // row-wise softmax over the last axis        inputs: {x}
  Rope,       // rotate-half RoPE per head at position ids  inputs: {x [B*S, n*hd], pos [B*S] i32}
  Attention,  // scaled dot-product attention, see below
  LastToken,  // out[b, :] = x[b * seq + seq − 1, :]        inputs: {x [B*S, H]}
};

// Attention. inputs: {q [B*S, heads*hd], k [B*S, kv_heads*hd], v [B*S, kv_heads*hd]}
// and, when `cached`, {k_cache, v_cache} each [B*(context+S), kv_heads*hd] (row = b*L + t).
// With a cache, k and v are first written to cache rows context … context+S−1 of each sequence,
// then keys/values are cache rows 0 … context+S−1; without, keys/values are k and v.
// Query s of sequence b sits at absolute position context + s; causal attention lets it see keys
// 0 … context + s. Query head h reads KV head h / (heads / kv_heads). Scores are scaled by `scale`.
// The output is [B*S, heads*hd], heads concatenated.
struct OpAttrs {
  double eps = 0;          // LayerNorm, RMSNorm
  double theta = 10000.0;  // Rope
  int heads = 0;           // Rope (heads of x), Attention
  int kv_heads = 0;        // Attention
  int head_dim = 0;        // Rope, Attention
  int batch = 0;           // Attention, LastToken
  int seq = 0;             // Attention, LastToken
  int context = 0;         // Attention: cache entries already present
  bool causal = false;     // Attention
  bool cached = false;     // Attention: reads/appends k_cache, v_cache
  double scale = 1.0;      // Attention: 1/sqrt(head_dim)
};

enum class TensorRole { Input, Weight, State, Activation, Output };

struct TensorDesc {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::F32;  // I32 for ids; activations take the workload precision on a backend
  TensorRole role = TensorRole::Activation;
};

struct Op {
  OpKind kind;
  std::string name;                 // unique, e.g. "layer.0.attn.q"
  std::vector<std::string> inputs;  // tensor names, in the order documented above
  std::string output;
  OpAttrs attrs;
};

struct Graph {
  Workload workload;                // what this graph was lowered from
  std::vector<TensorDesc> tensors;  // every tensor, each exactly once
  std::vector<Op> ops;              // in execution order
  std::string output;               // name of the graph's result tensor

  const TensorDesc& tensor(const std::string& name) const;  // throws Internal Error if absent
  std::vector<const TensorDesc*> with_role(TensorRole role) const;
};

std::string to_string(OpKind);

// Lowers a workload to its graph (DESIGN.md §2): encoders return the final hidden states
// [B*S, hidden]; decoders return the logits of each sequence's last position [B, vocab].
Graph lower(const Workload& w);

}  // namespace infermark
