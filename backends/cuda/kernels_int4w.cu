// The int4w weight-only MatMul (issue 12): 4-bit weights packed as suites/quantize.hpp's
// Int4Weights (a run of 32 k in 16 bytes: byte j holds k = j low, k = j + 16 high, each q + 8)
// with f32 scales per group of G k; activations and output in the storage type, f32 sums.
// Decode-sized M: a GEMV, one warp per weight row reading 16-byte runs. Otherwise a tiled kernel
// that dequantizes a weight tile into shared memory (correctness first, not tuned).
#include <type_traits>

#include "backends/cuda/device_types.cuh"
#include "backends/cuda/kernels.hpp"
#include "backends/cuda/quant_shapes.hpp"

namespace infermark::cuda {
namespace {

template <class T>
__device__ __forceinline__ void store_out(T* out, int64_t i, int64_t col, float y, const T* bias, const T* residual) {
  if (bias) y += to_f32(bias[col]);
  if (residual) y += to_f32(residual[i]);
  out[i] = from_f32<T>(y);
}

template <class T>
__global__ void int4w_gemv_kernel(const T* __restrict__ a, const uint8_t* __restrict__ packed,
                                  const float* __restrict__ scales, const T* __restrict__ bias,
                                  const T* __restrict__ residual, T* __restrict__ out, int m, int64_t n,
                                  int64_t k, int group) {
  const int lane = threadIdx.x & 31;
  const int64_t col = int64_t(blockIdx.x) * kInt4GemvWarps + (threadIdx.x >> 5);
  if (col >= n) return;  // the whole warp leaves together: the shuffles below see full warps
  const int64_t runs = k / 32;
  const uint8_t* wrow = packed + col * (k / 2);
  const float* srow = scales + col * (k / group);
  float acc[kInt4GemvMaxRows] = {};
  for (int64_t r = lane; r < runs; r += 32) {
    const uint4 v = *reinterpret_cast<const uint4*>(wrow + r * 16);  // rows are 16-byte multiples
    const uint32_t words[4] = {v.x, v.y, v.z, v.w};
    float lo[16], hi[16];
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      const uint32_t byte = (words[j / 4] >> (8 * (j % 4))) & 0xffu;  // little-endian byte j
      lo[j] = float(int(byte & 0x0fu) - 8);
      hi[j] = float(int(byte >> 4) - 8);
    }
    const float sc = srow[(r * 32) / group];
#pragma unroll
    for (int i = 0; i < kInt4GemvMaxRows; ++i) {
      if (i >= m) break;
      const T* ar = a + int64_t(i) * k + r * 32;
      float sum = 0;
#pragma unroll
      for (int j = 0; j < 16; ++j) sum += lo[j] * to_f32(ar[j]) + hi[j] * to_f32(ar[j + 16]);
      acc[i] += sum * sc;
    }
  }
#pragma unroll
  for (int i = 0; i < kInt4GemvMaxRows; ++i) {
    if (i >= m) break;
    const float y = warp_sum(acc[i]);
    if (lane == 0) store_out(out, int64_t(i) * n + col, col, y, bias, residual);
  }
}

template <class T>
__global__ void int4w_tiled_kernel(const T* __restrict__ a, const uint8_t* __restrict__ packed,
                                   const float* __restrict__ scales, const T* __restrict__ bias,
                                   const T* __restrict__ residual, T* __restrict__ out, int64_t m,
                                   int64_t n, int64_t k, int group) {
  constexpr int kRows = kInt4Tile / kInt4TileThreadsY;  // outputs a thread, in one column
  __shared__ float as[kInt4Tile][kInt4Tile + 1];        // [row][k]; +1: no bank conflicts
  __shared__ float ws[kInt4Tile][kInt4Tile + 1];        // [column][k], dequantized
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * kInt4Tile + tx;
  const int64_t n0 = int64_t(blockIdx.x) * kInt4Tile, m0 = int64_t(blockIdx.y) * kInt4Tile;
  const int64_t groups = k / group;
  float acc[kRows] = {};
  for (int64_t k0 = 0; k0 < k; k0 += 32) {
    for (int idx = tid; idx < kInt4Tile * 32; idx += kInt4Tile * kInt4TileThreadsY) {
      const int r = idx / 32, c = idx % 32;
      const int64_t gm = m0 + r, gn = n0 + r;
      as[r][c] = gm < m ? to_f32(a[gm * k + k0 + c]) : 0.f;
      float w = 0;
      if (gn < n) {
        const uint32_t byte = packed[gn * (k / 2) + (k0 / 32) * 16 + (c % 16)];
        const uint32_t nib = c < 16 ? (byte & 0x0fu) : (byte >> 4);
        w = float(int(nib) - 8) * scales[gn * groups + k0 / group];
      }
      ws[r][c] = w;
    }
    __syncthreads();
#pragma unroll 8
    for (int c = 0; c < 32; ++c) {
      const float w = ws[tx][c];
#pragma unroll
      for (int i = 0; i < kRows; ++i) acc[i] += as[ty * kRows + i][c] * w;
    }
    __syncthreads();
  }
  const int64_t gn = n0 + tx;
  if (gn >= n) return;
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int64_t gm = m0 + ty * kRows + i;
    if (gm < m) store_out(out, gm * n + gn, gn, acc[i], bias, residual);
  }
}

}  // namespace

void launch_int4w_matmul(Storage s, const void* a, const uint8_t* packed, const float* scales,
                         const void* bias, const void* residual, void* out, int64_t m, int64_t n,
                         int64_t k, int group, cudaStream_t stream) {
  if (m * n == 0) return;
  with_storage(s, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const auto* ap = static_cast<const T*>(a);
    const auto* bp = static_cast<const T*>(bias);
    const auto* rp = static_cast<const T*>(residual);
    auto* op = static_cast<T*>(out);
    if (int4w_use_gemv(m)) {
      int4w_gemv_kernel<T><<<unsigned(int4w_gemv_blocks(n)), 32 * kInt4GemvWarps, 0, stream>>>(
          ap, packed, scales, bp, rp, op, int(m), n, k, group);
    } else {
      const Grid2 g = int4w_tiled_grid(m, n);
      int4w_tiled_kernel<T><<<dim3(unsigned(g.x), unsigned(g.y)), dim3(kInt4Tile, kInt4TileThreadsY), 0, stream>>>(
          ap, packed, scales, bp, rp, op, m, n, k, group);
    }
  });
  IM_CUDA_CHECK_LAUNCH();
}

}  // namespace infermark::cuda
