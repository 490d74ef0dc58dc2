// The reference backend's Executable: every tensor converted to f64 and every buffer allocated at
// compile time, so run() only walks the ops in order through the kernels of ops.hpp.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace infermark::ref {

class ReferenceExecutable : public Executable {
 public:
  // Throws an Internal Error naming the op and tensor when the graph references a tensor that is
  // neither declared nor in `constants`, or when shapes or dtypes do not match the op contract.
  ReferenceExecutable(const Graph& graph, const TensorSet& constants);

  void run() override;
  void sync() override {}  // run() is synchronous
  std::optional<double> device_seconds_last() override { return std::nullopt; }
  HostTensor output() override;
  nlohmann::ordered_json implementation() const override;
  // Every buffer (f64 floats, i32 ids) by its tensor's role; the attention scratch is workspace.
  MemoryUsage memory_usage() const override;

 private:
  struct Buffer {
    TensorDesc desc;
    std::vector<double> f64;   // F32 tensors, held in double
    std::vector<int32_t> i32;  // I32 tensors (ids, positions)
  };
  struct Step {
    Op op;
    std::vector<Buffer*> in;
    Buffer* out = nullptr;
    // int8 workloads: the matmul's input rows are quantized per token and dequantized before
    // the f64 GEMM, exactly as suites/quantize.hpp defines, so only kernel error remains.
    bool quantize_input = false;
  };

  Buffer& buffer(const Op& op, const std::string& name);
  Step bind(const Op& op);
  void execute(const Step& step);

  std::map<std::string, Buffer> buffers_;  // node-based: Step pointers stay valid
  std::vector<Step> steps_;
  std::vector<double> scores_;  // attention scratch, sized for the largest attention op
  std::vector<double> quantized_;  // int8: the quantized-dequantized matmul input
  const Buffer* output_ = nullptr;
};

}  // namespace infermark::ref
