#include "backends/cuda/cuda_backend.hpp"

#include "backends/cuda/cuda_executable.hpp"
#include "backends/cuda/cuda_memory.hpp"
#include "backends/cuda/launch_shapes.hpp"
#include "backends/cuda/quant_support.hpp"
#include "common/error.hpp"

namespace infermark {

CudaBackend::CudaBackend() : list_(cuda::list_devices()) {}

std::vector<DeviceInfo> CudaBackend::devices() const {
  std::vector<DeviceInfo> out;
  for (const auto& g : list_.gpus) out.push_back(g.info);
  return out;
}

Support CudaBackend::supports(const Workload& w) const {
  if (list_.gpus.empty()) return Support::no(list_.reason);
  const cuda::Gpu* usable = nullptr;
  for (const auto& g : list_.gpus)
    if (g.runnable && !usable) usable = &g;
  if (!usable) return Support::no(list_.gpus.front().info.id + ": " + list_.gpus.front().not_runnable);
  if (const std::string why = cuda::quantized_problem(w, usable->cc); !why.empty()) {
    return Support::no(usable->info.id + ": " + why);
  }
  // head_dim 0: an op-level graph whose attention attributes the plan checks.
  const int hd = w.model.head_dim;
  if (hd > 0 && !cuda::attention_head_dim_ok(hd)) {
    return Support::no("head_dim " + std::to_string(hd) + " is above the " + std::to_string(cuda::kMaxHeadDim) +
                       " the fused attention kernel handles");
  }
  if (hd > 0 && cuda::attention_smem_bytes(hd, cuda::kMaxWarpsPerBlock) > usable->smem_optin) {
    return Support::no("head_dim " + std::to_string(hd) + " needs more shared memory per block than " +
                       usable->info.id + " allows");
  }
  return Support::yes();
}

std::unique_ptr<Executable> CudaBackend::compile(const Graph& graph, const TensorSet& constants,
                                                 const DeviceInfo& device, const CompileOptions&) {
  for (const auto& g : list_.gpus) {
    if (g.info.id != device.id) continue;
    if (!g.runnable) throw Error(ErrorKind::Unavailable, "cuda backend: " + g.info.id + ": " + g.not_runnable);
    return std::make_unique<cuda::CudaExecutable>(graph, constants, g);
  }
  throw Error(ErrorKind::Unavailable, "cuda backend has no device '" + device.id + "'" +
                                          (list_.gpus.empty() ? ": " + list_.reason : ""));
}

DeviceLimits CudaBackend::limits(const DeviceInfo& device) const {
  for (const auto& g : list_.gpus)
    if (g.info.id == device.id) return cuda::device_limits(g);
  return {};
}

std::unique_ptr<Backend> make_cuda_backend() { return std::make_unique<CudaBackend>(); }

}  // namespace infermark
