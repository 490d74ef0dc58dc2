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
