// Element-wise kernels: embedding gather, Add/Mul, GELU (erf and tanh forms), SiLU and the fused
// SiLU-GLU product, RoPE, row copies (LastToken, KV-cache append), the fallback GEMM and the
// test-only fault. Each thread handles elements i, i + stride, … of a flat index (grid-stride).
#include <cmath>
#include <type_traits>

#include "backends/cuda/device_types.cuh"
#include "backends/cuda/kernels.hpp"

namespace infermark::cuda {
namespace {

template <class T>
__global__ void embedding_kernel(const T* __restrict__ table, const int32_t* __restrict__ ids,
                                 T* __restrict__ out, int64_t rows, int64_t hidden, int64_t vocab) {
  const int64_t n = rows * hidden;
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    const int64_t r = i / hidden, c = i % hidden;
    const int32_t id = ids[r];
    out[i] = (id >= 0 && id < vocab) ? table[int64_t(id) * hidden + c] : from_f32<T>(NAN);
  }
}

__device__ __forceinline__ float silu(float x) { return x / (1.f + expf(-x)); }

template <class T, Pointwise kOp>
__global__ void pointwise_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out,
                                 int64_t n) {
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    const float x = to_f32(a[i]);
    float y;
    if constexpr (kOp == Pointwise::Add) {
      y = x + to_f32(b[i]);
    } else if constexpr (kOp == Pointwise::Mul) {
      y = x * to_f32(b[i]);
    } else if constexpr (kOp == Pointwise::SiluMul) {
      y = silu(x) * to_f32(b[i]);
    } else if constexpr (kOp == Pointwise::Gelu) {
      y = 0.5f * x * (1.f + erff(x * 0.70710678118654752f));  // x · Φ(x)
    } else if constexpr (kOp == Pointwise::GeluTanh) {
      const float c = 0.79788456080286536f;  // √(2/π)
      y = 0.5f * x * (1.f + tanhf(c * (x + 0.044715f * x * x * x)));
    } else {
      y = silu(x);
    }
    out[i] = from_f32<T>(y);
  }
}

template <class T>
__global__ void rope_kernel(const T* __restrict__ x, const int32_t* __restrict__ pos,
                            const float* __restrict__ table, T* __restrict__ out, int64_t rows,
                            int heads, int head_dim, int64_t positions) {
  const int half = head_dim / 2;
  const int64_t width = int64_t(heads) * head_dim;
  const int64_t n = rows * heads * half;
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    const int j = int(i % half);
    const int64_t t = i / half;
    const int h = int(t % heads);
    const int64_t r = t / heads;
    const int32_t p = pos[r];
    const int64_t base = r * width + int64_t(h) * head_dim + j;
    const float x1 = to_f32(x[base]), x2 = to_f32(x[base + half]);
    float c = NAN, s = NAN;  // a position outside the table poisons the row visibly
    if (p >= 0 && p < positions) {
      c = table[(int64_t(p) * half + j) * 2];
      s = table[(int64_t(p) * half + j) * 2 + 1];
    }
    out[base] = from_f32<T>(x1 * c - x2 * s);
    out[base + half] = from_f32<T>(x2 * c + x1 * s);
  }
}

template <class T>
__global__ void copy_rows_kernel(const T* __restrict__ src, T* __restrict__ dst, RowCopy c) {
  const int64_t n = c.blocks * c.rows_per_block * c.cols;
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    const int64_t col = i % c.cols;
    const int64_t t = i / c.cols;
    const int64_t r = t % c.rows_per_block, b = t / c.rows_per_block;
    dst[(b * c.dst_stride + c.dst_offset + r) * c.cols + col] =
        src[(b * c.src_stride + c.src_offset + r) * c.cols + col];
  }
}

