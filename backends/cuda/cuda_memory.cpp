#include "backends/cuda/cuda_memory.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstring>

#include "backends/cuda/cublaslt_matmul.hpp"
#include "backends/cuda/cuda_check.hpp"
#include "backends/cuda/cuda_devices.hpp"

namespace infermark::cuda {

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  void* p = nullptr;
  IM_CUDA_CHECK(cudaMalloc(&p, bytes));
  data_ = static_cast<std::byte*>(p);
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);  // after a sticky error this fails too; nothing more to do
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept : data_(o.data_), bytes_(o.bytes_) {
  o.data_ = nullptr;
  o.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (data_) cudaFree(data_);
    data_ = o.data_;
    bytes_ = o.bytes_;
    o.data_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

MemoryUsage arena_usage(const Graph& graph, const std::vector<NamedBytes>& tensors,
                        size_t arena_bytes, size_t workspace_bytes) {
  MemoryUsage u;
  add_by_role(u, graph, tensors);
  int64_t placed = 0;
  for (const auto& t : tensors) placed += t.bytes;
  u.workspace += int64_t(arena_bytes) - placed + int64_t(workspace_bytes);
  u.source = "cudaMalloc sizes: the tensor arena (split by tensor) and the cuBLASLt workspace";
  return u;
}

DeviceLimits device_limits(const Gpu& gpu) {
  DeviceLimits l;
  l.total_bytes = int64_t(gpu.total_memory);
  l.memory_source = "cudaGetDeviceProperties totalGlobalMem";
  l.holds_all_activations = true;
  l.reserved_bytes = int64_t(kMaxWorkspaceBytes);
  size_t free = 0, total = 0;
  cudaError_t e = cudaSetDevice(gpu.ordinal);
  if (e == cudaSuccess) e = cudaMemGetInfo(&free, &total);
  if (e == cudaSuccess) {
    l.total_bytes = int64_t(total);
    l.free_bytes = int64_t(free);
    l.memory_source = "cudaMemGetInfo";
  } else {
    cudaGetLastError();
    l.memory_source += std::string("; free: unknown (cudaMemGetInfo: ") + cudaGetErrorName(e) + ")";
  }
  return l;
}

size_t layout_offsets(const std::vector<size_t>& sizes, std::vector<size_t>& offsets) {
  offsets.clear();
  size_t total = 0;
  for (size_t s : sizes) {
    offsets.push_back(total);
    total += (s + kAlignment - 1) / kAlignment * kAlignment;
  }
  return total;
}

std::vector<std::byte> to_storage(const float* src, size_t n, Storage s) {
  std::vector<std::byte> out(n * storage_bytes(s));
  switch (s) {
    case Storage::F32: std::memcpy(out.data(), src, n * sizeof(float)); break;
    case Storage::BF16: {
      auto* d = reinterpret_cast<__nv_bfloat16*>(out.data());
      for (size_t i = 0; i < n; ++i) d[i] = __float2bfloat16_rn(src[i]);
      break;
    }
    case Storage::F16: {
      auto* d = reinterpret_cast<__half*>(out.data());
      for (size_t i = 0; i < n; ++i) d[i] = __float2half_rn(src[i]);
      break;
    }
  }
  return out;
}

std::vector<float> from_storage(const std::byte* src, size_t n, Storage s) {
  std::vector<float> out(n);
  switch (s) {
    case Storage::F32: std::memcpy(out.data(), src, n * sizeof(float)); break;
    case Storage::BF16: {
      const auto* p = reinterpret_cast<const __nv_bfloat16*>(src);
      for (size_t i = 0; i < n; ++i) out[i] = __bfloat162float(p[i]);
      break;
    }
    case Storage::F16: {
      const auto* p = reinterpret_cast<const __half*>(src);
      for (size_t i = 0; i < n; ++i) out[i] = __half2float(p[i]);
      break;
    }
  }
  return out;
}

}  // namespace infermark::cuda
