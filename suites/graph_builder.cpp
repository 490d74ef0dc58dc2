#include "suites/graph_builder.hpp"

#include <cmath>

#include "common/error.hpp"

namespace infermark {

GraphBuilder::GraphBuilder(std::string name, Precision precision) {
  c_.name = std::move(name);
  c_.graph.workload.precision = precision;
  for (char ch : c_.name) state_ = state_ * 131 + uint64_t(uint8_t(ch));
}

std::string GraphBuilder::constant(const std::string& name, std::vector<int64_t> shape,
                                   double scale, TensorRole role) {
  HostTensor t{std::move(shape), DType::F32, {}, {}};
  const int64_t n = t.numel();
  t.f32.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) t.f32.push_back(float(scale * (2 * uniform() - 1)));
  return declare(name, std::move(t), role);
}

std::string GraphBuilder::ids(const std::string& name, int64_t n, int32_t limit) {
  HostTensor t{{n}, DType::I32, {}, {}};
  for (int64_t i = 0; i < n; ++i) t.i32.push_back(int32_t(uniform() * limit));
  return declare(name, std::move(t), TensorRole::Input);
}

std::string GraphBuilder::activation(const std::string& name, std::vector<int64_t> shape) {
  c_.graph.tensors.push_back({name, std::move(shape), DType::F32, TensorRole::Activation});
  return name;
}

void GraphBuilder::op(OpKind kind, std::vector<std::string> inputs, const std::string& output,
                      OpAttrs attrs) {
  c_.graph.ops.push_back({kind, output, std::move(inputs), output, attrs});
}

GraphCase GraphBuilder::finish(const std::string& output, std::vector<int64_t> shape) {
  c_.graph.tensors.push_back({output, std::move(shape), DType::F32, TensorRole::Output});
  c_.graph.output = output;
  c_.constants.source = "graph_builder:" + c_.name;
  return std::move(c_);
}

double GraphBuilder::uniform() {  // splitmix64, top 53 bits
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

std::string GraphBuilder::declare(const std::string& name, HostTensor t, TensorRole role) {
  c_.graph.tensors.push_back({name, t.shape, t.dtype, role});
  c_.constants.tensors[name] = std::move(t);
  return name;
}

GraphCase single_op_case(const Graph& g, const Op& op) {
  GraphBuilder b(to_string(op.kind) + "/" + op.name, g.workload.precision);
  std::vector<std::string> inputs;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const TensorDesc& t = g.tensor(op.inputs[i]);
    if (t.dtype == DType::I32) {
      // Embedding ids index the table's rows; RoPE positions only need to be valid positions.
      const int32_t limit = op.kind == OpKind::Embedding
                                ? int32_t(g.tensor(op.inputs[0]).shape.at(0))
                                : int32_t(std::max(1, g.workload.context + g.workload.seq));
      inputs.push_back(b.ids(t.name, t.shape.at(0), limit));
      continue;
    }
    const TensorRole role = t.role == TensorRole::Weight || t.role == TensorRole::State
                                ? t.role
                                : TensorRole::Input;
    // Weights scaled by 1/sqrt(fan-in) keep matmul outputs O(1), as real checkpoints do.
    const double scale = op.kind == OpKind::MatMul && i == 1
                             ? 1.0 / std::sqrt(double(t.shape.at(1)))
                             : 1.0;
    inputs.push_back(b.constant(t.name, t.shape, scale, role));
  }
  b.op(op.kind, inputs, op.output, op.attrs);
  GraphCase c = b.finish(op.output, g.tensor(op.output).shape);
  c.graph.workload = g.workload;  // backends may read model facts (e.g. precision) from it
  return c;
}

}  // namespace infermark
