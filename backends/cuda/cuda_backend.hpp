// The CUDA backend (DESIGN.md §3): cuBLASLt GEMMs and the project's own kernels on every CUDA
// GPU the runtime reports ("cuda0", "cuda1", …), or, without one, the CUDA error that says why.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "backends/cuda/cuda_devices.hpp"

namespace infermark {

class CudaBackend : public Backend {
 public:
  CudaBackend();  // lists the devices once (no CUDA context is created)
  std::string_view name() const override { return "cuda"; }
  std::vector<DeviceInfo> devices() const override;
  std::string unavailable_reason() const override { return list_.reason; }
  Support supports(const Workload& w) const override;
  std::unique_ptr<Executable> compile(const Graph& graph, const TensorSet& constants,
                                      const DeviceInfo& device, const CompileOptions& options) override;
  DeviceLimits limits(const DeviceInfo& device) const override;

 private:
  cuda::DeviceList list_;
};

std::unique_ptr<Backend> make_cuda_backend();

}  // namespace infermark
