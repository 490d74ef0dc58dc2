#include "backends/reference/reference_backend.hpp"

#include <cblas.h>

#include <fstream>
#include <thread>

#include "backends/memory_usage.hpp"
#include "backends/reference/reference_executable.hpp"
#include "common/cpu_model.hpp"

namespace infermark {
namespace {

class ReferenceBackend : public Backend {
 public:
  std::string_view name() const override { return "reference"; }

  std::vector<DeviceInfo> devices() const override {
    DeviceInfo d{"cpu0", cpu_model_name(), "cpu", nlohmann::ordered_json::object()};
    d.details["threads"] = std::thread::hardware_concurrency();
    return {d};
  }

  // The oracle runs everything. The workload's float precision is ignored on purpose: the
  // reference always computes in f64 from the f32 constants, so it is the same answer for every
  // float precision. Quantized ones get dequantized weights (harness/constants) and, for int8,
  // per-token quantized matmul inputs, so the answer is the quantized model's.
  Support supports(const Workload&) const override { return Support::yes(); }

  std::unique_ptr<Executable> compile(const Graph& graph, const TensorSet& constants,
                                      const DeviceInfo&, const CompileOptions& options) override {
    if (options.threads > 0) openblas_set_num_threads(options.threads);
    return std::make_unique<ref::ReferenceExecutable>(graph, constants);
  }

  // Host RAM; every tensor is held in f64 (ids in i32), each intermediate in its own buffer.
  DeviceLimits limits(const DeviceInfo&) const override {
    DeviceLimits l = host_memory_limits();
    l.float_bytes = sizeof(double);
    l.holds_all_activations = true;
    return l;
  }
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace infermark
