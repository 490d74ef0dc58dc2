#include "suites/constant_data.hpp"

#include "common/error.hpp"

namespace infermark {

const HostTensor& constant_data(const TensorSet& constants, const TensorDesc& desc,
                                std::string_view backend) {
  const std::string who = std::string(backend) + " backend: constant tensor '" + desc.name + "'";
  auto it = constants.tensors.find(desc.name);
  if (it == constants.tensors.end()) throw Error(ErrorKind::Internal, who + " is missing");
  const HostTensor& h = it->second;
  const size_t have = h.dtype == DType::F32 ? h.f32.size() : h.i32.size();
  int64_t n = 1;
  for (int64_t d : desc.shape) n *= d;
  if (h.shape != desc.shape || h.dtype != desc.dtype || have != size_t(n))
    throw Error(ErrorKind::Internal, who + " has shape " + shape_to_string(h.shape) + " and " +
                                         std::to_string(have) + " elements, the graph declares " +
                                         shape_to_string(desc.shape));
  return h;
}

}  // namespace infermark