template <class T>
__global__ void matmul_fallback_kernel(const T* __restrict__ a, const T* __restrict__ w,
                                       const T* __restrict__ bias, const T* __restrict__ residual,
                                       T* __restrict__ out, int64_t m, int64_t n, int64_t k) {
  for (int64_t i = global_index(); i < m * n; i += global_stride()) {
    const int64_t row = i / n, col = i % n;
    float acc = 0;
    for (int64_t j = 0; j < k; ++j) acc += to_f32(a[row * k + j]) * to_f32(w[col * k + j]);
    if (bias) acc += to_f32(bias[col]);
    if (residual) acc += to_f32(residual[i]);
    out[i] = from_f32<T>(acc);
  }
}

__global__ void illegal_address_kernel(int* p) { *p = 1; }

dim3 eltwise_grid(int64_t n) { return dim3(unsigned(eltwise_blocks(n))); }

template <class T, Pointwise kOp>
void pointwise(const void* a, const void* b, void* out, int64_t n, cudaStream_t stream) {
  pointwise_kernel<T, kOp><<<eltwise_grid(n), kEltwiseThreads, 0, stream>>>(
      static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out), n);
}

}  // namespace

void launch_embedding(Storage s, const void* table, const int32_t* ids, void* out, int64_t rows,
                      int64_t hidden, int64_t vocab, cudaStream_t stream) {
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    embedding_kernel<T><<<eltwise_grid(rows * hidden), kEltwiseThreads, 0, stream>>>(
        static_cast<const T*>(table), ids, static_cast<T*>(out), rows, hidden, vocab);
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_pointwise(Storage s, Pointwise op, const void* a, const void* b, void* out, int64_t n,
                      cudaStream_t stream) {
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    switch (op) {
      case Pointwise::Add: pointwise<T, Pointwise::Add>(a, b, out, n, stream); break;
      case Pointwise::Mul: pointwise<T, Pointwise::Mul>(a, b, out, n, stream); break;
      case Pointwise::SiluMul: pointwise<T, Pointwise::SiluMul>(a, b, out, n, stream); break;
      case Pointwise::Gelu: pointwise<T, Pointwise::Gelu>(a, b, out, n, stream); break;
      case Pointwise::GeluTanh: pointwise<T, Pointwise::GeluTanh>(a, b, out, n, stream); break;
      case Pointwise::Silu: pointwise<T, Pointwise::Silu>(a, b, out, n, stream); break;
    }
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_rope(Storage s, const void* x, const int32_t* pos, const float* table, void* out,
                 int64_t rows, int heads, int head_dim, int64_t positions, cudaStream_t stream) {
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    rope_kernel<T><<<eltwise_grid(rows * heads * (head_dim / 2)), kEltwiseThreads, 0, stream>>>(
        static_cast<const T*>(x), pos, table, static_cast<T*>(out), rows, heads, head_dim, positions);
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_copy_rows(Storage s, const void* src, void* dst, const RowCopy& c, cudaStream_t stream) {
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    copy_rows_kernel<T><<<eltwise_grid(c.blocks * c.rows_per_block * c.cols), kEltwiseThreads, 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), c);
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_matmul_fallback(Storage s, const void* a, const void* w, const void* bias,
                            const void* residual, void* out, int64_t m, int64_t n, int64_t k,
                            cudaStream_t stream) {
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    matmul_fallback_kernel<T><<<eltwise_grid(m * n), kEltwiseThreads, 0, stream>>>(
        static_cast<const T*>(a), static_cast<const T*>(w), static_cast<const T*>(bias),
        static_cast<const T*>(residual), static_cast<T*>(out), m, n, k);
  });
  IM_CUDA_CHECK_LAUNCH();
}

void launch_illegal_address(cudaStream_t stream) {
  // Address 0x10 is never a valid device allocation.
  illegal_address_kernel<<<1, 1, 0, stream>>>(reinterpret_cast<int*>(uintptr_t(0x10)));
  IM_CUDA_CHECK_LAUNCH();
}

}  // namespace infermark::cuda
