// One GEMM of the graph through cuBLASLt: out[M,N] = a[M,K] · w[N,K]ᵀ (+ bias) (+ residual), as
// the column-major "TN" product cuBLASLt knows best. The algorithm is chosen once, at compile
// time, by cuBLASLt's heuristic; the bias rides in the epilogue and the residual as C with β = 1.
// With `int8` (issue 12): int8 a and w, int32 out, CUBLAS_COMPUTE_32I (IMMA); k and n are then the
// padded sizes of quant_shapes.hpp and bias/residual are the caller's epilogue's.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/cuda/cuda_types.hpp"

namespace infermark::cuda {

struct GemmShape {
  Storage storage = Storage::F32;
  int64_t m = 0, n = 0, k = 0;
  bool bias = false;
  bool residual = false;
  bool int8 = false;
  auto operator<=>(const GemmShape&) const = default;
};

// The largest workspace a GEMM may ask for (what NVIDIA recommends for Hopper).
constexpr size_t kMaxWorkspaceBytes = 32u << 20;

// The heuristic's pick for a shape: the algorithm and the workspace it needs, or why none.
struct GemmChoice {
  bool found = false;
  std::string why_not;  // when !found: the heuristic's status, or "no algorithm returned"
  cublasLtMatmulHeuristicResult_t result{};
  nlohmann::ordered_json description() const;  // algo id, tile, stages, split-K, …
};

class LtMatmul {
 public:
  // Builds the descriptors (with `bias` as the epilogue's bias pointer when shape.bias).
  LtMatmul(cublasLtHandle_t handle, const GemmShape& shape, const void* bias);
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  // Asks cuBLASLt's heuristic for the best algorithm within kMaxWorkspaceBytes.
  GemmChoice choose() const;
  void use(const GemmChoice& c) { choice_ = c; }
  const GemmChoice& choice() const { return choice_; }

  // Enqueues the product with the chosen algorithm; `workspace` holds at least
  // choice().result.workspaceSize bytes.
  void enqueue(const void* a, const void* w, const void* residual, void* out, void* workspace,
               size_t workspace_bytes, cudaStream_t stream) const;

 private:
  void destroy();

  cublasLtHandle_t handle_;
  GemmShape shape_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  GemmChoice choice_;
  float alpha_ = 1.f, beta_ = 0.f;
  int32_t alpha_i_ = 1, beta_i_ = 0;  // int8: the scale type is int32
};

}  // namespace infermark::cuda
