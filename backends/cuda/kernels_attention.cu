// Fused scaled-dot-product attention (suites/graph.hpp's Attention, after the KV-cache append):
// one warp per (query position, query head) row; the rows of one sequence and one KV head share
// a block, so GQA heads reuse each K/V tile. Keys stream through shared memory in tiles of 32
// (one key per lane for the scores) with an online softmax (running max m, sum l, accumulator
// acc), as flash attention does. When the key range is split across blocks (decode: few rows,
// many keys), each block writes (m, l, acc) and a combine kernel merges the splits.
#include <cmath>
#include <type_traits>

#include "backends/cuda/device_types.cuh"
#include "backends/cuda/kernels.hpp"
#include "common/error.hpp"

namespace infermark::cuda {
namespace {

struct Params {
  const void* q;
  const void* k;
  const void* v;
  void* out;
  float* partial;
  int batch, seq, context, heads, kv_heads, head_dim, keys;  // keys per sequence (rows of k / v)
  int causal;
  float scale;
  int warps, splits, chunk, k_stride;
};

// kDims: output dimensions per lane (head_dim ≤ 32 · kDims).
// Grid: x = row block, y = sequence · kv_heads + KV head, z = split.
template <class T, int kDims>
__global__ void attention_kernel(Params p) {
  extern __shared__ float smem[];
  const int hd = p.head_dim;
  float* ks = smem;                         // [kKeyTile][k_stride]
  float* vs = ks + kKeyTile * p.k_stride;   // [kKeyTile][hd]
  float* qs = vs + kKeyTile * hd;           // [warps][hd]
  const T* q = static_cast<const T*>(p.q);
  const T* k = static_cast<const T*>(p.k);
  const T* v = static_cast<const T*>(p.v);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int group = p.heads / p.kv_heads;
  const int b = blockIdx.y / p.kv_heads, g = blockIdx.y % p.kv_heads;
  const int split = blockIdx.z;
  const int rows = p.seq * group;  // rows of this (sequence, KV head), position-major
  const int row = blockIdx.x * p.warps + warp;
  const bool active = row < rows;  // uniform within a warp
  const int s = active ? row / group : 0;
  const int h = g * group + (active ? row % group : 0);
  const int64_t qw = int64_t(p.heads) * hd, kvw = int64_t(p.kv_heads) * hd;

  // Keys any row of this block may see (rows are position-major: the last has the largest s),
  // within this split's range.
  const int last_row = min(rows, (int(blockIdx.x) + 1) * p.warps) - 1;
  const int block_visible = p.causal ? p.context + last_row / group + 1 : p.keys;
  const int k_begin = split * p.chunk;
  const int k_end = min(block_visible, min(k_begin + p.chunk, p.keys));
  const int visible = p.causal ? p.context + s + 1 : p.keys;  // this row's keys are 0 … visible−1

  if (active) {
    const T* qr = q + int64_t(b * p.seq + s) * qw + int64_t(h) * hd;
    for (int d = lane; d < hd; d += 32) qs[warp * hd + d] = p.scale * to_f32(qr[d]);
  }
  float m = -INFINITY, l = 0.f;
  float acc[kDims];
#pragma unroll
  for (int i = 0; i < kDims; ++i) acc[i] = 0.f;

  for (int t0 = k_begin; t0 < k_end; t0 += kKeyTile) {
    __syncthreads();  // the previous tile is consumed (and, the first time, qs is written)
    for (int i = threadIdx.x; i < kKeyTile * hd; i += blockDim.x) {
      const int j = i / hd, d = i % hd, t = t0 + j;
      float kv = 0.f, vv = 0.f;
      if (t < k_end) {
        const int64_t off = int64_t(b * p.keys + t) * kvw + int64_t(g) * hd + d;
        kv = to_f32(k[off]);
        vv = to_f32(v[off]);
      }
      ks[j * p.k_stride + d] = kv;
      vs[j * hd + d] = vv;
    }
    __syncthreads();
    if (!active) continue;
    const int t = t0 + lane;
    float score = -INFINITY;
    if (t < k_end && t < visible) {
      const float* qr = qs + warp * hd;
      const float* kr = ks + lane * p.k_stride;
      float dot = 0.f;
      for (int d = 0; d < hd; ++d) dot += qr[d] * kr[d];
      score = dot;
    }
    const float m_new = fmaxf(m, warp_max(score));
    if (m_new == -INFINITY) continue;  // nothing visible yet (uniform across the warp)
    const float pj = score == -INFINITY ? 0.f : expf(score - m_new);
    const float correction = m == -INFINITY ? 0.f : expf(m - m_new);
    l = l * correction + warp_sum(pj);
#pragma unroll
    for (int i = 0; i < kDims; ++i) acc[i] *= correction;
    const int n = min(kKeyTile, k_end - t0);
    for (int j = 0; j < n; ++j) {
      const float pjj = __shfl_sync(kFullMask, pj, j);
      const float* vr = vs + j * hd;
#pragma unroll
      for (int i = 0; i < kDims; ++i) {
        const int d = lane + 32 * i;
        if (d < hd) acc[i] += pjj * vr[d];
      }
    }
    m = m_new;
  }
  if (!active) return;
  if (p.splits == 1) {
    // Key 0 is visible to every row, so l > 0 here.
    const float inv = 1.f / l;
    T* o = static_cast<T*>(p.out) + int64_t(b * p.seq + s) * qw + int64_t(h) * hd;
#pragma unroll
    for (int i = 0; i < kDims; ++i) {
      const int d = lane + 32 * i;
      if (d < hd) o[d] = from_f32<T>(acc[i] * inv);
    }
  } else {
    float* part = p.partial + ((int64_t(b * p.heads + h) * p.seq + s) * p.splits + split) * (hd + 2);
    if (lane == 0) {
      part[0] = m;  // −∞ with l = 0 when this split held no visible key
      part[1] = l;
    }
#pragma unroll
    for (int i = 0; i < kDims; ++i) {
      const int d = lane + 32 * i;
      if (d < hd) part[2 + d] = acc[i];
    }
  }
}

// One block per (sequence, head, position); thread d combines output dimension d over splits.
template <class T>
__global__ void combine_kernel(const float* __restrict__ partial, T* __restrict__ out, int seq,
                               int heads, int head_dim, int splits) {
  const int64_t r = blockIdx.x;  // (b · heads + h) · seq + s
  const int s = int(r % seq);
  const int64_t bh = r / seq;
  const int h = int(bh % heads);
  const int64_t b = bh / heads;
  const int stride = head_dim + 2;
  const float* part = partial + r * splits * stride;
  float mx = -INFINITY;
  for (int i = 0; i < splits; ++i) mx = fmaxf(mx, part[i * stride]);
  T* o = out + (b * seq + s) * int64_t(heads) * head_dim + int64_t(h) * head_dim;
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float num = 0.f, den = 0.f;
    for (int i = 0; i < splits; ++i) {
      const float mi = part[i * stride];
      if (mi == -INFINITY) continue;  // a split with no visible key
      const float w = expf(mi - mx);
      den += w * part[i * stride + 1];
      num += w * part[i * stride + 2 + d];
    }
    o[d] = from_f32<T>(num / den);
  }
}

template <class T>
void* kernel_for(int dims_per_lane) {
  switch (dims_per_lane) {
    case 1: return reinterpret_cast<void*>(&attention_kernel<T, 1>);
    case 2: return reinterpret_cast<void*>(&attention_kernel<T, 2>);
    case 4: return reinterpret_cast<void*>(&attention_kernel<T, 4>);
    case 8: return reinterpret_cast<void*>(&attention_kernel<T, 8>);
  }
  return nullptr;
}

void* attention_kernel_for(Storage s, int dims_per_lane) {
  void* k = nullptr;
  with_storage(s, [&](auto* tag) { k = kernel_for<std::remove_pointer_t<decltype(tag)>>(dims_per_lane); });
  if (!k) {
    throw_backend_error("attention_kernel_for", "no attention kernel for " + std::to_string(dims_per_lane) +
                                                    " dimensions per lane", __FILE__, __LINE__);
  }
  return k;
}

}  // namespace

