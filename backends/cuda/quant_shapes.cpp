#include "backends/cuda/quant_shapes.hpp"

namespace infermark::cuda {
namespace {

int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

int64_t int8_padded_k(int64_t k) { return div_up(k, kInt8KAlign) * kInt8KAlign; }
int64_t int8_padded_n(int64_t n) { return div_up(n, kInt8NAlign) * kInt8NAlign; }

bool int4w_group_ok(int group) { return group == 32 || group == 128; }

std::string int4w_shape_problem(int64_t k, int group) {
  if (!int4w_group_ok(group)) return "group size " + std::to_string(group) + " (the kernels take 32 or 128)";
  if (k <= 0 || k % group != 0)
    return "K = " + std::to_string(k) + " is not a multiple of the group size " + std::to_string(group);
  return "";
}

bool int4w_use_gemv(int64_t m) { return m <= kInt4GemvMaxRows; }

int64_t int4w_gemv_blocks(int64_t n) { return div_up(n > 0 ? n : 1, kInt4GemvWarps); }

Grid2 int4w_tiled_grid(int64_t m, int64_t n) {
  return {div_up(n > 0 ? n : 1, kInt4Tile), div_up(m > 0 ? m : 1, kInt4Tile)};
}

}  // namespace infermark::cuda
