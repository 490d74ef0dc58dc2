#include "backends/onednn/norms.hpp"

#include <cmath>

namespace infermark::onednn {
namespace {

using dnnl::memory;

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal,
              "onednn backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
}

// x [rows, H] and the per-column constants (γ, β) as f32, checked against the op contract.
struct NormOperands {
  Tensor* x;
  Tensor* out;
  std::vector<AlignedBuffer> params;  // f32 [H] each
};

NormOperands operands(const Op& op, BuildEnv& env, size_t n_params) {
  if (op.inputs.size() != 1 + n_params) fail(op, "wrong number of inputs");
  NormOperands o{&env.tensors.get(op.inputs[0]), &env.tensors.get(op.output), {}};
  if (o.x->desc.shape.size() != 2 || o.x->type == dt::s32) fail(op, "x must be 2-D float");
  if (o.out->desc.shape != o.x->desc.shape) fail(op, "output shape mismatch");
  const int64_t h = o.x->cols();
  for (size_t i = 1; i <= n_params; ++i) {
    const std::string& name = op.inputs[i];
    if (env.tensors.desc(name).shape != std::vector<int64_t>{h}) fail(op, name + " must be [H]");
    if (!env.tensors.is_constant(name)) fail(op, name + " must be a constant (a weight)");
    AlignedBuffer b(size_t(h) * sizeof(float));
    convert_from_f32(env.tensors.host(name).f32.data(), dt::f32, b.data(), size_t(h));
    env.tensors.note_weights(b.bytes());
    o.params.push_back(std::move(b));
  }
  return o;
}

class LayerNormStep : public Step {
 public:
  LayerNormStep(PrimitiveCall call, std::vector<AlignedBuffer> owned)
      : call_(std::move(call)), owned_(std::move(owned)) {}
  void run(dnnl::stream& s) override { call_.execute(s); }

 private:
  PrimitiveCall call_;
  std::vector<AlignedBuffer> owned_;  // γ, β, and statistics when the primitive wants them
};

template <class T>
class RmsNormStep : public Step {
 public:
  RmsNormStep(Tensor& x, Tensor& out, AlignedBuffer gamma, float eps)
      : x_(x), out_(out), gamma_(std::move(gamma)), eps_(eps) {}
  void run(dnnl::stream&) override {
    rms_norm_rows(x_.as<T>(), static_cast<const float*>(gamma_.data()), out_.as<T>(), x_.rows(),
                  x_.cols(), eps_);
  }

 private:
  Tensor& x_;
  Tensor& out_;
  AlignedBuffer gamma_;
  float eps_;
};

}  // namespace

template <class T>
void rms_norm_rows(const T* x, const float* gamma, T* out, int64_t rows, int64_t cols, float eps) {
#pragma omp parallel for schedule(static) if (rows * cols >= 16384)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* o = out + r * cols;
    float ss = 0.f;
#pragma omp simd reduction(+ : ss)
    for (int64_t c = 0; c < cols; ++c) {
      const float v = load(xr, c);
      ss += v * v;
    }
    const float inv = 1.f / std::sqrt(ss / float(cols) + eps);
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) store(o, c, load(xr, c) * inv * gamma[c]);
  }
}

template void rms_norm_rows<float>(const float*, const float*, float*, int64_t, int64_t, float);
template void rms_norm_rows<bf16_t>(const bf16_t*, const float*, bf16_t*, int64_t, int64_t, float);

std::unique_ptr<Step> make_layer_norm_step(const Op& op, BuildEnv& env) {
  NormOperands o = operands(op, env, 2);
  const memory::desc md = dense({o.x->rows(), o.x->cols()}, o.x->type);
  const dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(
          dnnl::prop_kind::forward_inference, md, float(op.attrs.eps),
          dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift),
      default_attr(), env.eng);
  const memory::desc param_md = dense({o.x->cols()}, dt::f32);
  PrimitiveCall call{dnnl::layer_normalization_forward(pd)};
  call.arg(DNNL_ARG_SRC, memory(md, env.eng, o.x->data()));
  call.arg(DNNL_ARG_DST, memory(md, env.eng, o.out->data()));
  call.arg(DNNL_ARG_SCALE, memory(param_md, env.eng, o.params[0].data()));
  call.arg(DNNL_ARG_SHIFT, memory(param_md, env.eng, o.params[1].data()));
  // Inference computes the statistics internally; bind buffers only if this version wants them.
  for (const auto& [arg, smd] : {std::pair{DNNL_ARG_MEAN, pd.mean_desc()},
                                 std::pair{DNNL_ARG_VARIANCE, pd.variance_desc()}}) {
    if (smd.get_size() == 0) continue;
    o.params.emplace_back(smd.get_size());
    env.tensors.note_workspace(smd.get_size());
    call.arg(arg, memory(smd, env.eng, o.params.back().data()));
  }
  env.scratchpad.attach(call, pd);
  env.record.primitive("layer_normalization", op.name, pd);
  return std::make_unique<LayerNormStep>(std::move(call), std::move(o.params));
}

std::unique_ptr<Step> make_rms_norm_step(const Op& op, BuildEnv& env) {
  NormOperands o = operands(op, env, 1);
  env.record.own_kernel("rms_norm");
  const float eps = float(op.attrs.eps);
  if (o.x->type == dt::bf16)
    return std::make_unique<RmsNormStep<bf16_t>>(*o.x, *o.out, std::move(o.params[0]), eps);
  return std::make_unique<RmsNormStep<float>>(*o.x, *o.out, std::move(o.params[0]), eps);
}

}  // namespace infermark::onednn
