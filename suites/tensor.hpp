// HostTensor and TensorSet: plain host-side data exchanged between suites, backends and harness.
// Float data is always f32 on the host; backends convert to their precision when they compile.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace infermark {

enum class DType { F32, I32 };

struct HostTensor {
  std::vector<int64_t> shape;
  DType dtype = DType::F32;
  std::vector<float> f32;    // used when dtype == F32
  std::vector<int32_t> i32;  // used when dtype == I32

  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

// Named constant tensors a graph reads: parameters, graph inputs (token/position ids) and the
// initial KV cache. `source` says where the parameters came from ("synthetic:seed=42", a file).
struct TensorSet {
  std::map<std::string, HostTensor> tensors;
  std::string source;

  const HostTensor& at(const std::string& name) const;  // throws Internal Error if absent
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
};

std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace infermark
