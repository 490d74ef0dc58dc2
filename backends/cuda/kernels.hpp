// Host entry points of the project's own CUDA kernels (the .cu files in this folder): each one
// enqueues its kernel on a stream for a storage type and checks the launch. Shapes were checked
// by the plan (cuda_plan.hpp); these only launch.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "backends/cuda/cuda_types.hpp"
#include "backends/cuda/launch_shapes.hpp"

namespace infermark::cuda {

// out[r, :] = table[ids[r], :]; an id outside the table gives a row of NaN (the plan rejects
// such ids when they are known at compile time).
void launch_embedding(Storage s, const void* table, const int32_t* ids, void* out, int64_t rows,
                      int64_t hidden, int64_t vocab, cudaStream_t stream);

enum class Pointwise { Add, Mul, SiluMul, Gelu, GeluTanh, Silu };
// Binary ops read a and b, unary ones a only; n elements.
void launch_pointwise(Storage s, Pointwise op, const void* a, const void* b, void* out, int64_t n,
                      cudaStream_t stream);

// LayerNorm (beta given) or RMSNorm (rms = true, beta null), one block per row.
void launch_norm(Storage s, bool rms, const void* x, const void* gamma, const void* beta, void* out,
                 int64_t rows, int64_t cols, float eps, cudaStream_t stream);

void launch_softmax(Storage s, const void* x, void* out, int64_t rows, int64_t cols, cudaStream_t stream);

// Rotate-half RoPE with a [positions, head_dim / 2, 2] f32 cos/sin table.
void launch_rope(Storage s, const void* x, const int32_t* pos, const float* table, void* out,
                 int64_t rows, int heads, int head_dim, int64_t positions, cudaStream_t stream);

void launch_copy_rows(Storage s, const void* src, void* dst, const RowCopy& c, cudaStream_t stream);

// out = a · wᵀ (+ bias) (+ residual), one thread per output: the fallback where cuBLASLt finds no
// algorithm for a shape. bias and residual may be null.
void launch_matmul_fallback(Storage s, const void* a, const void* w, const void* bias,
                            const void* residual, void* out, int64_t m, int64_t n, int64_t k,
                            cudaStream_t stream);

// Quantized MatMuls (issue 12). int8, before the GEMM: each row of a [M, K] to int8 q [M, kp]
// (columns K … kp − 1 zero) and its scale, exactly as quantize_row_int8 (suites/quantize.hpp):
// scale = max|x| / 127 (1 for a zero row), q = round-half-even(x / scale) clamped to ±127.
void launch_quantize_rows_int8(Storage s, const void* a, int8_t* q, float* scales, int64_t m, int64_t k,
                               int64_t kp, cudaStream_t stream);
// int8, where cuBLASLt has no algorithm for the shape: acc [M, np] = q [M, kp] · w [np, kp]ᵀ in
// int32, one thread per output (slow, exact).
void launch_int8_gemm_fallback(const int8_t* q, const int8_t* w, int32_t* acc, int64_t m, int64_t np,
                               int64_t kp, cudaStream_t stream);
// int8, after the GEMM: out[i, j] = acc[i, j] · a_scales[i] · w_scales[j] (+ bias[j])
// (+ residual[i, j]) for j < n; acc rows hold np int32. bias and residual may be null.
void launch_int8_epilogue(Storage s, const int32_t* acc, const float* a_scales, const float* w_scales,
                          const void* bias, const void* residual, void* out, int64_t m, int64_t n,
                          int64_t np, cudaStream_t stream);
// int4w: out = a · dequantize(packed, scales)ᵀ (+ bias) (+ residual), packed as Int4Weights; the
// GEMV kernel for m ≤ kInt4GemvMaxRows, else the tiled one (quant_shapes.hpp).
void launch_int4w_matmul(Storage s, const void* a, const uint8_t* packed, const float* scales,
                         const void* bias, const void* residual, void* out, int64_t m, int64_t n,
                         int64_t k, int group, cudaStream_t stream);

struct AttentionArgs {
  const void* q = nullptr;  // [B·S, heads·hd]
  const void* k = nullptr;  // keys: k [B·S, kv·hd], or the cache [B·L, kv·hd]
  const void* v = nullptr;
  void* out = nullptr;      // [B·S, heads·hd]
  float* partial = nullptr;  // split-K scratch, when launch.splits > 1
  AttentionShape shape;
  bool causal = false;
  float scale = 1;
  AttentionLaunch launch;
};
// Raises the kernel's dynamic shared memory limit where `launch` needs more than the default
// 48 KiB; called once at compile time, outside graph capture.
void prepare_attention(Storage s, const AttentionLaunch& launch);
void launch_attention(Storage s, const AttentionArgs& a, cudaStream_t stream);

// The kernel names an implementation record reports for a step kind.
std::string kernel_name(StepKind k, Storage s);

// Test-only fault: a kernel that writes to an address outside every allocation
// (cudaErrorIllegalAddress, a sticky error), to show that one failed benchmark leaves the run healthy.
void launch_illegal_address(cudaStream_t stream);

}  // namespace infermark::cuda
