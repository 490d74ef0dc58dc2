// Device-side helpers shared by the kernel files: loading and storing the storage types as f32,
// and warp / block reductions. Included by .cu files only.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/cuda_check.hpp"
#include "backends/cuda/cuda_types.hpp"

namespace infermark::cuda {

__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }

template <class T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }

constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// Sum (or max) over the block, returned to every thread. blockDim.x must be a multiple of 32 and
// at most 1024; `scratch` holds 32 floats. Safe to call repeatedly with the same scratch.
template <bool kMax>
__device__ __forceinline__ float block_reduce(float v, float* scratch) {
  v = kMax ? warp_max(v) : warp_sum(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();  // every thread is done reading scratch from a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const float identity = kMax ? -INFINITY : 0.f;
  v = lane < warps ? scratch[lane] : identity;
  return kMax ? warp_max(v) : warp_sum(v);
}

// Grid-stride loop bounds for element-wise kernels.
__device__ __forceinline__ int64_t global_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t global_stride() { return int64_t(gridDim.x) * blockDim.x; }

// Calls f with a null pointer of the storage type: f(static_cast<T*>(nullptr)).
template <class F>
void with_storage(Storage s, F&& f) {
  switch (s) {
    case Storage::F32: f(static_cast<float*>(nullptr)); return;
    case Storage::BF16: f(static_cast<__nv_bfloat16*>(nullptr)); return;
    case Storage::F16: f(static_cast<__half*>(nullptr)); return;
  }
}

}  // namespace infermark::cuda

// After every launch: a bad configuration is reported here, at the op that caused it.
#define IM_CUDA_CHECK_LAUNCH() IM_CUDA_CHECK(cudaGetLastError())
