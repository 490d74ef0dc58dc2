#include "backends/onednn/rope.hpp"

#include <algorithm>
#include <cmath>

namespace infermark::onednn {
namespace {

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal, "onednn backend: op '" + op.name + "' (Rope): " + msg);
}

template <class T>
class RopeStep : public Step {
 public:
  RopeStep(Tensor& x, Tensor& pos, Tensor& out, int64_t heads, int64_t head_dim,
           AlignedBuffer cos_table, AlignedBuffer sin_table)
      : x_(x), pos_(pos), out_(out), heads_(heads), hd_(head_dim),
        cos_(std::move(cos_table)), sin_(std::move(sin_table)) {}

  void run(dnnl::stream&) override {
    const T* x = x_.as<T>();
    T* out = out_.as<T>();
    const int32_t* pos = pos_.as<int32_t>();
    const auto* cos_t = static_cast<const float*>(cos_.data());
    const auto* sin_t = static_cast<const float*>(sin_.data());
    const int64_t rows = x_.rows(), half = hd_ / 2, width = heads_ * hd_;
#pragma omp parallel for schedule(static) if (rows * width >= 16384)
    for (int64_t r = 0; r < rows; ++r) {
      const float* c = cos_t + int64_t(pos[r]) * half;
      const float* s = sin_t + int64_t(pos[r]) * half;
      for (int64_t h = 0; h < heads_; ++h) {
        const int64_t base = r * width + h * hd_;
#pragma omp simd
        for (int64_t i = 0; i < half; ++i) {
          const float x1 = load(x, base + i), x2 = load(x, base + i + half);
          store(out, base + i, x1 * c[i] - x2 * s[i]);
          store(out, base + i + half, x2 * c[i] + x1 * s[i]);
        }
      }
    }
  }

 private:
  Tensor& x_;
  Tensor& pos_;
  Tensor& out_;
  int64_t heads_, hd_;
  AlignedBuffer cos_, sin_;  // [max position + 1, head_dim / 2] f32
};

}  // namespace

std::unique_ptr<Step> make_rope_step(const Op& op, BuildEnv& env) {
  if (op.inputs.size() != 2) fail(op, "expected inputs {x, pos}");
  Tensor& x = env.tensors.get(op.inputs[0]);
  Tensor& pos = env.tensors.get(op.inputs[1]);
  Tensor& out = env.tensors.get(op.output);
  const auto& a = op.attrs;
  if (x.desc.shape.size() != 2 || a.heads <= 0 || a.head_dim <= 0 || a.head_dim % 2 != 0 ||
      int64_t(a.heads) * a.head_dim != x.cols()) {
    fail(op, "attrs heads × head_dim (even) must equal the input width");
  }
  if (pos.type != dt::s32 || pos.desc.shape != std::vector<int64_t>{x.rows()}) {
    fail(op, "pos must be i32 [rows]");
  }
  if (out.desc.shape != x.desc.shape) fail(op, "output shape mismatch");
  if (!env.tensors.is_constant(op.inputs[1])) fail(op, "pos must be a graph input");
  const int32_t* p = pos.as<int32_t>();
  int32_t max_pos = 0;
  for (int64_t r = 0; r < pos.rows(); ++r) {
    if (p[r] < 0) fail(op, "negative position " + std::to_string(p[r]));
    max_pos = std::max(max_pos, p[r]);
  }
  const int64_t half = a.head_dim / 2, n = (int64_t(max_pos) + 1) * half;
  AlignedBuffer cos_t(size_t(n) * sizeof(float)), sin_t(size_t(n) * sizeof(float));
  env.tensors.note_workspace(cos_t.bytes() + sin_t.bytes());
  auto* c = static_cast<float*>(cos_t.data());
  auto* s = static_cast<float*>(sin_t.data());
  for (int64_t q = 0; q <= max_pos; ++q) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = double(q) * std::pow(a.theta, -2.0 * double(i) / double(a.head_dim));
      c[q * half + i] = float(std::cos(angle));
      s[q * half + i] = float(std::sin(angle));
    }
  }
  env.record.own_kernel("rope");
  if (x.type == dt::bf16) {
    return std::make_unique<RopeStep<bf16_t>>(x, pos, out, a.heads, a.head_dim, std::move(cos_t),
                                              std::move(sin_t));
  }
  return std::make_unique<RopeStep<float>>(x, pos, out, a.heads, a.head_dim, std::move(cos_t),
                                           std::move(sin_t));
}

}  // namespace infermark::onednn