void prepare_attention(Storage s, const AttentionLaunch& launch) {
  if (launch.smem_bytes <= 48 * 1024) return;
  IM_CUDA_CHECK(cudaFuncSetAttribute(attention_kernel_for(s, launch.dims_per_lane),
                                     cudaFuncAttributeMaxDynamicSharedMemorySize, int(launch.smem_bytes)));
}

void launch_attention(Storage s, const AttentionArgs& a, cudaStream_t stream) {
  const AttentionShape& sh = a.shape;
  const AttentionLaunch& l = a.launch;
  Params p{a.q, a.k, a.v, a.out, a.partial,
           sh.batch, sh.seq, sh.context, sh.heads, sh.kv_heads, sh.head_dim, sh.keys(),
           a.causal ? 1 : 0, a.scale, l.warps, l.splits, l.chunk, l.k_stride};
  const dim3 grid(unsigned(l.row_blocks), unsigned(sh.batch * sh.kv_heads), unsigned(l.splits));
  void* kernel = attention_kernel_for(s, l.dims_per_lane);
  void* args[] = {&p};
  IM_CUDA_CHECK(cudaLaunchKernel(kernel, grid, dim3(unsigned(32 * l.warps)), args, l.smem_bytes, stream));
  if (l.splits > 1) {
    with_storage(s, [&](auto* tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      combine_kernel<T><<<unsigned(int64_t(sh.batch) * sh.heads * sh.seq), combine_threads(sh.head_dim), 0, stream>>>(
          a.partial, static_cast<T*>(a.out), sh.seq, sh.heads, sh.head_dim, l.splits);
    });
    IM_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace infermark::cuda
