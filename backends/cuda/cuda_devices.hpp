// The CUDA devices of this machine as the backend lists them (name, SMs, memory, compute
// capability, driver and runtime versions), or the CUDA error that says why there are none.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace infermark::cuda {

struct Gpu {
  int ordinal = 0;
  DeviceInfo info;          // id "cuda<ordinal>"
  int cc = 0;               // compute capability, major·10 + minor
  int sm_count = 0;
  size_t total_memory = 0;
  size_t smem_optin = 0;    // shared memory a block may opt in to
  bool runnable = true;     // this build has code the device can run (see arch_compatible)
  std::string not_runnable;  // why not, when !runnable
};

struct DeviceList {
  std::vector<Gpu> gpus;
  std::string reason;  // when gpus is empty: "cudaGetDeviceCount: cudaErrorNoDevice (…)"
};

// Queries the runtime without creating a context (so a parent process that only lists devices
// never holds GPU memory). Never throws.
DeviceList list_devices();

// The architectures this binary was built for (CMAKE_CUDA_ARCHITECTURES).
std::string built_architectures();

// "13.0" from the runtime's 13000.
std::string version_string(int v);

}  // namespace infermark::cuda
