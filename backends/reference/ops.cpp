#include "backends/reference/ops.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "common/error.hpp"

namespace infermark::ref {
namespace {

void expect_size(const char* op, const char* what, size_t actual, int64_t expected) {
  if (expected < 0 || actual != size_t(expected)) {
    throw Error(ErrorKind::Internal, std::string("reference ") + op + ": " + what + " has " +
                                         std::to_string(actual) + " elements, expected " +
                                         std::to_string(expected));
  }
}

void expect(bool cond, const char* op, const std::string& msg) {
  if (!cond) throw Error(ErrorKind::Internal, std::string("reference ") + op + ": " + msg);
}

template <class F>
void elementwise(const char* op, std::span<const double> x, std::span<double> out, F f) {
  expect_size(op, "out", out.size(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i) out[i] = f(x[i]);
}

template <class F>
void binary(const char* op, std::span<const double> a, std::span<const double> b,
            std::span<double> out, F f) {
  expect_size(op, "b", b.size(), int64_t(a.size()));
  expect_size(op, "out", out.size(), int64_t(a.size()));
  for (size_t i = 0; i < a.size(); ++i) out[i] = f(a[i], b[i]);
}

double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

void embedding(std::span<const double> table, int64_t vocab, int64_t hidden,
               std::span<const int32_t> ids, std::span<double> out) {
  expect_size("Embedding", "table", table.size(), vocab * hidden);
  expect_size("Embedding", "out", out.size(), int64_t(ids.size()) * hidden);
  for (size_t r = 0; r < ids.size(); ++r) {
    expect(ids[r] >= 0 && ids[r] < vocab, "Embedding",
           "id " + std::to_string(ids[r]) + " at row " + std::to_string(r) +
               " is outside the table's " + std::to_string(vocab) + " rows");
    std::copy_n(table.data() + ids[r] * hidden, hidden, out.data() + r * hidden);
  }
}

void matmul(std::span<const double> a, std::span<const double> w, std::span<const double> bias,
            int64_t m, int64_t n, int64_t k, std::span<double> out) {
  expect_size("MatMul", "a", a.size(), m * k);
  expect_size("MatMul", "w", w.size(), n * k);
  expect_size("MatMul", "out", out.size(), m * n);
  if (!bias.empty()) expect_size("MatMul", "bias", bias.size(), n);
  // The bias is preloaded into out and accumulated by dgemm with beta = 1.
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) out[i * n + j] = bias.empty() ? 0.0 : bias[j];
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(k), 1.0,
              a.data(), blasint(k), w.data(), blasint(k), bias.empty() ? 0.0 : 1.0, out.data(),
              blasint(n));
}

void add(std::span<const double> a, std::span<const double> b, std::span<double> out) {
  binary("Add", a, b, out, [](double x, double y) { return x + y; });
}

void mul(std::span<const double> a, std::span<const double> b, std::span<double> out) {
  binary("Mul", a, b, out, [](double x, double y) { return x * y; });
}

void layer_norm(std::span<const double> x, std::span<const double> gamma,
                std::span<const double> beta, int64_t rows, int64_t cols, double eps,
                std::span<double> out) {
  expect_size("LayerNorm", "x", x.size(), rows * cols);
  expect_size("LayerNorm", "gamma", gamma.size(), cols);
  expect_size("LayerNorm", "beta", beta.size(), cols);
  expect_size("LayerNorm", "out", out.size(), rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    double mean = 0;
    for (int64_t c = 0; c < cols; ++c) mean += xr[c];
    mean /= double(cols);
    double var = 0;
    for (int64_t c = 0; c < cols; ++c) var += (xr[c] - mean) * (xr[c] - mean);
    var /= double(cols);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t c = 0; c < cols; ++c)
      out[r * cols + c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
  }
}

void rms_norm(std::span<const double> x, std::span<const double> gamma, int64_t rows, int64_t cols,
              double eps, std::span<double> out) {
  expect_size("RMSNorm", "x", x.size(), rows * cols);
  expect_size("RMSNorm", "gamma", gamma.size(), cols);
  expect_size("RMSNorm", "out", out.size(), rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    const double inv = 1.0 / std::sqrt(dot(xr, xr, cols) / double(cols) + eps);
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = xr[c] * inv * gamma[c];
  }
}

void gelu(std::span<const double> x, std::span<double> out) {
  elementwise("Gelu", x, out,
              [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::numbers::sqrt2)); });
}

void gelu_tanh(std::span<const double> x, std::span<double> out) {
  const double c = std::sqrt(2.0 / std::numbers::pi);
  elementwise("GeluTanh", x, out, [c](double v) {
    return 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
  });
}

void silu(std::span<const double> x, std::span<double> out) {
  elementwise("Silu", x, out, [](double v) { return v / (1.0 + std::exp(-v)); });
}

