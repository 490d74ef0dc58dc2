// Plain types shared by the CUDA backend's host code and its kernels: storage formats, step
// kinds and row-copy descriptions. No dependencies, so the .cu files stay light to compile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace infermark::cuda {

// How float tensors are stored on the device; arithmetic is f32 throughout.
enum class Storage { F32, BF16, F16 };
size_t storage_bytes(Storage s);
std::string to_string(Storage s);

enum class StepKind {
  Matmul,      // out = a · wᵀ (+ bias) (+ residual): cuBLASLt
  Embedding,   // gather rows of a table
  Add, Mul, Gelu, GeluTanh, Silu,
  SiluMul,     // silu(a) · b: a Silu whose only consumer is a Mul, fused
  LayerNorm, RMSNorm, Softmax,
  Rope,        // with a host-computed cos/sin table
  CopyRows,    // LastToken, and the KV-cache append of cached attention
  Attention,   // fused attention (and, with splits > 1, its combine kernel)
  // Quantized MatMuls (issue 12), out = a · wᵀ (+ bias) (+ residual) in the storage type:
  MatmulInt8,   // per-token int8 activations, cuBLASLt int8 IMMA (int32), scaling epilogue
  MatmulInt4W,  // 4-bit packed weights, f32 group scales: the project's GEMV / tiled kernels
};
std::string to_string(StepKind k);

// Blocks of rows copied between two [*, cols] tensors:
// dst[b·dst_stride + dst_offset + r] = src[b·src_stride + src_offset + r], r < rows_per_block.
struct RowCopy {
  int64_t cols = 0, blocks = 0, rows_per_block = 0;
  int64_t src_stride = 0, src_offset = 0, dst_stride = 0, dst_offset = 0;
};

}  // namespace infermark::cuda
