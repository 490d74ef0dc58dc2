#include "suites/tensor.hpp"

#include "common/error.hpp"

namespace infermark {

const HostTensor& TensorSet::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw Error(ErrorKind::Internal, "tensor '" + name + "' is not bound");
  return it->second;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace infermark
