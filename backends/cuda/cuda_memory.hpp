// Device memory of the CUDA backend: one owned allocation (RAII over cudaMalloc/cudaFree), and
// the host-side conversions between f32 and the storage formats (CUDA's own round-to-nearest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backends/cuda/cuda_types.hpp"
#include "backends/memory_usage.hpp"

namespace infermark::cuda {

struct Gpu;

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);  // throws a Backend Error naming cudaMalloc on failure
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  std::byte* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  std::byte* data_ = nullptr;
  size_t bytes_ = 0;
};

// Offsets of consecutive sub-allocations, each aligned to 256 bytes (what cuBLASLt's heuristic
// assumes by default); returns the total size.
size_t layout_offsets(const std::vector<size_t>& sizes, std::vector<size_t>& offsets);
constexpr size_t kAlignment = 256;

// An executable's cudaMalloc sizes by purpose (issue 14): each tensor of the arena by its graph
// role (names the graph does not declare, and the arena's alignment padding, are workspace),
// plus the cuBLASLt workspace.
MemoryUsage arena_usage(const Graph& graph, const std::vector<NamedBytes>& tensors,
                        size_t arena_bytes, size_t workspace_bytes);

// The GPU's memory for the fit check: cudaMemGetInfo's total and free (this creates the CUDA
// context), one arena holding every tensor, plus the largest cuBLASLt workspace.
DeviceLimits device_limits(const Gpu& gpu);

// f32 values in the storage format (raw bytes, 4 or 2 per value).
std::vector<std::byte> to_storage(const float* src, size_t n, Storage s);
// Storage-format bytes back to f32.
std::vector<float> from_storage(const std::byte* src, size_t n, Storage s);

}  // namespace infermark::cuda