void softmax(std::span<const double> x, int64_t rows, int64_t cols, std::span<double> out) {
  expect_size("Softmax", "x", x.size(), rows * cols);
  expect_size("Softmax", "out", out.size(), rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    double* o = out.data() + r * cols;
    const double mx = *std::max_element(xr, xr + cols);
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += (o[c] = std::exp(xr[c] - mx));
    for (int64_t c = 0; c < cols; ++c) o[c] /= sum;
  }
}

void rope(std::span<const double> x, std::span<const int32_t> pos, int64_t heads, int64_t head_dim,
          double theta, std::span<double> out) {
  expect(head_dim > 0 && head_dim % 2 == 0, "Rope", "head_dim must be even and positive");
  const int64_t width = heads * head_dim, half = head_dim / 2;
  expect_size("Rope", "x", x.size(), int64_t(pos.size()) * width);
  expect_size("Rope", "out", out.size(), int64_t(x.size()));
  for (size_t r = 0; r < pos.size(); ++r) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = pos[r] * std::pow(theta, -2.0 * double(i) / double(head_dim));
      const double c = std::cos(angle), s = std::sin(angle);
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t j = int64_t(r) * width + h * head_dim + i;
        const double x1 = x[j], x2 = x[j + half];  // read both before writing: out may alias x
        out[j] = x1 * c - x2 * s;
        out[j + half] = x2 * c + x1 * s;
      }
    }
  }
}

int64_t attention_scratch(const OpAttrs& a) { return int64_t(a.cached ? a.context : 0) + a.seq; }

void attention(std::span<const double> q, std::span<const double> k, std::span<const double> v,
               std::span<double> k_cache, std::span<double> v_cache, const OpAttrs& a,
               std::span<double> scores, std::span<double> out) {
  expect(a.heads > 0 && a.kv_heads > 0 && a.heads % a.kv_heads == 0, "Attention",
         "heads (" + std::to_string(a.heads) + ") must be a positive multiple of kv_heads (" +
             std::to_string(a.kv_heads) + ")");
  expect(a.head_dim > 0 && a.batch > 0 && a.seq > 0 && a.context >= 0, "Attention",
         "head_dim, batch and seq must be positive");
  expect(a.cached || a.context == 0, "Attention", "context > 0 needs a KV cache (cached = true)");
  const int64_t hd = a.head_dim, S = a.seq, B = a.batch;
  const int64_t qw = a.heads * hd, kvw = a.kv_heads * hd;
  const int64_t L = attention_scratch(a);  // keys per sequence
  expect_size("Attention", "q", q.size(), B * S * qw);
  expect_size("Attention", "k", k.size(), B * S * kvw);
  expect_size("Attention", "v", v.size(), B * S * kvw);
  expect_size("Attention", "out", out.size(), B * S * qw);
  expect(int64_t(scores.size()) >= L, "Attention", "scratch too small");

  const double* keys = k.data();
  const double* values = v.data();
  if (a.cached) {
    expect_size("Attention", "k_cache", k_cache.size(), B * L * kvw);
    expect_size("Attention", "v_cache", v_cache.size(), B * L * kvw);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t src = (b * S + s) * kvw, dst = (b * L + a.context + s) * kvw;
        std::copy_n(k.data() + src, kvw, k_cache.data() + dst);
        std::copy_n(v.data() + src, kvw, v_cache.data() + dst);
      }
    }
    keys = k_cache.data();
    values = v_cache.data();
  }

  const int64_t group = a.heads / a.kv_heads;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t s = 0; s < S; ++s) {
      const int64_t visible = a.causal ? a.context + s + 1 : L;
      for (int64_t h = 0; h < a.heads; ++h) {
        const double* qh = q.data() + (b * S + s) * qw + h * hd;
        const int64_t kv_off = (h / group) * hd;
        double mx = -INFINITY;
        for (int64_t t = 0; t < visible; ++t) {
          scores[t] = a.scale * dot(qh, keys + (b * L + t) * kvw + kv_off, hd);
          mx = std::max(mx, scores[t]);
        }
        double sum = 0;
        for (int64_t t = 0; t < visible; ++t) sum += (scores[t] = std::exp(scores[t] - mx));
        double* o = out.data() + (b * S + s) * qw + h * hd;
        std::fill_n(o, hd, 0.0);
        for (int64_t t = 0; t < visible; ++t) {
          const double p = scores[t] / sum;
          const double* vt = values + (b * L + t) * kvw + kv_off;
          for (int64_t d = 0; d < hd; ++d) o[d] += p * vt[d];
        }
      }
    }
  }
}

void last_token(std::span<const double> x, int64_t batch, int64_t seq, int64_t cols,
                std::span<double> out) {
  expect_size("LastToken", "x", x.size(), batch * seq * cols);
  expect_size("LastToken", "out", out.size(), batch * cols);
  for (int64_t b = 0; b < batch; ++b) {
    std::copy_n(x.data() + (b * seq + seq - 1) * cols, cols, out.data() + b * cols);
  }
}

}  // namespace infermark::ref
