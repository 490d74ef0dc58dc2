#include "suites/graph.hpp"

#include "common/error.hpp"

namespace infermark {

const TensorDesc& Graph::tensor(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return t;
  throw Error(ErrorKind::Internal, "graph has no tensor '" + name + "'");
}

std::vector<const TensorDesc*> Graph::with_role(TensorRole role) const {
  std::vector<const TensorDesc*> out;
  for (const auto& t : tensors)
    if (t.role == role) out.push_back(&t);
  return out;
}

std::string to_string(OpKind k) {
  switch (k) {
    case OpKind::Embedding: return "Embedding";
    case OpKind::MatMul: return "MatMul";
    case OpKind::Add: return "Add";
    case OpKind::Mul: return "Mul";
    case OpKind::LayerNorm: return "LayerNorm";
    case OpKind::RMSNorm: return "RMSNorm";
    case OpKind::Gelu: return "Gelu";
    case OpKind::GeluTanh: return "GeluTanh";
    case OpKind::Silu: return "Silu";
    case OpKind::Softmax: return "Softmax";
    case OpKind::Rope: return "Rope";
    case OpKind::Attention: return "Attention";
    case OpKind::LastToken: return "LastToken";
  }
  return "?";
}

}  // namespace infermark
