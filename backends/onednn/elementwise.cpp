#include "backends/onednn/elementwise.hpp"

namespace infermark::onednn {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

[[noreturn]] void fail(const Op& op, const std::string& msg) {
  throw Error(ErrorKind::Internal,
              "onednn backend: op '" + op.name + "' (" + to_string(op.kind) + "): " + msg);
}

// The op's tensor `name` as a 2-D [rows, cols] descriptor in the activation type.
memory::desc matrix_md(const Op& op, Tensor& t) {
  if (t.desc.shape.size() != 2 || t.type == dt::s32) {
    fail(op, "tensor '" + t.desc.name + "' must be a 2-D float tensor");
  }
  return dense({t.rows(), t.cols()}, t.type);
}

void expect_inputs(const Op& op, size_t n) {
  if (op.inputs.size() != n) fail(op, "expected " + std::to_string(n) + " input(s)");
}

}  // namespace

std::unique_ptr<Step> make_binary_step(const Op& op, BuildEnv& env) {
  expect_inputs(op, 2);
  Tensor& a = env.tensors.get(op.inputs[0]);
  Tensor& b = env.tensors.get(op.inputs[1]);
  Tensor& out = env.tensors.get(op.output);
  const memory::desc md = matrix_md(op, a);
  if (b.desc.shape != a.desc.shape || out.desc.shape != a.desc.shape) fail(op, "shape mismatch");
  const algorithm alg = op.kind == OpKind::Add ? algorithm::binary_add : algorithm::binary_mul;
  const dnnl::binary::primitive_desc pd(dnnl::binary::desc(alg, md, md, md), default_attr(),
                                        env.eng);
  PrimitiveCall call{dnnl::binary(pd)};
  call.arg(DNNL_ARG_SRC_0, memory(md, env.eng, a.data()));
  call.arg(DNNL_ARG_SRC_1, memory(md, env.eng, b.data()));
  call.arg(DNNL_ARG_DST, memory(md, env.eng, out.data()));
  env.scratchpad.attach(call, pd);
  env.record.primitive("binary", op.name, pd);
  return std::make_unique<PrimitiveStep>(std::move(call));
}

std::unique_ptr<Step> make_eltwise_step(const Op& op, BuildEnv& env) {
  expect_inputs(op, 1);
  Tensor& x = env.tensors.get(op.inputs[0]);
  Tensor& out = env.tensors.get(op.output);
  const memory::desc md = matrix_md(op, x);
  if (out.desc.shape != x.desc.shape) fail(op, "shape mismatch");
  algorithm alg = algorithm::eltwise_gelu_erf;
  float alpha = 0.f;
  switch (op.kind) {
    case OpKind::Gelu: alg = algorithm::eltwise_gelu_erf; break;
    case OpKind::GeluTanh: alg = algorithm::eltwise_gelu_tanh; break;
    case OpKind::Silu:  // swish(x) = x · sigmoid(alpha · x), alpha = 1
      alg = algorithm::eltwise_swish;
      alpha = 1.f;
      break;
    default: fail(op, "not an eltwise op");
  }
  const dnnl::eltwise_forward::primitive_desc pd(
      dnnl::eltwise_forward::desc(prop_kind::forward_inference, alg, md, alpha, 0.f),
      default_attr(), env.eng);
  PrimitiveCall call{dnnl::eltwise_forward(pd)};
  call.arg(DNNL_ARG_SRC, memory(md, env.eng, x.data()));
  call.arg(DNNL_ARG_DST, memory(md, env.eng, out.data()));
  env.scratchpad.attach(call, pd);
  env.record.primitive("eltwise", op.name, pd);
  return std::make_unique<PrimitiveStep>(std::move(call));
}

std::unique_ptr<Step> make_softmax_step(const Op& op, BuildEnv& env) {
  expect_inputs(op, 1);
  Tensor& x = env.tensors.get(op.inputs[0]);
  Tensor& out = env.tensors.get(op.output);
  const memory::desc md = matrix_md(op, x);
  if (out.desc.shape != x.desc.shape) fail(op, "shape mismatch");
  const dnnl::softmax_v2_forward::primitive_desc pd(
      dnnl::softmax_v2_forward::desc(prop_kind::forward_inference, algorithm::softmax_accurate, md,
                                     md, 1),
      default_attr(), env.eng);
  PrimitiveCall call{dnnl::softmax_v2_forward(pd)};
  call.arg(DNNL_ARG_SRC, memory(md, env.eng, x.data()));
  call.arg(DNNL_ARG_DST, memory(md, env.eng, out.data()));
  env.scratchpad.attach(call, pd);
  env.record.primitive("softmax", op.name, pd);
  return std::make_unique<PrimitiveStep>(std::move(call));
}

}  // namespace infermark::onednn
