// Layout and launch arithmetic of the CUDA backend's quantized MatMuls (issue 12): the padding
// cuBLASLt's int8 IMMA path needs, and the grids of the int4w GEMV and tiled kernels. Pure host
// code, tested without a GPU.
#pragma once

#include <cstdint>
#include <string>

namespace infermark::cuda {

// int8 through cuBLASLt IMMA (regular column-major order, "TN"): k and the output's leading
// dimension must be multiples of 4 and rows 16-byte aligned for the fast kernels. K is padded
// with zero columns to a multiple of 16 (int8 rows of 16-byte multiples; zeros add nothing to a
// dot product) and N with zero weight rows to a multiple of 4 (int32 accumulator rows of
// 16-byte multiples); the epilogue reads only the first N columns.
constexpr int64_t kInt8KAlign = 16;
constexpr int64_t kInt8NAlign = 4;
int64_t int8_padded_k(int64_t k);
int64_t int8_padded_n(int64_t n);
// IMMA tensor cores first appear in compute capability 7.5 (Turing).
constexpr int kInt8MinCc = 75;

// int4w: packed rows of K/2 bytes, read 16 bytes (one run of 32 k) at a time; the group size
// must be a multiple of 32 dividing K (suites/quantize.hpp), and the kernels take G = 32 or 128.
bool int4w_group_ok(int group);
// Empty when [N, K] with groups of `group` is something the kernels handle, else why not.
std::string int4w_shape_problem(int64_t k, int group);

// M ≤ kInt4GemvMaxRows (decode): the GEMV kernel, one warp per output column n (a weight row),
// kInt4GemvWarps warps a block, each lane taking runs of 32 k; fp32 sums, warp-shuffle reduction.
constexpr int64_t kInt4GemvMaxRows = 8;
constexpr int kInt4GemvWarps = 4;
bool int4w_use_gemv(int64_t m);
int64_t int4w_gemv_blocks(int64_t n);

// Larger M: tiles of kInt4Tile × kInt4Tile outputs, K in runs of 32; a block of 32 × 8 threads,
// each thread kInt4Tile / 8 rows of one column. The weight tile is dequantized into shared memory.
constexpr int kInt4Tile = 32;
constexpr int kInt4TileThreadsY = 8;
struct Grid2 {
  int64_t x = 1, y = 1;
};
Grid2 int4w_tiled_grid(int64_t m, int64_t n);  // x over N, y over M

}  // namespace infermark::cuda
