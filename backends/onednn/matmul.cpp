#include "backends/onednn/matmul.hpp"

namespace infermark::onednn {
namespace {

using dnnl::algorithm;
using dnnl::memory;

class MatmulStep : public Step {
 public:
  MatmulStep(PrimitiveCall call, AlignedBuffer weights, AlignedBuffer bias)
      : call_(std::move(call)), weights_(std::move(weights)), bias_(std::move(bias)) {}
  void run(dnnl::stream& s) override { call_.execute(s); }
  bool run_gemms(dnnl::stream& s) override {
    call_.execute(s);
    return true;
  }

 private:
  PrimitiveCall call_;
  AlignedBuffer weights_;  // reordered weights, when the weights are constants
  AlignedBuffer bias_;     // f32 bias, when a constant
};

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal, "onednn backend: op '" + op.name + "' (MatMul): " + msg);
}

void append(dnnl::post_ops& po, const PostOp& p, const memory::desc& dst_md) {
  switch (p.kind) {
    case PostOpKind::GeluErf: po.append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f); break;
    case PostOpKind::GeluTanh: po.append_eltwise(1.f, algorithm::eltwise_gelu_tanh, 0.f, 0.f); break;
    case PostOpKind::Silu: po.append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f); break;
    case PostOpKind::Add: po.append_binary(algorithm::binary_add, dst_md); break;
    case PostOpKind::Mul: po.append_binary(algorithm::binary_mul, dst_md); break;
  }
}

}  // namespace

std::unique_ptr<Step> make_matmul_step(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  if (op.inputs.size() < 2 || op.inputs.size() > 3) fail(op, "expected 2 or 3 inputs");
  TensorTable& tt = env.tensors;
  const dt act = tt.act();
  Tensor& a = tt.get(op.inputs[0]);
  const TensorDesc& wd = tt.desc(op.inputs[1]);
  if (a.desc.shape.size() != 2 || wd.shape.size() != 2 || a.type == dt::s32 ||
      wd.dtype != DType::F32) {
    fail(op, "a and w must be 2-D float tensors");
  }
  const int64_t M = a.rows(), K = a.cols(), N = wd.shape[0];
  if (wd.shape[1] != K) {
    fail(op, "w is " + shape_to_string(wd.shape) + ", expected [" + std::to_string(N) + ", " +
                 std::to_string(K) + "]");
  }
  Tensor& out = tt.get(planned.output);
  if (out.desc.shape != std::vector<int64_t>{M, N}) fail(op, "output shape mismatch");

  const memory::desc a_md = dense({M, K}, act), dst_md = dense({M, N}, act);
  // Constant weights: let the primitive choose their layout (format any) and reorder once below.
  // Weights computed by the graph are read in place as wᵀ ([K, N] with strides {1, K}).
  const bool const_w = tt.is_constant(op.inputs[1]);
  const memory::desc w_md = const_w ? memory::desc({K, N}, act, memory::format_tag::any)
                                    : strided({K, N}, act, {1, K});
  const bool has_bias = op.inputs.size() == 3;
  memory::desc bias_md;
  AlignedBuffer bias_buf;
  void* bias_ptr = nullptr;
  if (has_bias) {
    if (tt.desc(op.inputs[2]).shape != std::vector<int64_t>{N}) fail(op, "bias must be [N]");
    if (tt.is_constant(op.inputs[2])) {
      const HostTensor& b = tt.host(op.inputs[2]);
      bias_md = dense({1, N}, dt::f32);
      bias_buf = AlignedBuffer(size_t(N) * sizeof(float));
      convert_from_f32(b.f32.data(), dt::f32, bias_buf.data(), size_t(N));
      tt.note_weights(bias_buf.bytes());
      bias_ptr = bias_buf.data();
    } else {
      bias_md = dense({1, N}, act);
      bias_ptr = tt.get(op.inputs[2]).data();
    }
  }

  dnnl::post_ops po;
  std::string pattern = has_bias ? "matmul+bias" : "matmul";
  for (const auto& p : planned.post_ops) {
    append(po, p, dst_md);
    pattern.append("+").append(to_string(p.kind));
  }
  dnnl::primitive_attr attr = default_attr();
  attr.set_post_ops(po);
  const dnnl::matmul::desc d = has_bias ? dnnl::matmul::desc(a_md, w_md, bias_md, dst_md)
                                        : dnnl::matmul::desc(a_md, w_md, dst_md);
  const dnnl::matmul::primitive_desc pd(d, attr, env.eng);

  AlignedBuffer w_buf;
  memory w_mem;
  if (const_w) {
    const HostTensor& w = tt.host(op.inputs[1]);
    memory user(strided({K, N}, dt::f32, {1, K}), env.eng, const_cast<float*>(w.f32.data()));
    w_buf = AlignedBuffer(pd.weights_desc().get_size());
    tt.note_weights(w_buf.bytes());
    w_mem = memory(pd.weights_desc(), env.eng, w_buf.data());
    dnnl::reorder(user, w_mem).execute(env.stream, user, w_mem);
    env.stream.wait();
  } else {
    w_mem = memory(w_md, env.eng, tt.get(op.inputs[1]).data());
  }

  PrimitiveCall call{dnnl::matmul(pd)};
  call.arg(DNNL_ARG_SRC, memory(a_md, env.eng, a.data()));
  call.arg(DNNL_ARG_WEIGHTS, w_mem);
  if (has_bias) call.arg(DNNL_ARG_BIAS, memory(bias_md, env.eng, bias_ptr));
  call.arg(DNNL_ARG_DST, memory(dst_md, env.eng, out.data()));
  for (size_t i = 0; i < planned.post_ops.size(); ++i) {
    const PostOp& p = planned.post_ops[i];
    if (p.src1.empty()) continue;
    Tensor& src1 = tt.get(p.src1);
    call.arg(DNNL_ARG_ATTR_MULTIPLE_POST_OP(int(i)) | DNNL_ARG_SRC_1,
             memory(dst_md, env.eng, src1.data()));
  }
  env.scratchpad.attach(call, pd);
  env.record.primitive("matmul", op.name, pd);
  if (pattern != "matmul") env.record.fusion(pattern);
  return std::make_unique<MatmulStep>(std::move(call), std::move(w_buf), std::move(bias_buf));
}

}  // namespace infermark::onednn
