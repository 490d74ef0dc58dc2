#include "suites/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.hpp"

namespace infermark {

namespace {

// Round half to even (the default floating-point rounding mode), as vector converts round.
float round_clamp(float v, float lim) { return std::clamp(std::nearbyint(v), -lim, lim); }

float max_abs(const float* x, int64_t n) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}

}  // namespace

int Int4Weights::value(int64_t row, int64_t col) const {
  const int64_t j = col % 32;
  const uint8_t byte = packed[size_t(row * (k / 2) + (col / 32) * 16 + (j % 16))];
  return int(j < 16 ? (byte & 0x0f) : (byte >> 4)) - 8;
}

Int8Weights quantize_int8(const float* w, int64_t n, int64_t k) {
  Int8Weights q;
  q.n = n;
  q.k = k;
  q.q.resize(size_t(n * k));
  q.scales.resize(size_t(n));
  for (int64_t r = 0; r < n; ++r) {
    const float m = max_abs(w + r * k, k);
    const float s = m > 0 ? m / 127.0f : 1.0f;
    q.scales[size_t(r)] = s;
    for (int64_t c = 0; c < k; ++c)
      q.q[size_t(r * k + c)] = int8_t(round_clamp(w[r * k + c] / s, 127.0f));
  }
  return q;
}

Int4Weights quantize_int4(const float* w, int64_t n, int64_t k, int group) {
  if (group % 32 != 0 || k % group != 0)
    throw Error(ErrorKind::Internal, "quantize_int4: group " + std::to_string(group) +
                                         " must be a multiple of 32 dividing K = " +
                                         std::to_string(k));
  Int4Weights q;
  q.n = n;
  q.k = k;
  q.group = group;
  q.packed.assign(size_t(n * k / 2), 0);
  q.scales.resize(size_t(n * (k / group)));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t g = 0; g < k / group; ++g) {
      const float* src = w + r * k + g * group;
      const float m = max_abs(src, group);
      const float s = m > 0 ? m / 7.0f : 1.0f;
      q.scales[size_t(r * (k / group) + g)] = s;
      for (int64_t i = 0; i < group; ++i) {
        const int64_t col = g * group + i, j = col % 32;
        const auto nib = uint8_t(int(round_clamp(src[i] / s, 7.0f)) + 8);
        uint8_t& byte = q.packed[size_t(r * (k / 2) + (col / 32) * 16 + (j % 16))];
        byte = uint8_t(j < 16 ? ((byte & 0xf0) | nib) : ((byte & 0x0f) | (nib << 4)));
      }
    }
  }
  return q;
}

std::vector<float> dequantize(const Int8Weights& q) {
  std::vector<float> w(q.q.size());
  for (int64_t r = 0; r < q.n; ++r)
    for (int64_t c = 0; c < q.k; ++c)
      w[size_t(r * q.k + c)] = float(q.q[size_t(r * q.k + c)]) * q.scales[size_t(r)];
  return w;
}

std::vector<float> dequantize(const Int4Weights& q) {
  std::vector<float> w(size_t(q.n * q.k));
  const int64_t groups = q.k / q.group;
  for (int64_t r = 0; r < q.n; ++r)
    for (int64_t c = 0; c < q.k; ++c)
      w[size_t(r * q.k + c)] = float(q.value(r, c)) * q.scales[size_t(r * groups + c / q.group)];
  return w;
}

float quantize_row_int8(const float* x, int64_t k, int8_t* q) {
  const float m = max_abs(x, k);
  const float s = m > 0 ? m / 127.0f : 1.0f;
  for (int64_t i = 0; i < k; ++i) q[i] = int8_t(round_clamp(x[i] / s, 127.0f));
  return s;
}

double quantize_dequantize_row_int8(double* x, int64_t k) {
  double m = 0;
  for (int64_t i = 0; i < k; ++i) m = std::max(m, std::fabs(x[i]));
  const double s = m > 0 ? m / 127.0 : 1.0;
  for (int64_t i = 0; i < k; ++i) x[i] = std::clamp(std::nearbyint(x[i] / s), -127.0, 127.0) * s;
  return s;
}

std::string quantization_method(const Workload& w) {
  switch (w.precision) {
    case Precision::Int8:
      return "infermark v1: every matmul weight int8, symmetric per output channel "
             "(scale = max|w|/127, round half to even); activations int8, symmetric per token, "
             "quantized dynamically (scale = max|x|/127); int32 accumulation; dequantized "
             "outputs in " + to_string(w.compute) + "; attention and norms in " +
             to_string(w.compute);
    case Precision::Int4W:
      return "infermark v1: every matmul weight 4-bit, symmetric per group of " +
             std::to_string(w.group_size) +
             " along K (scale = max|w|/7, values -7…7, round half to even, f32 scales); "
             "activations and everything else in " + to_string(w.compute);
    default: return "";
  }
}

std::vector<std::string> quantized_weight_names(const Graph& g) {
  std::vector<std::string> names;
  if (!is_quantized(g.workload.precision)) return names;
  std::set<std::string> seen;
  for (const Op& op : g.ops)
    if (op.kind == OpKind::MatMul && op.inputs.size() >= 2 &&
        g.tensor(op.inputs[1]).role == TensorRole::Weight && seen.insert(op.inputs[1]).second)
      names.push_back(op.inputs[1]);
  return names;
}

void apply_weight_quantization(const Graph& g, TensorSet& set) {
  for (const std::string& name : quantized_weight_names(g)) {
    auto it = set.tensors.find(name);
    if (it == set.tensors.end()) continue;  // a backend's own constant set may leave it out
    HostTensor& t = it->second;
    const int64_t n = t.shape.at(0), k = t.shape.at(1);
    t.f32 = g.workload.precision == Precision::Int8
                ? dequantize(quantize_int8(t.f32.data(), n, k))
                : dequantize(quantize_int4(t.f32.data(), n, k, g.workload.group_size));
  }
}

int64_t quantized_weight_bytes(const Workload& w, int64_t n, int64_t k) {
  if (w.precision == Precision::Int8) return n * k + n * 4;
  if (w.precision == Precision::Int4W) return n * k / 2 + n * (k / w.group_size) * 4;
  return n * k * bytes_per_element(w.precision);
}

}  // namespace infermark
