#include "backends/vulkan/vk_tuning.hpp"

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "common/error.hpp"

namespace infermark::vk {
namespace {

bool power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

}  // namespace

std::string MatmulTile::to_string() const {
  return std::to_string(bm) + "x" + std::to_string(bn) + "x" + std::to_string(bk) + "/" +
         std::to_string(tm) + "x" + std::to_string(tn);
}

MatmulTile parse_tile(const std::string& text, const PhysicalDevice& d) {
  MatmulTile t;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%ux%ux%u/%ux%u%c", &t.bm, &t.bn, &t.bk, &t.tm, &t.tn, &tail) != 5) {
    throw_bad_input("INFERMARK_VK_TILE", "", "expected BMxBNxBK/TMxTN (e.g. 64x64x16/4x4), got '" + text + "'");
  }
  const auto& lim = d.props.limits;
  const uint64_t shared = uint64_t(t.bm + t.bn) * (t.bk / 4 + 1) * 16;  // matmul.comp's As, Ws
  if (!t.tm || !t.tn || !t.bk || t.bk % 4 || t.bm % t.tm || t.bn % t.tn || t.workgroup() == 0 ||
      t.workgroup() > lim.maxComputeWorkGroupInvocations ||
      t.workgroup() > lim.maxComputeWorkGroupSize[0] || shared > lim.maxComputeSharedMemorySize) {
    throw_bad_input("INFERMARK_VK_TILE", "",
                    "tile " + text + " does not fit device " + d.id + " (TM | BM, TN | BN, 4 | BK, " +
                        "(BM/TM)(BN/TN) ≤ " + std::to_string(lim.maxComputeWorkGroupInvocations) +
                        " invocations, " + std::to_string(shared) + " bytes of shared memory ≤ " +
                        std::to_string(lim.maxComputeSharedMemorySize) + ")");
  }
  return t;
}

const MatmulTile& Tuning::tile_for(int64_t m) const {
  for (const auto& t : tiles)
    if (int64_t(t.bm) >= m) return t;
  return tiles.back();
}

Tuning choose_tuning(const PhysicalDevice& d) {
  Tuning t;
  t.subgroup = d.subgroup_arithmetic && power_of_two(d.subgroup_size);
  if (d.props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    // A CPU driver (lavapipe, Mesa 22) runs a subgroup as one SIMD register, but every load from
    // memory as a loop over its lanes: what pays is many multiply-adds per load, so 16×16 register
    // blocks (measured at 512×768×768: 16×16 ≈ 4× the GFLOP per CPU-second of 8×8, 8× of 4×4).
    t.tiles = {{16, 128, 24, 16, 16}, {32, 128, 24, 16, 16}, {64, 128, 24, 16, 16}, {128, 128, 24, 16, 16}};
    t.matvec_wg = d.subgroup_size;  // one subgroup: measured best for matvec on lavapipe
    t.matvec_cols = 8;
    t.row_wg = 64;
    t.eltwise_wg = 256;
    t.basis = "cpu device: 16x16 register blocks, BM by rows (16-128) x BN 128 x BK 24";
  } else {
    t.tiles = {{32, 64, 16, 2, 4}, {64, 64, 16, 4, 4}};
    t.basis = "gpu device: 32 or 64 x 64 x 16 tiles, 256 invocations";
  }
  const uint32_t max_wg = d.props.limits.maxComputeWorkGroupInvocations;
  for (auto& tile : t.tiles)
    while (tile.workgroup() > max_wg) tile.tm *= 2;  // fits any device (≥ 128 required)
  t.slice_bytes = d.props.limits.maxStorageBufferRange;
  if (const char* env = std::getenv("INFERMARK_VK_TILE"); env && *env) {
    t.tiles = {parse_tile(env, d)};
    t.basis += std::string("; INFERMARK_VK_TILE=") + env;
  }
  if (const char* env = std::getenv("INFERMARK_VK_SUBGROUP"); env && std::string(env) == "0") {
    t.subgroup = false;
    t.basis += "; INFERMARK_VK_SUBGROUP=0";
  }
  // The packed dot product wherever the device has it. Where the driver does not report it
  // accelerated it may emulate it: on lavapipe (Mesa 22.3) both paths measured the same
  // (bench/quant_bench.cpp: 1×3072×768 2.69 vs 2.75 ms, 1×50257×768 26.9 vs 26.7 ms).
  t.int_dot = d.integer_dot;
  const std::string dot = "integer dot product (VK_KHR_shader_integer_dot_product: OpSDot on packed 4x8-bit words)";
  const std::string plain = "plain int32 multiply-add";
  t.int8_path = t.int_dot ? dot + (d.integer_dot_accelerated ? ", reported accelerated"
                                                             : ", not reported accelerated (may be emulated)")
                          : plain + " (the device lacks shaderIntegerDotProduct)";
  t.int_dot_tiled = t.int_dot && d.integer_dot_accelerated;
  if (const char* env = std::getenv("INFERMARK_VK_INT_DOT"); env && *env) {
    const std::string v = env;
    if (v != "0" && v != "1") throw_bad_input("INFERMARK_VK_INT_DOT", "", "expected 0 or 1, got '" + v + "'");
    if (v == "1" && !d.integer_dot) {
      throw_bad_input("INFERMARK_VK_INT_DOT", "", "device " + d.id + " lacks shaderIntegerDotProduct: "
                      "the int8 dot-product path cannot run there (unset it, or set 0)");
    }
    t.int_dot = v == "1";
    t.int_dot_tiled = t.int_dot;
    t.int8_path = (t.int_dot ? dot : plain) + " (INFERMARK_VK_INT_DOT=" + v + ")";
    t.basis += "; INFERMARK_VK_INT_DOT=" + v;
  }
  if (!t.int_dot_tiled) t.int8_path += "; prefill tiles: the int8 values multiplied in f32 (exact), summed in int32";
  if (const char* env = std::getenv("INFERMARK_VK_SLICE_BYTES"); env && *env) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(env, &end, 10);
    if (*end || v < 16) {
      throw_bad_input("INFERMARK_VK_SLICE_BYTES", "", std::string("expected a byte count ≥ 16, got '") + env + "'");
    }
    t.slice_bytes = std::min<uint64_t>(v, t.slice_bytes);
    t.basis += std::string("; INFERMARK_VK_SLICE_BYTES=") + env;
  }
  return t;
}

}  // namespace infermark::vk
