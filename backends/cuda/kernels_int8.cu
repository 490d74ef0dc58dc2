// The int8 MatMul's own kernels (issue 12) around cuBLASLt's int8 GEMM: per-token quantization
// of the activations (one block per row) and the epilogue that scales the int32 sums back to the
// storage type, adding bias and residual.
#include <cmath>
#include <type_traits>

#include "backends/cuda/device_types.cuh"
#include "backends/cuda/kernels.hpp"
#include "backends/cuda/launch_shapes.hpp"

namespace infermark::cuda {
namespace {

template <class T>
__global__ void quantize_rows_int8_kernel(const T* __restrict__ a, int8_t* __restrict__ q,
                                          float* __restrict__ scales, int64_t k, int64_t kp) {
  __shared__ float scratch[32];
  const T* row = a + int64_t(blockIdx.x) * k;
  int8_t* qr = q + int64_t(blockIdx.x) * kp;
  float mx = 0;
  for (int64_t c = threadIdx.x; c < k; c += blockDim.x) mx = fmaxf(mx, fabsf(to_f32(row[c])));
  mx = block_reduce<true>(mx, scratch);
  // The host rule, bit for bit: an IEEE division (nvcc's default -prec-div=true) and rintf,
  // which rounds half to even in the default rounding mode, as std::nearbyint does.
  const float s = mx > 0 ? mx / 127.0f : 1.0f;
  for (int64_t c = threadIdx.x; c < kp; c += blockDim.x) {
    const float v = c < k ? fminf(fmaxf(rintf(to_f32(row[c]) / s), -127.f), 127.f) : 0.f;
    qr[c] = int8_t(v);
  }
  if (threadIdx.x == 0) scales[blockIdx.x] = s;
}

template <class T>
__global__ void int8_epilogue_kernel(const int32_t* __restrict__ acc, const float* __restrict__ a_scales,
                                     const float* __restrict__ w_scales, const T* __restrict__ bias,
                                     const T* __restrict__ residual, T* __restrict__ out, int64_t m,
                                     int64_t n, int64_t np) {
  const int64_t total = m * n;
  for (int64_t i = global_index(); i < total; i += global_stride()) {
    const int64_t r = i / n, c = i % n;
    float y = float(acc[r * np + c]) * a_scales[r] * w_scales[c];
    if (bias) y += to_f32(bias[c]);
    if (residual) y += to_f32(residual[i]);
    out[i] = from_f32<T>(y);
  }
}

// acc[i, j] = Σ_c q[i, c] · w[j, c], one thread per output: exact int32 sums like cuBLASLt's,
// for shapes its heuristic has no algorithm for.
__global__ void int8_gemm_fallback_kernel(const int8_t* __restrict__ q, const int8_t* __restrict__ w,
                                          int32_t* __restrict__ acc, int64_t m, int64_t np, int64_t kp) {
  const int64_t total = m * np;
  for (int64_t i = global_index(); i < total; i += global_stride()) {
    const int8_t* qr = q + (i / np) * kp;
    const int8_t* wr = w + (i % np) * kp;
    int32_t sum = 0;
    for (int64_t c = 0; c < kp; ++c) sum += int32_t(qr[c]) * int32_t(wr[c]);
    acc[i] = sum;
  }
}

}  // namespace

void launch_int8_gemm_fallback(const int8_t* q, const int8_t* w, int32_t* acc, int64_t m, int64_t np, int64_t kp,
                               cudaStream_t stream) {
  if (m * np == 0) return;
  int8_gemm_fallback_kernel<<<unsigned(eltwise_blocks(m * np)), kEltwiseThreads, 0, stream>>>(q, w, acc, m, np, kp);
  IM_CUDA_CHECK_LAUNCH();
}

void launch_quantize_rows_int8(Storage s, const void* a, int8_t* q, float* scales, int64_t m, int64_t k,
                               int64_t kp, cudaStream_t stream) {
  if (m == 0) return;
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    quantize_rows_int8_kernel<T><<<unsigned(m), row_threads(k), 0, stream>>>(static_cast<const T*>(a), q,
                                                                             scales, k, kp);
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_int8_epilogue(Storage s, const int32_t* acc, const float* a_scales, const float* w_scales,
                          const void* bias, const void* residual, void* out, int64_t m, int64_t n,
                          int64_t np, cudaStream_t stream) {
  if (m * n == 0) return;
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    int8_epilogue_kernel<T><<<unsigned(eltwise_blocks(m * n)), kEltwiseThreads, 0, stream>>>(
        acc, a_scales, w_scales, static_cast<const T*>(bias), static_cast<const T*>(residual),
        static_cast<T*>(out), m, n, np);
  });
  IM_CUDA_CHECK_LAUNCH();
}

}  // namespace infermark::cuda
