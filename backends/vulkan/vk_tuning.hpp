// Per-device launch parameters: matmul tile sizes, workgroup sizes and whether subgroup
// reductions are used, passed to the shaders as specialization constants (and recorded in the
// result as what ran). Environment overrides, for tuning and for testing other devices' paths on
// one device: INFERMARK_VK_TILE=BMxBNxBK/TMxTN forces one matmul tile, INFERMARK_VK_SUBGROUP=0
// the shared-memory reductions, INFERMARK_VK_SLICE_BYTES=N binding weights in slices above N bytes,
// INFERMARK_VK_INT_DOT=0|1 the int8 MatMul's plain integer path or its dot-product one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/vulkan/vk_context.hpp"

namespace infermark::vk {

struct MatmulTile {
  uint32_t bm = 64, bn = 64, bk = 16, tm = 4, tn = 4;
  uint32_t workgroup() const { return (bm / tm) * (bn / tn); }
  std::string to_string() const;  // "64x64x16/4x4"
};

struct Tuning {
  // Matmul tiles by BM ascending: a MatMul of M rows takes the first with BM ≥ M (little wasted
  // work on short prefills), else the last.
  std::vector<MatmulTile> tiles;
  const MatmulTile& tile_for(int64_t m) const;
  uint32_t matvec_max_m = 8;    // MatMul with at most this many rows uses matvec.comp (MAX_M)
  uint32_t matvec_wg = 128;     // invocations per matvec workgroup
  uint32_t matvec_cols = 4;     // output columns per subgroup pass in matvec.comp
  uint32_t row_wg = 128;        // norms and softmax: one workgroup per row
  uint32_t eltwise_wg = 256;    // elementwise, embedding, rope
  bool subgroup = false;        // subgroup arithmetic in reductions (norms, softmax, attention)
  // Matmul weights and embedding tables larger than this are bound in row slices (the device's
  // maxStorageBufferRange, e.g. 128 MiB on lavapipe, less than GPT-2's 154 MB embedding).
  uint64_t slice_bytes = 0;
  // int8 MatMul: packed 4×8-bit dot products where the device has shaderIntegerDotProduct, else
  // sign-extend and multiply-add in int32; int8_path says which and why.
  bool int_dot = false;
  // The tiled int8 MatMul (prefill, M > matvec_max_m) uses the dot product only where the device
  // reports it accelerated (or INFERMARK_VK_INT_DOT=1 forces it): there each word feeds TM·TN
  // dot products, and lavapipe's emulated OpSDot measured 1.2–1.5× slower than the plain path's
  // f32 multiply-adds on exact small integers (bench/quant_bench.cpp, 128×768×768: 29.5 vs
  // 19.3 ms, 19.8 vs 15.2 ms; 512×768×3072: 262 vs 218 ms).
  bool int_dot_tiled = false;
  std::string int8_path;
  std::string basis;            // why these values
};

// Throws BadInput when INFERMARK_VK_TILE is malformed or does not fit the device.
Tuning choose_tuning(const PhysicalDevice& d);

// Parses "BMxBNxBK/TMxTN"; throws BadInput naming the variable on a malformed or impossible tile.
MatmulTile parse_tile(const std::string& text, const PhysicalDevice& d);

}  // namespace infermark::vk
