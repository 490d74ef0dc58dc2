// Row kernels: LayerNorm, RMSNorm and Softmax, one block per row, reductions in f32 through warp
// shuffles and shared memory. LayerNorm takes the mean first and then the variance of the
// centred values (two passes, as the reference does), not E[x²] − E[x]².
#include <cmath>
#include <type_traits>

#include "backends/cuda/device_types.cuh"
#include "backends/cuda/kernels.hpp"

namespace infermark::cuda {
namespace {

template <class T, bool kRms>
__global__ void norm_kernel(const T* __restrict__ x, const T* __restrict__ gamma,
                            const T* __restrict__ beta, T* __restrict__ out, int64_t cols, float eps) {
  __shared__ float scratch[32];
  const T* xr = x + int64_t(blockIdx.x) * cols;
  T* o = out + int64_t(blockIdx.x) * cols;
  float mean = 0;
  if constexpr (!kRms) {
    float s = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += to_f32(xr[c]);
    mean = block_reduce<false>(s, scratch) / float(cols);
  }
  float ss = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = to_f32(xr[c]) - mean;
    ss += d * d;
  }
  const float inv = rsqrtf(block_reduce<false>(ss, scratch) / float(cols) + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float y = (to_f32(xr[c]) - mean) * inv * to_f32(gamma[c]);
    if constexpr (!kRms) y += to_f32(beta[c]);
    o[c] = from_f32<T>(y);
  }
}

template <class T>
__global__ void softmax_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t cols) {
  __shared__ float scratch[32];
  const T* xr = x + int64_t(blockIdx.x) * cols;
  T* o = out + int64_t(blockIdx.x) * cols;
  float mx = -INFINITY;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) mx = fmaxf(mx, to_f32(xr[c]));
  mx = block_reduce<true>(mx, scratch);
  float sum = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += expf(to_f32(xr[c]) - mx);
  const float inv = 1.f / block_reduce<false>(sum, scratch);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) o[c] = from_f32<T>(expf(to_f32(xr[c]) - mx) * inv);
}

}  // namespace

void launch_norm(Storage s, bool rms, const void* x, const void* gamma, const void* beta, void* out,
                 int64_t rows, int64_t cols, float eps, cudaStream_t stream) {
  if (rows == 0) return;
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const auto* xp = static_cast<const T*>(x);
    const auto* g = static_cast<const T*>(gamma);
    const auto* b = static_cast<const T*>(beta);
    auto* o = static_cast<T*>(out);
    if (rms) {
      norm_kernel<T, true><<<unsigned(rows), row_threads(cols), 0, stream>>>(xp, g, b, o, cols, eps);
    } else {
      norm_kernel<T, false><<<unsigned(rows), row_threads(cols), 0, stream>>>(xp, g, b, o, cols, eps);
    }
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_softmax(Storage s, const void* x, void* out, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows == 0) return;
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    softmax_kernel<T><<<unsigned(rows), row_threads(cols), 0, stream>>>(static_cast<const T*>(x),
                                                                         static_cast<T*>(out), cols);
  });
  IM_CUDA_CHECK_LAUNCH();
}

}  // namespace infermark::cuda
