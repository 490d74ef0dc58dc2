// The reference backend's op kernels: plain functions over row-major double arrays, one per OpKind.
// They follow suites/graph.hpp exactly and are public so tests can check each one by hand.
#pragma once

#include <cstdint>
#include <span>

#include "suites/graph.hpp"

namespace infermark::ref {

// Every function checks that the spans have the sizes its dimensions imply and throws an Internal
// Error otherwise; `out` may alias an input of the same shape for the elementwise ops.

// out[r, :] = table[ids[r], :]; table [vocab, hidden], ids [rows], out [rows, hidden].
void embedding(std::span<const double> table, int64_t vocab, int64_t hidden,
               std::span<const int32_t> ids, std::span<double> out);

// out [m, n] = a [m, k] · w [n, k]ᵀ (+ bias [n]; pass an empty span for none). GEMM is cblas_dgemm.
void matmul(std::span<const double> a, std::span<const double> w, std::span<const double> bias,
            int64_t m, int64_t n, int64_t k, std::span<double> out);

void add(std::span<const double> a, std::span<const double> b, std::span<double> out);
void mul(std::span<const double> a, std::span<const double> b, std::span<double> out);

// x [rows, cols]; population variance (divide by cols), as PyTorch's LayerNorm.
void layer_norm(std::span<const double> x, std::span<const double> gamma,
                std::span<const double> beta, int64_t rows, int64_t cols, double eps,
                std::span<double> out);
void rms_norm(std::span<const double> x, std::span<const double> gamma, int64_t rows, int64_t cols,
              double eps, std::span<double> out);

void gelu(std::span<const double> x, std::span<double> out);       // x · Φ(x), erf form
void gelu_tanh(std::span<const double> x, std::span<double> out);  // tanh approximation
void silu(std::span<const double> x, std::span<double> out);       // x · sigmoid(x)

// Row-wise softmax over the last axis of x [rows, cols], max-subtracted.
void softmax(std::span<const double> x, int64_t rows, int64_t cols, std::span<double> out);

// Rotate-half RoPE: x [rows, heads*head_dim], pos [rows]. In each head, the pair (i, i + hd/2)
// for i < hd/2 is rotated by angle pos · theta^(−2i/hd).
void rope(std::span<const double> x, std::span<const int32_t> pos, int64_t heads, int64_t head_dim,
          double theta, std::span<double> out);

// Scaled dot-product attention as documented in suites/graph.hpp, using attrs heads, kv_heads,
// head_dim, batch, seq, context, causal, cached and scale. With `cached`, k and v are first copied
// into k_cache/v_cache (so those are written); otherwise pass empty cache spans. `scores` is
// scratch of at least attention_scratch(attrs) doubles, so a caller can run without allocating.
void attention(std::span<const double> q, std::span<const double> k, std::span<const double> v,
               std::span<double> k_cache, std::span<double> v_cache, const OpAttrs& attrs,
               std::span<double> scores, std::span<double> out);
int64_t attention_scratch(const OpAttrs& attrs);

// out[b, :] = x[b*seq + seq − 1, :]; x [batch*seq, cols], out [batch, cols].
void last_token(std::span<const double> x, int64_t batch, int64_t seq, int64_t cols,
                std::span<double> out);

}  // namespace infermark::ref
