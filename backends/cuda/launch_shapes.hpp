// Launch-shape arithmetic of the CUDA backend: grid and block sizes, attention splits and shared
// memory, and which compiled architectures a device can run. Pure host code, tested without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace infermark::cuda {

// Element-wise kernels: 256 threads a block and a grid-stride loop, so a grid of at most
// kMaxEltwiseBlocks blocks covers any size.
constexpr int kEltwiseThreads = 256;
constexpr int64_t kMaxEltwiseBlocks = 65535;
int64_t eltwise_blocks(int64_t n);  // ≥ 1

// Row kernels (LayerNorm, RMSNorm, Softmax): one block per row, about 4 elements a thread, a
// multiple of the 32-thread warp between 32 and 1024.
int row_threads(int64_t cols);

// Fused attention: one warp per (query position, query head) row, the rows of one sequence and
// one KV head sharing a block (GQA: the heads of a group reuse each K/V tile), keys in tiles of
// kKeyTile through shared memory with an online softmax. Long key ranges are split across
// blocks (split-K, for decode), each writing a partial (max, sum, accumulator) that a second
// kernel combines.
constexpr int kKeyTile = 32;
constexpr int kMaxWarpsPerBlock = 8;
constexpr int kMaxHeadDim = 256;     // 8 output dimensions a lane
constexpr int kMinKeysPerSplit = 64;

struct AttentionShape {
  int batch = 0, seq = 0, context = 0, heads = 0, kv_heads = 0, head_dim = 0;
  bool cached = false;
  int keys() const { return cached ? context + seq : seq; }  // keys per sequence
};

struct AttentionLaunch {
  int warps = 1;       // rows a block, one warp each
  int row_blocks = 1;  // blocks along the rows of one (sequence, KV head)
  int splits = 1;      // key ranges per row; > 1 needs the combine kernel
  int chunk = 0;       // keys per split, a multiple of kKeyTile
  int dims_per_lane = 1;    // 1, 2, 4 or 8: head_dim ≤ 32 · dims_per_lane
  int k_stride = 0;         // floats per K row in shared memory (odd: no bank conflicts)
  size_t smem_bytes = 0;    // dynamic shared memory of the main kernel
  int64_t partial_floats = 0;  // scratch for the partials when splits > 1
  int64_t blocks(const AttentionShape& s) const {
    return int64_t(s.batch) * s.kv_heads * row_blocks * splits;
  }
};

// `sm_count`: the device's multiprocessors; splitting starts when fewer than two blocks per
// multiprocessor would run otherwise. Throws nothing: head_dim above kMaxHeadDim is the
// caller's to reject (attention_head_dim_ok).
AttentionLaunch attention_launch(const AttentionShape& s, int sm_count);
bool attention_head_dim_ok(int head_dim);
size_t attention_smem_bytes(int head_dim, int warps);

// The combine kernel: one block per (sequence, head, position), a thread per output dimension.
int combine_threads(int head_dim);

// Whether a device of compute capability `cc` (major·10 + minor, e.g. 90) can run code built
// for `archs`, CMake's CMAKE_CUDA_ARCHITECTURES list ("80-real;90", or comma-separated): machine
// code for the same major version and a minor ≤ the device's, or PTX of an architecture ≤ the
// device's (JIT-compiled). "native", "all" and "all-major" are taken as compatible.
bool arch_compatible(int cc, const std::string& archs);

}  // namespace infermark::cuda
