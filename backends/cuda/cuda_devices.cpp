#include "backends/cuda/cuda_devices.hpp"

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdio>

#include "backends/cuda/cuda_check.hpp"
#include "backends/cuda/launch_shapes.hpp"

#ifndef INFERMARK_CUDA_ARCHITECTURES
#error "INFERMARK_CUDA_ARCHITECTURES must name the architectures built (backends/cuda/CMakeLists.txt)"
#endif

namespace infermark::cuda {
namespace {

// The form nvidia-smi and NVML print: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
std::string uuid_string(const cudaUUID_t& u) {
  const auto* b = reinterpret_cast<const unsigned char*>(u.bytes);
  char s[64];
  std::snprintf(s, sizeof s,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

std::string gib(size_t bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f GiB", double(bytes) / double(1ull << 30));
  return s;
}

}  // namespace

std::string built_architectures() { return INFERMARK_CUDA_ARCHITECTURES; }

std::string version_string(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

DeviceList list_devices() {
  DeviceList out;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);  // 0 when no driver is installed
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count <= 0) {
    out.reason = "cudaGetDeviceCount: " + (e != cudaSuccess ? error_text(e) : std::string("no CUDA device (0 devices)"));
    if (driver == 0) {
      out.reason += "; no NVIDIA driver (libcuda.so.1) was found";
    } else if (driver < runtime) {
      out.reason += "; the driver supports CUDA " + version_string(driver) + ", this build needs " +
                    version_string(runtime);
    }
    cudaGetLastError();  // clear it: a later call in this process starts clean
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (const cudaError_t pe = cudaGetDeviceProperties(&p, i); pe != cudaSuccess) {
      out.reason = "cudaGetDeviceProperties(" + std::to_string(i) + "): " + error_text(pe);
      cudaGetLastError();
      continue;
    }
    Gpu g;
    g.ordinal = i;
    g.cc = p.major * 10 + p.minor;
    g.sm_count = p.multiProcessorCount;
    g.total_memory = p.totalGlobalMem;
    g.smem_optin = p.sharedMemPerBlockOptin;
    g.runnable = arch_compatible(g.cc, built_architectures());
    if (!g.runnable) {
      g.not_runnable = "compute capability " + std::to_string(p.major) + "." + std::to_string(p.minor) +
                       " cannot run this build's kernels (built for " + built_architectures() +
                       "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(g.cc) + ")";
    }
    g.info.id = "cuda" + std::to_string(i);
    g.info.name = p.name;
    g.info.kind = "gpu";
    auto& d = g.info.details;
    d["compute_capability"] = std::to_string(p.major) + "." + std::to_string(p.minor);
    d["sms"] = p.multiProcessorCount;
    d["memory_bytes"] = p.totalGlobalMem;
    d["memory"] = gib(p.totalGlobalMem);
    d["l2_bytes"] = p.l2CacheSize;
    d["shared_memory_per_block_optin"] = p.sharedMemPerBlockOptin;
    d["memory_bus_bits"] = p.memoryBusWidth;
    char bus[32];
    std::snprintf(bus, sizeof bus, "%04x:%02x:%02x.0", unsigned(p.pciDomainID), unsigned(p.pciBusID),
                  unsigned(p.pciDeviceID));
    d["pci_bus_id"] = bus;
    d["uuid"] = uuid_string(p.uuid);
    d["driver_version"] = version_string(driver);
    d["runtime_version"] = version_string(runtime);
    d["cublaslt_version"] = cublasLtGetVersion();
    d["built_for"] = built_architectures();
    d["runnable"] = g.runnable;
    if (!g.runnable) d["not_runnable"] = g.not_runnable;
    out.gpus.push_back(std::move(g));
  }
  if (!out.gpus.empty()) out.reason.clear();
  return out;
}

}  // namespace infermark::cuda
