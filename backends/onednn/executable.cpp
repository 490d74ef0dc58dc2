#include "backends/onednn/executable.hpp"

#include <omp.h>

#include "backends/onednn/attention.hpp"
#include "backends/onednn/cpu_info.hpp"
#include "backends/onednn/elementwise.hpp"
#include "backends/onednn/gather.hpp"
#include "backends/onednn/gemv_bf16.hpp"
#include "backends/onednn/matmul.hpp"
#include "backends/onednn/matmul_quantized.hpp"
#include "backends/onednn/quant_kernels.hpp"
#include "backends/onednn/norms.hpp"
#include "backends/onednn/plan.hpp"
#include "backends/onednn/rope.hpp"

namespace infermark::onednn {

dt activation_type(Precision p) {
  switch (p) {
    case Precision::F32: return dt::f32;
    case Precision::BF16: return dt::bf16;
    case Precision::F16:
    case Precision::Int8:
    case Precision::Int4W: break;
  }
  throw Error(ErrorKind::Unavailable, "onednn backend: precision " + to_string(p) +
                                          " is not supported (see supports())");
}

OnednnExecutable::OnednnExecutable(const Graph& graph, const TensorSet& constants, int threads,
                                   const Tuning& tuning)
    : threads_(threads),
      eng_(dnnl::engine::kind::cpu, 0),
      stream_(eng_),
      scratchpad_(eng_) {
  // oneDNN sizes its work partitioning from the thread count when primitives are created.
  omp_set_num_threads(threads_);
  const dt act = activation_type(float_precision(graph.workload));
  tensors_ = std::make_unique<TensorTable>(graph, constants, act);
  BuildEnv env{eng_,     stream_, *tensors_, scratchpad_, record_, tuning, graph.workload.precision,
               graph.workload.group_size, nullptr};
  const std::vector<PlannedStep> plan = plan_steps(graph);
  for (const auto& planned : plan) {
    steps_.push_back(build(planned, env));
    Step& st = *steps_.back();
    st.name = planned.op->name;
    st.kind = to_string(planned.op->kind);
    for (const auto& p : planned.post_ops) {
      st.name += "+" + p.op_name;
      st.kind += "+" + to_string(p.kind);
    }
  }
  scratchpad_.finalize();
  output_ = &tensors_->get(graph.output);
  tensors_->forget_constants();
  if (output_->type == dt::s32) {
    throw Error(ErrorKind::Internal, "onednn backend: graph output '" + graph.output +
                                         "' is not a float tensor");
  }
  record_.note("library", onednn_version_string());
  record_.note("isa", isa_name(dnnl::get_effective_cpu_isa()));
  record_.note("threads", threads_);
  record_.note("precision", std::string(dt_name(act)));
  record_.note("accumulation", "f32");
  if (is_quantized(graph.workload.precision)) {
    record_.note("quantized", to_string(graph.workload.precision));
    record_.note("quantized_kernels_isa", quant_kernel_isa());
  }
  record_.note("graph_ops", graph.ops.size());
  record_.note("steps", steps_.size());
  record_.note("scratchpad_bytes", scratchpad_.bytes());
}

MemoryUsage OnednnExecutable::memory_usage() const {
  MemoryUsage u = tensors_->memory_usage();
  u.workspace += int64_t(scratchpad_.bytes());
  u.source = "oneDNN backend's buffers (tensors, reordered weights, attention tiles) and scratchpad";
  return u;
}

namespace {

// A bf16 MatMul of a few rows with constant weights and bias: the own GEMV (gemv_bf16.hpp).
bool takes_gemv_bf16(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  TensorTable& tt = env.tensors;
  if (env.precision != Precision::BF16 || !gemv_bf16_available() || !env.tuning.gemv_bf16) return false;
  if (op.inputs.size() < 2 || op.inputs.size() > 3 || !tt.is_constant(op.inputs[1])) return false;
  if (op.inputs.size() == 3 && !tt.is_constant(op.inputs[2])) return false;
  const TensorDesc& ad = tt.desc(op.inputs[0]);
  return ad.shape.size() == 2 && ad.shape[0] <= kGemvMaxRows;
}

}  // namespace

std::unique_ptr<Step> OnednnExecutable::build(const PlannedStep& planned, BuildEnv& env) {
  const Op& op = *planned.op;
  const bool quantized_matmul = op.kind == OpKind::MatMul && is_quantized(env.precision) &&
                                env.tensors.is_constant(op.inputs[1]);
  if (!quantized_matmul) env.int8_input.reset();
  try {
    switch (op.kind) {
      case OpKind::MatMul:
        if (quantized_matmul) return make_quantized_matmul_step(planned, env);
        if (takes_gemv_bf16(planned, env)) return make_gemv_bf16_step(planned, env);
        return make_matmul_step(planned, env);
      case OpKind::Add:
      case OpKind::Mul: return make_binary_step(op, env);
      case OpKind::Gelu:
      case OpKind::GeluTanh:
      case OpKind::Silu: return make_eltwise_step(op, env);
      case OpKind::Softmax: return make_softmax_step(op, env);
      case OpKind::LayerNorm: return make_layer_norm_step(op, env);
      case OpKind::RMSNorm: return make_rms_norm_step(op, env);
      case OpKind::Rope: return make_rope_step(op, env);
      case OpKind::Attention: return make_attention_step(op, env);
      case OpKind::Embedding: return make_embedding_step(op, env);
      case OpKind::LastToken: return make_last_token_step(op, env);
    }
  } catch (const dnnl::error& e) {
    throw Error(ErrorKind::Backend, "onednn backend: op '" + op.name + "' (" + to_string(op.kind) +
                                        "): oneDNN: " + e.what() + " (" +
                                        status_string(e.status) + ")");
  }
  throw Error(ErrorKind::Internal, "onednn backend: op '" + op.name + "' has an unknown kind");
}

void OnednnExecutable::run() {
  omp_set_num_threads(threads_);  // the ICV is per thread: run() may come from another thread
  for (const auto& s : steps_) s->run(stream_);
}

void OnednnExecutable::sync() { stream_.wait(); }

HostTensor OnednnExecutable::output() {
  HostTensor t;
  t.shape = output_->desc.shape;
  t.dtype = DType::F32;
  t.f32.resize(size_t(output_->numel()));
  convert_to_f32(output_->data(), output_->type, t.f32.data(), t.f32.size());
  return t;
}

nlohmann::ordered_json OnednnExecutable::implementation() const { return record_.to_json(); }

}  // namespace infermark::onednn
